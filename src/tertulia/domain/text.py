"""Rules for the short texts people choose: display names, usernames, channel names, slugs.

Names are shown to other people, so they must not hide anything: control characters, bidi
overrides (which make "gpj.exe" look like "exe.jpg"), invisible format characters and lone
surrogates are refused. Letters of every script and emoji (4-byte ones included) are welcome.
"""

from __future__ import annotations

import re
import unicodedata

from tertulia.domain.errors import Invalid

# Zero-width joiner and non-joiner are part of emoji sequences and of Persian, Indic scripts.
_ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})
USERNAME_MAX = 32
CHANNEL_NAME_MAX = 80
SLUG_MAX = 40
_USERNAME_RE = re.compile(rf"^[a-z][a-z0-9._-]{{1,{USERNAME_MAX - 1}}}$")
_SLUG_RE = re.compile(rf"^[a-z0-9](?:[a-z0-9-]{{0,{SLUG_MAX - 2}}}[a-z0-9])?$")
RESERVED_USERNAMES = frozenset(
    {"all", "channel", "here", "everyone", "system", "tertulia", "admin", "root", "me"}
)


def _bad_character(text: str) -> str | None:
    """The first character that may not appear in a name, described, or None."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return "an unpaired surrogate"
        if category == "Cc":
            return f"the control character U+{ord(ch):04X}"
        if category == "Cf" and ch not in _ALLOWED_FORMAT:
            return f"the invisible formatting character U+{ord(ch):04X}"
        if category in ("Co", "Cn"):
            return f"the unassigned or private-use character U+{ord(ch):04X}"
        if category in ("Zl", "Zp"):
            return "a line break"
    return None


def _visible(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LNSP" for ch in text)


def display_text(value: str, *, field: str, max_length: int, allow_empty: bool = False) -> str:
    """Normalise a one-line human text (a display name, a topic); raise Invalid if unfit.

    The text is NFC-normalised and trimmed; inner runs of spaces collapse to one.
    """
    text = unicodedata.normalize("NFC", value)
    bad = _bad_character(text)
    if bad:
        raise Invalid.field(field, "text.bad_character", f"{field} may not contain {bad}.")
    text = " ".join(text.split())  # only spaces are left to collapse: breaks were refused above
    if not text:
        if allow_empty:
            return ""
        raise Invalid.field(field, "text.empty", f"{field} may not be empty.")
    if not _visible(text):
        raise Invalid.field(
            field, "text.invisible", f"{field} needs at least one visible character."
        )
    if len(text) > max_length:
        raise Invalid.field(
            field, "text.too_long", f"{field} may have at most {max_length} characters."
        )
    return text


def username(value: str, *, field: str = "username") -> str:
    """Lowercase a username; it must be 2 to 32 ASCII letters, digits, '.', '_' or '-'."""
    name = value.strip().lower()
    if not _USERNAME_RE.match(name):
        raise Invalid.field(
            field,
            "username.invalid",
            "A username has 2 to 32 characters: ASCII letters, digits, '.', '_' or '-',"
            " starting with a letter.",
        )
    if name in RESERVED_USERNAMES:
        raise Invalid.field(field, "username.reserved", f"The username '{name}' is reserved.")
    return name


def channel_name(value: str, *, field: str = "name") -> str:
    """Lowercase a channel name: letters of any script, digits, '-' and '_', at most 80."""
    name = unicodedata.normalize("NFC", value.strip()).lower()
    if not name:
        raise Invalid.field(field, "channel.name_empty", "A channel needs a name.")
    if len(name) > CHANNEL_NAME_MAX:
        raise Invalid.field(
            field,
            "channel.name_too_long",
            f"A channel name has at most {CHANNEL_NAME_MAX} characters.",
        )
    for ch in name:
        category = unicodedata.category(ch)
        if not (category[0] in "LM" or category == "Nd" or ch in "-_"):
            shown = "a space" if ch.isspace() else f"'{ch}' (U+{ord(ch):04X})"
            raise Invalid.field(
                field,
                "channel.name_invalid",
                f"A channel name may contain letters, digits, '-' and '_', not {shown};"
                " use '-' between words.",
            )
    if not any(unicodedata.category(ch)[0] == "L" or ch.isdigit() for ch in name):
        raise Invalid.field(
            field, "channel.name_invalid", "A channel name needs at least one letter or digit."
        )
    return name


def slug(value: str, *, field: str = "slug") -> str:
    """Check a workspace slug: 1 to 40 lowercase ASCII letters, digits and inner hyphens."""
    text = value.strip().lower()
    if not _SLUG_RE.match(text):
        raise Invalid.field(
            field,
            "workspace.slug_invalid",
            "A slug has 1 to 40 lowercase ASCII letters, digits or hyphens, not at either end.",
        )
    return text


def slug_from(name: str) -> str:
    """A slug derived from a display name ("Café Técnico" → "cafe-tecnico"); may be empty."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:SLUG_MAX].strip("-")
