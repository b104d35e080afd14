"""`tertulia reindex`: an installation upgraded from before search gets its messages
searchable, with progress shown, and a rebuild can run again from the start."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tertulia.adapters.sql.database import open_database
from tertulia.bootstrap import assemble
from tertulia.domain.ids import WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.usecases.accounts import AuthPolicy, Registration
from tests.conftest import Clock
from tests.e2e.server import TERTULIA, environment
from tests.twins import FastHasher

pytestmark = pytest.mark.slow


async def _team(url: str) -> tuple[User, WorkspaceId]:
    database = open_database(url)
    try:
        core = await assemble(database, FastHasher(), Clock(), AuthPolicy())
        ana = await core.accounts.register(
            Registration("ana", "ana@example.com", "violeta-azul-42!")
        )
        workspace, _ = await core.workspaces.create(ana.id, "Equipo")
        page = await core.channels.browse(ana.id, workspace.id)
        general = page.items[0].channel.id
        for n in range(1200):
            await core.posting.post(ana.id, general, Draft(f"informe número {n} del despliegue"))
        return ana, workspace.id
    finally:
        await database.close()


async def _found(url: str, ana: User, workspace: WorkspaceId) -> int:
    database = open_database(url)
    try:
        core = await assemble(database, FastHasher(), Clock(), AuthPolicy())
        return (await core.search(ana.id, workspace, "despliegues", limit=1)).total
    finally:
        await database.close()


def test_reindex_makes_an_unindexed_history_searchable(tmp_path: Path) -> None:
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    url = env["TERTULIA_DATABASE_URL"]
    ana, workspace = asyncio.run(_team(url))
    with sqlite3.connect(tmp_path / "tertulia.db") as conn:  # as before search existed
        conn.execute("DELETE FROM search_docs")
    assert asyncio.run(_found(url, ana, workspace)) == 0

    rebuilt = subprocess.run(
        [*TERTULIA, "reindex"], env=env, capture_output=True, text=True, timeout=120
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Search index rebuilt: 1,200 messages." in rebuilt.stdout
    assert "Indexing" in rebuilt.stdout  # the progress bar
    assert asyncio.run(_found(url, ana, workspace)) == 1200

    again = subprocess.run(
        [*TERTULIA, "reindex", "--restart"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert asyncio.run(_found(url, ana, workspace)) == 1200
