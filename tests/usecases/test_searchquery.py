"""The search query language: what people type becomes words, phrases and operators, or a
400 that says what to change; no string whatsoever makes the parser fail otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tertulia.domain.errors import Invalid
from tertulia.usecases.searchquery import MAX_LENGTH, MAX_TERMS, Phrase, Query, Term, parse


def test_words_phrases_exclusions_and_prefixes() -> None:
    query = parse('deploy "release  notes" -staging migra* -"old plan"')

    assert query.terms == (
        Term("deploy"),
        Term("staging", excluded=True),
        Term("migra", prefix=True),
    )
    assert query.phrases == (Phrase("release notes"), Phrase("old plan", excluded=True))


def test_every_operator() -> None:
    query = parse(
        "from:@Ana in:#Diseño-Web mentions:bruno has:file has:LINK is:thread is:pinned "
        "after:2026-10-01 before:2026-11-01"
    )

    assert query == Query(
        from_users=("ana",),
        in_channels=("diseño-web",),
        mentions=("bruno",),
        has=frozenset({"file", "link"}),
        is_=frozenset({"thread", "pinned"}),
        after=date(2026, 10, 1),
        before=date(2026, 11, 1),
    )
    assert not query.has_text


def test_operators_alone_are_a_search() -> None:
    """Everything Ana wrote in #general, without any word."""
    assert parse("from:@ana in:#general").from_users == ("ana",)
    assert parse("on:2026-10-15").on == date(2026, 10, 15)
    assert parse("-spam has:reaction").terms == (Term("spam", excluded=True),)


@pytest.mark.parametrize(
    "identifier",
    [
        "PLT-3699",
        "e-mail",
        "10.0.0.1",
        "snake_case_name",
        "camelCaseName",
        "https://example.com/a/b?c=d",
        "informe-final.pdf",
        "ratio:2",
        "C++",
    ],
)
def test_identifiers_stay_as_written(identifier: str) -> None:
    """Ticket keys, addresses, file names and code names are one term, not common words."""
    assert parse(identifier).terms == (Term(identifier),)


def test_punctuation_around_words_is_not_part_of_them() -> None:
    assert parse("¿hola, (mundo)?").terms == (Term("hola"), Term("mundo"))


def test_an_unclosed_quote_is_a_phrase_to_the_end() -> None:
    """Typing is interrupted often; the search still means what it says."""
    assert parse('"release notes').phrases == (Phrase("release notes"),)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "search.empty"),
        ("   ", "search.empty"),
        ('"" - *', "search.empty"),
        ("-staging", "search.only_exclusions"),
        ("has:banana", "search.operator_value"),
        ("is:open", "search.operator_value"),
        ("from:", "search.operator_value"),
        ("from:@", "search.operator_value"),
        ("in:#", "search.operator_value"),
        ("before:yesterday", "search.date"),
        ("before:2026-13-01", "search.date"),
        ("after:0000-01-01", "search.date"),
        ("after:2026-10-01 after:2026-10-02", "search.operator_repeated"),
        ("after:2026-11-01 before:2026-10-01", "search.date_range"),
        ("after:2026-11-01 before:2026-11-01", "search.date_range"),
        ("on:2026-11-01 after:2026-10-01", "search.date_range"),
        ("hola\x00mundo", "search.control_character"),
        ("x" * (MAX_LENGTH + 1), "search.too_long"),
        (" ".join(["w"] * (MAX_TERMS + 1)), "search.too_many_terms"),
    ],
)
def test_what_cannot_be_searched_says_how_to_fix_it(text: str, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(text)

    assert refused.value.code == code
    assert [e.field for e in refused.value.errors] == ["q"]
    assert refused.value.detail  # a sentence for the person who typed it


@settings(max_examples=2000)
@given(st.text(max_size=MAX_LENGTH + 20))
def test_any_string_is_a_query_or_a_refusal(text: str) -> None:
    outcome = _outcome(text)
    if isinstance(outcome, str):
        assert outcome.startswith("search.")
        return
    query = outcome
    assert not query.is_empty
    for term in query.terms:
        assert term.text
        assert not any(c.isspace() for c in term.text)
    for phrase in query.phrases:
        assert phrase.text == " ".join(phrase.text.split())


QUERY_PIECES = st.sampled_from(
    [
        "hola",
        "-adiós",
        "migra*",
        '"dos palabras"',
        '-"no esto"',
        "from:@ana",
        "in:#general",
        "has:file",
        "is:thread",
        "mentions:@bruno",
        "before:2026-11-01",
        "PLT-3699",
        "from:",
        "has:nada",
        '"',
        "-",
        "*",
        ":",
    ]
)


@settings(max_examples=1000)
@given(st.lists(QUERY_PIECES, max_size=12), st.sampled_from([" ", "  ", "\t", "\n"]))
def test_any_mix_of_operators_is_a_query_or_a_refusal(pieces: list[str], gap: str) -> None:
    outcome = _outcome(gap.join(pieces))
    assert isinstance(outcome, Query) or outcome.startswith("search.")


def _outcome(text: str) -> Query | str:
    """The query, or the code of the refusal (any other exception fails the test)."""
    try:
        return parse(text)
    except Invalid as refused:
        return refused.code
