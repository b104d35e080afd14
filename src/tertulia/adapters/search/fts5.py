"""The search index on SQLite: FTS5 over the lexemes of `usecases.searchtext`."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import text

from tertulia.adapters.search.walk import (
    COLUMNS,
    UPDATE,
    VALUES,
    Candidate,
    Found,
    SqlIndex,
    Walk,
    as_candidates,
    document_row,
    filters,
    needed,
    page_of,
    prepared,
    scopes,
)
from tertulia.usecases.ports.search import SearchDocument, SearchFilter, SearchHits
from tertulia.usecases.searchmatch import AnyOf, Clause, Lexeme, Match, Scorer
from tertulia.usecases.searchtext import analyze

WINDOWS = (25_000, 200_000)  # newest documents searched first, then all of them


class SqliteSearch(SqlIndex):
    """FTS5 with external content (search_docs); triggers keep the index in step."""

    async def put(self, document: SearchDocument) -> None:
        analyzed = analyze(document.text)
        params = {
            **document_row(document),
            **{c: analyzed.text(c) for c in ("plain", "es", "en", "ids")},
        }
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
        conditions, params, expanding = filters(where)
        positive = " AND ".join(_fts(c) for c in match.positive)
        negative = " OR ".join(_fts(c) for c in match.negative)
        scoped = positive
        if positive:
            always, newest = await scopes(self.conn, where)
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
        statement = prepared(sql, expanding, params)
        lexemes: dict[int, tuple[str, ...]] = {}  # of each candidate, to score them all alike

        async def run(floor: int, ceiling: int, k: int, newest: bool) -> tuple[Found, bool]:
            window = {**params, "floor": floor, "ceiling": ceiling, "k": k}
            if positive:
                window["match"] = scoped if newest else positive
            rows = await self.conn.raw(statement, window)
            if not positive:
                return as_candidates(rows), False
            lexemes.update((r[0], r[2:6]) for r in rows)
            return [Candidate(r[0], r[1], 0.0) for r in rows], False

        found, total, exact = await Walk(self.conn, run, WINDOWS)(needed(match, offset, limit))
        if lexemes:
            scorer = Scorer(match)
            average = sum(c[0].count(" ") + 1 for c in lexemes.values()) / len(lexemes)
            found = [Candidate(c.id, c.message_id, scorer(lexemes[c.id], average)) for c in found]
        return page_of(found, total, exact, sort, offset, limit)


def _quoted(lexeme: str) -> str:
    return '"' + lexeme.replace('"', '""') + '"'


def _fts_lexeme(lexeme: Lexeme) -> str:
    return f"{lexeme.column} : {_quoted(lexeme.text)}" + (" *" if lexeme.prefix else "")


def _fts(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " OR ".join(_fts_lexeme(lexeme) for lexeme in clause.lexemes) + ")"
    # a phrase: a run of one language's stems (FTS5 counts positions within the column)
    runs = " OR ".join(f"{language} : {_quoted(' '.join(run))}" for language, run in clause.runs)
    return "((" + runs + ")" + "".join(f" AND ids : {_quoted(w)}" for w in clause.whole) + ")"


_SQLITE_PUT = text(
    f"INSERT INTO search_docs ({COLUMNS}, plain, es, en, ids, scope)"
    f" VALUES ({VALUES}, :plain, :es, :en, :ids, :scope)"
    f" ON CONFLICT (message_id) DO UPDATE SET {UPDATE},"
    " plain = excluded.plain, es = excluded.es, en = excluded.en, ids = excluded.ids"
)
