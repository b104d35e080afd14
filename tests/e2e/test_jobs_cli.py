"""`tertulia jobs`: an operator sees how much background work waits and which jobs died (with
why), and tries a dead job again, by id or all at once; a wrong id or a missing argument is
one clear line, not a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tertulia.domain.jobs import NEVER
from tests.e2e.server import TERTULIA, environment

pytestmark = pytest.mark.slow

INSERT = (
    "INSERT INTO jobs (kind, subject, run_after, attempts, last_error, created_at)"
    " VALUES (?, ?, ?, ?, ?, '2026-11-28 10:00:00.000000')"
)


def _jobs(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TERTULIA, "jobs", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_an_operator_lists_and_revives_dead_jobs(tmp_path: Path) -> None:
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    with sqlite3.connect(tmp_path / "tertulia.db") as db:
        dead = db.execute(INSERT, ("collect", "f" * 64, NEVER, 5, "OSError('disk full')")).lastrowid
        db.execute(INSERT, ("collect", "e" * 64, 4e9, 0, None))  # waiting, due in 2096

    listed = _jobs(["list"], env)
    assert listed.returncode == 0, listed.stderr
    assert "collect: 1 waiting" in listed.stdout
    assert "dead: 1" in listed.stdout
    assert f"{dead}  collect {'f' * 64}" in listed.stdout
    assert "5 attempts: OSError('disk full')" in listed.stdout

    unknown = _jobs(["retry", "999999"], env)
    assert unknown.returncode == 1
    assert "No dead job 999999." in unknown.stderr
    assert "Traceback" not in unknown.stderr
    neither = _jobs(["retry"], env)
    assert neither.returncode == 2
    assert "give a job id or --all" in neither.stderr

    revived = _jobs(["retry", str(dead)], env)
    assert revived.returncode == 0, revived.stderr
    assert "1 jobs queued again." in revived.stdout
    with sqlite3.connect(tmp_path / "tertulia.db") as db:
        still_dead = db.execute("SELECT count(*) FROM jobs WHERE run_after >= ?", (NEVER,))
        assert still_dead.fetchone() == (0,)  # queued again (or already done)
    assert "dead: 0" in _jobs(["list"], env).stdout
