"""Search relevance on a fixed, hand-labelled corpus: precision and recall of the first page.

    .venv/bin/python bench/relevance.py [--backend sqlite|postgres|both] [--verbose]

bench/relevance/messages.json holds 245 chat messages of a Spanish/English team (deploys,
invoices, an outage, hiring, a party playlist…, with distractors that share a word with a
topic but are about something else); bench/relevance/queries.json holds 50 queries as people
type them, each labelled with every message a person typing it would want. Each query runs
through the search use case (sort=relevance) as a member of every channel; for its first ten
results:

- precision@10 = relevant results among those shown / results shown (0 when nothing is
  shown);
- recall@10 = relevant results shown / min(10, messages labelled relevant).

Prints both per query and their means, and writes bench/results/relevance.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.bootstrap import assemble
from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.usecases.accounts import AuthPolicy, Registration
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft

HERE = Path(__file__).parent / "relevance"
ROOT = Path(__file__).parent.parent
POSTGRES = os.environ.get("TERTULIA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "relevance-corpus-2026"
PAGE = 10


class _Hasher:
    """Passwords do not matter here: the corpus's six people never log in."""

    async def hash(self, password: str) -> str:
        return "plain$" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain$" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@dataclass(frozen=True)
class Loaded:
    core: Tertulia
    workspace: WorkspaceId
    reader: UserId
    ids: dict[str, str]  # corpus id → message id


def corpus() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    messages = json.loads((HERE / "messages.json").read_text())
    queries = json.loads((HERE / "queries.json").read_text())
    return messages, queries


async def load(database: Database) -> Loaded:
    """The corpus's people, channels and messages, posted through the use cases."""
    core = await assemble(database, _Hasher(), lambda: datetime.now(UTC), AuthPolicy())
    messages, _ = corpus()
    people: dict[str, UserId] = {}
    for name in sorted({m["author"] for m in messages} | {"lector"}):
        user = await core.accounts.register(
            Registration(username=name, email=f"{name}@example.com", password=PASSWORD)
        )
        people[name] = user.id
    reader = people["lector"]
    workspace, _ = await core.workspaces.create(reader, "Equipo")
    for user_id in people.values():
        if user_id != reader:
            _, token = await core.workspaces.invite(reader, workspace.id, InvitationDraft())
            await core.workspaces.accept(user_id, token)
    channels: dict[str, ChannelId] = {}
    page = await core.channels.browse(reader, workspace.id)
    channels["general"] = next(r.channel.id for r in page.items if r.channel.is_default)
    for name in sorted({m["channel"] for m in messages} - {"general"}):
        row = await core.channels.create(reader, workspace.id, name, ChannelKind.PUBLIC)
        channels[name] = row.channel.id
        for user_id in people.values():
            if user_id != reader:
                await core.channels.add_member(reader, row.channel.id, user_id)
    ids = {}
    for m in messages:
        posted = await core.posting.post(
            people[m["author"]], channels[m["channel"]], Draft(m["text"])
        )
        ids[m["id"]] = posted.view.message.id
    return Loaded(core, workspace.id, reader, ids)


async def score(loaded: Loaded) -> dict[str, Any]:
    _, queries = corpus()
    back = {message_id: key for key, message_id in loaded.ids.items()}
    rows = []
    for labelled in queries:
        results = await loaded.core.search(loaded.reader, loaded.workspace, labelled["q"])
        shown = [back[f.view.message.id] for f in results.items[:PAGE]]
        relevant = set(labelled["relevant"])
        hits = sum(1 for key in shown if key in relevant)
        rows.append(
            {
                "q": labelled["q"],
                "precision": round(hits / len(shown), 3) if shown else 0.0,
                "recall": round(hits / min(PAGE, len(relevant)), 3),
                "shown": shown,
                "missed": sorted(relevant - set(shown))[: PAGE - hits],
                "wrong": [key for key in shown if key not in relevant],
            }
        )
    return {
        "queries": len(rows),
        "precision_at_10": round(sum(r["precision"] for r in rows) / len(rows), 3),
        "recall_at_10": round(sum(r["recall"] for r in rows) / len(rows), 3),
        "per_query": rows,
    }


async def run_backend(backend: str, workdir: Path) -> dict[str, Any]:
    if backend == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{workdir}/relevance.db")
        try:
            await migrate.upgrade(database)
            return await score(await load(database))
        finally:
            await database.close()
    import asyncpg

    name = f"tertulia_relevance_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        database = open_database(url)
        try:
            await migrate.upgrade(database)
            return await score(await load(database))
        finally:
            await database.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--verbose", action="store_true", help="list what each query missed")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tertulia-relevance-") as tmp:
        for backend in backends:
            figures = asyncio.run(run_backend(backend, Path(tmp)))
            results[backend] = figures
            print(
                f"{backend}: {figures['queries']} labelled queries,"
                f" precision@10 {figures['precision_at_10']}, recall@10 {figures['recall_at_10']}"
            )
            if args.verbose:
                for row in figures["per_query"]:
                    print(
                        f"  {row['q']:32} P {row['precision']:<5} R {row['recall']:<5}"
                        f" wrong {row['wrong']} missed {row['missed']}"
                    )
    out = ROOT / "bench" / "results" / "relevance.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
