"""How text becomes searchable: the one analyzer that both the index and the queries use.

Every engine stores and matches the same lexemes, computed here, so SQLite and PostgreSQL
(and any engine behind the `SearchIndex` port) find the same messages:

- text is folded: case-folded, accents removed ("Canción" → "cancion", "ÑANDÚ" → "nandu");
- a whitespace-separated token is either a word ("mensajes") or an identifier, made of several
  pieces joined by punctuation or written in camelCase (`PLT-3699`, `snake_case`, `10.0.0.1`,
  `informe.pdf`, `https://example.com/a`, `getUserName`);
- four kinds of lexeme, kept apart (columns in SQLite, prefixes in PostgreSQL):
  - `plain`: one per token, in order, as written but folded (an identifier whole, its pieces
    joined by `_`): exact phrases and prefixes match these;
  - `es`, `en`: the Snowball stem of each word (and of each piece of an identifier) in Spanish
    and in English, so that either language's inflections match. A stop word of one language
    ("not", "como") is kept whole in that language only: "notes" (Spanish stem "not") does not
    find every English "not", and "comer" does not find "como";
  - `ids`: identifiers whole, and the parts of URLs and email addresses between `/`, `@`, `:`…
    (`example_com` in `https://www.example.com/x`), so a ticket key, a domain or a file name is
    found as written, not as its common pieces.

A query compiles to clauses over these lexemes (`compile_query`); `Highlighter` marks the
matching words of a message's current text in safe HTML.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

import snowballstemmer

from tertulia.usecases.searchquery import Query

Column = Literal["plain", "es", "en", "ids"]
COLUMNS: tuple[Column, ...] = ("plain", "es", "en", "ids")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Snowball's own stop word lists, trimmed to the words that carry no meaning in a chat search.
STOP_ES = _words(
    """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde
    durante e el ella ellas ellos en entre era erais eran eras eres es esa esas ese eso esos
    esta estaba estado estamos estan estar estas este esto estos estoy fue fueron fui ha habia
    han has hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o
    os otra otro para pero poco por porque que quien se sea ser si sin sobre sois somos son soy
    su sus tambien tanto te tengo ti tiene tienen todo todos tu tus un una uno unos vosotros
    y ya yo"""
)
STOP_EN = _words(
    """a about above after again all am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours"""
)

_SPACE = re.compile(r"\S+")
_PIECE = re.compile(r"[^\W_]+")  # letters and digits; `_` and punctuation join pieces
_SEGMENTS = re.compile(r"[/@:?#=&]+")  # where URLs and addresses split into findable parts
# characters that carry no meaning at the edges of a token ("hola," "(ver" "fin." "¿qué?")
_EDGES = "\"'`.,;:!?¡¿()[]{}<>«»“”‘’*…-_~|"
_MAX_TOKEN = 200  # longer tokens (a pasted blob) are indexed by their first characters

_es = snowballstemmer.stemmer("spanish")
_en = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents: what the index compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(*names: str) -> str:
    """Names as the quick switcher matches them: folded words, each preceded by a space
    ("Ana-María López", "ana.lopez" → " ana maria lopez ana lopez")."""
    words = [w for name in names for w in folded_words(name)]
    return "".join(f" {w}" for w in dict.fromkeys(words))[:200]


def folded_words(text: str) -> list[str]:
    """The words of `text` as a name key holds them ("Informe_Q3.pdf" → informe, q3, pdf)."""
    return _PIECE.findall(fold(text))


def prefix_pattern(text: str) -> list[str]:
    """LIKE patterns, one per word typed, that a name key must all match by prefix."""
    return [f"% {w}%" for w in folded_words(text)[:5]]


class Token(NamedTuple):  # a tuple: snippets make thousands of these per search
    start: int  # where it lies in the original text
    end: int
    plain: str  # folded; an identifier's pieces joined by "_"
    pieces: tuple[str, ...]  # folded words inside (the token itself for a word)
    segments: tuple[str, ...] = ()  # an identifier's parts between / @ : … (joined by "_")

    @property
    def identifier(self) -> bool:
        return len(self.pieces) > 1


def tokens(text: str) -> Iterator[Token]:
    """The words and identifiers of `text`, with where each lies."""
    for match in _SPACE.finditer(text):
        raw = match.group()
        left = len(raw) - len(raw.lstrip(_EDGES))
        core = raw.strip(_EDGES)
        if not core:
            continue
        token = _token(core[:_MAX_TOKEN])
        if token is not None:
            start = match.start() + left
            yield Token(start, start + len(core), token[0], token[1], token[2])


@lru_cache(maxsize=65536)
def _token(core: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    chunks = _PIECE.findall(core)
    if not chunks:
        return None
    pieces = tuple(fold(p) for chunk in chunks for p in _camel(chunk))
    whole = "_".join(fold(c) for c in chunks)
    if len(pieces) == 1:
        return pieces[0], pieces, ()
    segments: list[str] = []
    for part in _SEGMENTS.split(core):
        found = [fold(p) for p in _PIECE.findall(part)]
        if len(found) > 1:
            segments.append("_".join(found))
            if found[0] == "www" and len(found) > 2:
                segments.append("_".join(found[1:]))
    return whole, pieces, tuple(s for s in dict.fromkeys(segments) if s != whole)


def _camel(chunk: str) -> list[str]:
    """`getUserName` → get, User, Name; `HTTPServer` → HTTP, Server; `Canción` stays whole."""
    if chunk.islower() or chunk.isupper() or not chunk[0].isalpha():
        return [chunk]
    parts: list[str] = []
    start = 0
    for i in range(1, len(chunk)):
        before, here = chunk[i - 1], chunk[i]
        after = chunk[i + 1] if i + 1 < len(chunk) else ""
        if here.isupper() and (before.islower() or (before.isupper() and after.islower())):
            parts.append(chunk[start:i])
            start = i
    parts.append(chunk[start:])
    return parts


@lru_cache(maxsize=131072)
def stem(word: str, language: Literal["es", "en"]) -> str | None:
    """The lexeme of a folded word in one language, or None when the word is the other
    language's stop word (it means nothing in this one)."""
    own, other = (STOP_ES, STOP_EN) if language == "es" else (STOP_EN, STOP_ES)
    if word in own:
        return word
    if word in other:
        return None
    stemmer = _es if language == "es" else _en
    return str(stemmer.stemWord(word))


@dataclass(frozen=True, slots=True)
class Document:
    """A message's text as lexemes, by column: (position, lexeme) pairs."""

    plain: tuple[tuple[int, str], ...]
    es: tuple[tuple[int, str], ...]
    en: tuple[tuple[int, str], ...]
    ids: tuple[tuple[int, str], ...]

    def column(self, name: Column) -> tuple[tuple[int, str], ...]:
        return {"plain": self.plain, "es": self.es, "en": self.en, "ids": self.ids}[name]

    def text(self, name: Column) -> str:
        """A column as space-separated lexemes (positions are the order)."""
        return " ".join(lexeme for _, lexeme in self.column(name))


def analyze(text: str) -> Document:
    plain: list[tuple[int, str]] = []
    es: list[tuple[int, str]] = []
    en: list[tuple[int, str]] = []
    ids: list[tuple[int, str]] = []
    for position, token in enumerate(tokens(text), start=1):
        plain.append((position, token.plain))
        for piece in dict.fromkeys(token.pieces):
            if (lexeme := stem(piece, "es")) is not None:
                es.append((position, lexeme))
            if (lexeme := stem(piece, "en")) is not None:
                en.append((position, lexeme))
        if token.identifier:
            ids.append((position, token.plain))
            ids.extend((position, segment) for segment in token.segments)
    return Document(tuple(plain), tuple(es), tuple(en), tuple(ids))


# The compiled query: what an engine matches.


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
    """These plain lexemes, one after another (an exact phrase)."""

    lexemes: tuple[str, ...]
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


def compile_query(query: Query) -> Match:
    """The lexemes a query asks for. Stop words are dropped when other words remain ("el
    informe" finds every message about an informe); alone, they are searched."""
    words: list[tuple[Token, bool, bool]] = []
    for term in query.terms:
        words.extend((token, term.prefix, term.excluded) for token in tokens(term.text))
    meaningful = any(not _stop(t) or p for t, p, x in words if not x)
    clauses: list[Clause] = [
        _word(token, prefix, excluded)
        for token, prefix, excluded in words
        if excluded or prefix or not meaningful or not _stop(token)
    ]
    for phrase in query.phrases:
        lexemes = tuple(t.plain for t in tokens(phrase.text))
        if lexemes:
            clauses.append(Sequence(lexemes, phrase.excluded))
    return Match(tuple(dict.fromkeys(clauses)))


# Snippets: the matching words of a message, marked.

SNIPPET_WORDS = 24  # tokens shown around the first match


@dataclass(frozen=True, slots=True)
class Highlighter:
    """Marks the words of a text that a query matched."""

    match: Match
    _exact: dict[Column, frozenset[str]] = field(init=False)
    _prefixes: tuple[str, ...] = field(init=False)
    _seen: dict[tuple[str, tuple[str, ...]], bool] = field(init=False)  # token → marked

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
        object.__setattr__(self, "_prefixes", tuple(prefixes))

    def _hit(self, token: Token) -> bool:
        key = (token.plain, token.pieces)
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = self._matches(token)
        return hit

    def _matches(self, token: Token) -> bool:
        if self._prefixes and token.plain.startswith(self._prefixes):
            return True
        if token.identifier and (
            token.plain in self._exact["ids"] or not self._exact["ids"].isdisjoint(token.segments)
        ):
            return True
        if not token.identifier and token.plain in self._exact["ids"]:
            return True
        return any(
            stem(piece, language) in self._exact[language]
            for piece in token.pieces
            for language in ("es", "en")
        )

    def marks(self, found: list[Token]) -> set[int]:
        """The indexes of `found` to mark."""
        marked = {i for i, token in enumerate(found) if self._hit(token)}
        plains = [t.plain for t in found]
        for clause in self.match.positive:
            if isinstance(clause, Sequence):
                size = len(clause.lexemes)
                for i in range(len(plains) - size + 1):
                    if tuple(plains[i : i + size]) == clause.lexemes:
                        marked.update(range(i, i + size))
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
            token = found[index]
            out.append(html.escape(text[cursor : token.start]))
            out.append(f"<mark>{html.escape(text[token.start : token.end])}</mark>")
            cursor = token.end
        out.append(html.escape(text[cursor:finish]))
        if finish < len(text):
            out.append("…")
        return "".join(out).strip()


# Ranking: BM25's saturation and length normalisation over the lexemes of a document.

_K1, _B = 1.2, 0.5  # chat messages are short: length weighs less than in documents
_WEIGHTS: dict[Column, float] = {"plain": 1.0, "es": 1.0, "en": 1.0, "ids": 1.5}


@dataclass(frozen=True, slots=True)
class Scorer:
    """Scores a candidate from its lexeme columns (space-separated, as `Document.text`, in
    `COLUMNS` order).

    Every candidate of an AND query holds every word, so what orders them is how often and
    how densely they say it, BM25-style (term frequency saturating, long messages weighed
    down), with exact phrases counting double. No inverse document frequency: counting a
    common word's documents would cost more than the search (it is what makes FTS5's bm25()
    take 80 ms at a million messages), and within one query every word is in every
    candidate anyway."""

    match: Match
    # by column (the index in COLUMNS): what to count in it, and its weight
    _needles: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = field(init=False)

    def __post_init__(self) -> None:
        needles: dict[int, list[tuple[str, float]]] = {}
        for clause in self.match.positive:
            if isinstance(clause, Sequence):
                needles.setdefault(0, []).append((f" {' '.join(clause.lexemes)} ", 2.0))
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
