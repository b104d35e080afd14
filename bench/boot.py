"""What a client's first screen costs: `GET /api/v1/boot` against the calls it replaces, on
SQLite and PostgreSQL.

    .venv/bin/python bench/boot.py [--backend sqlite|postgres|both] [--people 600]
                                   [--channels 200] [--dms 50] [--rounds 50]

Builds, through the use cases, a workspace of `--people` people (more than the 500 the first
screen lists), `--channels` public channels the person is in (three others in each, five
messages in each, one of them mentioning the person), `--dms` direct messages with two
messages each, and ten threads the person follows with unread replies. Then loads the first
screen `--rounds` times in-process (the use case and its JSON, what the endpoint does) and,
for comparison, what a client would otherwise call: its workspaces, the channel list page by
page, the unreads, the members page by page, the presence and the unread notifications.
Prints statements and milliseconds (p50/p95) of each, also with half the channels (the count
of statements must not move), and writes bench/results/boot.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from sqlalchemy import text

from machine import describe, speed
from search import POSTGRES
from tertulia.adapters.sql import leases, migrate
from tertulia.adapters.sql.database import open_database
from tertulia.bootstrap import assemble
from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import UserId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.usecases.accounts import AuthPolicy, Registration
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft
from tertulia.web.boot import answer

RESULTS = Path(__file__).parent / "results"
PASSWORD = "violeta-azul-42!"


class CheapHasher:
    """Passwords are not what is measured here."""

    async def hash(self, password: str) -> str:
        return "plain:" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


@contextmanager
def counting() -> Any:
    """Counts the statements sent to the database meanwhile (either driver)."""
    count = [0]
    saved = []
    for cls in (leases.InlineExecutor, leases.AsyncExecutor):
        for name in ("execute", "scalar", "scalars", "raw"):
            original = getattr(cls, name)

            def counted(self: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
                count[0] += 1
                return _original(self, *args, **kw)

            saved.append((cls, name, original))
            setattr(cls, name, counted)
    try:
        yield count
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)


async def build(core: Tertulia, people: int, channels: int, dms: int) -> tuple[UserId, WorkspaceId]:
    """The workspace described in the module's doc; the person whose first screen it is."""
    register = core.accounts.register
    ana = await register(Registration("ana", "ana@example.com", PASSWORD))
    workspace, _ = await core.workspaces.create(ana.id, "Equipo")
    _, token = await core.workspaces.invite(
        ana.id, workspace.id, InvitationDraft(max_uses=people + 1)
    )
    others = []
    for n in range(people):
        user = await register(Registration(f"p{n:04d}", f"p{n:04d}@example.com", PASSWORD))
        await core.workspaces.accept(user.id, token)
        others.append(user.id)
    for c in range(channels):
        row = await core.channels.create(ana.id, workspace.id, f"canal-{c:03d}", ChannelKind.PUBLIC)
        writers = [others[(c * 3 + k) % people] for k in range(3)]
        for writer in writers:
            await core.channels.add_member(writer, row.channel.id, writer)
        for m in range(5):
            text = "hola @ana" if m == 0 else f"mensaje {m} del canal {c}"
            await core.posting.post(writers[m % 3], row.channel.id, Draft(text))
        if c < 10:
            root = await core.posting.post(ana.id, row.channel.id, Draft("¿qué opináis?"))
            await core.posting.post(
                writers[0], row.channel.id, Draft("yo sí", thread_root_id=root.view.message.id)
            )
    for d in range(dms):
        dm, _ = await core.channels.open_dm(ana.id, workspace.id, [others[-1 - d]])
        for m in range(2):
            await core.posting.post(others[-1 - d], dm.channel.id, Draft(f"dm {m}"))
    return ana.id, workspace.id


async def many_calls(core: Tertulia, user: UserId, workspace: WorkspaceId) -> None:
    """What a client calls without boot, one request each, paging by 200."""
    await core.accounts.me(user)
    await core.workspaces.mine(user, None, 200)
    after = None
    while True:
        page = await core.channels.browse(
            user, workspace, kinds=list(ChannelKind), only_member=True, after=after, limit=200
        )
        if not (after := page.next_cursor):
            break
    await core.reading.unreads(user, workspace)
    after = None
    for _ in range(3):  # the first 600 people
        members = await core.workspaces.members(user, workspace, after, 200)
        if not (after := members.next_cursor):
            break
    await core.workspaces.presence_of(user, workspace)
    await core.inbox.notifications(user, None, 200, True)


async def timed(call: Callable[[], Awaitable[Any]], rounds: int) -> dict[str, Any]:
    for _ in range(5):  # warm: statements compiled and cached, pages in memory
        await call()
    with counting() as count:
        await call()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "statements": count[0],
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


async def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    database = open_database(url)
    await migrate.upgrade(database)
    core = await assemble(database, CheapHasher(), Clock(), AuthPolicy())
    try:
        started = time.perf_counter()
        user, workspace = await build(core, args.people, args.channels, args.dms)
        built = round(time.perf_counter() - started, 1)
        if database.dialect == "postgresql":  # what autovacuum does soon after a bulk load
            async with database.writer.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))

        async def boot() -> None:
            answer(await core.boot.load(user))

        screen = await core.boot.load(user)
        figures: dict[str, Any] = {
            "build_s": built,
            "channels_listed": len(screen.channels),
            "people_listed": len(screen.people),
            "answer_kib": round(len(answer(screen)) / 1024, 1),
            "boot": await timed(boot, args.rounds),
            "many_calls": await timed(lambda: many_calls(core, user, workspace), args.rounds),
        }
        for row in screen.channels[: len(screen.channels) // 2]:
            if not row.row.channel.kind.is_direct and not row.row.channel.is_default:
                await core.channels.remove_member(user, row.row.channel.id, user)
        figures["boot_half_the_channels"] = await timed(boot, args.rounds)
        return figures
    finally:
        await database.close()


async def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return await measure(f"sqlite+aiosqlite:///{folder}/boot.db", args)
    import asyncpg

    name = f"tertulia_boot_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        return await measure(url, args)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--dms", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    machine = speed()
    print(describe(machine))
    results: dict[str, Any] = {
        "people": args.people,
        "channels": args.channels,
        "dms": args.dms,
        "machine": machine,
    }
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        figures = asyncio.run(run(backend, args))
        results[backend] = figures
        print(
            f"{backend}: built in {figures['build_s']} s; the first screen lists"
            f" {figures['channels_listed']} channels and {figures['people_listed']} people"
            f" ({figures['answer_kib']} KiB of JSON)"
        )
        for case in ("boot", "boot_half_the_channels", "many_calls"):
            f = figures[case]
            print(
                f"  {case:23} {f['statements']:3} statements"
                f"  p50 {f['p50_ms']:7.2f} ms  p95 {f['p95_ms']:7.2f} ms"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "boot.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS / 'boot.json'}")


if __name__ == "__main__":
    main()
