"""How text becomes searchable: the one analyzer that both the index and the queries use.

Every engine stores and matches the same lexemes, computed here, so SQLite and PostgreSQL
(and any engine behind the `SearchIndex` port) find the same messages:

- text is folded: case-folded, accents removed ("Canción" → "cancion", "ÑANDÚ" → "nandu").
  However it was typed, canonically equivalent text gives the same lexemes: folding
  decomposes (NFKD), and a combining mark never splits a word, so "Reunión" pasted from macOS
  (`Reunio` + U+0301 + `n`, NFD) is "reunion" as the composed (NFC) form is;
- a whitespace-separated token is either a word ("mensajes") or an identifier, made of several
  pieces joined by punctuation or written in camelCase (`PLT-3699`, `snake_case`, `10.0.0.1`,
  `informe.pdf`, `https://example.com/a`, `getUserName`);
- four kinds of lexeme, kept apart (columns in SQLite, prefixes in PostgreSQL):
  - `plain`: one per token, in order, as written but folded (an identifier whole, its pieces
    joined by `_`): prefixes match these;
  - `es`, `en`: the Snowball stem of each word (and of each piece of an identifier) in Spanish
    and in English, so that either language's inflections match. A stop word of one language
    ("not", "como") is kept whole in that language only: "notes" (Spanish stem "not") does not
    find every English "not", and "comer" does not find "como". A lexeme's position is its
    place in its own column, on both engines, so a phrase is a run of one language's stems
    (`"base de datos"` finds "bases de datos", `"code review"` finds "Code reviews");
  - `ids`: identifiers whole; the parts of URLs and email addresses between `/`, `@`, `:`…
    (`example_com` in `https://www.example.com/x`), and a host name's parent domains
    (`example_com` in `docs.example.com`), so a ticket key, a domain or a file name is found
    as written, not as its common pieces; and the pieces of identifiers (and their camelCase
    words whole), each followed by PIECE_MARK (`grafana_`), so that a prefix finds words
    inside URLs and identifiers while a word typed whole counts no more in them than
    elsewhere.

A query compiles to clauses over these lexemes (`searchmatch`); `searchsnippet` marks the
matching words (or the matching part of an identifier) of a message's current text in safe
HTML.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import snowballstemmer

Column = Literal["plain", "es", "en", "ids"]
COLUMNS: tuple[Column, ...] = ("plain", "es", "en", "ids")
Language = Literal["es", "en"]
LANGUAGES: tuple[Language, ...] = ("es", "en")


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


def _combining_marks() -> str:
    """Every combining mark (combining class above 0: the accents folding removes) as the
    inside of a regex character class. None lies past the first two planes."""
    marks = [code for code in range(0x20000) if unicodedata.combining(chr(code))]
    ranges: list[tuple[int, int]] = []
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in ranges)


_MARKS = _combining_marks()
_SPACE = re.compile(r"\S+")
# letters and digits, and the combining marks after them (decomposed accents: a mark is not a
# word character for `re`, and must not split "Reunio\u0301n"); `_` and punctuation join pieces
_PIECE = re.compile(rf"[^\W_]+(?:[{_MARKS}]+[^\W_]*)*")
_SEGMENTS = re.compile(r"[/@:?#=&]+")  # where URLs and addresses split into findable parts
# characters that carry no meaning at the edges of a token ("hola," "(ver" "fin." "¿qué?")
_EDGES = "\"'`.,;:!?¡¿()[]{}<>«»“”‘’*…-_~|"
_MAX_TOKEN = 200  # longer tokens (a pasted blob) are indexed by their first characters
PIECE_MARK = "_"  # after a piece of an identifier in `ids` (no identifier ends with it)

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


class Shape(NamedTuple):
    """What a token is, wherever it appears (computed once per distinct token)."""

    size: int  # characters of the token as written
    plain: str  # folded; an identifier's pieces joined by "_"
    pieces: tuple[str, ...]  # folded words inside (the token itself for a word)
    spans: tuple[tuple[int, int], ...]  # where each piece lies in the token
    segments: tuple[str, ...]  # an identifier's parts between / @ : … and parent domains
    parts: tuple[tuple[str, int, int], ...]  # each segment, where it lies in the token
    # the words in camelCase among an identifier's other pieces (`orgId` in `…?orgId=1`)
    words: tuple[tuple[str, int, int], ...] = ()


class Token(NamedTuple):  # a tuple: snippets make thousands of these per search
    start: int  # where it lies in the original text
    end: int
    shape: Shape

    @property
    def plain(self) -> str:
        return self.shape.plain

    @property
    def pieces(self) -> tuple[str, ...]:
        return self.shape.pieces

    @property
    def segments(self) -> tuple[str, ...]:
        return self.shape.segments

    @property
    def identifier(self) -> bool:
        return len(self.shape.pieces) > 1


def tokens(text: str) -> Iterator[Token]:
    """The words and identifiers of `text`, with where each lies."""
    for match in _SPACE.finditer(text):
        raw = match.group()
        left = len(raw) - len(raw.lstrip(_EDGES))
        core = raw.strip(_EDGES)
        if not core:
            continue
        shape = _shape(core[:_MAX_TOKEN])
        if shape is not None:
            start = match.start() + left
            yield Token(start, start + shape.size, shape)


@lru_cache(maxsize=65536)
def _shape(core: str) -> Shape | None:
    chunks = [(m.start(), m.end(), fold(m.group()), m.group()) for m in _PIECE.finditer(core)]
    chunks = [c for c in chunks if c[2]]
    if not chunks:
        return None
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    words: list[tuple[str, int, int]] = []
    for start, end, folded_chunk, chunk in chunks:
        camel = _camel(chunk)
        if len(camel) > 1 and len(chunks) > 1:
            words.append((folded_chunk, start, end))
        for part in camel:
            if folded := fold(part):
                pieces.append(folded)
                spans.append((start, start + len(part)))
            start += len(part)
    whole = "_".join(c[2] for c in chunks)
    if len(pieces) == 1:
        return Shape(len(core), pieces[0], tuple(pieces), tuple(spans), (), ())
    cuts = [m.start() for m in _SEGMENTS.finditer(core)]
    groups: dict[int, list[tuple[int, int, str, str]]] = {}
    for found in chunks:
        groups.setdefault(bisect.bisect(cuts, found[0]), []).append(found)
    parts: list[tuple[str, int, int]] = []
    for group in groups.values():
        # a host name ("docs.example.com") also holds its parent domains ("example.com")
        host = _host(core, group)
        for first in range(len(group) - 1 if host else min(1, len(group) - 1)):
            lexeme = "_".join(c[2] for c in group[first:])
            parts.append((lexeme, group[first][0], group[-1][1]))
    parts = [p for p in parts if p[0] != whole]
    segments = tuple(dict.fromkeys(p[0] for p in parts))
    return Shape(
        len(core), whole, tuple(pieces), tuple(spans), segments, tuple(parts), tuple(words)
    )


def _host(core: str, group: list[tuple[int, int, str, str]]) -> bool:
    """Whether these pieces are a host name: three or more joined by dots, the last one
    letters (`docs.example.com`, not `10.0.0.1`, `v1.2.3` or `informe_final.pdf`)."""
    return (
        len(group) > 2
        and group[-1][2].isalpha()
        and len(group[-1][2]) > 1
        and all(core[a[1] : b[0]] == "." for a, b in itertools.pairwise(group))
    )


def _camel(chunk: str) -> list[str]:
    """`getUserName` → get, User, Name; `HTTPServer` → HTTP, Server; `Canción` stays whole
    (its combining marks, if decomposed, stay with the letter before them)."""
    if chunk.islower() or chunk.isupper() or not chunk[0].isalpha():
        return [chunk]
    letters = [i for i, c in enumerate(chunk) if not unicodedata.combining(c)]
    parts: list[str] = []
    start = 0
    for k in range(1, len(letters)):
        before, here = chunk[letters[k - 1]], chunk[letters[k]]
        after = chunk[letters[k + 1]] if k + 1 < len(letters) else ""
        if here.isupper() and (before.islower() or (before.isupper() and after.islower())):
            parts.append(chunk[start : letters[k]])
            start = letters[k]
    parts.append(chunk[start:])
    return parts


@lru_cache(maxsize=131072)
def stem(word: str, language: Language) -> str | None:
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
    """A message's text as lexemes, by column: (position, lexeme) pairs. A position is the
    token's place in the text for `plain` and `ids`, the lexeme's place in its own column for
    `es` and `en` (as SQLite's FTS5 counts them, so that a phrase means the same on both
    engines)."""

    plain: tuple[tuple[int, str], ...]
    es: tuple[tuple[int, str], ...]
    en: tuple[tuple[int, str], ...]
    ids: tuple[tuple[int, str], ...]

    def column(self, name: Column) -> tuple[tuple[int, str], ...]:
        return {"plain": self.plain, "es": self.es, "en": self.en, "ids": self.ids}[name]

    def text(self, name: Column) -> str:
        """A column as space-separated lexemes (positions are the order)."""
        return " ".join(lexeme for _, lexeme in self.column(name))


def language_column(found: Iterable[Token], language: Language) -> Iterator[tuple[int, str]]:
    """The `language` column of these tokens: (index of the token, lexeme), in order."""
    for index, token in enumerate(found):
        for piece in dict.fromkeys(token.pieces):
            if (lexeme := stem(piece, language)) is not None:
                yield index, lexeme


def analyze(text: str) -> Document:
    plain: list[tuple[int, str]] = []
    es: list[tuple[int, str]] = []
    en: list[tuple[int, str]] = []
    ids: list[tuple[int, str]] = []
    for position, token in enumerate(tokens(text), start=1):
        shape = token.shape  # (the hot loop of indexing: no properties)
        plain.append((position, shape.plain))
        pieces = shape.pieces
        # as `language_column` gives them: a lexeme's position is its place in its column
        for piece in pieces if len(pieces) == 1 else dict.fromkeys(pieces):
            if (lexeme := stem(piece, "es")) is not None:
                es.append((len(es) + 1, lexeme))
            if (lexeme := stem(piece, "en")) is not None:
                en.append((len(en) + 1, lexeme))
        if len(pieces) > 1:
            ids.append((position, shape.plain))
            ids.extend((position, segment) for segment in shape.segments)
            words = (w for w, _, _ in shape.words)
            ids.extend((position, p + PIECE_MARK) for p in dict.fromkeys((*pieces, *words)))
    return Document(tuple(plain), tuple(es), tuple(en), tuple(ids))
