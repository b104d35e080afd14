"""File search latency on a workspace of 200,000 files, on SQLite and PostgreSQL.

    .venv/bin/python bench/file_search.py [--backend sqlite|postgres|both] [--files 200000]
                                          [--rounds 60]

Builds the workspace of bench/search.py (1,000 people, 100 private channels, the searcher in 20
of them) and bulk-loads files whose names are drawn Zipf-wise from the words people give files
("informe", "factura", "screenshot", dates, numbers; Spanish and English), of every kind; 90 %
shared in a channel, the rest still their uploader's own. Then searches as the person in 20 of
100 channels, through the file search use case (permission filter, operators, kinds, paging),
in-process, one at a time. Prints p50/p95/p99 per kind of query and over all of them, and writes
bench/results/file_search.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, speed
from search import (
    POSTGRES,
    World,
    _people_sqlite,
    _stamp,
    _users,
    latencies,
    people_postgres,
    people_rows,
)
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import open_database
from tertulia.adapters.sql.stores.files import name_runs
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.domain.ids import UserId, WorkspaceId, new_id
from tertulia.usecases.search import Search
from tertulia.usecases.searchtext import name_key

ROOT = Path(__file__).parent.parent
START = datetime(2025, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
WORDS = [
    "informe",
    "factura",
    "presupuesto",
    "acta",
    "foto",
    "captura",
    "diseño",
    "contrato",
    "nómina",
    "plano",
    "propuesta",
    "resumen",
    "memoria",
    "anexo",
    "borrador",
    "final",
    "revisión",
    "versión",
    "copia",
    "cliente",
    "proveedor",
    "equipo",
    "reunión",
    "proyecto",
    "campaña",
    "logo",
    "banner",
    "maqueta",
    "pedido",
    "albarán",
    "balance",
    "cierre",
    "trimestre",
    "report",
    "invoice",
    "budget",
    "meeting",
    "notes",
    "draft",
    "screenshot",
    "design",
    "contract",
    "mockup",
    "roadmap",
    "minutes",
    "slides",
    "deck",
    "summary",
    "export",
    "backup",
    "release",
    "changelog",
    "spec",
    "diagram",
    "photo",
    "scan",
    "agenda",
    "plan",
    "kickoff",
    "retro",
    "onboarding",
    "handbook",
    "policy",
    "audit",
    "forecast",
    "payroll",
    "receipt",
]
KINDS = [  # extension, content type, kind, share of files
    ("pdf", "application/pdf", "pdf", 30),
    ("png", "image/png", "image", 20),
    ("jpg", "image/jpeg", "image", 15),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "document", 10),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", 8),
    ("txt", "text/plain", "text", 7),
    ("zip", "application/zip", "archive", 5),
    ("mp4", "video/mp4", "video", 3),
    ("mp3", "audio/mpeg", "audio", 2),
]  # fmt: skip
COLUMNS = [
    "id", "workspace_id", "uploader_id", "name", "search_name", "size", "content_type", "kind",
    "inline", "status", "blob_key", "placeholder", "message_id", "channel_id", "created_at",
]  # fmt: skip


def files(world: World, count: int) -> list[tuple[Any, ...]]:
    rnd = random.Random(11)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]  # Zipf: a few words are common
    kinds = [k for k in KINDS for _ in range(k[3])]
    rows = []
    for n in range(count):
        ext, content_type, kind, _ = rnd.choice(kinds)
        words = rnd.choices(WORDS, weights, k=rnd.randint(1, 3))
        when = START + SPAN * (n / count)
        name = {
            0: f"{'_'.join(words)}_{when:%Y-%m-%d}.{ext}",
            1: f"{' '.join(words).capitalize()} v{rnd.randint(1, 9)}.{ext}",
            2: f"{'-'.join(words)}-{rnd.randint(1, 99_999)}.{ext}",
        }[n % 3]
        if kind == "image" and n % 4 == 0:
            name = f"IMG_{rnd.randint(1000, 9999)}.{ext}"
        shared = rnd.random() < 0.9
        rows.append(
            (new_id(), world.workspace, rnd.choice(world.users), name, name_key(name),
             rnd.randint(1_000, 5_000_000), content_type, kind, kind in ("image", "pdf"),
             "ready", uuid.uuid4().hex + uuid.uuid4().hex, "",
             new_id() if shared else None, rnd.choice(world.channels) if shared else None, when)
        )  # fmt: skip
    return rows


def name_runs_of(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The file_name_runs rows of the files (workspace, run, file, created_at), as the server
    writes them."""
    return [(r[1], run, r[0], r[-1]) for r in rows for run in name_runs(r[3])]


def queries(world: World, rounds: int, names: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    rnd = random.Random(5)
    work: list[tuple[str, str, tuple[str, ...]]] = []
    for _ in range(rounds):
        common, rare = rnd.choice(WORDS[:5]), rnd.choice(WORDS[-20:])
        work += [
            ("common word", common, ()),
            ("rare word", rare, ()),
            ("two words", f"{common} {rnd.choice(WORDS[5:30])}", ()),
            ("prefix (3 letters)", rnd.choice(WORDS)[:3], ()),
            ("accents aside", "nomina", ()),
            ("extension", "pdf", ()),
            ("name as written", rnd.choice(names), ()),
            ("words out of order", f"{common}.pdf", ()),
            ("number", str(rnd.randint(1, 99_999)), ()),
            ("no match", "zzyzx", ()),
            ("kind only", "", ("image",)),
            ("word and kind", common, ("pdf",)),
            ("everything", "", ()),
            ("from:", f"from:@user{rnd.randint(1, 999):04d}", ()),
            ("in:", f"in:#canal-{rnd.randint(0, 19):02d} {common}", ()),
            ("excluded", f"{common} -{rnd.choice([w for w in WORDS[:10] if w != common])}", ()),
            ("dates", f"{rare} after:2026-03-01 before:2026-06-01", ()),
        ]
    rnd.shuffle(work)
    return work


def load_sqlite(path: Path, world: World, count: int) -> list[str]:
    now = datetime.now(UTC)
    rows = files(world, count)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO users (id, username, email, display_name, title, timezone,"
            " password_hash, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(*r[:7], _stamp(r[7]), _stamp(r[8])) for r in _users(world, now)],
        )
        _people_sqlite(conn, world, now)
        conn.executemany(
            f"INSERT INTO files ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",  # noqa: S608 (our own column names)
            [(*r[:-1], _stamp(r[-1])) for r in rows],
        )
        conn.executemany(
            "INSERT INTO file_name_runs (workspace_id, run, file_id, created_at) VALUES (?,?,?,?)",
            [(*w[:3], _stamp(w[3])) for w in name_runs_of(rows)],
        )
    conn.execute("ANALYZE")
    conn.close()
    return sample(rows)


async def load_postgres(url: str, world: World, count: int) -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await people_postgres(conn, world, datetime.now(UTC))
        await conn.execute("SET session_replication_role = replica")  # no messages behind them
        rows = files(world, count)
        await conn.copy_records_to_table("files", records=rows, columns=COLUMNS)
        await conn.copy_records_to_table(
            "file_name_runs",
            records=name_runs_of(rows),
            columns=["workspace_id", "run", "file_id", "created_at"],
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return sample(rows)


def sample(rows: list[tuple[Any, ...]]) -> list[str]:
    """Some of the names loaded, to search for as written."""
    return [r[3] for r in rows[:: max(1, len(rows) // 500)]]


async def measure(url: str, world: World, rounds: int, names: list[str]) -> dict[str, Any]:
    database = open_database(url)
    search = Search(uow=SqlUnitOfWorkFactory(database))
    viewer, ws = UserId(world.searcher), WorkspaceId(world.workspace)
    work = queries(world, rounds, names)
    try:
        for _, q, kinds in work[:100]:  # warm the caches the way a running server has them
            await search.files(viewer, ws, q, kinds)
        times: dict[str, list[float]] = {}
        hits: dict[str, list[int]] = {}
        for kind, q, kinds in work:
            started = time.perf_counter()
            page = await search.files(viewer, ws, q, kinds)
            times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            hits.setdefault(kind, []).append(len(page.items))
    finally:
        await database.close()
    return latencies(
        times, {kind: {"found": round(sum(h) / len(h), 1)} for kind, h in hits.items()}
    )


def report(backend: str, figures: dict[str, Any]) -> None:
    print(
        f"\n{backend}: {figures['queries']} file searches, p50 {figures['p50_ms']} ms,"
        f" p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
        f" (built in {figures['build_s']} s)"
    )
    print(f"  {'kind':28} {'p50':>8} {'p95':>8} {'max':>8} {'found (page of 20)':>19}")
    for kind, k in figures["kinds"].items():
        print(f"  {kind:28} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['max_ms']:>8} {k['found']:>19}")


async def run_backend(backend: str, count: int, rounds: int, workdir: Path) -> dict[str, Any]:
    world = people_rows(datetime.now(UTC))[1]
    started = time.perf_counter()
    if backend == "sqlite":
        path = workdir / "file-search.db"
        url = f"sqlite+aiosqlite:///{path}"
        database = open_database(url)
        await migrate.upgrade(database)
        await database.close()
        names = load_sqlite(path, world, count)
        figures = {"build_s": round(time.perf_counter() - started)}
        return figures | await measure(url, world, rounds, names)
    import asyncpg

    name = f"tertulia_files_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        database = open_database(url)
        await migrate.upgrade(database)
        await database.close()
        names = await load_postgres(url, world, count)
        figures = {"build_s": round(time.perf_counter() - started)}
        return figures | await measure(url, world, rounds, names)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=60, help="queries of each kind")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {"files": args.files, "channels": 100, "searcher_in": 20}
    results["machine"] = speed()
    print(describe(results["machine"]), flush=True)
    with tempfile.TemporaryDirectory(prefix="tertulia-files-") as tmp:
        for backend in backends:
            print(f"{backend}: loading {args.files:,} files…", flush=True)
            results[backend] = asyncio.run(run_backend(backend, args.files, args.rounds, Path(tmp)))
            report(backend, results[backend])
    out = ROOT / "bench" / "results" / "file_search.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
