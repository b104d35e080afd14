"""File names from other people's machines (no paths, nothing hidden, fits everywhere), and the
policy on what their content may be."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tertulia.domain.filenames import MAX_NAME_BYTES, extension_of, safe_filename, thumbnail_name
from tertulia.domain.files import (
    DEFAULT_DENIED,
    FileKind,
    TypePolicy,
    Verdict,
    canonical_type,
    decide,
    download_name,
    parse_type_policy,
)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("informe_q3.pdf", "informe_q3.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\Escritorio\\presupuesto 2027.xlsx", "presupuesto 2027.xlsx"),
        ("/", "file"),
        ("..", "file"),
        ("", "file"),
        ("   .hidden  ", "hidden"),
        ("foto\x00.png", "foto.png"),
        ("factura\u202egpj.exe", "facturagpj.exe"),  # the override that hides .exe, gone
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("👩\u200d💻 notas.md", "👩\u200d💻 notas.md"),  # emoji joiners stay
        ('what?<is>"this"|*:.txt', "what__is__this____.txt"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("Cancio\u0301n.mp3", "Canción.mp3"),  # NFC
        ("a   b\t\tc.txt", "a b c.txt"),
        ("line\nbreak.txt", "line break.txt"),
        ("name.", "name"),
    ],
)
def test_names_are_made_safe(raw: str, kept: str) -> None:
    assert safe_filename(raw) == kept


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_filename("ñ" * 300 + ".docx")
    assert name.endswith(".docx")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.startswith("ñññ")
    assert safe_filename("x" * 500).startswith("x")
    assert len(safe_filename("x" * 500).encode()) == MAX_NAME_BYTES


@pytest.mark.parametrize(
    ("name", "extension"),
    [("a.PDF", "pdf"), ("archive.tar.gz", "gz"), ("README", ""), (".env", "env"), ("a. b", "")],
)
def test_the_extension_is_read_from_the_name(name: str, extension: str) -> None:
    assert extension_of(name) == extension


@given(st.text(max_size=400))
def test_any_name_becomes_one_that_is_safe_and_stable(raw: str) -> None:
    name = safe_filename(raw)
    assert name
    assert "/" not in name
    assert "\\" not in name
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in name)
    assert name == name.strip(" .") or name == "file"
    assert safe_filename(name) == name


# What the server does with each type of upload.

EVERYTHING = TypePolicy(denied=frozenset())


@pytest.mark.parametrize(
    ("sniffed", "name", "kind", "content_type", "inline"),
    [
        ("image/jpeg", "foto.jpg", FileKind.IMAGE, "image/jpeg", True),
        ("image/png", "captura.png", FileKind.IMAGE, "image/png", True),
        ("image/gif", "risa.gif", FileKind.IMAGE, "image/gif", True),
        ("image/webp", "a.webp", FileKind.IMAGE, "image/webp", True),
        ("image/bmp", "viejo.bmp", FileKind.IMAGE, "image/bmp", True),
        ("image/x-ms-bmp", "viejo.bmp", FileKind.IMAGE, "image/bmp", True),
        ("image/avif", "a.avif", FileKind.IMAGE, "image/avif", True),
        ("image/heic", "IMG_0001.HEIC", FileKind.IMAGE, "image/heic", True),
        ("image/heif", "a.heif", FileKind.IMAGE, "image/heif", True),
        ("image/tiff", "scan.tif", FileKind.IMAGE, "image/tiff", True),
        ("image/x-icon", "favicon.ico", FileKind.IMAGE, "image/vnd.microsoft.icon", True),
        ("image/x-tga", "datos.bin", FileKind.OTHER, "application/octet-stream", False),
        ("image/svg+xml", "logo.svg", FileKind.SVG, "image/svg+xml", False),
        ("video/mp4", "demo.mp4", FileKind.VIDEO, "video/mp4", True),
        ("video/webm", "demo.webm", FileKind.VIDEO, "video/webm", True),
        ("audio/mpeg", "nota.mp3", FileKind.AUDIO, "audio/mpeg", True),
        ("audio/x-wav", "nota.wav", FileKind.AUDIO, "audio/wav", True),
        ("application/pdf", "factura.pdf", FileKind.PDF, "application/pdf", True),
        ("text/plain", "notas.txt", FileKind.TEXT, "text/plain; charset=utf-8", False),
        ("text/csv", "datos.csv", FileKind.TEXT, "text/csv; charset=utf-8", False),
        ("application/json", "a.json", FileKind.TEXT, "application/json", False),
        ("text/xml", "feed.xml", FileKind.TEXT, "text/plain; charset=utf-8", False),
        ("text/x-script.python", "a.py", FileKind.TEXT, "text/plain; charset=utf-8", False),
        ("text/x-php", "index.php", FileKind.TEXT, "text/plain; charset=utf-8", False),
        ("application/zip", "fotos.zip", FileKind.ARCHIVE, "application/zip", False),
        ("application/x-rar", "a.rar", FileKind.ARCHIVE, "application/vnd.rar", False),
        ("application/x-tar", "a.tar", FileKind.ARCHIVE, "application/x-tar", False),
        ("application/zip", "informe.docx", FileKind.DOCUMENT, "application/zip", False),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "informe.docx",
            FileKind.DOCUMENT,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
        ("application/msword", "a.doc", FileKind.DOCUMENT, "application/msword", False),
        ("text/rtf", "a.rtf", FileKind.DOCUMENT, "text/plain; charset=utf-8", False),
        ("application/rtf", "a.rtf", FileKind.DOCUMENT, "application/rtf", False),
        ("application/octet-stream", "a.dat", FileKind.OTHER, "application/octet-stream", False),
        ("application/x-empty", "vacio.txt", FileKind.OTHER, "application/octet-stream", False),
        ("not a type", "a", FileKind.OTHER, "application/octet-stream", False),
    ],
)
def test_each_kind_is_sent_and_shown_its_own_way(
    sniffed: str, name: str, kind: FileKind, content_type: str, inline: bool
) -> None:
    """Uploads are allowed by default, sent under their content's type (text as UTF-8
    text/plain unless inert) and shown inline only if a browser cannot run them."""
    verdict = decide(TypePolicy(), sniffed, name)
    assert verdict == Verdict(
        allowed=True,
        reason=None,
        content_type=content_type,
        kind=kind,
        inline=inline,
        thumbnails=kind is FileKind.IMAGE,
        cleaned=kind in (FileKind.IMAGE, FileKind.SVG),
    )


@pytest.mark.parametrize(
    "sniffed",
    [
        "image/jp2",
        "image/vnd.adobe.photoshop",
        "image/x-canon-cr2",
        "image/x-portable-pixmap",
        "image/x-xcf",
        "image/heic-sequence",
    ],
)
def test_images_whose_metadata_cannot_be_removed_are_refused(sniffed: str) -> None:
    """An image of a type we cannot clean (a camera's RAW file, Photoshop, JPEG 2000) might
    carry where and with what it was taken: refused even by a policy that allows it."""
    for policy in (TypePolicy(), TypePolicy(denied=frozenset(), allowed=frozenset({"image/*"}))):
        verdict = decide(policy, sniffed, "foto")
        assert (verdict.allowed, verdict.reason) == (False, "file.image_unsupported")
        assert not verdict.inline


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("IMG_0001.HEIC", "IMG_0001.webp"),
        ("foto.de.playa.jpg", "foto.de.playa.webp"),
        ("sin extension", "sin extension.webp"),
        ("jpg", "jpg.webp"),
        ("x" * 198 + ".png", "x" * 195 + ".webp"),
    ],
)
def test_a_thumbnail_downloads_under_a_webp_name(name: str, shown: str) -> None:
    """Thumbnails are WebP, whatever the original was, and their name says so."""
    assert thumbnail_name(name) == shown


@pytest.mark.parametrize(
    "sniffed",
    [  # what libmagic 5.44 answers for real samples (see tests/adapters/test_sniff.py)
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/x-sharedlib",
        "application/x-pie-executable",
        "application/x-executable",
        "application/x-mach-binary",
        "application/x-msi",
        "application/x-ms-shortcut",
        "application/vnd.ms-htmlhelp",
        "application/java-archive",
        "application/vnd.android.package-archive",
        "text/x-shellscript",
        "text/x-msdos-batch",
        "text/x-ms-regedit",
        "text/x-ms-scf",
        "application/javascript",
        "text/javascript",
        "text/html",
        "text/html; charset=utf-8",
        "TEXT/HTML",
        "application/xhtml+xml",
    ],
)
def test_programs_scripts_and_pages_are_refused_by_default(sniffed: str) -> None:
    """An executable, a script or a web page is refused with file.type_denied, whatever its
    name says."""
    verdict = decide(TypePolicy(), sniffed, "photo.png")
    assert not verdict.allowed
    assert verdict.reason == "file.type_denied"
    assert not verdict.inline
    assert not verdict.thumbnails


def test_the_name_never_decides() -> None:
    """A page called photo.png is refused; a picture called setup.exe is a picture."""
    assert decide(TypePolicy(), "text/html", "photo.png").reason == "file.type_denied"
    picture = decide(TypePolicy(), "image/png", "setup.exe")
    assert picture.allowed
    assert picture.kind is FileKind.IMAGE
    assert picture.content_type == "image/png"


def test_an_allow_list_with_wildcards_admits_only_what_it_names() -> None:
    """With images and PDFs allowed, a zip is refused with file.type_not_allowed; the deny
    list still wins over a wildcard that covers a denied type."""
    policy = TypePolicy(allowed=frozenset({"image/*", "application/pdf", "text/*"}))
    assert decide(policy, "image/png", "a.png").allowed
    assert decide(policy, "image/svg+xml", "a.svg").allowed
    assert decide(policy, "application/pdf", "a.pdf").allowed
    assert decide(policy, "text/plain", "a.txt").allowed
    refused = decide(policy, "application/zip", "a.zip")
    assert (refused.allowed, refused.reason) == (False, "file.type_not_allowed")
    assert decide(policy, "text/html", "a.html").reason == "file.type_denied"
    assert decide(policy, "text/x-shellscript", "a.sh").reason == "file.type_denied"


def test_a_denied_family_refuses_all_of_it() -> None:
    """Denying video/* refuses every video and nothing else."""
    policy = TypePolicy(denied=frozenset({"video/*"}))
    assert decide(policy, "video/mp4", "a.mp4").reason == "file.type_denied"
    assert decide(policy, "video/x-matroska", "a.mkv").reason == "file.type_denied"
    assert decide(policy, "audio/mpeg", "a.mp3").allowed


@pytest.mark.parametrize(
    "sniffed",
    [
        "text/html",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "text/x-shellscript",
        "text/plain",
        "message/rfc822",
    ],
)
def test_markup_and_text_are_never_inline_even_when_allowed(sniffed: str) -> None:
    """Allowed by an operator who denies nothing, a page, an SVG or a script is still
    downloaded, never shown by the browser; anything but SVG is sent as text/plain."""
    verdict = decide(EVERYTHING, sniffed, "a")
    assert verdict.allowed
    assert not verdict.inline
    assert not verdict.thumbnails
    if verdict.kind is not FileKind.SVG:
        assert verdict.content_type in ("text/plain; charset=utf-8", "application/json")


@given(
    st.from_regex(
        r"(text|message)/[a-z0-9][a-z0-9.+-]{0,20}|[a-z]{1,11}/[a-z0-9][a-z0-9.-]{0,20}\+xml",
        fullmatch=True,
    )
)
def test_no_text_or_xml_type_is_ever_sent_as_itself(sniffed: str) -> None:
    """Whatever name libmagic gives a text or XML type, a browser is never asked to render it:
    it is downloaded, as text/plain unless it is inert text or SVG."""
    verdict = decide(EVERYTHING, sniffed, "a")
    assert not verdict.inline
    assert verdict.content_type in (
        "text/plain; charset=utf-8",
        "text/csv; charset=utf-8",
        "image/svg+xml",
    )


@pytest.mark.parametrize(
    ("name", "content_type", "offered"),
    [
        ("invoice.html", "text/plain; charset=utf-8", "invoice.html.txt"),
        ("INVOICE.HTM", "text/plain; charset=utf-8", "INVOICE.HTM.txt"),
        ("photo.svg", "text/plain; charset=utf-8", "photo.svg.txt"),
        ("logo.svg", "image/svg+xml", "logo.svg"),
        ("x.exe", "image/png", "x.exe.png"),
        ("factura.pdf.exe", "application/pdf", "factura.pdf.exe.pdf"),
        ("tool.exe", "application/vnd.microsoft.portable-executable", "tool.exe"),
        ("lib.jar", "application/zip", "lib.jar.zip"),
        ("script.js", "text/plain; charset=utf-8", "script.js.txt"),
        ("run.bat", "text/plain; charset=utf-8", "run.bat.txt"),
        ("setup.msi", "application/x-ole-storage", "setup.msi.bin"),
        ("readme.lnk", "application/octet-stream", "readme.lnk.bin"),
        ("notas.txt", "text/plain; charset=utf-8", "notas.txt"),
        ("datos.csv", "text/plain; charset=utf-8", "datos.csv"),
        ("main.py", "text/plain; charset=utf-8", "main.py"),
        ("foto.png", "image/png", "foto.png"),
        ("foto.jpg", "text/plain; charset=utf-8", "foto.jpg"),
        ("README", "text/plain; charset=utf-8", "README"),
        ("fotos.zip", "application/zip", "fotos.zip"),
    ],
)
def test_a_download_keeps_a_name_that_would_run_only_if_the_content_is_that(
    name: str, content_type: str, offered: str
) -> None:
    """A name that a double click or a browser would run as something the content is not
    gets an extension for what the content is; every other name is kept."""
    assert download_name(name, content_type) == offered


def test_a_long_risky_name_stays_bounded() -> None:
    """The appended extension fits within the name limit and is what the name ends with."""
    offered = download_name("x" * 195 + ".html", "text/plain; charset=utf-8")
    assert offered.endswith(".txt")
    assert len(offered.encode("utf-8")) <= MAX_NAME_BYTES


@pytest.mark.parametrize(
    ("denied", "allowed", "policy"),
    [
        (None, None, TypePolicy(denied=DEFAULT_DENIED, allowed=None)),
        ("", "  ", TypePolicy(denied=DEFAULT_DENIED, allowed=None)),
        ("none", None, TypePolicy(denied=frozenset(), allowed=None)),
        (" NONE ", None, TypePolicy(denied=frozenset(), allowed=None)),
        ("video/*", None, TypePolicy(denied=frozenset({"video/*"}))),
        (
            "default, application/x-iso9660-image",
            None,
            TypePolicy(denied=DEFAULT_DENIED | {"application/x-iso9660-image"}),
        ),
        (
            None,
            " Image/*, application/PDF ,text/plain,",
            TypePolicy(allowed=frozenset({"image/*", "application/pdf", "text/plain"})),
        ),
        (
            None,
            "image/x-ms-bmp, application/x-rar",
            TypePolicy(allowed=frozenset({"image/bmp", "application/vnd.rar"})),
        ),
    ],
)
def test_the_policy_is_read_from_settings(
    denied: str | None, allowed: str | None, policy: TypePolicy
) -> None:
    """Comma-separated types and family wildcards, any case, registered names; blank keeps
    the defaults, "none" denies nothing, "default" stands for the default list."""
    assert parse_type_policy(denied, allowed) == policy


@pytest.mark.parametrize(
    ("denied", "allowed", "bad"),
    [
        ("image", None, "'image'"),
        ("text/plain; charset=utf-8", None, "'text/plain; charset=utf-8'"),
        (None, "*/*", "'*/*'"),
        (None, "*", "'*'"),
        (None, "image/png, image/**", "'image/**'"),
        (None, "image/ png", "'image/ png'"),
        ("application/x-dosexec;application/x-sh", None, "'application/x-dosexec;"),
        ("default, exe", None, "'exe'"),
        (None, "default", "'default'"),  # only the deny list has a default
    ],
)
def test_a_malformed_setting_is_refused_naming_the_entry(
    denied: str | None, allowed: str | None, bad: str
) -> None:
    """A typo in the settings stops start-up with a message quoting the wrong entry."""
    with pytest.raises(ValueError, match="file types") as raised:
        parse_type_policy(denied, allowed)
    assert bad in str(raised.value)


def test_a_policy_built_in_code_is_checked_too() -> None:
    """A policy with a malformed entry cannot be built."""
    with pytest.raises(ValueError, match="'Image/PNG'"):
        TypePolicy(denied=frozenset({"Image/PNG"}))


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("image/x-ms-bmp", "image/bmp"),
        ("Image/PNG", "image/png"),
        ("text/html; charset=UTF-8", "text/html"),
        ("application/javascript", "text/javascript"),
        ("audio/x-wav", "audio/wav"),
        ("inode/x-empty", "application/x-empty"),
        ("", "application/octet-stream"),
        ("garbage", "application/octet-stream"),
    ],
)
def test_types_are_compared_under_their_registered_names(raw: str, canonical: str) -> None:
    assert canonical_type(raw) == canonical
