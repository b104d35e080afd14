"""What an operator sees when `tertulia` cannot start: one line on stderr naming what to change,
exit status 1, no traceback (unless --debug), never a password."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services
from tests.e2e.server import TERTULIA, environment, free_port

pytestmark = pytest.mark.slow
PASSWORD = "Sup3r-s3cret-pw"


def tertulia(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TERTULIA, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's only line, after checking it is one, with status 1 and nothing on stdout."""
    assert result.returncode == 1, result
    assert result.stdout == "", "nothing (no 'starting' banner) before the failure"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own with no schema in it, dropped after the test."""
    with services.fresh_postgres("tertulia_empty") as url:
        yield url


def test_a_busy_port_is_one_line_naming_the_flag_and_nothing_starts(tmp_path: Path) -> None:
    """Serving on a port another program holds says so with the flag that fixes it, before
    any 'starting' banner."""
    env = environment(tmp_path)  # not even migrated: the port is checked first
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_failure(tertulia(env, "serve", "--port", str(port)))
    assert f"Port {port}" in line
    assert "already in use" in line
    assert "--port" in line


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TERTULIA_PORT", "abc", "a whole number from 1 to 65535"),
        ("TERTULIA_DATABASE_URL", "sqlite:///var/x.db", "sqlite+aiosqlite:///"),
        (
            "TERTULIA_DATABASE_URL",
            f"postgresql://ana:{PASSWORD}@db.example/chat",
            "postgresql+asyncpg://",
        ),
        ("TERTULIA_LOG_FORMAT", "xml", "one of json, text"),
        ("TERTULIA_CORS_ORIGINS", "https://a.example", "a JSON list"),
        ("TERTULIA_BROKER_URL", "kafka://k:9092", "redis://"),
        ("TERTULIA_RATE_LIMITS", '{"message.post": "x"}', "COUNT/SECONDS"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_and_its_form(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    """A setting that cannot be read names its variable and what it takes; a password in it
    is not repeated."""
    line = one_line_failure(tertulia(environment(tmp_path, **{variable: value}), "serve"))
    assert line.startswith(f"error: {variable}")
    assert named in line
    assert PASSWORD not in line


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    """A database nobody answers at: `serve` and `migrate` name it, password masked."""
    closed = free_port()
    url = f"postgresql+asyncpg://ana:{PASSWORD}@127.0.0.1:{closed}/chat"
    env = environment(tmp_path, TERTULIA_DATABASE_URL=url)
    for command in ("serve", "migrate"):
        line = one_line_failure(tertulia(env, command))
        assert f"Cannot use the database at postgresql+asyncpg://ana:***@127.0.0.1:{closed}" in line
        assert PASSWORD not in line


def test_a_database_without_its_schema_says_to_migrate_on_sqlite(tmp_path: Path) -> None:
    """An SQLite file nobody migrated: `serve` says to run `tertulia migrate`."""
    line = one_line_failure(tertulia(environment(tmp_path), "serve"))
    assert "run `tertulia migrate` first" in line


def test_a_database_without_its_schema_says_to_migrate_on_postgres(
    tmp_path: Path, empty_postgres_database: str
) -> None:
    """A PostgreSQL database nobody migrated: `serve` says to run `tertulia migrate`."""
    env = environment(tmp_path, TERTULIA_DATABASE_URL=empty_postgres_database)
    line = one_line_failure(tertulia(env, "serve"))
    assert "run `tertulia migrate` first" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """`tertulia --debug` gives the traceback behind the one line, for a bug report."""
    result = tertulia(environment(tmp_path), "--debug", "serve")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "run `tertulia migrate` first" in result.stderr


def test_create_user_asks_for_the_password_as_its_help_says(tmp_path: Path) -> None:
    """`--help` says the password is asked for when not given, and it is (twice, hidden)."""
    env = environment(tmp_path)
    assert tertulia(env, "migrate").returncode == 0
    helped = tertulia(env, "create-user", "--help")
    assert "asked for" in helped.stdout
    assert "required" not in helped.stdout.split("--password")[1].split("\n")[0]
    created = tertulia(
        env,
        "create-user",
        "--username",
        "ana",
        "--email",
        "ana@example.com",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created user ana" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
