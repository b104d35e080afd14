"""The search query language: what people type becomes words, phrases and operators, or a
400 that says what to change; no string whatsoever makes the parser fail otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tertulia.domain.errors import Invalid
from tertulia.usecases.searchquery import (
    EARLIEST,
    LATEST,
    MAX_LENGTH,
    MAX_TERMS,
    NEGATABLE,
    OPERATORS,
    UNSUPPORTED,
    Phrase,
    Query,
    Term,
    parse,
)


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


def test_negated_operators_are_exclusions() -> None:
    """`-in:#ops` leaves #ops out; it is never a word to leave out, nor a channel to search."""
    query = parse(
        "deploy -in:#Ops -from:@Ana -mentions:bruno -has:file -HAS:link -is:thread -is:pinned"
    )

    assert query == Query(
        terms=(Term("deploy"),),
        not_in=("ops",),
        not_from=("ana",),
        not_mentions=("bruno",),
        not_has=frozenset({"file", "link"}),
        not_is=frozenset({"thread", "pinned"}),
    )


def test_names_keep_their_accents_in_one_normal_form() -> None:
    """A channel typed with a decomposed accent is the same name as typed composed (the
    search folds both further)."""
    assert parse("in:#Facturacio\u0301n").in_channels == ("facturación",)
    assert parse("in:#facturación").in_channels == ("facturación",)


def test_the_first_and_last_days_a_search_takes() -> None:
    """Every day of the range has a start and an end in every time zone."""
    assert (EARLIEST.isoformat(), LATEST.isoformat()) == ("0001-01-02", "9999-12-30")
    assert parse(f"on:{LATEST}").on == LATEST
    assert parse(f"after:{EARLIEST}").after == EARLIEST
    assert parse(f"before:{EARLIEST}").before == EARLIEST


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
        ("after:9999-12-31", "search.date"),
        ("on:9999-12-31", "search.date"),
        ("before:0001-01-01", "search.date"),
        ("on:0001-01-01", "search.date"),
        ("-staging -in:#ops", "search.only_exclusions"),
        ("-from:@ana", "search.only_exclusions"),
        ("-in:", "search.operator_value"),
        ("-has:gif", "search.operator_value"),
        ("-before:2026-01-01 hola", "search.operator_unsupported"),
        ("hola -on:2026-01-01", "search.operator_unsupported"),
        ("to:@ana", "search.operator_unsupported"),
        ("during:2026-10", "search.operator_unsupported"),
        ("hola -with:@bruno", "search.operator_unsupported"),
        ("Channel:general", "search.operator_unsupported"),
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


@pytest.mark.parametrize("written", ["after:9999-12-31", "on:0001-01-01", "before:0001-01-01"])
def test_a_date_past_the_range_names_the_range(written: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(written)

    assert "0001-01-02" in refused.value.detail
    assert "9999-12-30" in refused.value.detail


@pytest.mark.parametrize("written", ["to:@ana", "-during:2026", "-before:2026-01-01"])
def test_an_unsupported_operator_is_named_with_what_to_write_instead(written: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(written)

    operator = written.partition(":")[0] + ":"
    assert operator.lstrip("-") in refused.value.detail
    assert any(f"{o}:" in refused.value.detail for o in OPERATORS)


@pytest.mark.parametrize("text", ['"to:@ana"', "ratio:2", "to:", "https://to.example/x"])
def test_what_looks_like_an_operator_but_is_text_stays_searchable(text: str) -> None:
    """Quoted, without a value, or in an address: text to find, not an operator."""
    query = parse(text)
    assert query.terms or query.phrases


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
        "-from:@ana",
        "-in:#ops",
        "-has:link",
        "-is:pinned",
        "-mentions:@bruno",
        "-after:2026-01-01",
        "to:@carla",
        "during:2026",
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


_NAMES = st.sampled_from(sorted(OPERATORS | set(UNSUPPORTED)))
_VALUES = st.sampled_from(["@ana", "#ops", "file", "thread", "2026-10-01", "x", "Ñu", "é"])


@settings(max_examples=1000)
@given(
    st.lists(st.tuples(st.booleans(), _NAMES, _VALUES), min_size=1, max_size=6),
    st.lists(st.sampled_from(["hola", "PLT-3699", '"dos palabras"']), max_size=3),
)
def test_no_operator_is_silently_ignored(
    operators: list[tuple[bool, str, str]], words: list[str]
) -> None:
    """Whatever operators are typed, negated or not, each one is applied or the query is
    refused naming why: none of them ends up searched for as a word, or left out."""
    typed = [f"{'-' if negated else ''}{name}:{value}" for negated, name, value in operators]
    outcome = _outcome(" ".join([*typed, *words]))
    if isinstance(outcome, str):
        assert outcome.startswith("search.")
        return
    for term in outcome.terms:  # only the words typed
        assert ":" not in term.text
    for negated, name, _ in operators:
        if name in ("from", "in", "mentions", "has", "is"):
            field = {"is": "is_", "in": "in_channels", "from": "from_users"}.get(name, name)
            if negated:
                field = {"in_channels": "not_in", "from_users": "not_from", "is_": "not_is"}.get(
                    field, f"not_{name}"
                )
            assert getattr(outcome, field), (name, negated)
        else:  # a date, applied (negated dates and other tools' operators are refused)
            assert not negated
            assert name in OPERATORS - NEGATABLE


def _outcome(text: str) -> Query | str:
    """The query, or the code of the refusal (any other exception fails the test)."""
    try:
        return parse(text)
    except Invalid as refused:
        return refused.code
