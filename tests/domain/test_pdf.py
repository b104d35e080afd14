"""Which PDFs may be shown inline: those that cannot run anything when opened."""

from __future__ import annotations

import zlib

import pytest

from tertulia.domain.pdf import ActiveContent

CATALOG = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"


def pdf(*objects: bytes) -> bytes:
    return b"%PDF-1.7\n" + b"".join(objects) + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"9 0 obj << " + dictionary + b" >>\nstream\n" + data + b"\nendstream\nendobj\n"


def reason(data: bytes, size: int) -> str | None:
    scan = ActiveContent()
    for start in range(0, len(data), size):
        scan.feed(data[start : start + size])
    return scan.reason


ACTIVE = [
    pdf(b"1 0 obj << /Type /Catalog /OpenAction 3 0 R >> endobj\n"),
    pdf(CATALOG, b"3 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"),
    pdf(CATALOG, b"3 0 obj << /S /Launch /F (cmd.exe) >> endobj\n"),
    pdf(CATALOG, b"4 0 obj << /Type /Page /AA << /O 5 0 R >> >> endobj\n"),
    pdf(b"1 0 obj << /Type /Catalog /Open#41ction 3 0 R >> endobj\n"),  # #41 is "A"
    pdf(CATALOG, b"3 0 obj << /S /J#61vaScript >> endobj\n"),
    pdf(  # hidden in a compressed object stream
        CATALOG,
        stream(
            b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            zlib.compress(b"3 0 << /S /JavaScript /JS (x) >>"),
        ),
    ),
    pdf(  # an object stream under a filter we do not undo: cannot tell, so not inline
        CATALOG,
        stream(b"/Type /ObjStm /Filter [/ASCII85Decode /FlateDecode]", b"<~garbage~>"),
    ),
    pdf(CATALOG, b"5 0 obj << /Filter /Standard /V 2 >> endobj\ntrailer << /Encrypt 5 0 R >>\n"),
]


@pytest.mark.parametrize("data", ACTIVE)
@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
def test_a_pdf_that_can_act_is_found_whatever_the_chunks(data: bytes, size: int) -> None:
    """Script, actions on opening, launching, escaped names, objects packed in streams, and
    what cannot be read are found, however the bytes arrive."""
    assert reason(data, size) is not None


@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
def test_a_plain_pdf_is_inert(size: int) -> None:
    """A document with pages, a compressed drawing that happens to hold the bytes "/JS" and
    a clean object stream may be shown inline."""
    data = pdf(
        CATALOG,
        stream(b"/Length 20 /Filter /FlateDecode", zlib.compress(b"/JS /AA /OpenAction")),
        stream(b"/Length 5", b"/JS x"),  # stream data is not read for names
        stream(b"/Type /ObjStm /N 1 /Filter /FlateDecode", zlib.compress(b"2 0 << /Count 0 >>")),
    )
    assert reason(data, size) is None


def test_an_object_stream_that_inflates_past_the_budget_is_not_inline() -> None:
    """A bomb of packed objects is not read to its end: it is simply not shown inline."""
    bomb = stream(b"/Type /ObjStm /Filter /FlateDecode", zlib.compress(b" " * 5_000_000))
    scan = ActiveContent(budget=1_000_000)
    scan.feed(pdf(CATALOG, bomb))
    assert scan.reason == "more packed objects than we read"
