"""Tests of the rules for the short texts people choose: display names, usernames, channel names
and workspace slugs."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tertulia.domain import text
from tertulia.domain.errors import Invalid


def display(value: str, max_length: int = 64, allow_empty: bool = False) -> str:
    return text.display_text(
        value, field="display_name", max_length=max_length, allow_empty=allow_empty
    )


def refusal(call: object, *args: object, **kwargs: object) -> Invalid:
    """The Invalid the call raises (it must raise one)."""
    assert callable(call)
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return caught.value


# display text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ana García",
        "Zoë O'Brien-Núñez",
        "محمد علي",  # Arabic
        "דוד לוי",  # Hebrew
        "王小明",  # Chinese
        "Ана Петрова",  # Cyrillic
        "Ana 🎸",  # a 4-byte emoji
        "🦊",  # nothing but an emoji
        "Ana 👩\u200d💻",  # a ZWJ sequence: woman technologist
        "می\u200cخواهم",  # Persian, whose words need the zero-width non-joiner
        "Ana 1990",
    ],
)
def test_display_names_welcome_every_script_and_emoji(name: str) -> None:
    """People can write their name in their own script and add emoji, and it is kept as typed."""
    assert display(name) == name


def test_a_zwj_emoji_sequence_stays_whole() -> None:
    """The 👩‍💻 emoji is kept with its joiner, so it shows as one picture, not two."""
    assert display("👩\u200d💻") == "\U0001f469\u200d\U0001f4bb"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("gpj\u202eexe.png", "U+202E"),  # right-to-left override
        ("Ana\u202dBob", "U+202D"),  # left-to-right override
        ("Ana\u2066Bob", "U+2066"),  # left-to-right isolate
        ("Ana\u200bBob", "U+200B"),  # zero-width space
        ("\ufeffAna", "U+FEFF"),  # byte-order mark
        ("Ana\u2060", "U+2060"),  # word joiner
        ("Ana\u00adBob", "U+00AD"),  # soft hyphen
        ("Ana\x00Bob", "U+0000"),  # NUL
        ("Ana\x07Bob", "U+0007"),  # bell
        ("Ana\x7fBob", "U+007F"),  # delete
        ("Ana\ue000", "U+E000"),  # private use
    ],
)
def test_hidden_and_spoofing_characters_are_refused(name: str, shown: str) -> None:
    """A name hiding control, bidi or invisible characters is refused, naming the culprit."""
    error = refusal(display, name)
    assert error.code == "text.bad_character"
    assert shown in error.detail
    assert [(e.field, e.code) for e in error.errors] == [("display_name", "text.bad_character")]


@pytest.mark.parametrize("name", ["Ana\ud800", "\udc00Ana", "A\udfffna"])
def test_lone_surrogates_are_refused(name: str) -> None:
    """Half of an emoji (a lone UTF-16 surrogate) is refused rather than stored as garbage."""
    error = refusal(display, name)
    assert error.code == "text.bad_character"
    assert "surrogate" in error.detail


@pytest.mark.parametrize(
    "name",
    [
        "Ana\nBob",
        "Ana\r\nBob",
        "Ana\u2028Bob",  # line separator
        "Ana\u2029Bob",  # paragraph separator
    ],
)
def test_line_breaks_are_refused(name: str) -> None:
    """A display name is one line: a name with a line break in it is refused, not reflowed."""
    error = refusal(display, name)
    assert error.code == "text.bad_character"


def test_spaces_are_trimmed_and_collapsed() -> None:
    """Stray spaces around and between words disappear, so 'Ana   García ' shows tidily."""
    assert display("  Ana   García  ") == "Ana García"


def test_names_are_nfc_normalised() -> None:
    """The same name typed with a combining accent or a precomposed letter is stored the same."""
    decomposed = "Jose\u0301"
    assert display(decomposed) == "José"
    assert display(decomposed) == unicodedata.normalize("NFC", "José")


@pytest.mark.parametrize("name", ["", "   ", "\u3000\u00a0"])
def test_empty_names_are_refused(name: str) -> None:
    """A blank display name is refused with a code saying it is empty."""
    assert refusal(display, name).code == "text.empty"


def test_optional_texts_may_be_empty() -> None:
    """A field that allows it (a title, a topic) can be cleared to nothing."""
    assert display("   ", allow_empty=True) == ""


@pytest.mark.parametrize("name", ["\u200d", "\u200c\u200d", "\u0301"])
def test_names_need_something_visible(name: str) -> None:
    """A name made only of joiners or a lone accent, which would show as nothing, is refused."""
    assert refusal(display, name).code == "text.invisible"


def test_length_is_counted_in_characters() -> None:
    """The limit counts what people see: 64 emoji fit a 64-character name, 65 do not."""
    assert display("🎸" * 64) == "🎸" * 64
    assert display("ñ" * 64) == "ñ" * 64
    error = refusal(display, "🎸" * 65)
    assert error.code == "text.too_long"
    assert "64" in error.detail


# usernames -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ana", "ana"),
        ("Ana", "ana"),
        ("  ANA.Garcia_99-x ", "ana.garcia_99-x"),
        ("ab", "ab"),
        ("a" * 32, "a" * 32),
    ],
)
def test_usernames_are_lowercased(typed: str, stored: str) -> None:
    """Usernames are case-insensitive: 'Ana' signs up as 'ana'."""
    assert text.username(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "a",  # too short
        "a" * 33,  # too long
        "1ana",  # must start with a letter
        "_ana",
        "ana garcia",  # no spaces
        "ana@example.com",  # not an email
        "añá",  # ASCII only: no look-alikes of other names
        "аna",  # Cyrillic 'а'
        "ana\u200b",
        "ana\x00",
        "",
    ],
)
def test_bad_usernames_are_refused(typed: str) -> None:
    """A username outside 2-32 ASCII letters, digits, '.', '_', '-' is refused with the rule."""
    error = refusal(text.username, typed)
    assert error.code == "username.invalid"
    assert "2 to 32" in error.detail


@pytest.mark.parametrize("typed", [*sorted(text.RESERVED_USERNAMES), "Admin", "EVERYONE", " here "])
def test_reserved_usernames_are_refused(typed: str) -> None:
    """Names that mean something in a mention (@here, @all) or look official cannot be taken."""
    error = refusal(text.username, typed)
    assert error.code == "username.reserved"


def test_usernames_report_their_field() -> None:
    """The refusal names the field the caller gave, so a form can point at the right box."""
    error = refusal(text.username, "x", field="login")
    assert [e.field for e in error.errors] == ["login"]


# channel names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("general", "general"),
        ("Diseño", "diseño"),
        ("  Random  ", "random"),
        ("Team_Backend-2026", "team_backend-2026"),
        ("設計", "設計"),
        ("تصميم", "تصميم"),
        ("עיצוב", "עיצוב"),
        ("2026", "2026"),
    ],
)
def test_channel_names_are_lowercased(typed: str, stored: str) -> None:
    """Channel names of any script are kept, lowercased, so #Diseño and #diseño are one."""
    assert text.channel_name(typed) == stored


def test_channel_names_are_nfc_normalised() -> None:
    """'diseño' typed with a combining tilde is the same channel as the precomposed one."""
    assert text.channel_name("Disen\u0303o") == "diseño"


def test_spaces_in_channel_names_suggest_a_hyphen() -> None:
    """Typing 'design team' is refused with a message telling the person to use '-'."""
    error = refusal(text.channel_name, "design team")
    assert error.code == "channel.name_invalid"
    assert "a space" in error.detail
    assert "'-'" in error.detail
    assert [e.field for e in error.errors] == ["name"]


@pytest.mark.parametrize(
    "typed", ["party🎉", "🎉", "👩\u200d💻", "ideas\u200b", "a/b", "a.b", "#a"]
)
def test_emoji_and_symbols_are_refused_in_channel_names(typed: str) -> None:
    """A channel name is letters, digits, '-' and '_': emoji and punctuation are refused."""
    assert refusal(text.channel_name, typed).code == "channel.name_invalid"


def test_a_refused_character_is_named() -> None:
    """The message shows which character is not allowed and its code point."""
    error = refusal(text.channel_name, "party🎉")
    assert "U+1F389" in error.detail


@pytest.mark.parametrize("typed", ["-", "__", "-_-"])
def test_channel_names_need_a_letter_or_digit(typed: str) -> None:
    """A name of only hyphens and underscores is refused."""
    assert refusal(text.channel_name, typed).code == "channel.name_invalid"


@pytest.mark.parametrize("typed", ["", "   "])
def test_channel_names_may_not_be_empty(typed: str) -> None:
    """A channel needs a name."""
    assert refusal(text.channel_name, typed).code == "channel.name_empty"


def test_channel_names_have_at_most_80_characters() -> None:
    """80 characters (of any script) fit; 81 are refused with the limit in the message."""
    assert text.channel_name("a" * 80) == "a" * 80
    assert text.channel_name("ñ" * 80) == "ñ" * 80
    error = refusal(text.channel_name, "a" * 81)
    assert error.code == "channel.name_too_long"
    assert "80" in error.detail


# slugs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("acme", "acme"), ("Acme-Corp", "acme-corp"), ("a", "a"), ("x" * 40, "x" * 40), ("42", "42")],
)
def test_slugs_are_lowercase_ascii(typed: str, stored: str) -> None:
    """A workspace address is short lowercase ASCII, whatever case it was typed in."""
    assert text.slug(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "-acme", "acme-", "acme corp", "café", "acme_corp", "x" * 41, "acme.corp"]
)
def test_bad_slugs_are_refused(typed: str) -> None:
    """A slug with spaces, accents, end hyphens or over 40 characters is refused."""
    assert refusal(text.slug, typed).code == "workspace.slug_invalid"


@pytest.mark.parametrize(
    ("name", "derived"),
    [
        ("Café Técnico", "cafe-tecnico"),
        ("Equipo Núcleo", "equipo-nucleo"),
        ("  ACME, Inc.  ", "acme-inc"),
        ("Ünïcödé ﬁsh", "unicode-fish"),
        ("日本語チーム", ""),
        ("🎉🎉", ""),
    ],
)
def test_slugs_derive_from_names(name: str, derived: str) -> None:
    """A workspace named 'Café Técnico' gets the address 'cafe-tecnico'; all-CJK names get none."""
    assert text.slug_from(name) == derived


def test_derived_slugs_are_cut_without_a_trailing_hyphen() -> None:
    """A long name gives a slug of at most 40 characters that does not end in a hyphen."""
    derived = text.slug_from("a" * 39 + " bcd")
    assert derived == "a" * 39


@given(st.text())
def test_derived_slugs_are_always_valid_or_empty(name: str) -> None:
    """Whatever a workspace is called, the address derived from it is valid (or there is none)."""
    derived = text.slug_from(name)
    assert derived == "" or text.slug(derived) == derived
