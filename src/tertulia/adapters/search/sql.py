"""The search index in the database itself: SQLite's FTS5, or a PostgreSQL tsvector with a
GIN index. Both store the lexemes of `usecases.searchtext` and get the user's query only as
those lexemes, quoted by us: no user text ever reaches a MATCH or a tsquery parser.

How a search runs, on both engines:
1. the newest `CANDIDATES` matches readable by the viewer (membership is checked in the
   statement, or just before it) and within the operators' filters, walking the documents
   newest first in growing windows of ids (`_Walk`): a common word is answered from the
   newest window, a rare one from all of them. The permission filter happens inside the
   index where it can: FTS5 intersects a `scope` column of channel ids; PostgreSQL, for a
   person in up to SCOPED_CHANNELS channels, walks each of their newest documents (a common
   word, by ANALYZE's statistics) or at once looks words up in a GIN index of channel-scoped
   lexemes (migration 0008), so that matches in other channels are not read (the channels
   are those the readable-channels query gave in the same transaction, a statement earlier);
2. their relevance is computed for those only (SQLite: our BM25-style `Scorer` over their
   lexemes; PostgreSQL: ts_rank_cd divided by the log of the length): a word in half the
   corpus never ranks half the corpus;
3. the page is cut from them, and the total is exact below `CANDIDATES`, else estimated from
   how far back the candidates reached.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import text

from tertulia.adapters.sql.leases import Executor, Raw
from tertulia.domain.ids import MessageId
from tertulia.usecases.ports import (
    SEARCH_DEPTH,
    SearchDocument,
    SearchFilter,
    SearchHit,
    SearchHits,
)
from tertulia.usecases.searchtext import (
    AnyOf,
    Clause,
    Document,
    Lexeme,
    Match,
    Scorer,
    analyze,
)

CANDIDATES = SEARCH_DEPTH  # matches ranked per search, newest first
WINDOWS = (25_000, 200_000)  # newest documents searched first, then all of them
# PostgreSQL, the permission checked in SQL: the newest window, the next one (the index ANDed
# with a bitmap of the window's ids), then everything older in one GIN scan
POSTGRES_WINDOWS: tuple[int, ...] = (25_000, 225_000)
POSTGRES_SPARSE = 10  # found fewer times in the newest window: everything older at once
SCOPE_LIMIT = 200  # readable channels intersected inside the index (more: checked in SQL)
# PostgreSQL: the readable channels' lexemes ORed in one lookup of the scoped index (see
# migration 0008); every candidate is checked against each of them, so a person in more
# channels is served by the plain index and the permission check in SQL
SCOPED_CHANNELS = 40
# ...and the newest documents of those channels walked first; a word found at least
# SCOPED_DENSE times among them is walked through the next window (it ends soon), any other
# is looked up in the scoped index (walking on would read most of the channels' documents),
# as is whatever a word that was common lately but not before still needs
SCOPED_WINDOWS = (15_000, 50_000)
SCOPED_DENSE = 50
# ...unless PostgreSQL's statistics (ANALYZE's most common lexemes, read again every
# STATISTICS_SECONDS) say the words are in fewer than WALK_FREQUENCY of the documents: then
# they are looked up in the scoped index at once (the walk would find too few to be worth it)
WALK_FREQUENCY = 0.03
SCOPED_WIDEST = 200_000  # the widest first window a common word's walk is given
STATISTICS_SECONDS = 600.0
SCOPE_KEY_LENGTH = 8  # the channel's part of a scoped lexeme: the end of its id
_MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
_MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: int
    message_id: str
    score: float


Found = list[_Candidate]


def _candidates(rows: Iterable[Any]) -> Found:
    return [_Candidate(int(r[0]), str(r[1]), float(r[2])) for r in rows]


def _millis(document: SearchDocument) -> int:
    return int(document.created_at.timestamp() * 1000)


def _row(document: SearchDocument) -> dict[str, Any]:
    return {
        "message_id": document.message_id,
        "workspace_id": document.workspace_id,
        "channel_id": document.channel_id,
        "author_id": document.author_id,
        "created_ms": _millis(document),
        "has_link": document.has_link,
        "has_file": document.has_file,
    }


# the channels of a workspace the viewer may read: theirs, and public ones for full members
_READABLE_CHANNELS = (
    "SELECT cm.channel_id FROM channel_members cm"
    " WHERE cm.user_id = :viewer AND cm.workspace_id = :ws"
    " UNION SELECT c.id FROM channels c"
    " WHERE c.workspace_id = :ws AND c.kind = 'public' AND :public"
)


_PERMITTED = f"d.channel_id IN ({_READABLE_CHANNELS})"
_NAMED = "d.channel_id IN :in_channels"


def _filters(where: SearchFilter) -> tuple[list[str], dict[str, Any], list[str]]:
    """SQL conditions on `d` (search_docs), their parameters, and the expanding ones."""
    conditions = ["d.workspace_id = :ws", _PERMITTED]
    params: dict[str, Any] = {
        "ws": where.workspace_id,
        "viewer": where.viewer,
        "public": where.include_public,
    }
    expanding: list[str] = []
    if where.channel_ids is not None:
        conditions.append(_NAMED)
        params["in_channels"] = list(where.channel_ids)
        expanding.append("in_channels")
    if where.author_ids:
        conditions.append("d.author_id IN :authors")
        params["authors"] = list(where.author_ids)
        expanding.append("authors")
    if "link" in where.has:
        conditions.append("d.has_link")
    if "file" in where.has:
        conditions.append("d.has_file")
    if "reaction" in where.has:
        conditions.append("EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = d.message_id)")
    message: list[str] = []
    if "pinned" in where.is_:
        message.append("m.pinned_at IS NOT NULL")
    if "thread" in where.is_:
        message.append("(m.thread_root_id IS NOT NULL OR m.reply_count > 0)")
    if where.mentioned_ids:
        anyone = []
        for i, user_id in enumerate(where.mentioned_ids):
            anyone.append(f"m.mentioned LIKE :mentioned_{_letters(i)}")
            params[f"mentioned_{_letters(i)}"] = f"%{user_id}%"
        message.append(f"({' OR '.join(anyone)})")
    if message:
        found = " AND ".join(message)
        conditions.append(
            f"EXISTS (SELECT 1 FROM messages m WHERE m.id = d.message_id AND {found})"
        )
    if where.since is not None:
        conditions.append("d.created_ms >= :since")
        params["since"] = int(where.since.timestamp() * 1000)
    if where.until is not None:
        conditions.append("d.created_ms < :until")
        params["until"] = int(where.until.timestamp() * 1000)
    return conditions, params, expanding


_READABLE = Raw.of(f"{_READABLE_CHANNELS} LIMIT :most")
_READABLE_AMONG = Raw.of(  # PostgreSQL only: a list parameter
    f"SELECT r.channel_id FROM ({_READABLE_CHANNELS}) AS r WHERE r.channel_id = ANY(:named)"
)


async def _scope(
    conn: Executor, where: SearchFilter, readable_too: bool = True
) -> tuple[list[str], list[str]]:
    """What to intersect inside the index: the ids that narrow every window (the channels
    in: names, the people from: names), and those worth it only in the newest window (the
    channels the viewer may read, when few enough; the SQL conditions decide in any case)."""
    narrow = [str(c) for c in where.channel_ids or ()]
    narrow_authors = [str(a) for a in where.author_ids]
    readable: list[str] = []
    if not narrow and readable_too:
        params = {"viewer": where.viewer, "ws": where.workspace_id, "public": where.include_public}
        rows = await conn.raw(_READABLE, {**params, "most": SCOPE_LIMIT + 1})
        readable = [str(r[0]) for r in rows] if len(rows) <= SCOPE_LIMIT else []
    return [*_groups(narrow), *_groups(narrow_authors)], _groups(readable)


def _groups(ids: list[str]) -> list[str]:
    """One group of alternatives (or none) per kind of scope."""
    return [" ".join(ids)] if ids else []


def _statement(sql: str, expanding: list[str], params: dict[str, Any]) -> Raw:
    """The statement for the driver itself (a search runs it once per window): each list
    parameter becomes one parameter per value."""
    for name in expanding:
        values = params.pop(name)
        names = [f"{name}_{_letters(i)}" for i in range(len(values))]
        params.update(zip(names, values, strict=True))
        sql = sql.replace(f":{name}", "(" + ", ".join(f":{n}" for n in names) + ")")
    return _raw(sql)


@lru_cache(maxsize=512)
def _raw(sql: str) -> Raw:
    """The same searches come back (a statement per shape of query and number of channels):
    their parameters are numbered once."""
    return Raw.of(sql)


def _letters(number: int) -> str:
    """0 → a, 25 → z, 26 → ba: parameter names are letters only."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = chr(ord("a") + digit) + out
        if not number:
            return out


class _SqlIndex:
    """What both engines do alike: forget a message, and keep where `tertulia reindex` got
    to, in the same transaction as what it indexed."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def drop(self, message_id: MessageId) -> None:
        await self.conn.execute(_DROP, {"message_id": message_id})

    async def reindexed_up_to(self) -> tuple[MessageId, int] | None:
        row: Any = (await self.conn.execute(_POINT)).first()
        return None if row is None else (MessageId(row[0]), int(row[1]))

    async def save_reindex_point(self, message_id: MessageId | None, done: int) -> None:
        if message_id is None:
            await self.conn.execute(_CLEAR_POINT)
        else:
            await self.conn.execute(_SAVE_POINT, {"after_id": message_id, "done": done})


# two subqueries: SQLite finds min() and max() in the index only one at a time
_BOUNDS = Raw.of("SELECT (SELECT min(id) FROM search_docs), (SELECT max(id) FROM search_docs)")
# PostgreSQL, for the rest of the search's transaction: no JIT compilation (tens of ms spent
# on statements that run in a few), no parallel workers (their start costs more than it saves)
_POSTGRES_BOUNDS = Raw.of(
    "SELECT (SELECT min(id) FROM search_docs), (SELECT max(id) FROM search_docs),"
    " set_config('jit', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)
# ...and, where the planner chooses between ways of walking the index, a plan for each
# statement's own values (a word in half the corpus and a word in ten messages want
# different plans; a prepared statement's generic plan suits neither)
_POSTGRES_BOUNDS_CUSTOM = Raw.of(
    _POSTGRES_BOUNDS.sql + ", set_config('plan_cache_mode', 'force_custom_plan', true)"
)
# ...and, for a window of ids past the newest, bitmaps only: the planner would walk the
# window's range of the primary key (reading every document of it) rather than AND it with
# the GIN index (reading only the matches), as it cannot tell how few these are
_BITMAPS_ONLY = Raw.of(
    "SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan'),"
    " set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)
_SCANS = Raw.of(
    "SELECT set_config('enable_indexscan', :index, true), set_config('enable_seqscan', :seq, true)"
)


class _Walk:
    """Newest documents first, in growing windows of ids, until enough matches are found: a
    word in half the corpus is answered from the newest few thousand documents, a rare one
    from all of them."""

    def __init__(
        self, conn: Executor, run: Any, windows: tuple[int, ...], bounds: Raw = _BOUNDS
    ) -> None:
        self.conn = conn
        self.windows = windows
        self.bounds = bounds
        # (floor, ceiling, how many, newest window?) -> (candidates, everything older seen?):
        # each engine chooses how to read each window (see their `search`)
        self.run = run

    async def __call__(self, need: int) -> tuple[list[_Candidate], int, bool]:
        """The newest `need` candidates, and the total: exact (True) or estimated."""
        row = (await self.conn.raw(self.bounds, {}))[0]
        if row[0] is None:
            return [], 0, True
        low, high = int(row[0]), int(row[1])
        found: list[_Candidate] = []
        ceiling = high
        for size in (*self.windows, None):
            floor = low - 1 if size is None else max(low - 1, high - size)
            more, everything = await self.run(floor, ceiling, need - len(found), ceiling == high)
            found.extend(more)
            if len(found) >= need:
                reached = found[-1].id
                estimate = round(len(found) * (high - low + 1) / max(1, high - reached + 1))
                return found, max(estimate, len(found)), False
            if floor < low or everything:
                break
            ceiling = floor
        return found, len(found), True


def _page(
    candidates: list[_Candidate],
    total: int,
    exact: bool,
    sort: Literal["relevance", "recent"],
    offset: int,
    limit: int,
) -> SearchHits:
    ranked = candidates
    if sort == "relevance":
        ranked = sorted(candidates, key=lambda c: (-c.score, -c.id))
    page = [
        SearchHit(MessageId(c.message_id), c.score if sort == "relevance" else 0.0)
        for c in ranked[offset : offset + limit]
    ]
    return SearchHits(page, total, exact)


def _need(match: Match, offset: int, limit: int) -> int:
    """Words: every candidate (ranking needs them; counting them costs little more). Operators
    alone, newest first: only as far as the page reaches (a rare flag would otherwise walk the
    whole corpus)."""
    if match.positive:
        return CANDIDATES
    return min(CANDIDATES, offset + limit + 1)


class SqliteSearch(_SqlIndex):
    """FTS5 with external content (search_docs); triggers keep the index in step."""

    async def put(self, document: SearchDocument) -> None:
        analyzed = analyze(document.text)
        params = {**_row(document), **{c: analyzed.text(c) for c in ("plain", "es", "en", "ids")}}
        params["scope"] = f"{document.channel_id} {document.author_id}"
        await self.conn.execute(_SQLITE_PUT, params)

    async def search(
        self,
        match: Match,
        where: SearchFilter,
        sort: Literal["relevance", "recent"],
        offset: int,
        limit: int,
    ) -> SearchHits:
        conditions, params, expanding = _filters(where)
        positive = " AND ".join(_fts(c) for c in match.positive)
        negative = " OR ".join(_fts(c) for c in match.negative)
        scoped = positive
        if positive:
            always, newest = await _scope(self.conn, where)
            for group in always:
                positive += " AND scope : (" + " OR ".join(map(_quoted, group.split())) + ")"
            scoped = positive
            for group in newest:
                scoped += " AND scope : (" + " OR ".join(map(_quoted, group.split())) + ")"
            if negative:
                positive, scoped = (f"({p}) NOT ({negative})" for p in (positive, scoped))
            sql = (
                "SELECT d.id, d.message_id, d.plain, d.es, d.en, d.ids"
                " FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid"
                f" WHERE search_fts MATCH :match AND {' AND '.join(conditions)}"
                " AND search_fts.rowid > :floor AND search_fts.rowid <= :ceiling"
                " ORDER BY search_fts.rowid DESC LIMIT :k"
            )
        else:
            if negative:
                conditions.append(
                    "d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :excluded"
                    " AND rowid > :floor AND rowid <= :ceiling)"
                )
                params["excluded"] = negative
            sql = (
                "SELECT d.id, d.message_id, 0.0 FROM search_docs d"
                f" WHERE {' AND '.join(conditions)} AND d.id > :floor AND d.id <= :ceiling"
                " ORDER BY d.id DESC LIMIT :k"
            )
        statement = _statement(sql, expanding, params)
        lexemes: dict[int, tuple[str, ...]] = {}  # of each candidate, to score them all alike

        async def run(floor: int, ceiling: int, k: int, newest: bool) -> tuple[Found, bool]:
            window = {**params, "floor": floor, "ceiling": ceiling, "k": k}
            if positive:
                window["match"] = scoped if newest else positive
            rows = await self.conn.raw(statement, window)
            if not positive:
                return _candidates(rows), False
            lexemes.update((r[0], r[2:6]) for r in rows)
            return [_Candidate(r[0], r[1], 0.0) for r in rows], False

        found, total, exact = await _Walk(self.conn, run, WINDOWS)(_need(match, offset, limit))
        if lexemes:
            scorer = Scorer(match)
            average = sum(c[0].count(" ") + 1 for c in lexemes.values()) / len(lexemes)
            found = [_Candidate(c.id, c.message_id, scorer(lexemes[c.id], average)) for c in found]
        return _page(found, total, exact, sort, offset, limit)


def _quoted(lexeme: str) -> str:
    return '"' + lexeme.replace('"', '""') + '"'


def _fts_lexeme(lexeme: Lexeme) -> str:
    return f"{lexeme.column} : {_quoted(lexeme.text)}" + (" *" if lexeme.prefix else "")


def _fts(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " OR ".join(_fts_lexeme(lexeme) for lexeme in clause.lexemes) + ")"
    return f"plain : {_quoted(' '.join(clause.lexemes))}"


_COLUMNS = "message_id, workspace_id, channel_id, author_id, created_ms, has_link, has_file"
_VALUES = ":message_id, :workspace_id, :channel_id, :author_id, :created_ms, :has_link, :has_file"
_UPDATE = "has_link = excluded.has_link, has_file = excluded.has_file"
_SQLITE_PUT = text(
    f"INSERT INTO search_docs ({_COLUMNS}, plain, es, en, ids, scope)"
    f" VALUES ({_VALUES}, :plain, :es, :en, :ids, :scope)"
    f" ON CONFLICT (message_id) DO UPDATE SET {_UPDATE},"
    " plain = excluded.plain, es = excluded.es, en = excluded.en, ids = excluded.ids"
)
_POSTGRES_PUT = text(
    f"INSERT INTO search_docs ({_COLUMNS}, doc) VALUES ({_VALUES}, CAST(:doc AS tsvector))"
    f" ON CONFLICT (message_id) DO UPDATE SET {_UPDATE}, doc = excluded.doc"
)
_DROP = text("DELETE FROM search_docs WHERE message_id = :message_id")
_POINT = text("SELECT after_id, done FROM search_progress WHERE name = 'reindex'")
_CLEAR_POINT = text("DELETE FROM search_progress WHERE name = 'reindex'")
_SAVE_POINT = text(
    "INSERT INTO search_progress (name, after_id, done) VALUES ('reindex', :after_id, :done)"
    " ON CONFLICT (name) DO UPDATE SET after_id = excluded.after_id, done = excluded.done"
)


# PostgreSQL: the four kinds of lexeme live in one tsvector, told apart by a prefix
_PREFIX = {"plain": "p:", "es": "s:", "en": "e:", "ids": "i:"}


def _tsquoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(document: Document, scope: Sequence[str] = ()) -> str:
    """The tsvector literal of a document: every lexeme with its positions, and the ids of
    its channel and author (no position)."""
    positions: dict[str, list[int]] = defaultdict(list)
    for column in ("plain", "es", "en", "ids"):
        prefix = _PREFIX[column]
        for position, lexeme in document.column(column):
            found = positions[prefix + lexeme]
            spot = min(position, _MAX_POSITION)
            if len(found) < _MAX_POSITIONS and (not found or found[-1] != spot):
                found.append(spot)
    placed = (f"{_tsquoted(lexeme)}:{','.join(map(str, s))}" for lexeme, s in positions.items())
    return " ".join([*placed, *(_tsquoted(_scoped(i)) for i in scope)])


def _scoped(identifier: str) -> str:
    return "o:" + identifier.lower()


def _ts_lexeme(lexeme: Lexeme) -> str:
    return _tsquoted(_PREFIX[lexeme.column] + lexeme.text) + (":*" if lexeme.prefix else "")


def _ts(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " | ".join(_ts_lexeme(lexeme) for lexeme in clause.lexemes) + ")"
    return "(" + " <-> ".join(_tsquoted("p:" + lexeme) for lexeme in clause.lexemes) + ")"


def tsquery(match: Match) -> tuple[str, str]:
    """The tsquery literals of what must and what must not match ("" for none)."""
    positive = " & ".join(_ts(c) for c in match.positive)
    negative = " | ".join(_ts(c) for c in match.negative)
    if positive and negative:
        return f"{positive} & !({negative})", ""
    return positive, negative


def scoped_tsquery(match: Match, channels: Sequence[str]) -> str:
    """What must match, looked up in the given channels only (the scoped index of migration
    0008): each word as any of its lexemes in any of the channels; a phrase as each of its
    words (their order is checked on the document itself)."""
    keys = list(dict.fromkeys(c[-SCOPE_KEY_LENGTH:] for c in channels))
    groups: list[list[tuple[str, bool]]] = []
    for clause in match.positive:
        if isinstance(clause, AnyOf):
            groups.append([(_PREFIX[x.column] + x.text, x.prefix) for x in clause.lexemes])
        else:
            groups.extend([("p:" + word, False)] for word in dict.fromkeys(clause.lexemes))
    return " & ".join(
        "("
        + " | ".join(
            _tsquoted(f"{key}:{lexeme}") + (":*" if prefix else "")
            for key in keys
            for lexeme, prefix in group
        )
        + ")"
        for group in groups
    )


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
            return max(self.lexeme(_PREFIX[x.column] + x.text, x.prefix) for x in clause.lexemes)
        share = 1.0
        for word in clause.lexemes:  # a phrase: its words together, at least
            share *= self.lexeme("p:" + word, False)
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


async def _frequencies(conn: Executor, database: str) -> Frequencies | None:
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


async def _scoped_channels(conn: Executor, where: SearchFilter) -> list[str] | None:
    """The channels to look a word up in: those the person may read (and in: names); None
    when more than SCOPED_CHANNELS."""
    params = {"viewer": where.viewer, "ws": where.workspace_id, "public": where.include_public}
    if where.channel_ids is not None:
        named = [str(c) for c in where.channel_ids]
        if len(named) > SCOPED_CHANNELS:
            return None
        rows = await conn.raw(_READABLE_AMONG, {**params, "named": named}) if named else []
        return [str(r[0]) for r in rows]
    rows = await conn.raw(_READABLE, {**params, "most": SCOPED_CHANNELS + 1})
    return [str(r[0]) for r in rows] if len(rows) <= SCOPED_CHANNELS else None


class PostgresSearch(_SqlIndex):
    """A tsvector per message, GIN-indexed; the query is a tsquery literal we build."""

    def __init__(self, conn: Executor, database: str = "") -> None:
        super().__init__(conn)
        self.database = database  # whose statistics to keep (`_frequencies`)

    async def put(self, document: SearchDocument) -> None:
        scope = (document.channel_id, document.author_id)
        params = {**_row(document), "doc": tsvector(analyze(document.text), scope)}
        await self.conn.execute(_POSTGRES_PUT, params)

    async def search(
        self,
        match: Match,
        where: SearchFilter,
        sort: Literal["relevance", "recent"],
        offset: int,
        limit: int,
    ) -> SearchHits:
        conditions, params, expanding = _filters(where)
        positive, negative = tsquery(match)
        statements: tuple[Raw, ...]
        windows, scoped, walk_first = POSTGRES_WINDOWS, False, True
        if not positive:
            if negative:
                conditions.append("NOT (d.doc @@ CAST(:excluded AS tsquery))")
                params["excluded"] = negative
            sql = (
                "SELECT d.id, d.message_id, 0.0 FROM search_docs d"
                f" WHERE {' AND '.join(conditions)} AND d.id > :floor AND d.id <= :ceiling"
                " ORDER BY d.id DESC LIMIT :k"
            )
            statements = (_statement(sql, expanding, params),)
        else:
            params["rank"] = positive  # the words only: scope lexemes carry no relevance
            # in: and from: as lexemes of the document (intersected inside the plain index)
            always, _ = await _scope(self.conn, where, readable_too=False)
            for group in always:
                positive += " & (" + " | ".join(_tsquoted(_scoped(i)) for i in group.split()) + ")"
            params["query"] = positive
            channels = None if where.author_ids else await _scoped_channels(self.conn, where)
            if channels == []:  # no channel the person may read (among those in: names)
                return SearchHits([], 0, True)
            if channels:
                statements = self._scoped(conditions, params, expanding, match, channels)
                scoped = True
                windows, walk_first = await self._walk_plan(match, channels, offset, limit)
            else:
                statements = self._plain(conditions, params, expanding)
        steps: list[int] = []  # how many each step found

        async def run(floor: int, ceiling: int, k: int, newest: bool) -> tuple[Found, bool]:
            """Scoped: the walk (statements[0]) goes on, one more window, for a word found
            often in the newest; the lookup (statements[1]) reads everything older at once.
            Plain: the newest window, then the next one in bitmaps (statements[1]) for a word
            found often enough in the newest, else everything older at once (statements[2])."""
            window = {**params, "floor": floor, "ceiling": ceiling, "k": k}
            step, bitmaps = len(steps), False
            if scoped:
                walking = walk_first and (not step or (step == 1 and steps[0] >= SCOPED_DENSE))
                chosen, everything = 0 if walking else 1, not walking
            elif len(statements) == 3 and step:
                bitmaps = step == 1 and steps[0] >= POSTGRES_SPARSE
                chosen, everything = 1 if bitmaps else 2, not bitmaps
            else:  # the newest window; or, operators alone, every window alike
                chosen, everything = 0, False
            if bitmaps:
                rows = await self._bitmaps_only(statements[chosen], window)
            else:
                rows = await self.conn.raw(statements[chosen], window)
            steps.append(len(rows))
            return _candidates(rows), everything

        # the scoped statements have one plan each, whatever the values: after five runs the
        # planner may keep a generic one, which spares planning the twenty-channel walk
        bounds = _POSTGRES_BOUNDS if scoped else _POSTGRES_BOUNDS_CUSTOM
        walk = _Walk(self.conn, run, windows, bounds)
        found, total, exact = await walk(_need(match, offset, limit))
        return _page(found, total, exact, sort, offset, limit)

    async def _walk_plan(
        self, match: Match, channels: list[str], offset: int, limit: int
    ) -> tuple[tuple[int, ...], bool]:
        """The windows of a scoped search, and whether it walks first: a word the statistics
        call rare is looked up at once; a common word's walk stops at the candidates it needs,
        so a first window wide enough for them (three times what the statistics expect)
        saves a second statement, and bounds the walk if they are wrong."""
        frequencies = await _frequencies(self.conn, self.database)
        share = estimated_share(frequencies, match)
        if frequencies is None or share is None:
            return SCOPED_WINDOWS, True
        if share < WALK_FREQUENCY:
            return SCOPED_WINDOWS, False
        expected = share * frequencies.readable(channels)
        wide = round(3 * _need(match, offset, limit) / max(expected, 1e-9))
        first = max(SCOPED_WINDOWS[0], min(wide, SCOPED_WIDEST))
        return (first, max(2 * first, SCOPED_WINDOWS[-1])), True

    async def _bitmaps_only(self, statement: Raw, params: dict[str, Any]) -> list[Any]:
        """Runs the statement planned with bitmap scans only (`_BITMAPS_ONLY`), the planner's
        settings restored after it."""
        before = (await self.conn.raw(_BITMAPS_ONLY, {}))[0]
        try:
            return await self.conn.raw(statement, params)
        finally:
            await self.conn.raw(_SCANS, {"index": before[0], "seq": before[1]})

    @staticmethod
    def _ranked(source: str, conditions: list[str], order: str) -> str:
        """The newest `k` documents of `source` (as `d`) meeting the conditions, ranked."""
        return (
            "SELECT c.id, c.message_id, ts_rank_cd(c.doc, CAST(:rank AS tsquery), 1)"
            f" FROM (SELECT d.id, d.message_id, d.doc FROM {source} AS d"
            f" WHERE {' AND '.join(conditions)} ORDER BY {order} DESC LIMIT :k) AS c"
            " ORDER BY c.id DESC"
        )

    def _plain(
        self, conditions: list[str], params: dict[str, Any], expanding: list[str]
    ) -> tuple[Raw, Raw, Raw]:
        """The plain index, the permission checked in SQL. The newest window: the planner's
        choice (walking the primary key suits common words). The next one: the index ANDed
        with the window's range of ids, in bitmaps (see `_BITMAPS_ONLY`): only the window's
        matches are read from the table. Everything older: `_older`."""
        matching = [_MATCHING, *conditions]
        window = "d.id > :floor AND d.id <= :ceiling"
        newest = self._ranked("search_docs", [*matching, window], "d.id")
        middle = self._ranked("search_docs", [*map(_unindexed, matching), window], "d.id + 0")
        return (
            _statement(newest, expanding, dict(params)),
            _statement(middle, expanding, dict(params)),
            _statement(self._older(conditions), expanding, params),
        )

    def _older(self, conditions: list[str]) -> str:
        """Everything older than the ceiling, at once, through the plain GIN index alone:
        walking the primary key (for the ORDER BY) or each channel's documents (for the
        permission filter), which the planner may prefer there, reads every row when the
        words are rare, and a bitmap of a range of ids costs a visit per id."""
        return self._ranked(
            "search_docs",
            [*map(_unindexed, [_MATCHING, *conditions]), "d.id + 0 <= :ceiling"],
            "d.id + 0",
        )

    def _scoped(
        self,
        conditions: list[str],
        params: dict[str, Any],
        expanding: list[str],
        match: Match,
        channels: list[str],
    ) -> tuple[Raw, Raw]:
        """Few channels to read (and nobody named by from:, whose own lexeme narrows the
        plain index well). The newest window: each channel's documents walked newest first
        together (one ordered index scan per channel, merged), each document checked as it
        comes: a common word stops after a few hundred, a rare one reads the window's
        documents of those channels only. Everything older: looked up in the scoped index
        (migration 0008), which holds only the matches in those channels (several words:
        their matches in them, intersected). The document is checked against the whole query
        (phrases, exclusions, in:) by the function behind @@, which the planner does not
        take to the plain index."""
        names = [f"walk_{_letters(i)}" for i in range(len(channels))]
        params.update(zip(names, channels, strict=True))
        # the channels are those the person may read (and in: named): checked already
        allowed = [c for c in conditions if c not in (_PERMITTED, _NAMED)]
        each = " UNION ALL ".join(
            f"(SELECT d.id, d.message_id, d.doc FROM search_docs AS d WHERE d.channel_id = :{name}"
            f" AND {' AND '.join([_CHECKED, *allowed])} AND d.id > :floor AND d.id <= :ceiling"
            " ORDER BY d.id DESC LIMIT :k)"
            for name in names
        )
        newest = self._ranked(f"({each})", ["TRUE"], "d.id")
        params["scoped"] = scoped_tsquery(match, channels)
        # a scoped lexeme names the end of its channel's id: the channel itself is checked
        # against the same list, a comparison per match (the readable-channels query there
        # would be joined again to every match)
        listed = "d.channel_id || '' IN (" + ", ".join(f":{name}" for name in names) + ")"
        older = self._ranked(
            "search_docs",
            [
                "tertulia_search_scope(d.channel_id, d.doc) @@ CAST(:scoped AS tsquery)",
                _CHECKED,
                listed,
                *map(_unindexed, allowed),
                "d.id + 0 <= :ceiling",
            ],
            "d.id + 0",
        )
        return _statement(newest, expanding, dict(params)), _statement(older, expanding, params)


_MATCHING = "d.doc @@ CAST(:query AS tsquery)"  # through the plain GIN index, if the planner will
_CHECKED = "ts_match_vq(d.doc, CAST(:query AS tsquery))"  # the same, never through it


def _unindexed(condition: str) -> str:
    """A condition the planner cannot answer from the channel's or author's btree index: it
    would walk each of their documents (or join on them) rather than use the GIN index."""
    return condition.replace("d.channel_id IN", "d.channel_id || '' IN").replace(
        "d.author_id IN", "d.author_id || '' IN"
    )


def search_index(conn: Executor, database: str = "") -> SqliteSearch | PostgresSearch:
    """The engine's index, on a connection to `database` (a name for what it keeps of it)."""
    if conn.dialect.name == "postgresql":
        return PostgresSearch(conn, database)
    return SqliteSearch(conn)
