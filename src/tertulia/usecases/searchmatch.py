"""What a query matches: the clauses of lexemes (`usecases.searchtext`) that every engine
finds, compiled from a parsed query (`compile_query`), and how a candidate ranks among the
others (`Scorer`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tertulia.usecases.searchquery import Query
from tertulia.usecases.searchtext import (
    COLUMNS,
    LANGUAGES,
    STOP_EN,
    STOP_ES,
    Column,
    Language,
    Token,
    language_column,
    stem,
    tokens,
)


@dataclass(frozen=True, slots=True)
class Lexeme:
    column: Column
    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Any of these lexemes (a word's stems in both languages, or its identifier)."""

    lexemes: tuple[Lexeme, ...]
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Sequence:
    """A phrase: its words' forms one after another, as one language's stems in that
    language's column (`runs`: any of them), and its identifiers as written (`whole`: all of
    them, in `ids`)."""

    runs: tuple[tuple[Language, tuple[str, ...]], ...]
    whole: tuple[str, ...] = ()
    excluded: bool = False


Clause = AnyOf | Sequence


@dataclass(frozen=True, slots=True)
class Match:
    """All clauses must hold (excluded ones must not); empty when only operators were given."""

    clauses: tuple[Clause, ...] = ()

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.excluded)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.excluded)


def _word(token: Token, prefix: bool, excluded: bool) -> AnyOf:
    if prefix:
        return AnyOf(
            (Lexeme("plain", token.plain, True), Lexeme("ids", token.plain, True)), excluded
        )
    if token.identifier:
        return AnyOf((Lexeme("ids", token.plain),), excluded)
    word = token.plain
    found = [Lexeme(language, s) for language in ("es", "en") if (s := stem(word, language))]
    return AnyOf((*dict.fromkeys(found), Lexeme("ids", word)), excluded)


def _stop(token: Token) -> bool:
    return not token.identifier and (token.plain in STOP_ES or token.plain in STOP_EN)


def _phrase(text: str, excluded: bool) -> Sequence | None:
    """A phrase as `phraseto_tsquery` reads it: the stems of its words in order, without the
    stop words at its ends (unless it is nothing else). A stop word of one language inside it
    is a word of that language's run only, and the other language's run, without it, is not
    searched ("base de datos" is Spanish's "bas de dat", not English's "base dato")."""
    found = list(tokens(text))
    meaningful = [i for i, t in enumerate(found) if not _stop(t)]
    if meaningful:
        found = found[meaningful[0] : meaningful[-1] + 1]
    runs: dict[Language, tuple[str, ...]] = {}
    for language in LANGUAGES:
        if run := tuple(lexeme for _, lexeme in language_column(found, language)):
            runs[language] = run
    # a run that leaves out the other language's stop words is looser ("the a" would be any
    # Spanish "a"): only the runs that leave out the fewest
    fullest = max((len(run) for run in runs.values()), default=0)
    kept = tuple((language, run) for language, run in runs.items() if len(run) == fullest)
    whole = tuple(dict.fromkeys(t.plain for t in found if t.identifier))
    return Sequence(kept, whole, excluded) if kept else None


def compile_query(query: Query) -> Match:
    """The lexemes a query asks for. Stop words are dropped when other words or a phrase
    remain ("el informe" finds every message about an informe, `el "informe anual"` every one
    with that phrase); alone, they are searched."""
    words: list[tuple[Token, bool, bool]] = []
    for term in query.terms:
        words.extend((token, term.prefix, term.excluded) for token in tokens(term.text))
    phrases = [p for p in (_phrase(x.text, x.excluded) for x in query.phrases) if p is not None]
    meaningful = any(not _stop(t) or p for t, p, x in words if not x) or any(
        not p.excluded for p in phrases
    )
    clauses: list[Clause] = [
        _word(token, prefix, excluded)
        for token, prefix, excluded in words
        if excluded or prefix or not meaningful or not _stop(token)
    ]
    clauses.extend(phrases)
    return Match(tuple(dict.fromkeys(clauses)))


# Ranking: BM25's saturation and length normalisation over the lexemes of a document.

_K1, _B = 1.2, 0.5  # chat messages are short: length weighs less than in documents
_WEIGHTS: dict[Column, float] = {"plain": 1.0, "es": 1.0, "en": 1.0, "ids": 1.5}


@dataclass(frozen=True, slots=True)
class Scorer:
    """Scores a candidate from its lexeme columns (space-separated, as `Document.text`, in
    `COLUMNS` order).

    Every candidate of an AND query holds every word, so what orders them is how often and
    how densely they say it, BM25-style (term frequency saturating, long messages weighed
    down), with a phrase counting once in each language it runs in. No inverse document
    frequency: counting a common word's documents would cost more than the search (it is
    what makes FTS5's bm25() take 80 ms at a million messages), and within one query every
    word is in every candidate anyway."""

    match: Match
    # by column (the index in COLUMNS): what to count in it, and its weight
    _needles: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = field(init=False)

    def __post_init__(self) -> None:
        needles: dict[int, list[tuple[str, float]]] = {}
        for clause in self.match.positive:
            if isinstance(clause, Sequence):  # a phrase counts in each language it runs in
                for language, run in clause.runs:
                    column = COLUMNS.index(language)
                    needles.setdefault(column, []).append((f" {' '.join(run)} ", 1.0))
                continue
            for lexeme in clause.lexemes:
                needle = f" {lexeme.text}" if lexeme.prefix else f" {lexeme.text} "
                column = COLUMNS.index(lexeme.column)
                needles.setdefault(column, []).append((needle, _WEIGHTS[lexeme.column]))
        object.__setattr__(
            self, "_needles", tuple((column, tuple(n)) for column, n in needles.items())
        )

    def __call__(self, columns: tuple[str, ...], average_length: float) -> float:
        length = columns[0].count(" ") + 1
        norm = _K1 * (1 - _B + _B * length / max(average_length, 1.0))
        score = 0.0
        for column, needles in self._needles:  # a column is padded once, if it is read
            padded = f" {columns[column]} "
            for needle, weight in needles:
                frequency = padded.count(needle)
                if frequency:
                    score += weight * frequency * (_K1 + 1) / (frequency + norm)
        return score
