"""Search latency on a 1,000,000-message corpus, on SQLite (FTS5) and PostgreSQL (GIN).

    .venv/bin/python bench/search.py [--backend sqlite|postgres|both] [--messages 1000000]
                                     [--rounds 60] [--keep DIR] [--member-of 20]

With --keep, the SQLite corpus is kept in DIR and the PostgreSQL database is not dropped (its
name is noted in DIR); the next run with the same --messages reuses them, so that tuning a
query does not rebuild a million messages.

Builds a workspace of 1,000 people and 100 private channels, and a corpus of mixed Spanish
and English chat (bench/corpus.py: Zipf-distributed words, so a few match a large share of the
messages; inflections; ticket keys, URLs, file names; 5 % thread replies, 1 % reactions,
0.5 % pins), bulk-loaded with its search documents (the same analyzer as the server). Then
searches as a person who is in 20 of the 100 channels: every query goes through the search use
case (permission filter, operators, ranking, message fetch, snippets), in-process, one at a
time (--member-of puts the searcher in more channels: a wider permission filter). Prints
p50/p95/p99 per kind of query and over all of them, and writes
bench/results/search.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Corpus
from machine import describe, speed
from tertulia.adapters.search.tsquery import tsvector
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import open_database
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.domain.ids import UserId, WorkspaceId, new_id
from tertulia.usecases.search import Search
from tertulia.usecases.searchtext import STOP_EN, STOP_ES, analyze, fold

ROOT = Path(__file__).parent.parent
POSTGRES = os.environ.get("TERTULIA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
USERS, CHANNELS, MEMBER_OF = 1000, 100, 20
START = datetime(2025, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
BATCH = 20_000


@dataclass
class World:
    workspace: str
    searcher: str
    channels: list[str]
    users: list[str]
    texts_sample: list[str] = field(default_factory=list)
    words: Counter[str] = field(default_factory=Counter)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def people_rows(now: datetime) -> tuple[list[tuple[Any, ...]], World]:
    users = [new_id() for _ in range(USERS)]
    rows = [
        (uid, f"user{n:04d}", f"user{n:04d}@example.com", f"Persona {n}", "", "", "x", now, now)
        for n, uid in enumerate(users)
    ]
    channels = [new_id() for _ in range(CHANNELS)]
    return rows, World(new_id(), users[0], channels, users)


def channel_members(world: World) -> list[tuple[str, str]]:
    """The searcher in the first 20 channels; everyone else in 10 random ones."""
    rnd = random.Random(3)
    pairs = {(c, world.searcher) for c in world.channels[:MEMBER_OF]}
    for user in world.users[1:]:
        pairs.update((c, user) for c in rnd.sample(world.channels, 10))
    return sorted(pairs)


def messages(world: World, count: int) -> Any:
    """Batches of (message row, search row) in time order."""
    corpus = Corpus(users=USERS)
    rnd = random.Random(11)
    recent_roots: dict[str, list[str]] = {c: [] for c in world.channels}
    sample_every = max(1, count // 2000)
    step = SPAN / count
    batch: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for n in range(count):
        at = START + step * n
        channel = world.channels[rnd.randrange(CHANNELS)]
        author = world.users[rnd.randrange(USERS)]
        text = corpus.message()
        root = None
        if rnd.random() < 0.05 and recent_roots[channel]:
            root = rnd.choice(recent_roots[channel])
        mid = new_id(int(at.timestamp() * 1000))
        if root is None:
            recent_roots[channel] = [*recent_roots[channel][-20:], mid]
        if n % sample_every == 0:
            world.texts_sample.append(text)
        document = analyze(text)
        world.words.update({lexeme for _, lexeme in document.plain})
        message = {
            "id": mid,
            "workspace_id": world.workspace,
            "channel_id": channel,
            "author_id": author,
            "seq": n + 1,
            "thread_root_id": root,
            "in_channel": root is None,
            "text": text,
            "html": "",
            "created_at": at,
            "pinned": rnd.random() < 0.005,
            "reacted": rnd.random() < 0.01,
        }
        search = {
            "message_id": mid,
            "workspace_id": world.workspace,
            "channel_id": channel,
            "author_id": author,
            "created_ms": int(at.timestamp() * 1000),
            "has_link": "https://" in text,
            "has_file": False,
            "document": document,
        }
        batch.append((message, search))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# loading ---------------------------------------------------------------------------------------


def load_sqlite(path: Path, world: World, count: int) -> None:
    now = datetime.now(UTC)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO users (id, username, email, display_name, title, timezone,"
            " password_hash, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(*r[:7], _stamp(r[7]), _stamp(r[8])) for r in _users(world, now)],
        )
        _people_sqlite(conn, world, now)
    done = 0
    started = time.perf_counter()
    for batch in messages(world, count):
        with conn:
            conn.executemany(
                "INSERT INTO messages (id, workspace_id, channel_id, author_id, seq,"
                " thread_root_id, in_channel, text, html, created_at, pinned_at, pinned_by)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        m["id"], m["workspace_id"], m["channel_id"], m["author_id"], m["seq"],
                        m["thread_root_id"], int(m["in_channel"]), m["text"], m["html"],
                        _stamp(m["created_at"]),
                        _stamp(m["created_at"]) if m["pinned"] else None,
                        m["author_id"] if m["pinned"] else None,
                    )
                    for m, _ in batch
                ],
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?,?,?,?)",
                [
                    (m["id"], "👍", world.searcher, _stamp(m["created_at"]))
                    for m, _ in batch
                    if m["reacted"]
                ],
            )
            conn.executemany(
                "INSERT INTO search_docs (message_id, workspace_id, channel_id, author_id,"
                " created_ms, has_link, has_file, plain, es, en, ids, scope)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        s["message_id"], s["workspace_id"], s["channel_id"], s["author_id"],
                        s["created_ms"], int(s["has_link"]), 0,
                        *(s["document"].text(c) for c in ("plain", "es", "en", "ids")),
                        f"{s['channel_id']} {s['author_id']}",
                    )
                    for _, s in batch
                ],
            )  # fmt: skip
        done += len(batch)
        _progress("sqlite", done, count, started)
    with conn:
        conn.execute(
            "UPDATE messages SET reply_count = (SELECT count(*) FROM messages r"
            " WHERE r.thread_root_id = messages.id) WHERE id IN"
            " (SELECT DISTINCT thread_root_id FROM messages WHERE thread_root_id IS NOT NULL)"
        )
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.close()


def _users(world: World, now: datetime) -> list[tuple[Any, ...]]:
    return [
        (uid, f"user{n:04d}", f"user{n:04d}@example.com", f"Persona {n}", "", "", "x", now, now)
        for n, uid in enumerate(world.users)
    ]


def _people_sqlite(conn: sqlite3.Connection, world: World, now: datetime) -> None:
    stamp = _stamp(now)
    conn.execute(
        "INSERT INTO workspaces (id, name, slug, description, created_by, created_at, updated_at)"
        " VALUES (?, 'Bench', 'bench', '', ?, ?, ?)",
        (world.workspace, world.searcher, stamp, stamp),
    )
    conn.executemany(
        "INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) VALUES (?,?,?,?)",
        [
            (world.workspace, u, "owner" if u == world.searcher else "member", stamp)
            for u in world.users
        ],
    )
    conn.executemany(
        "INSERT INTO channels (id, workspace_id, kind, name, topic, purpose, created_by,"
        " created_at, updated_at, is_default) VALUES (?,?,'private',?,'','',?,?,?,0)",
        [
            (c, world.workspace, f"canal-{n:02d}", world.searcher, stamp, stamp)
            for n, c in enumerate(world.channels)
        ],
    )
    conn.executemany(
        "INSERT INTO channel_members (channel_id, user_id, workspace_id, joined_at)"
        " VALUES (?,?,?,?)",
        [(c, u, world.workspace, stamp) for c, u in channel_members(world)],
    )


async def people_postgres(conn: Any, world: World, now: datetime) -> None:
    """The workspace, its people, its channels and who is in which (asyncpg's COPY)."""
    await conn.copy_records_to_table(
        "users",
        records=_users(world, now),
        columns=["id", "username", "email", "display_name", "title", "timezone",
                 "password_hash", "created_at", "updated_at"],
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO workspaces (id, name, slug, description, created_by, created_at,"
        " updated_at) VALUES ($1, 'Bench', 'bench', '', $2, $3, $3)",
        world.workspace, world.searcher, now,
    )  # fmt: skip
    await conn.copy_records_to_table(
        "workspace_members",
        records=[
            (world.workspace, u, "owner" if u == world.searcher else "member", now)
            for u in world.users
        ],
        columns=["workspace_id", "user_id", "role", "joined_at"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "channels",
        records=[
            (c, world.workspace, "private", f"canal-{n:02d}", "", "", world.searcher, now,
             now, False)
            for n, c in enumerate(world.channels)
        ],
        columns=["id", "workspace_id", "kind", "name", "topic", "purpose", "created_by",
                 "created_at", "updated_at", "is_default"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "channel_members",
        records=[(c, u, world.workspace, now, 0, False) for c, u in channel_members(world)],
        columns=["channel_id", "user_id", "workspace_id", "joined_at", "last_read_seq",
                 "muted"],
    )  # fmt: skip


async def load_postgres(url: str, world: World, count: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await people_postgres(conn, world, datetime.now(UTC))
        # a bulk load builds its indexes once, at the end
        await conn.execute("DROP INDEX search_docs_doc")
        await conn.execute("DROP INDEX search_docs_channel")
        await conn.execute("DROP INDEX search_docs_author")
        await conn.execute("DROP INDEX search_docs_scoped")
        await conn.execute(
            "CREATE TEMP TABLE search_load (message_id text, workspace_id text, channel_id text,"
            " author_id text, created_ms bigint, has_link boolean, has_file boolean, doc text)"
        )
        done, started = 0, time.perf_counter()
        for batch in messages(world, count):
            await conn.copy_records_to_table(
                "messages",
                records=[
                    (m["id"], m["workspace_id"], m["channel_id"], m["author_id"], m["seq"],
                     m["thread_root_id"], m["in_channel"], m["text"], m["html"], m["created_at"],
                     m["created_at"] if m["pinned"] else None,
                     m["author_id"] if m["pinned"] else None)
                    for m, _ in batch
                ],
                columns=["id", "workspace_id", "channel_id", "author_id", "seq", "thread_root_id",
                         "in_channel", "text", "html", "created_at", "pinned_at", "pinned_by"],
            )  # fmt: skip
            reacted = [
                (m["id"], "👍", world.searcher, m["created_at"]) for m, _ in batch if m["reacted"]
            ]
            if reacted:
                await conn.copy_records_to_table(
                    "reactions",
                    records=reacted,
                    columns=["message_id", "emoji", "user_id", "created_at"],
                )
            await conn.copy_records_to_table(
                "search_load",
                records=[
                    (s["message_id"], s["workspace_id"], s["channel_id"], s["author_id"],
                     s["created_ms"], s["has_link"], False,
                     tsvector(s["document"], (s["channel_id"], s["author_id"])))
                    for _, s in batch
                ],
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO search_docs (message_id, workspace_id, channel_id, author_id,"
                " created_ms, has_link, has_file, doc) SELECT message_id, workspace_id, channel_id,"
                " author_id, created_ms, has_link, has_file, doc::tsvector FROM search_load"
                " ORDER BY created_ms"
            )
            await conn.execute("TRUNCATE search_load")
            done += len(batch)
            _progress("postgres", done, count, started)
        await conn.execute(
            "UPDATE messages m SET reply_count = r.n FROM (SELECT thread_root_id, count(*) AS n"
            " FROM messages WHERE thread_root_id IS NOT NULL GROUP BY thread_root_id) r"
            " WHERE m.id = r.thread_root_id"
        )
        await conn.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        await conn.execute(
            "CREATE INDEX search_docs_doc ON search_docs USING gin (doc) WITH (fastupdate = off)"
        )
        await conn.execute("CREATE INDEX search_docs_channel ON search_docs (channel_id, id)")
        await conn.execute("CREATE INDEX search_docs_author ON search_docs (author_id, id)")
        await conn.execute(
            "CREATE INDEX search_docs_scoped ON search_docs"
            " USING gin (tertulia_search_scope(channel_id, doc)) WITH (fastupdate = off)"
        )
        print(f"  postgres: indexes built in {time.perf_counter() - started:.0f} s", flush=True)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def _progress(backend: str, done: int, count: int, started: float) -> None:
    if done % 100_000 == 0 or done == count:
        rate = done / (time.perf_counter() - started)
        print(f"  {backend}: {done:,}/{count:,} messages loaded ({rate:,.0f}/s)", flush=True)


# the queries ------------------------------------------------------------------------------------


def queries(world: World, rounds: int) -> list[tuple[str, str, str]]:
    """(kind, q, sort) in a fixed random order."""
    rnd = random.Random(5)
    stop = STOP_ES | STOP_EN
    ranked = [
        w for w, _ in world.words.most_common() if w not in stop and w.isalpha() and len(w) > 3
    ]
    common, medium, rare = ranked[:8], ranked[40:200], ranked[-400:]
    tickets = [w for w in world.words if w.startswith("plt_")]
    ips = [w for w in world.words if w.startswith("10_")]
    month = (START + SPAN / 2).date()
    mine = [f"canal-{n:02d}" for n in range(MEMBER_OF)]
    users = [f"user{n:04d}" for n in range(1, 200)]

    def phrase() -> str:
        words = [w for w in rnd.choice(world.texts_sample).split() if fold(w).isalpha()]
        if len(words) < 2:
            return '"' + rnd.choice(medium) + '"'
        i = rnd.randrange(len(words) - 1)
        return f'"{words[i]} {words[i + 1]}"'

    makers: dict[str, Any] = {
        "common word": lambda: (rnd.choice(common), "relevance"),
        "common word, newest first": lambda: (rnd.choice(common), "recent"),
        "medium word": lambda: (rnd.choice(medium), "relevance"),
        "rare word": lambda: (rnd.choice(rare), "relevance"),
        "two words": lambda: (f"{rnd.choice(medium)} {rnd.choice(medium)}", "relevance"),
        "common and rare": lambda: (f"{rnd.choice(common)} {rnd.choice(rare)}", "relevance"),
        "phrase": lambda: (phrase(), "relevance"),
        "prefix": lambda: (rnd.choice(medium)[:4] + "*", "relevance"),
        "identifier": lambda: (
            rnd.choice(tickets).replace("plt_", "PLT-")
            if rnd.random() < 0.7 or not ips
            else rnd.choice(ips).replace("_", "."),
            "relevance",
        ),
        "word -excluded": lambda: (f"{rnd.choice(common)} -{rnd.choice(medium)}", "relevance"),
        "word from:@user": lambda: (f"{rnd.choice(medium)} from:@{rnd.choice(users)}", "relevance"),
        "word in:#channel": lambda: (f"{rnd.choice(common)} in:#{rnd.choice(mine)}", "relevance"),
        "word after:date": lambda: (f"{rnd.choice(medium)} after:{month}", "relevance"),
        "from:@user alone": lambda: (f"from:@{rnd.choice(users)}", "recent"),
        "has:/is: alone": lambda: (
            rnd.choice(["has:link", "has:reaction", "is:pinned", "is:thread"]),
            "recent",
        ),
    }
    out = [(kind, *make()) for _ in range(rounds) for kind, make in makers.items()]
    rnd.shuffle(out)
    return out


async def member_of(database: Any, world: World, channels: int) -> None:
    """The searcher in the first `channels` channels (20 when the corpus was built)."""
    async with database.writer.begin() as conn:
        await conn.execute(
            text("DELETE FROM channel_members WHERE user_id = :user"), {"user": world.searcher}
        )
        await conn.execute(
            text(
                "INSERT INTO channel_members (channel_id, user_id, workspace_id, joined_at)"
                " VALUES (:channel, :user, :ws, :now)"
            ),
            [
                {"channel": c, "user": world.searcher, "ws": world.workspace, "now": START}
                for c in world.channels[:channels]
            ],
        )


async def measure(url: str, world: World, rounds: int, channels: int) -> dict[str, Any]:
    database = open_database(url)
    await member_of(database, world, channels)
    search = Search(uow=SqlUnitOfWorkFactory(database))
    viewer, ws = UserId(world.searcher), WorkspaceId(world.workspace)
    work = queries(world, rounds)
    try:
        for _, q, sort in work[:100]:  # warm the caches the way a running server has them
            await search(viewer, ws, q, sort)  # type: ignore[arg-type]
        times: dict[str, list[float]] = {}
        hits: dict[str, list[int]] = {}
        machine = {"before": speed()}  # a shared machine's speed changes from hour to hour
        for kind, q, sort in work:
            started = time.perf_counter()
            results = await search(viewer, ws, q, sort)  # type: ignore[arg-type]
            times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            hits.setdefault(kind, []).append(results.total)
        machine["after"] = speed()
    finally:
        await database.close()
    figures = latencies(
        times, {kind: {"median_matches": int(statistics.median(h))} for kind, h in hits.items()}
    )
    return {**figures, "machine": machine}


def latencies(times: dict[str, list[float]], more: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """p50/p95/p99 of every query's milliseconds, and p50/p95 per kind (with `more` of it)."""
    every = [t for ts in times.values() for t in ts]
    return {
        "queries": len(every),
        "p50_ms": _pct(every, 50),
        "p95_ms": _pct(every, 95),
        "p99_ms": _pct(every, 99),
        "max_ms": round(max(every), 1),
        "kinds": {
            kind: {
                "p50_ms": _pct(ts, 50),
                "p95_ms": _pct(ts, 95),
                "max_ms": round(max(ts), 1),
                **more.get(kind, {}),
            }
            for kind, ts in times.items()
        },
    }


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 2)


def report(backend: str, figures: dict[str, Any]) -> None:
    print(
        f"\n{backend}: {figures['queries']} searches, p50 {figures['p50_ms']} ms,"
        f" p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
        f" (built in {figures['build_s']} s)"
    )
    for moment in ("before", "after"):
        print(f"  {describe(figures['machine'][moment])}, {moment} the searches")
    print(f"  {'kind':28} {'p50':>8} {'p95':>8} {'max':>8} {'matches':>9}")
    for kind, k in figures["kinds"].items():
        print(
            f"  {kind:28} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['max_ms']:>8}"
            f" {k['median_matches']:>9,}"
        )


async def run_backend(
    backend: str, count: int, rounds: int, workdir: Path, keep: bool, channels: int
) -> dict[str, Any]:
    now = datetime.now(UTC)
    world = people_rows(now)[1]
    started = time.perf_counter()
    if backend == "sqlite":
        path = workdir / f"search-bench-{count}.db"
        saved = path.with_suffix(".json")
        url = f"sqlite+aiosqlite:///{path}"
        if path.exists() and saved.exists():
            world = _world_of(json.loads(saved.read_text()))
        else:
            path.unlink(missing_ok=True)
            database = open_database(url)
            await migrate.upgrade(database)
            await database.close()
            load_sqlite(path, world, count)
            saved.write_text(json.dumps(_saved(world)))
        figures = {"build_s": round(time.perf_counter() - started)}
        figures |= await measure(url, world, rounds, channels)
        figures["database_mib"] = round(path.stat().st_size / 2**20)
        return figures
    import asyncpg

    saved = workdir / f"postgres-{count}.json"  # with --keep: the database and its world
    kept = json.loads(saved.read_text()) if saved.exists() else None
    name = kept["database"] if kept else f"tertulia_search_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        if kept and exists:
            world = _world_of(kept["world"])
        else:
            await admin.execute(f'CREATE DATABASE "{name}"')
            database = open_database(url)
            await migrate.upgrade(database)
            await database.close()
            await load_postgres(url, world, count)
            saved.write_text(json.dumps({"database": name, "world": _saved(world)}))
        figures = {"build_s": round(time.perf_counter() - started)}
        figures |= await measure(url, world, rounds, channels)
        figures["database_mib"] = round(
            int(await admin.fetchval("SELECT pg_database_size($1)", name)) / 2**20
        )
        return figures
    finally:
        if not keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            saved.unlink(missing_ok=True)
        await admin.close()


def _saved(world: World) -> dict[str, Any]:
    return {**world.__dict__, "words": dict(world.words)}


def _world_of(data: dict[str, Any]) -> World:
    return World(**{**data, "words": Counter(data["words"])})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60, help="queries of each kind")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the SQLite corpus here")
    parser.add_argument(
        "--member-of", type=int, default=MEMBER_OF, help="channels the searcher is in (of 100)"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {
        "messages": args.messages,
        "channels": CHANNELS,
        "users": USERS,
        "searcher_in_channels": max(MEMBER_OF, min(CHANNELS, args.member_of)),
    }
    with tempfile.TemporaryDirectory(prefix="tertulia-search-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            print(f"{backend}: building {args.messages:,} messages…", flush=True)
            results[backend] = asyncio.run(
                run_backend(
                    backend,
                    args.messages,
                    args.rounds,
                    workdir,
                    args.keep is not None,
                    max(MEMBER_OF, min(CHANNELS, args.member_of)),
                )
            )
            report(backend, results[backend])
    out = ROOT / "bench" / "results" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
