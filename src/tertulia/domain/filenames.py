"""Safe names for files people share. A file's name comes from the uploader's machine and is
shown to everyone, used in downloads and saved on other people's disks: it must carry no path,
no control or invisible characters (a right-to-left override makes "gpj.exe" read "exe.jpg"), no
name a filesystem reserves, and fit everywhere. A name says nothing of what a file is: its
extension is for display and hints only (see `files` for what its content makes it)."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 200  # UTF-8 bytes; filesystems allow 255, headers and zips want margin
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})  # joiners: emoji sequences, Indic, Persian
_RESERVED_CHARACTERS = re.compile(r'[<>:"|?*]')  # not allowed in Windows file names
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)", re.IGNORECASE)
_EXTENSION = re.compile(r"\.[^.\s]{1,16}$")


def _shown(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
        return False
    return category != "Cf" or ch in _KEEP_FORMAT


def safe_filename(raw: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """The name to keep and show for an uploaded file: its last path component, NFC, without
    hidden characters, reserved characters replaced by "_", spaces collapsed, no leading or
    trailing dots, at most `max_bytes` of UTF-8 (the extension kept); "file" if nothing is
    left. Applying it twice changes nothing."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name if ch.isspace() or _shown(ch))
    name = _RESERVED_CHARACTERS.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if _WINDOWS_DEVICES.match(name):
        name = "_" + name
    name = _bounded(name, max_bytes).strip(" .")
    return unicodedata.normalize("NFC", name) or "file"


def _bounded(name: str, max_bytes: int) -> str:
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    found = _EXTENSION.search(name)
    extension = found.group() if found and len(found.group().encode()) < max_bytes // 2 else ""
    stem = name[: len(name) - len(extension)] if extension else name
    room = max_bytes - len(extension.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut.rstrip(" .") + extension


def extension_of(name: str) -> str:
    """The extension, lowercase, without the dot ("" if none): for display and policy hints
    only; a file's type comes from its content."""
    found = _EXTENSION.search(name)
    return found.group()[1:].lower() if found else ""


THUMBNAIL_EXTENSION = "webp"


def thumbnail_name(name: str) -> str:
    """The name a thumbnail of the file `name` downloads under: its extension (whatever it
    was, and a name without one) becomes .webp, what thumbnails are ("IMG_0001.HEIC" gives
    "IMG_0001.webp")."""
    found = _EXTENSION.search(name)
    stem = name[: found.start()] if found and found.start() > 0 else name
    return safe_filename(f"{stem}.{THUMBNAIL_EXTENSION}")
