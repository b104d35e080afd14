"""The policy on what files people share may be. What a file is comes from its content (the
sniffed MIME type), never from its name: the policy here decides which types are refused, what
the server sends them as, which a browser may show inline and under which name a download is
offered (a name whose extension would run keeps it only if the content is what runs). What
makes a name itself safe to keep and show is in `filenames`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from tertulia.domain.filenames import extension_of, safe_filename


class FileKind(StrEnum):
    """What clients show for a file: `image` is a raster we make thumbnails of."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    PDF = "pdf"
    TEXT = "text"
    SVG = "svg"
    ARCHIVE = "archive"
    DOCUMENT = "document"
    OTHER = "other"


EMPTY = "application/x-empty"  # what the sniffer says for a file of no bytes
OCTET_STREAM = "application/octet-stream"
PLAIN_TEXT = "text/plain; charset=utf-8"
SVG = "image/svg+xml"
# images we decode, make thumbnails of and serve only with their metadata removed; an image
# of any other type might carry metadata we cannot remove (a camera's RAW file, Photoshop,
# JPEG 2000), so it is not accepted (file.image_unsupported); SVG is text, sent as such
THUMBNAILED = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/heic",
        "image/heif",
        "image/tiff",
        "image/bmp",
        "image/vnd.microsoft.icon",
    }
)

# Executables and scripts: a double click (or a browser) runs them. Several names for one
# thing because libmagic's answer changed between versions and other tools use the rest.
DEFAULT_DENIED = frozenset(
    {
        # Windows programs and installers
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/x-ms-ne-executable",
        "application/x-msi",
        "application/x-ms-shortcut",  # .lnk: runs any command line with any icon
        "application/vnd.ms-htmlhelp",  # .chm: HTML with script, run outside the browser
        "application/hta",
        # Unix and macOS programs (a PIE such as /bin/true sniffs as x-sharedlib)
        "application/x-executable",
        "application/x-elf",
        "application/x-sharedlib",
        "application/x-pie-executable",
        "application/x-mach-binary",
        # Java and Android: a double click runs a .jar wherever a JRE is installed
        "application/java-archive",
        "application/x-java-archive",
        "application/vnd.android.package-archive",
        # scripts a double click runs
        "application/x-sh",
        "application/x-shellscript",
        "text/x-shellscript",
        "application/x-bat",
        "text/x-msdos-batch",
        "text/x-ms-regedit",  # .reg: a double click (and one "yes") edits the registry
        "text/x-ms-scf",  # .scf: opening its folder sends Windows credentials to any server
        "text/javascript",  # Windows Script Host runs .js on a double click
        "application/javascript",
        "application/x-javascript",
        # pages: a browser runs their scripts
        "text/html",
        "application/xhtml+xml",
    }
)

_TYPE = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MIME = re.compile(rf"{_TYPE}/{_TYPE}")
_PATTERN = re.compile(rf"{_TYPE}/(?:{_TYPE}|\*)")
# libmagic's older or unregistered names for types that have a registered one
_ALIASES = {
    "application/x-javascript": "text/javascript",
    "application/javascript": "text/javascript",  # RFC 9239 made text/javascript the name
    "application/ecmascript": "text/javascript",
    "application/x-gzip": "application/gzip",
    "application/x-rar": "application/vnd.rar",
    "application/x-rar-compressed": "application/vnd.rar",
    "application/x-zip-compressed": "application/zip",
    "application/x-pdf": "application/pdf",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-flac": "audio/flac",
    "audio/x-m4a": "audio/mp4",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "image/x-icon": "image/vnd.microsoft.icon",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "inode/x-empty": EMPTY,
    # TGA has no signature: libmagic guesses it from a few header bytes, and calls many
    # binary files TGA (bytes 0..255 repeated, for one); such bytes are just binary
    "image/x-tga": OCTET_STREAM,
}


def canonical_type(mime: str) -> str:
    """`mime` lowercase, without parameters, under its registered name (image/x-ms-bmp is
    image/bmp); application/octet-stream if it is not a MIME type at all."""
    bare = mime.split(";", 1)[0].strip().lower()
    bare = _ALIASES.get(bare, bare)
    return bare if _MIME.fullmatch(bare) else OCTET_STREAM


@dataclass(frozen=True, slots=True)
class TypePolicy:
    """Which sniffed types may be uploaded: none that `denied` names, and if `allowed` is
    set only those it names. Both hold MIME types or `family/*` wildcards (canonical, see
    `canonical_type`); a type both allowed and denied is denied."""

    denied: frozenset[str] = DEFAULT_DENIED
    allowed: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for entry in self.denied | (self.allowed or frozenset()):
            _check_pattern(entry, "type policy")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the server does with an upload of one sniffed type.

    `reason` is a stable code when `allowed` is false: file.type_denied (the deny list names
    it), file.type_not_allowed (the allow list does not) or file.image_unsupported (an
    image of a type whose metadata we cannot remove, whatever the lists say). `content_type` is the
    Content-Type to send; `inline` says whether a browser may display it (Content-Disposition
    inline; otherwise attachment); `thumbnails` whether to make them; `cleaned` whether its
    bytes are written again without metadata before anything of it is served (images, and
    SVG, which is text)."""

    allowed: bool
    reason: str | None
    content_type: str
    kind: FileKind
    inline: bool
    thumbnails: bool
    cleaned: bool = False


def decide(policy: TypePolicy, sniffed_type: str, filename: str) -> Verdict:
    """The verdict on a file whose content sniffed as `sniffed_type`. The name only refines
    the kind of a generic container (a .docx that sniffed as a plain zip is a document); it
    never changes the type, what is refused or what is sent.

    Text of any kind (HTML, XML, scripts, RTF) is sent as UTF-8 text/plain, except the types
    known to be inert (`SAFE_TEXT`) and SVG (sent as image/svg+xml so that a client may show
    it in an <img>, where its scripts never run; always as an attachment). Inline: raster
    images, video, audio and PDF (the browsers' viewers run a PDF apart from the page's
    origin); never SVG, HTML, XML or other text."""
    mime = canonical_type(sniffed_type)
    kind = kind_of(mime, filename)
    reason = _reason(policy, mime)
    allowed = reason is None
    return Verdict(
        allowed=allowed,
        reason=reason,
        content_type=_sent_as(mime),
        kind=kind,
        inline=allowed and _inline(mime, kind),
        thumbnails=allowed and kind is FileKind.IMAGE,
        cleaned=allowed and kind in (FileKind.IMAGE, FileKind.SVG),
    )


def _reason(policy: TypePolicy, mime: str) -> str | None:
    if _matches(policy.denied, mime):
        return "file.type_denied"
    if mime.startswith("image/") and mime not in THUMBNAILED and mime != SVG:
        return "file.image_unsupported"
    if policy.allowed is not None and not _matches(policy.allowed, mime):
        return "file.type_not_allowed"
    return None


def _matches(patterns: frozenset[str], mime: str) -> bool:
    return mime in patterns or mime.split("/", 1)[0] + "/*" in patterns


# text a browser shows as text whatever it holds: sent under its own type
SAFE_TEXT = {
    "text/plain": PLAIN_TEXT,
    "text/csv": "text/csv; charset=utf-8",
    "application/json": "application/json",  # UTF-8 by definition (RFC 8259)
}


def _words(text: str) -> list[str]:
    return text.split()


_INLINE_IMAGES = THUMBNAILED  # once processed; one that fails stays an attachment
_DOCUMENT_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.ms-word",
)
_DOCUMENTS = frozenset(
    {
        "application/msword",
        "application/rtf",
        "text/rtf",
        "application/epub+zip",
        "application/vnd.ms-outlook",
        "application/vnd.ms-project",
        "application/vnd.ms-publisher",
        "application/vnd.visio",
        "application/vnd.apple.keynote",
        "application/vnd.apple.numbers",
        "application/vnd.apple.pages",
    }
)
_ARCHIVES = frozenset(
    {
        "application/zip",
        "application/gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-lzip",
        "application/x-lzma",
        "application/zstd",
        "application/x-zstd",
        "application/vnd.ms-cab-compressed",
        "application/x-iso9660-image",
        "application/x-apple-diskimage",
    }
)
# containers whose documents libmagic cannot always tell apart from the container itself
_CONTAINERS = frozenset(
    {"application/zip", "application/x-ole-storage", "application/x-cdf", "application/cdfv2"}
)
_OFFICE_EXTENSIONS = frozenset(
    _words(
        "doc docx docm dot dotx xls xlsx xlsm xlt xltx ppt pptx pptm pps ppsx odt ods odp odg "
        "epub pages numbers key msg vsd vsdx"
    )
)
_TEXT_APPLICATIONS = frozenset(
    {
        "application/json",
        "application/xml",
        "application/x-sh",
        "application/x-shellscript",
        "application/x-csh",
        "application/x-bat",
        "application/hta",
        "application/x-httpd-php",
        "application/x-php",
        "application/x-perl",
        "application/x-ruby",
        "application/x-python",
        "application/sql",
        "application/x-mswinurl",
        "application/x-setupscript",
        "application/x-wine-extension-ini",
    }
)


def kind_of(mime: str, filename: str = "") -> FileKind:
    """The kind of a file of canonical type `mime` (see `decide` for the name's part)."""
    family = mime.partition("/")[0]
    if mime in THUMBNAILED:
        return FileKind.IMAGE
    if mime == SVG:
        return FileKind.SVG
    if mime == "application/pdf":
        return FileKind.PDF
    if family in ("video", "audio"):
        return FileKind(family)
    if mime in _DOCUMENTS or mime.startswith(_DOCUMENT_PREFIXES):
        return FileKind.DOCUMENT
    if mime in _CONTAINERS and extension_of(filename) in _OFFICE_EXTENSIONS:
        return FileKind.DOCUMENT
    if mime in _ARCHIVES:
        return FileKind.ARCHIVE
    if is_text_like(mime):
        return FileKind.TEXT
    return FileKind.OTHER


def is_text_like(mime: str) -> bool:
    """Whether a type is text a program may read as markup or code (HTML, XML, scripts)."""
    family, _, subtype = mime.partition("/")
    return (
        family in ("text", "message")
        or subtype.endswith(("+xml", "+json"))
        or mime in _TEXT_APPLICATIONS
    )


def _sent_as(mime: str) -> str:
    if mime == EMPTY:
        return OCTET_STREAM
    if is_text_like(mime) and mime != SVG:
        # whatever kind it is (RTF is a document): a browser renders any XML type and runs
        # the XHTML script in it. A charset stops a browser guessing one (UTF-7 once
        # smuggled script that way); a byte-order mark still wins over it
        return SAFE_TEXT.get(mime, PLAIN_TEXT)
    return mime


def _inline(mime: str, kind: FileKind) -> bool:
    return kind in (FileKind.VIDEO, FileKind.AUDIO, FileKind.PDF) or mime in _INLINE_IMAGES


# Extensions a double click or a browser treats as something that runs, mapped to the types
# that make the name honest. Any other content gets an extension of its own appended.
_WINDOWS_PROGRAMS = frozenset(
    {
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/x-ms-ne-executable",
    }
)
_PAGES = frozenset({"text/html", "application/xhtml+xml"})
_RISKY_EXTENSIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(_words("exe com scr pif cpl dll sys ocx drv"), _WINDOWS_PROGRAMS),
    **dict.fromkeys(_words("msi msp mst"), frozenset({"application/x-msi"})),
    "lnk": frozenset({"application/x-ms-shortcut"}),
    "url": frozenset({"application/x-mswinurl"}),
    "chm": frozenset({"application/vnd.ms-htmlhelp"}),
    "jar": frozenset({"application/java-archive", "application/x-java-archive"}),
    "apk": frozenset({"application/vnd.android.package-archive"}),
    "svg": frozenset({"image/svg+xml"}),
    "svgz": frozenset({"image/svg+xml", "application/gzip"}),
    **dict.fromkeys(_words("html htm shtml xhtml xht mht mhtml"), _PAGES),
    **dict.fromkeys(
        # scripts, launchers and installers: whatever the content, the name is not kept
        _words(
            "hta js jse mjs vb vbs vbe wsf wsh wsc ws ps1 psm1 psd1 ps1xml bat cmd reg scf inf "
            "sh bash command desktop jnlp appref-ms application settingcontent-ms library-ms "
            "searchconnector-ms msc gadget appx appxbundle msix msixbundle"
        ),
        frozenset[str](),
    ),
}
_EXTENSIONS_BY_TYPE = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/vnd.microsoft.icon": "ico",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/gzip": "gz",
    "application/x-tar": "tar",
    "application/x-7z-compressed": "7z",
    "application/vnd.rar": "rar",
    "application/json": "json",
    "text/csv": "csv",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/mp4": "m4a",
}


def download_name(name: str, content_type: str) -> str:
    """The name a download of `name` is offered under, given the Content-Type the server
    sends (`Verdict.content_type`). A name whose extension a double click or a browser would
    run (.exe, .html, .svg, .js, .jar, .lnk…) keeps it only if the content really is that;
    otherwise an extension for the content is appended ("invoice.html" sent as text becomes
    "invoice.html.txt", "x.exe" that is a PNG "x.exe.png"). Any other name is kept."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    honest = _RISKY_EXTENSIONS.get(extension)
    mime = canonical_type(content_type)
    if honest is None or mime in honest:
        return name
    suffix = "txt" if is_text_like(mime) else _EXTENSIONS_BY_TYPE.get(mime, "bin")
    return safe_filename(f"{name}.{suffix}")


def parse_type_policy(denied: str | None = None, allowed: str | None = None) -> TypePolicy:
    """The policy from two comma-separated settings of MIME types and `family/*` wildcards.

    `denied`: unset or blank keeps `DEFAULT_DENIED`; "none" denies nothing; the word
    "default" among the entries stands for `DEFAULT_DENIED` ("default, application/x-iso9660-image"
    adds one). `allowed`: unset or blank allows every type not denied. Entries are read
    case-insensitively and under their registered names. ValueError names a malformed entry."""
    if denied is None or not denied.strip():
        deny = DEFAULT_DENIED
    elif denied.strip().lower() == "none":
        deny = frozenset()
    else:
        deny = _entries(denied, "denied file types", default=DEFAULT_DENIED)
    allow = (
        None if allowed is None or not allowed.strip() else _entries(allowed, "allowed file types")
    )
    return TypePolicy(denied=deny, allowed=allow)


def _entries(setting: str, what: str, default: frozenset[str] | None = None) -> frozenset[str]:
    found: set[str] = set()
    for raw in setting.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue  # "a, b," is a list with a trailing comma, not an empty type
        if default is not None and entry == "default":
            found |= default
            continue
        _check_pattern(entry, what)
        found.add(_ALIASES.get(entry, entry))
    return frozenset(found)


def _check_pattern(entry: str, what: str) -> None:
    if entry.startswith("*/"):
        raise ValueError(
            f"{what}: {entry!r} matches every type; leave the allowed list empty to allow all"
        )
    if not _PATTERN.fullmatch(entry):
        raise ValueError(
            f"{what}: {entry!r} is not a MIME type (type/subtype, lowercase, no parameters) "
            "or a family/* wildcard, e.g. image/png or video/*"
        )
