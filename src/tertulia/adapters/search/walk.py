"""What both engines of the search index do alike: the operators' filters as SQL, the
channels a person may read, the walk through the newest documents, and the page cut from it.

How a search runs, on both engines (`fts5`, `postgres`):
1. the newest `CANDIDATES` matches readable by the viewer (membership is checked in the
   statement, or just before it) and within the operators' filters, walking the documents
   newest first in growing windows of ids (`Walk`): a common word is answered from the
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

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import text

from tertulia.adapters.sql.leases import Executor, Raw
from tertulia.domain.ids import MessageId
from tertulia.usecases.ports.search import (
    SEARCH_DEPTH,
    SearchDocument,
    SearchFilter,
    SearchHit,
    SearchHits,
)
from tertulia.usecases.searchmatch import Match

CANDIDATES = SEARCH_DEPTH  # matches ranked per search, newest first
WINDOWS = (25_000, 200_000)  # newest documents searched first, then all of them
SCOPE_LIMIT = 200  # readable channels intersected inside the index (more: checked in SQL)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    message_id: str
    score: float


Found = list[Candidate]


def as_candidates(rows: Iterable[Any]) -> Found:
    return [Candidate(int(r[0]), str(r[1]), float(r[2])) for r in rows]


def _millis(document: SearchDocument) -> int:
    return int(document.created_at.timestamp() * 1000)


def document_row(document: SearchDocument) -> dict[str, Any]:
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
READABLE_CHANNELS = (
    "SELECT cm.channel_id FROM channel_members cm"
    " WHERE cm.user_id = :viewer AND cm.workspace_id = :ws"
    " UNION SELECT c.id FROM channels c"
    " WHERE c.workspace_id = :ws AND c.kind = 'public' AND :public"
)


PERMITTED = f"d.channel_id IN ({READABLE_CHANNELS})"
NAMED = "d.channel_id IN :in_channels"


def filters(where: SearchFilter) -> tuple[list[str], dict[str, Any], list[str]]:
    """SQL conditions on `d` (search_docs), their parameters, and the expanding ones."""
    conditions = ["d.workspace_id = :ws", PERMITTED]
    params: dict[str, Any] = {
        "ws": where.workspace_id,
        "viewer": where.viewer,
        "public": where.include_public,
    }
    expanding: list[str] = []
    if where.channel_ids is not None:
        conditions.append(NAMED)
        params["in_channels"] = list(where.channel_ids)
        expanding.append("in_channels")
    if where.author_ids:
        conditions.append("d.author_id IN :authors")
        params["authors"] = list(where.author_ids)
        expanding.append("authors")
    if where.not_channel_ids:
        conditions.append("d.channel_id NOT IN :not_in_channels")
        params["not_in_channels"] = list(where.not_channel_ids)
        expanding.append("not_in_channels")
    if where.not_author_ids:
        conditions.append("d.author_id NOT IN :not_authors")
        params["not_authors"] = list(where.not_author_ids)
        expanding.append("not_authors")
    for flag, wanted in (("link", True), ("file", True), ("link", False), ("file", False)):
        if flag in (where.has if wanted else where.not_has):
            conditions.append(f"{'' if wanted else 'NOT '}d.has_{flag}")
    reacted = "EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = d.message_id)"
    if "reaction" in where.has:
        conditions.append(reacted)
    if "reaction" in where.not_has:
        conditions.append(f"NOT {reacted}")
    message: list[str] = []
    if "pinned" in where.is_:
        message.append("m.pinned_at IS NOT NULL")
    if "pinned" in where.not_is:
        message.append("m.pinned_at IS NULL")
    if "thread" in where.is_:
        message.append("(m.thread_root_id IS NOT NULL OR m.reply_count > 0)")
    if "thread" in where.not_is:
        message.append("(m.thread_root_id IS NULL AND m.reply_count = 0)")
    for name, ids, wanted in (
        ("mentioned", where.mentioned_ids, True),
        ("unmentioned", where.not_mentioned_ids, False),
    ):
        if ids:
            anyone = []
            for i, user_id in enumerate(ids):
                anyone.append(f"m.mentioned LIKE :{name}_{letters(i)}")
                params[f"{name}_{letters(i)}"] = f"%{user_id}%"
            message.append(f"{'' if wanted else 'NOT '}({' OR '.join(anyone)})")
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


READABLE = Raw.of(f"{READABLE_CHANNELS} LIMIT :most")


async def scopes(
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
        rows = await conn.raw(READABLE, {**params, "most": SCOPE_LIMIT + 1})
        excluded = set(where.not_channel_ids)
        if len(rows) <= SCOPE_LIMIT:
            readable = [str(r[0]) for r in rows if r[0] not in excluded]
    return [*_groups(narrow), *_groups(narrow_authors)], _groups(readable)


def _groups(ids: list[str]) -> list[str]:
    """One group of alternatives (or none) per kind of scope."""
    return [" ".join(ids)] if ids else []


def prepared(sql: str, expanding: list[str], params: dict[str, Any]) -> Raw:
    """The statement for the driver itself (a search runs it once per window): each list
    parameter becomes one parameter per value."""
    for name in expanding:
        values = params.pop(name)
        names = [f"{name}_{letters(i)}" for i in range(len(values))]
        params.update(zip(names, values, strict=True))
        sql = sql.replace(f":{name}", "(" + ", ".join(f":{n}" for n in names) + ")")
    return _raw(sql)


@lru_cache(maxsize=512)
def _raw(sql: str) -> Raw:
    """The same searches come back (a statement per shape of query and number of channels):
    their parameters are numbered once."""
    return Raw.of(sql)


def letters(number: int) -> str:
    """0 → a, 25 → z, 26 → ba: parameter names are letters only."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = chr(ord("a") + digit) + out
        if not number:
            return out


class SqlIndex:
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
BOUNDS = Raw.of("SELECT (SELECT min(id) FROM search_docs), (SELECT max(id) FROM search_docs)")


class Walk:
    """Newest documents first, in growing windows of ids, until enough matches are found: a
    word in half the corpus is answered from the newest few thousand documents, a rare one
    from all of them."""

    def __init__(
        self, conn: Executor, run: Any, windows: tuple[int, ...], bounds: Raw = BOUNDS
    ) -> None:
        self.conn = conn
        self.windows = windows
        self.bounds = bounds
        # (floor, ceiling, how many, newest window?) -> (candidates, everything older seen?):
        # each engine chooses how to read each window (see their `search`)
        self.run = run

    async def __call__(self, need: int) -> tuple[list[Candidate], int, bool]:
        """The newest `need` candidates, and the total: exact (True) or estimated."""
        row = (await self.conn.raw(self.bounds, {}))[0]
        if row[0] is None:
            return [], 0, True
        low, high = int(row[0]), int(row[1])
        found: list[Candidate] = []
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


def page_of(
    candidates: list[Candidate],
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


def needed(match: Match, offset: int, limit: int) -> int:
    """Words: every candidate (ranking needs them; counting them costs little more). Operators
    alone, newest first: only as far as the page reaches (a rare flag would otherwise walk the
    whole corpus)."""
    if match.positive:
        return CANDIDATES
    return min(CANDIDATES, offset + limit + 1)


COLUMNS = "message_id, workspace_id, channel_id, author_id, created_ms, has_link, has_file"
VALUES = ":message_id, :workspace_id, :channel_id, :author_id, :created_ms, :has_link, :has_file"
UPDATE = "has_link = excluded.has_link, has_file = excluded.has_file"
_DROP = text("DELETE FROM search_docs WHERE message_id = :message_id")
_POINT = text("SELECT after_id, done FROM search_progress WHERE name = 'reindex'")
_CLEAR_POINT = text("DELETE FROM search_progress WHERE name = 'reindex'")
_SAVE_POINT = text(
    "INSERT INTO search_progress (name, after_id, done) VALUES ('reindex', :after_id, :done)"
    " ON CONFLICT (name) DO UPDATE SET after_id = excluded.after_id, done = excluded.done"
)
