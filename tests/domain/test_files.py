"""File names from other people's machines: no paths, nothing hidden, fits everywhere."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tertulia.domain.files import MAX_NAME_BYTES, extension_of, safe_filename


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
