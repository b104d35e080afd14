"""PostgreSQL's statistics of the index: how common a word is, and how big a channel."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tertulia.adapters.search.tsquery import PREFIX
from tertulia.adapters.sql.leases import Executor, Raw
from tertulia.usecases.searchmatch import AnyOf, Clause, Match

STATISTICS_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Frequencies:
    """The share of documents holding each of the most common lexemes, and the share of
    documents in each of the biggest channels (pg_stats)."""

    of: dict[str, float]
    least: float  # a lexeme not among them is in fewer documents than this
    channels: dict[str, float] = field(default_factory=dict)

    def readable(self, channels: Sequence[str]) -> float:
        """The share of documents in these channels (a channel not listed: a small one)."""
        least = min(self.channels.values(), default=0.0)
        return min(1.0, sum(self.channels.get(c, least / 2) for c in channels))

    def lexeme(self, lexeme: str, prefix: bool) -> float:
        if not prefix:
            return self.of.get(lexeme, self.least / 2)
        found = sum(f for known, f in self.of.items() if known.startswith(lexeme))
        return min(1.0, max(found, self.least / 2))

    def clause(self, clause: Clause) -> float:
        if isinstance(clause, AnyOf):  # a word's stems: mostly the same documents
            return max(self.lexeme(PREFIX[x.column] + x.text, x.prefix) for x in clause.lexemes)
        share = 0.0
        for language, run in clause.runs:  # a phrase: one of its runs' words together
            together = 1.0
            for word in run:
                together *= self.lexeme(PREFIX[language] + word, False)
            share = max(share, together)
        for word in clause.whole:
            share *= self.lexeme("i:" + word, False)
        return share


def estimated_share(frequencies: Frequencies | None, match: Match) -> float | None:
    """The share of documents the words of `match` are in, taken as independent; None when
    PostgreSQL has no statistics yet (a new installation: ANALYZE has not run)."""
    if frequencies is None:
        return None
    share = 1.0
    for clause in match.positive:
        share *= frequencies.clause(clause)
    return share


_FREQUENCIES: dict[str, tuple[float, Frequencies | None]] = {}  # by database: (read at, ...)
_STATISTICS = Raw.of(
    "SELECT attname, coalesce(most_common_elems, most_common_vals)::text::text[],"
    " coalesce(most_common_elem_freqs, most_common_freqs) FROM pg_stats"
    " WHERE schemaname = current_schema() AND tablename = 'search_docs'"
    " AND attname IN ('doc', 'channel_id')"
)


async def read_frequencies(conn: Executor, database: str) -> Frequencies | None:
    """The statistics of the database's lexemes, read at most every STATISTICS_SECONDS."""
    now = time.monotonic()
    known = _FREQUENCIES.get(database)
    if known is not None and now - known[0] < STATISTICS_SECONDS:
        return known[1]
    found = {r[0]: (list(r[1]), list(r[2])) for r in await conn.raw(_STATISTICS, {}) if r[1]}
    frequencies = None
    if "doc" in found:
        lexemes, shares = found["doc"]
        channels = dict(zip(*found.get("channel_id", ([], [])), strict=False))
        # after the shares of the lexemes: the least and the greatest of them
        least = shares[len(lexemes)] if len(shares) > len(lexemes) else min(shares)
        frequencies = Frequencies(dict(zip(lexemes, shares, strict=False)), least, channels)
    _FREQUENCIES[database] = (now, frequencies)
    return frequencies
