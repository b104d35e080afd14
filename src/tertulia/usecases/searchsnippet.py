"""Snippets: the words of a message that a query matched, marked in safe HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from tertulia.usecases.searchmatch import AnyOf, Match, Sequence
from tertulia.usecases.searchtext import (
    COLUMNS,
    Column,
    Shape,
    Token,
    language_column,
    stem,
    tokens,
)

SNIPPET_WORDS = 24  # tokens shown around the first match


Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Highlighter:
    """Marks what a query matched in a text: whole words, or the part of an identifier that
    matched (`grafana` in `https://grafana.example.com/d/x` for `grafana*`, `example.com` in
    it for `example.com`)."""

    match: Match
    _exact: dict[Column, frozenset[str]] = field(init=False)
    _prefixes: tuple[str, ...] = field(init=False)  # ("\0",) for none: startswith no text
    _spanning: tuple[str, ...] = field(init=False)  # those over several pieces ("grafana_exa")
    _seen: dict[Shape, tuple[Span, ...]] = field(init=False)  # a token's marks, within it

    def __post_init__(self) -> None:
        object.__setattr__(self, "_seen", {})
        exact: dict[Column, set[str]] = {c: set() for c in COLUMNS}
        prefixes: list[str] = []
        for clause in self.match.positive:
            if isinstance(clause, AnyOf):
                for lexeme in clause.lexemes:
                    if lexeme.prefix:
                        prefixes.append(lexeme.text)
                    else:
                        exact[lexeme.column].add(lexeme.text)
        object.__setattr__(self, "_exact", {c: frozenset(v) for c, v in exact.items()})
        object.__setattr__(self, "_prefixes", tuple(prefixes) or ("\0",))
        spanning = tuple(p for p in prefixes if "_" in p)
        object.__setattr__(self, "_spanning", spanning or ("\0",))

    def _hits(self, shape: Shape) -> tuple[Span, ...]:
        hits = self._seen.get(shape)
        if hits is None:
            hits = self._seen[shape] = self._within(shape)
        return hits

    def _stemmed(self, piece: str) -> bool:
        return any(stem(piece, language) in self._exact[language] for language in ("es", "en"))

    def _within(self, shape: Shape) -> tuple[Span, ...]:
        """Where a token matched, within it: all of it, parts of it, or nowhere. A prefix
        marks the pieces it starts (`grafana` of the URL for `grafana*`), or as many pieces
        as it spans (`grafana.exa*`)."""
        whole = ((0, shape.size),)
        if len(shape.pieces) == 1:
            hit = shape.plain in self._exact["ids"] or self._stemmed(shape.plain)
            return whole if hit or shape.plain.startswith(self._prefixes) else ()
        if shape.plain in self._exact["ids"] or shape.plain.startswith(self._spanning):
            return whole
        found = [
            (start, end)
            for segment, start, end in shape.parts
            if segment in self._exact["ids"] or segment.startswith(self._spanning)
        ]
        found += [
            span
            for piece, span in zip(shape.pieces, shape.spans, strict=True)
            if self._stemmed(piece) or piece.startswith(self._prefixes)
        ]
        found += [(a, b) for word, a, b in shape.words if word.startswith(self._prefixes)]
        if not found and shape.plain.startswith(self._prefixes):  # `getuser*`: getUserName
            return whole
        return _merged(found)

    def marks(self, found: list[Token]) -> dict[int, tuple[Span, ...]]:
        """What to mark in `found`: by index of the token, spans of the text."""
        marked: dict[int, tuple[Span, ...]] = {}
        for i, token in enumerate(found):
            if hits := self._hits(token.shape):
                marked[i] = tuple((token.start + a, token.start + b) for a, b in hits)
        for clause in self.match.positive:
            if isinstance(clause, Sequence):
                for index in _phrase_tokens(found, clause):
                    marked[index] = ((found[index].start, found[index].end),)
        return marked

    def snippet(self, text: str, words: int = SNIPPET_WORDS) -> str:
        """Safe HTML: up to `words` tokens of `text` around the first match, the matches in
        `<mark>`, the rest escaped; `…` where text was left out."""
        found = list(tokens(text))
        if not found:
            return html.escape(text[:200])
        marked = self.marks(found)
        first = min(marked, default=0)
        start = max(0, first - words // 3)
        end = min(len(found), start + words)
        start = max(0, end - words)
        begin = 0 if start == 0 else found[start].start
        finish = len(text) if end == len(found) else found[end - 1].end
        out: list[str] = ["…"] if begin > 0 else []
        cursor = begin
        # escaping is character by character, so the text between marks goes in one piece
        for index in sorted(i for i in marked if start <= i < end):
            for a, b in marked[index]:
                out.append(html.escape(text[cursor:a]))
                out.append(f"<mark>{html.escape(text[a:b])}</mark>")
                cursor = b
        out.append(html.escape(text[cursor:finish]))
        if finish < len(text):
            out.append("…")
        return "".join(out).strip()


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    """Spans in order, those that overlap or touch joined."""
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def _phrase_tokens(found: list[Token], phrase: Sequence) -> set[int]:
    """The indexes of the tokens where a run of the phrase lies in `found`."""
    indexes: set[int] = set()
    for language, run in phrase.runs:
        column = list(language_column(found, language))
        lexemes = [lexeme for _, lexeme in column]
        for i in range(len(lexemes) - len(run) + 1):
            if tuple(lexemes[i : i + len(run)]) == run:
                indexes.update(column[j][0] for j in range(i, i + len(run)))
    return indexes
