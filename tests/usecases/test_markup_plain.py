"""Plain sentences skip the Markdown parser: the HTML must be exactly what the parser gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tertulia.usecases.markup import _CLEANER, _PLAIN, Markup, _parser

MARKUP = Markup()
# letters of several scripts, digits, and every character the fast path treats as harmless,
# plus some that it must not (so that the test also feeds the parser what it must keep)
ALPHABET = "aAñÑéÜzZ日本أ09 ,;?¿¡!'\"%$()/=+-._*~`#@:&<>[]\\|\n\t"


def full_render(text: str) -> str:
    """The parser's own rendering, sanitised, bypassing the fast path."""
    return _CLEANER.clean(_parser().render(text))


@settings(max_examples=800)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60))
def test_plain_text_renders_exactly_as_markdown_would(text: str) -> None:
    """Whenever the fast path takes a text, a reader sees the same HTML as from the parser."""
    if not _PLAIN.fullmatch(text):
        return
    assert MARKUP.parse(text).render({}, {}) == full_render(text)


def test_sentences_in_many_scripts_take_the_fast_path() -> None:
    """Everyday lines in Spanish, English, Japanese or Arabic need no parser."""
    for text in ["¿Qué tal? Bien, gracias.", "See you at 5, ok!", "日本語のテキスト", "أهلا بكم"]:
        assert _PLAIN.fullmatch(text), text


def test_anything_markdown_might_touch_goes_to_the_parser() -> None:
    """Lists, links, domains, mentions, shortcodes, code and entities are left to the parser."""
    for text in [
        "1. uno",
        "- a",
        "ejemplo.com",
        "see https://x.io",
        "hi @ana",
        "ok :+1:",
        "`x`",
        "a &copy; b",
        "**b**",
        " leading space",
        "two\nlines",
    ]:
        assert not _PLAIN.fullmatch(text), text
