"""The search query language, parsed once for every search engine.

What people type into the search box, Slack-style:

    deploy "release notes" -staging migra* from:@ana in:#diseño-web has:link is:thread
    mentions:@bruno before:2026-11-01 after:2026-10-01 on:2026-10-15 PLT-3699

- words match their inflections (the engine stems them); `"…"` is a phrase: its words'
  forms, in order; a leading `-` excludes a word or a phrase; a trailing `*` matches by
  prefix;
- `from:`, `in:`, `mentions:` name a person (`@` optional) or a channel (`#` optional);
  `has:` is file, link or reaction; `is:` is thread or pinned; `before:`, `after:` and `on:`
  take a date (YYYY-MM-DD) from EARLIEST to LATEST; a leading `-` turns `from:`, `in:`,
  `mentions:`, `has:` and `is:` into exclusions (`-in:#ops`); a negated date, and the
  operators of other tools that we do not support (`to:`, `during:`…), are refused, never
  taken for words;
- anything else is a term as written (`PLT-3699`, `e-mail`, `10.0.0.1`, `snake_case`,
  `https://example.com/x`, `informe.pdf`, `ratio:2`): engines must find identifiers as
  written, not split into common words.

`parse` returns a `Query` or raises `Malformed` (a 400) (field `q`) with a message saying how to fix
it. No other exception: the parser never trusts its input (property-tested).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from tertulia.domain.errors import Malformed

MAX_LENGTH = 500  # characters in a query
MAX_TERMS = 32  # words, phrases and operators together
HAS = frozenset({"file", "link", "reaction"})
IS = frozenset({"thread", "pinned"})
OPERATORS = frozenset({"from", "in", "mentions", "has", "is", "before", "after", "on"})
DATES = frozenset({"before", "after", "on"})
NEGATABLE = OPERATORS - DATES
# Operators of other search boxes (Slack, Discord, Zulip, Gmail, Teams) that people type out
# of habit, with what to write here instead: refused rather than searched for as words
UNSUPPORTED = {
    "to": "mentions:@user or in:#channel",
    "with": "from:@user or in:#channel",
    "sender": "from:@user",
    "author": "from:@user",
    "during": "on:, or after: and before:",
    "since": "after:",
    "until": "before:",
    "date": "on:",
    "sent": "on:",
    "older_than": "before:",
    "newer_than": "after:",
    "channel": "in:#channel",
    "stream": "in:#channel",
    "dm": "in:, from: or mentions:",
    "pinned": "is:pinned",
    "thread": "is:thread",
    "subject": 'words or a "phrase"',
    "topic": 'words or a "phrase"',
    "label": 'words or a "phrase"',
    "filename": "words (the file search finds files by name)",
}
# Every day of these has a start and an end in every time zone (offsets are under a day)
EARLIEST, LATEST = date.min + timedelta(days=1), date.max - timedelta(days=1)

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_NAME = re.compile(r"[^\s@#]{1,80}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# characters that carry no meaning at the edges of a word ("hola," "(ver" "fin.")
_EDGES = "\"'.,;:!?¡¿()[]{}<>«»“”‘’"


@dataclass(frozen=True, slots=True)
class Term:
    """A word or an identifier as typed (the engine normalises and stems it)."""

    text: str
    prefix: bool = False  # `migra*`
    excluded: bool = False  # `-staging`


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must appear together, in this order."""

    text: str
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    from_users: tuple[str, ...] = ()  # usernames, lowercase, without @
    in_channels: tuple[str, ...] = ()  # channel names, lowercase, without #
    mentions: tuple[str, ...] = ()  # usernames, lowercase, without @
    has: frozenset[str] = field(default_factory=frozenset)
    is_: frozenset[str] = field(default_factory=frozenset)
    after: date | None = None  # strictly after this day
    before: date | None = None  # strictly before this day
    on: date | None = None
    # what negated operators leave out (`-from:@ana`, `-in:#ops`, `-has:file`, `-is:thread`)
    not_from: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    not_mentions: tuple[str, ...] = ()
    not_has: frozenset[str] = field(default_factory=frozenset)
    not_is: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_text(self) -> bool:
        """Words or phrases to match (besides operators): ranked by relevance."""
        return any(not t.excluded for t in self.terms) or any(not p.excluded for p in self.phrases)

    @property
    def is_empty(self) -> bool:
        return self == Query()


def _refuse(code: str, message: str) -> Malformed:
    return Malformed.field("q", f"search.{code}", message)


def parse(text: str) -> Query:
    """The query in `text`, or `Malformed` saying what to change."""
    if len(text) > MAX_LENGTH:
        raise _refuse("too_long", f"A search is at most {MAX_LENGTH} characters.")
    if any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" for c in text):
        raise _refuse("control_character", "Search for text, without control characters.")
    parts: dict[str, list[object]] = {
        name: [] for name in ("terms", "phrases", *OPERATORS, *(f"-{n}" for n in NEGATABLE))
    }
    count = 0
    for match in _TOKEN.finditer(text):
        count += 1
        if count > MAX_TERMS:
            raise _refuse("too_many_terms", f"Use at most {MAX_TERMS} words and operators.")
        minus, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is None:
            words = " ".join(quoted.split())
            if words:
                parts["phrases"].append(Phrase(words, excluded=bool(minus)))
            continue
        _token(bare, parts)
    query = Query(
        terms=tuple(t for t in parts["terms"] if isinstance(t, Term)),
        phrases=tuple(p for p in parts["phrases"] if isinstance(p, Phrase)),
        from_users=tuple(dict.fromkeys(str(u) for u in parts["from"])),
        in_channels=tuple(dict.fromkeys(str(c) for c in parts["in"])),
        mentions=tuple(dict.fromkeys(str(u) for u in parts["mentions"])),
        has=frozenset(str(h) for h in parts["has"]),
        is_=frozenset(str(i) for i in parts["is"]),
        after=_one_date(parts["after"], "after"),
        before=_one_date(parts["before"], "before"),
        on=_one_date(parts["on"], "on"),
        not_from=tuple(dict.fromkeys(str(u) for u in parts["-from"])),
        not_in=tuple(dict.fromkeys(str(c) for c in parts["-in"])),
        not_mentions=tuple(dict.fromkeys(str(u) for u in parts["-mentions"])),
        not_has=frozenset(str(h) for h in parts["-has"]),
        not_is=frozenset(str(i) for i in parts["-is"]),
    )
    if query.is_empty:
        raise _refuse("empty", "Type something to search for, or an operator such as from:@ana.")
    if not query.has_text and not _narrows(query):
        raise _refuse("only_exclusions", "Say what to find, not only what to leave out.")
    _check_dates(query)
    return query


def _token(token: str, parts: dict[str, list[object]]) -> None:
    negated = token.startswith("-")
    name, colon, value = (token[1:] if negated else token).partition(":")
    operator = name.lower()
    if colon and operator in OPERATORS:
        written = f"-{operator}:" if negated else f"{operator}:"
        if negated and operator in DATES:
            raise _refuse(
                "operator_unsupported",
                f"{written} is not supported: say which days you want with after:, before: or on:.",
            )
        if not value:
            raise _refuse(
                "operator_value", f"{written} needs a value, as in {_EXAMPLES[operator]}."
            )
        parts[f"-{operator}" if negated else operator].append(_operator(operator, value))
        return
    if colon and value and not value.startswith("/") and operator in UNSUPPORTED:
        raise _refuse(
            "operator_unsupported",
            f"{operator}: is not an operator here; use {UNSUPPORTED[operator]} (to find the"
            f' text itself, put it in quotes: "{token.lstrip("-")}").',
        )
    excluded = negated and len(token) > 1
    word = token[1:] if excluded else token
    prefix = word.endswith("*")
    word = word.rstrip("*").strip(_EDGES)
    if not word or word == "-":
        return  # punctuation alone: nothing to find
    parts["terms"].append(Term(word, prefix=prefix, excluded=excluded))


_EXAMPLES = {
    "from": "from:@ana",
    "in": "in:#general",
    "mentions": "mentions:@bruno",
    "has": "has:file, has:link or has:reaction",
    "is": "is:thread or is:pinned",
    "before": "before:2026-11-01",
    "after": "after:2026-10-01",
    "on": "on:2026-10-15",
}


def _operator(operator: str, value: str) -> object:
    if operator in ("from", "mentions", "in"):
        name = value.removeprefix("#" if operator == "in" else "@").strip(_EDGES)
        if not _NAME.fullmatch(name):
            raise _refuse(
                "operator_value", f"{operator}: takes a name, as in {_EXAMPLES[operator]}."
            )
        # as names are stored; the search folds accents and case on both sides
        return unicodedata.normalize("NFC", name).lower()
    if operator == "has":
        found = value.lower()
        if found not in HAS:
            raise _refuse("operator_value", f"Use {_EXAMPLES['has']}.")
        return found
    if operator == "is":
        found = value.lower()
        if found not in IS:
            raise _refuse("operator_value", f"Use {_EXAMPLES['is']}.")
        return found
    return _date(operator, value)


def _date(operator: str, value: str) -> date:
    if not _DATE.fullmatch(value):
        raise _refuse("date", f"Dates are written YYYY-MM-DD, as in {_EXAMPLES[operator]}.")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _refuse("date", f"{value} is not a day of the calendar.") from None
    if not EARLIEST <= day <= LATEST:
        raise _refuse("date", f"Dates go from {EARLIEST} to {LATEST}; {value} is outside them.")
    return day


def _one_date(values: list[object], operator: str) -> date | None:
    dates = [v for v in values if isinstance(v, date)]
    if len(dates) > 1:
        raise _refuse("operator_repeated", f"Give {operator}: once.")
    return dates[0] if dates else None


def _narrows(query: Query) -> bool:
    return bool(
        query.from_users
        or query.in_channels
        or query.mentions
        or query.has
        or query.is_
        or query.after
        or query.before
        or query.on
    )


def _check_dates(query: Query) -> None:
    if query.on is not None and (query.after is not None or query.before is not None):
        raise _refuse("date_range", "Use on: alone, or after: and before:.")
    if query.after is not None and query.before is not None and query.after >= query.before:
        raise _refuse("date_range", "after: must be earlier than before: (both exclude the day).")
