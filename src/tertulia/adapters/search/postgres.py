"""The search index on PostgreSQL: a tsvector per message in a GIN index, and a second GIN
index of channel-scoped lexemes (migration 0008)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import text

from tertulia.adapters.search.statistics import estimated_share, read_frequencies
from tertulia.adapters.search.tsquery import (
    scoped_lexeme,
    scoped_tsquery,
    tsquery,
    tsquoted,
    tsvector,
)
from tertulia.adapters.search.walk import (
    COLUMNS,
    NAMED,
    PERMITTED,
    READABLE,
    READABLE_CHANNELS,
    UPDATE,
    VALUES,
    Found,
    SqlIndex,
    Walk,
    as_candidates,
    document_row,
    filters,
    letters,
    needed,
    page_of,
    prepared,
    scopes,
)
from tertulia.adapters.sql.leases import Executor, Raw
from tertulia.usecases.ports.search import SearchDocument, SearchFilter, SearchHits
from tertulia.usecases.searchmatch import Match
from tertulia.usecases.searchtext import analyze

# PostgreSQL, the permission checked in SQL: the newest window, the next one (the index ANDed
# with a bitmap of the window's ids), then everything older in one GIN scan
POSTGRES_WINDOWS: tuple[int, ...] = (25_000, 225_000)
POSTGRES_SPARSE = 10  # found fewer times in the newest window: everything older at once
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


_READABLE_AMONG = Raw.of(  # PostgreSQL only: a list parameter
    f"SELECT r.channel_id FROM ({READABLE_CHANNELS}) AS r WHERE r.channel_id = ANY(:named)"
)


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


_POSTGRES_PUT = text(
    f"INSERT INTO search_docs ({COLUMNS}, doc) VALUES ({VALUES}, CAST(:doc AS tsvector))"
    f" ON CONFLICT (message_id) DO UPDATE SET {UPDATE}, doc = excluded.doc"
)


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
    rows = await conn.raw(READABLE, {**params, "most": SCOPED_CHANNELS + 1})
    if len(rows) > SCOPED_CHANNELS:
        return None
    excluded = set(where.not_channel_ids)  # -in: (the SQL conditions check it too)
    return [str(r[0]) for r in rows if r[0] not in excluded]


class PostgresSearch(SqlIndex):
    """A tsvector per message, GIN-indexed; the query is a tsquery literal we build."""

    def __init__(self, conn: Executor, database: str = "") -> None:
        super().__init__(conn)
        self.database = database  # whose statistics to keep (`read_frequencies`)

    async def put(self, document: SearchDocument) -> None:
        scope = (document.channel_id, document.author_id)
        params = {**document_row(document), "doc": tsvector(analyze(document.text), scope)}
        await self.conn.execute(_POSTGRES_PUT, params)

    async def search(
        self,
        match: Match,
        where: SearchFilter,
        sort: Literal["relevance", "recent"],
        offset: int,
        limit: int,
    ) -> SearchHits:
        conditions, params, expanding = filters(where)
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
            statements = (prepared(sql, expanding, params),)
        else:
            params["rank"] = positive  # the words only: scope lexemes carry no relevance
            # in: and from: as lexemes of the document (intersected inside the plain index)
            always, _ = await scopes(self.conn, where, readable_too=False)
            for group in always:
                positive += (
                    " & (" + " | ".join(tsquoted(scoped_lexeme(i)) for i in group.split()) + ")"
                )
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
            return as_candidates(rows), everything

        # the scoped statements have one plan each, whatever the values: after five runs the
        # planner may keep a generic one, which spares planning the twenty-channel walk
        bounds = _POSTGRES_BOUNDS if scoped else _POSTGRES_BOUNDS_CUSTOM
        walk = Walk(self.conn, run, windows, bounds)
        found, total, exact = await walk(needed(match, offset, limit))
        return page_of(found, total, exact, sort, offset, limit)

    async def _walk_plan(
        self, match: Match, channels: list[str], offset: int, limit: int
    ) -> tuple[tuple[int, ...], bool]:
        """The windows of a scoped search, and whether it walks first: a word the statistics
        call rare is looked up at once; a common word's walk stops at the candidates it needs,
        so a first window wide enough for them (three times what the statistics expect)
        saves a second statement, and bounds the walk if they are wrong."""
        frequencies = await read_frequencies(self.conn, self.database)
        share = estimated_share(frequencies, match)
        if frequencies is None or share is None:
            return SCOPED_WINDOWS, True
        if share < WALK_FREQUENCY:
            return SCOPED_WINDOWS, False
        expected = share * frequencies.readable(channels)
        wide = round(3 * needed(match, offset, limit) / max(expected, 1e-9))
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
            prepared(newest, expanding, dict(params)),
            prepared(middle, expanding, dict(params)),
            prepared(self._older(conditions), expanding, params),
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
        names = [f"walk_{letters(i)}" for i in range(len(channels))]
        params.update(zip(names, channels, strict=True))
        # the channels are those the person may read (and in: named): checked already
        allowed = [c for c in conditions if c not in (PERMITTED, NAMED)]
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
        return prepared(newest, expanding, dict(params)), prepared(older, expanding, params)


_MATCHING = "d.doc @@ CAST(:query AS tsquery)"  # through the plain GIN index, if the planner will
_CHECKED = "ts_match_vq(d.doc, CAST(:query AS tsquery))"  # the same, never through it


def _unindexed(condition: str) -> str:
    """A condition the planner cannot answer from the channel's or author's btree index: it
    would walk each of their documents (or join on them) rather than use the GIN index."""
    return condition.replace("d.channel_id IN", "d.channel_id || '' IN").replace(
        "d.author_id IN", "d.author_id || '' IN"
    )
