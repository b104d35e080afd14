"""PostgreSQL's search literals: a document as a tsvector, a query as tsqueries (the user's
text reaches them only as our lexemes, quoted by us)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from tertulia.usecases.searchmatch import AnyOf, Clause, Lexeme, Match
from tertulia.usecases.searchtext import Document

SCOPE_KEY_LENGTH = 8  # the channel's part of a scoped lexeme: the end of its id
_MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
_MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme

# PostgreSQL: the four kinds of lexeme live in one tsvector, told apart by a prefix
PREFIX = {"plain": "p:", "es": "s:", "en": "e:", "ids": "i:"}


def tsquoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(document: Document, scope: Sequence[str] = ()) -> str:
    """The tsvector literal of a document: every lexeme with its positions, and the ids of
    its channel and author (no position)."""
    positions: dict[str, list[int]] = defaultdict(list)
    for column in ("plain", "es", "en", "ids"):
        prefix = PREFIX[column]
        for position, lexeme in document.column(column):
            found = positions[prefix + lexeme]
            spot = min(position, _MAX_POSITION)
            if len(found) < _MAX_POSITIONS and (not found or found[-1] != spot):
                found.append(spot)
    placed = (f"{tsquoted(lexeme)}:{','.join(map(str, s))}" for lexeme, s in positions.items())
    return " ".join([*placed, *(tsquoted(scoped_lexeme(i)) for i in scope)])


def scoped_lexeme(identifier: str) -> str:
    return "o:" + identifier.lower()


def _ts_lexeme(lexeme: Lexeme) -> str:
    return tsquoted(PREFIX[lexeme.column] + lexeme.text) + (":*" if lexeme.prefix else "")


def _ts(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " | ".join(_ts_lexeme(lexeme) for lexeme in clause.lexemes) + ")"
    # a phrase: a run of one language's stems, at positions counted within that language's
    # lexemes (`searchtext.Document`), as FTS5 counts them
    runs = " | ".join(
        "(" + " <-> ".join(tsquoted(PREFIX[language] + w) for w in run) + ")"
        for language, run in clause.runs
    )
    return "((" + runs + ")" + "".join(f" & {tsquoted('i:' + w)}" for w in clause.whole) + ")"


def tsquery(match: Match) -> tuple[str, str]:
    """The tsquery literals of what must and what must not match ("" for none)."""
    positive = " & ".join(_ts(c) for c in match.positive)
    negative = " | ".join(_ts(c) for c in match.negative)
    if positive and negative:
        return f"{positive} & !({negative})", ""
    return positive, negative


def scoped_tsquery(match: Match, channels: Sequence[str]) -> str:
    """What must match, looked up in the given channels only (the scoped index of migration
    0008): each word as any of its lexemes in any of the channels; a phrase as all the words
    of one of its runs, and its identifiers (their order is checked on the document itself)."""
    keys = list(dict.fromkeys(c[-SCOPE_KEY_LENGTH:] for c in channels))

    def anywhere(lexemes: Iterable[tuple[str, bool]]) -> str:
        """Any of these lexemes, in any of the channels."""
        lexemes = list(lexemes)
        return (
            "("
            + " | ".join(
                tsquoted(f"{key}:{lexeme}") + (":*" if prefix else "")
                for key in keys
                for lexeme, prefix in lexemes
            )
            + ")"
        )

    groups: list[str] = []
    for clause in match.positive:
        if isinstance(clause, AnyOf):
            groups.append(anywhere((PREFIX[x.column] + x.text, x.prefix) for x in clause.lexemes))
            continue
        runs = (
            " & ".join(anywhere([(PREFIX[language] + w, False)]) for w in dict.fromkeys(run))
            for language, run in clause.runs
        )
        whole = (anywhere([("i:" + w, False)]) for w in clause.whole)
        groups.append(
            "(" + " & ".join(["(" + " | ".join(f"({r})" for r in runs) + ")", *whole]) + ")"
        )
    return " & ".join(groups)
