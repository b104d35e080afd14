"""Real services for tests: reachable ones are used, unreachable ones skip with the reason,
unless `TERTULIA_TEST_REQUIRE` names them (as CI does), which turns the skip into a failure."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import NoReturn

import asyncpg
import pytest
from sqlalchemy import make_url

POSTGRES_URL = os.environ.get(
    "TERTULIA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TERTULIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# http://KEY:SECRET@host:port/bucket of an S3-compatible server; empty: the tests start
# SeaweedFS (`weed`, from the dev dependencies) themselves
S3_URL = os.environ.get("TERTULIA_TEST_S3_URL", "")
REQUIRED = {s.strip() for s in os.environ.get("TERTULIA_TEST_REQUIRE", "").split(",") if s.strip()}


def unavailable(service: str, reason: str) -> NoReturn:
    """Skip (or, if the service is required, fail) the test that needed it."""
    message = f"{service} is not reachable: {reason}"
    if service in REQUIRED:
        pytest.fail(f"{message} (required by TERTULIA_TEST_REQUIRE)", pytrace=False)
    pytest.skip(message)


def postgres_admin(sql: str) -> None:
    """Run one statement on the test server's own database, in a thread with its own event
    loop, so sync and async fixtures alike can create and drop databases."""
    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """The URL of a PostgreSQL database of its own, with no schema in it, dropped on leaving;
    skips (or fails, when required) if the server cannot be reached."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        postgres_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable("postgres", f"{POSTGRES_URL}: {exc}")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
