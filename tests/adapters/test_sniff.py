"""The sniffer on real samples made at test time (no binary fixtures): libmagic's answer,
normalised, must be right on each; and what the policy then does with them."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import magic
import pytest
from PIL import Image

from tertulia.adapters import sniff
from tertulia.adapters.sniff import LibmagicUnavailable, check_libmagic, sniff_type
from tertulia.domain.files import TypePolicy, decide, download_name
from tertulia.usecases.ports.files import SNIFF_BYTES


def image(kind: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (16, 16), 3 if mode == "P" else (200, 30, 30)).save(out, kind)
    return out.getvalue()


def zipped(files: dict[str, bytes | str], first_extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(files.items()):
            info = zipfile.ZipInfo(name)
            if index == 0:
                info.extra = first_extra
            archive.writestr(info, data)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def portable_executable(dll: bool = False) -> bytes:
    """An MS-DOS stub pointing at a PE header: 64-bit console program, or a 32-bit DLL."""
    stub = bytearray(64)
    stub[0:2] = b"MZ"
    struct.pack_into("<I", stub, 0x3C, len(stub))
    machine, optional_size, flags, magic = (
        (0x14C, 224, 0x2102, 0x10B) if dll else (0x8664, 240, 0x22, 0x20B)
    )
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", machine, 1, 0, 0, 0, optional_size, flags)
    optional = bytearray(optional_size)
    struct.pack_into("<H", optional, 0, magic)
    struct.pack_into("<H", optional, 68, 3)  # subsystem: console
    return bytes(stub) + coff + bytes(optional) + bytes(40 + 512)


def elf_executable() -> bytes:
    """A 64-bit little-endian ELF header of a static (non-PIE) x86-64 executable."""
    header = bytearray(64)
    header[0:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHI", header, 16, 2, 0x3E, 1)  # ET_EXEC, x86-64, version 1
    struct.pack_into("<H", header, 52, 64)
    return bytes(header) + bytes(256)


def system_elf() -> bytes:
    program = Path("/bin/true")
    if not program.exists() or not program.read_bytes().startswith(b"\x7fELF"):
        pytest.skip("no ELF /bin/true on this system")
    return program.read_bytes()[:SNIFF_BYTES]


MACH_O = bytes.fromhex("cffaedfe07000001030000000200000010000000") + bytes(256)
LNK = struct.pack("<I", 0x4C) + bytes.fromhex("0114020000000000c000000000000046") + bytes(64)
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>hola</p></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8"/></svg>'
SVG_PROLOG = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    b"<!-- Generator: Adobe Illustrator 27.0 -->\n"
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n<!ENTITY ns "x">\n]>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
)
JS = b"const fs = require('fs');\nmodule.exports = (p) => fs.readFileSync(p);\n"
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.cookie);//" + bytes(16)

SAMPLES: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    # name: (how to make it, what libmagic may rightly call it)
    "empty": (lambda: b"", {"application/x-empty"}),
    "png": (lambda: image("PNG"), {"image/png"}),
    "jpeg": (lambda: image("JPEG"), {"image/jpeg"}),
    "gif": (lambda: image("GIF", "P"), {"image/gif"}),
    "webp": (lambda: image("WEBP"), {"image/webp"}),
    "bmp": (lambda: image("BMP"), {"image/bmp"}),
    "pdf": (pdf, {"application/pdf"}),
    "zip": (lambda: zipped({"notas.txt": "hola", "b.txt": "adiós"}), {"application/zip"}),
    "docx": (
        lambda: zipped(
            {
                "[Content_Types].xml": "<Types/>",
                "_rels/.rels": "<Relationships/>",
                "word/document.xml": "<w:document/>",
            }
        ),
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    ),
    "jar": (
        lambda: zipped(
            {"META-INF/": b"", "META-INF/MANIFEST.MF": "Main-Class: A\n"}, b"\xfe\xca\0\0"
        ),
        {"application/java-archive"},
    ),
    # older libmagic calls every PE application/x-dosexec
    "pe64": (portable_executable, {"application/vnd.microsoft.portable-executable"}),
    "pe-dll": (
        lambda: portable_executable(dll=True),
        {"application/vnd.microsoft.portable-executable", "application/x-dosexec"},
    ),
    "mz": (lambda: b"MZ" + bytes(200), {"application/x-dosexec"}),
    # a PIE is x-sharedlib before libmagic 5.45, x-pie-executable after
    "elf-bin-true": (system_elf, {"application/x-sharedlib", "application/x-pie-executable"}),
    "elf-exec": (elf_executable, {"application/x-executable"}),
    "mach-o": (lambda: MACH_O, {"application/x-mach-binary"}),
    "lnk": (lambda: LNK, {"application/x-ms-shortcut"}),
    "sh": (lambda: b"#!/bin/sh\nrm -rf ~/\n", {"text/x-shellscript"}),
    "bash": (lambda: b"#!/usr/bin/env bash\nset -e\n", {"text/x-shellscript"}),
    "bat": (lambda: b"@echo off\r\ndel /q *\r\n", {"text/x-msdos-batch"}),
    "js": (lambda: JS, {"text/javascript"}),
    "js-node": (lambda: b"#!/usr/bin/env node\nconsole.log(1)\n", {"text/javascript"}),
    "html": (lambda: HTML, {"text/html"}),
    "html-bom-comment": (
        lambda: b"\xef\xbb\xbf \n\t<!-- saved from url=(0014)about:internet -->\n" + HTML,
        {"text/html"},
    ),
    "html-fragment": (lambda: b"\n  <div onmouseover=alert(1)>hola</div>\n", {"text/html"}),
    "html-body": (lambda: b"<body onload=alert(1)>", {"text/html"}),
    "html-utf16": (lambda: "<html><body>x</body></html>".encode("utf-16"), {"text/html"}),
    "xhtml": (
        lambda: b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        {"application/xhtml+xml"},
    ),
    "svg": (lambda: SVG, {"image/svg+xml"}),
    "svg-prolog": (lambda: SVG_PROLOG, {"image/svg+xml"}),
    "svg-comment": (lambda: b"<!-- icon -->\n<svg><circle r='1'/></svg>", {"image/svg+xml"}),
    "svg-bom-space": (lambda: b"\xef\xbb\xbf\n  " + SVG, {"image/svg+xml"}),
    "svg-long-comment": (lambda: b"<!--" + b"x" * 5000 + b"-->" + SVG, {"image/svg+xml"}),
    "xml": (lambda: b'<?xml version="1.0"?>\n<note><to>Ana</to></note>\n', {"text/xml"}),
    "text": (lambda: b"Hola, equipo.\nEl informe va el lunes.\n", {"text/plain"}),
    "utf8-text": (lambda: "¡Señor Ñandú! 😀 日本語\n".encode(), {"text/plain"}),
    "text-about-svg": (lambda: b"Draw it with an <svg> element.\n", {"text/plain"}),
    "csv": (lambda: b"nombre,edad\nAna,31\n", {"text/plain", "text/csv"}),
    "json": (lambda: b'{"a": [1, 2], "b": null}\n', {"application/json"}),
    "gif+js": (lambda: GIF_JS, {"image/gif"}),
    "jpeg+zip": (lambda: image("JPEG") + zipped({"evil.js": "alert(1)"}), {"image/jpeg"}),
    "mp3": (
        lambda: b"ID3\x03\0\0\0\0\0\x0a" + bytes(10) + b"\xff\xfb\x90\x64" + bytes(400),
        {"audio/mpeg"},
    ),
    "mp4": (
        lambda: (
            struct.pack(">I", 24) + b"ftypisom\0\0\2\0isomiso2" + struct.pack(">I", 8) + b"free"
        ),
        {"video/mp4"},
    ),
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_sample_gets_its_type(sample: str) -> None:
    """An upload is typed by what it is, whatever libmagic's quirks (an SVG behind a comment,
    a page behind a byte-order mark, a PE under either of its names)."""
    make, expected = SAMPLES[sample]
    assert sniff_type(make()) in expected


def test_a_page_renamed_png_is_still_a_page() -> None:
    """The sniffer sees only bytes: HTML saved as photo.png is HTML and is refused."""
    found = sniff_type(HTML)
    assert found == "text/html"
    assert decide(TypePolicy(), found, "photo.png").reason == "file.type_denied"


def test_only_the_first_bytes_are_read() -> None:
    """A text file with a program appended past the sniffed window stays text."""
    assert sniff_type(b"a" * SNIFF_BYTES + portable_executable()) == "text/plain"


def test_sniffing_from_many_threads_at_once_stays_right() -> None:
    """Each thread has its own libmagic handle: concurrent calls never mix answers."""
    cases = [(SAMPLES[n][0](), SAMPLES[n][1]) for n in ("png", "pdf", "html", "svg", "zip")]

    def check(index: int) -> bool:
        head, expected = cases[index % len(cases)]
        return sniff_type(head) in expected

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, range(400)))


def test_bytes_libmagic_fails_on_are_opaque_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    """If libmagic errors on a file, it is application/octet-stream: served as a download."""

    class Failing:
        def from_buffer(self, buffer: bytes) -> str:
            raise magic.MagicException("cannot read")

    monkeypatch.setattr(sniff._local, "magic", Failing(), raising=False)
    assert sniff_type(b"anything") == "application/octet-stream"


def test_libmagic_is_checked_at_start() -> None:
    """On a machine with libmagic the start-up check passes."""
    check_libmagic()


def test_a_missing_libmagic_stops_start_up_with_instructions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without libmagic the operator is told which package to install on each system."""
    monkeypatch.setitem(sys.modules, "magic", None)  # `import magic` now raises ImportError
    with pytest.raises(LibmagicUnavailable) as raised:
        check_libmagic()
    for package in ("libmagic1", "file-libs", "brew install libmagic"):
        assert package in str(raised.value)


# sample → sniffed type → (allowed, Content-Type sent, inline, name offered) under the defaults
VERDICTS = [
    ("png", "foto.png", (True, "image/png", True, "foto.png")),
    ("jpeg+zip", "foto.jpg", (True, "image/jpeg", True, "foto.jpg")),
    ("gif+js", "risa.gif", (True, "image/gif", True, "risa.gif")),
    ("pdf", "factura.pdf", (True, "application/pdf", True, "factura.pdf")),
    ("pdf", "factura.pdf.exe", (True, "application/pdf", True, "factura.pdf.exe.pdf")),
    ("svg-prolog", "logo.svg", (True, "image/svg+xml", False, "logo.svg")),
    ("text", "invoice.html", (True, "text/plain; charset=utf-8", False, "invoice.html.txt")),
    ("text", "photo.svg", (True, "text/plain; charset=utf-8", False, "photo.svg.txt")),
    ("utf8-text", "notas.txt", (True, "text/plain; charset=utf-8", False, "notas.txt")),
    ("xml", "datos.xml", (True, "text/plain; charset=utf-8", False, "datos.xml")),
    ("zip", "lib.jar", (True, "application/zip", False, "lib.jar.zip")),
    ("docx", "informe.docx", (True, None, False, "informe.docx")),
    ("empty", "vacio.txt", (True, "application/octet-stream", False, "vacio.txt")),
    ("html", "photo.png", (False, None, False, None)),
    ("html-fragment", "snippet.txt", (False, None, False, None)),
    ("xhtml", "page.xhtml", (False, None, False, None)),
    ("js", "app.js", (False, None, False, None)),
    ("sh", "install.txt", (False, None, False, None)),
    ("bat", "run.bat", (False, None, False, None)),
    ("pe64", "photo.jpg", (False, None, False, None)),
    ("mz", "old.com", (False, None, False, None)),
    ("elf-exec", "tool", (False, None, False, None)),
    ("mach-o", "tool", (False, None, False, None)),
    ("jar", "app.jar", (False, None, False, None)),
    ("lnk", "readme.lnk", (False, None, False, None)),
]


@pytest.mark.parametrize(("sample", "name", "expected"), VERDICTS)
def test_what_the_server_does_with_each_sample(
    sample: str, name: str, expected: tuple[bool, str | None, bool, str | None]
) -> None:
    """Sniffed, then decided by the default policy: programs, scripts and pages are refused;
    the rest is sent under its content's type and offered under an honest name."""
    allowed, content_type, inline, offered = expected
    verdict = decide(TypePolicy(), sniff_type(SAMPLES[sample][0]()), name)
    assert verdict.allowed is allowed
    assert verdict.inline is inline
    if allowed:
        if content_type is not None:
            assert verdict.content_type == content_type
        assert download_name(name, verdict.content_type) == offered
    else:
        assert verdict.reason == "file.type_denied"
