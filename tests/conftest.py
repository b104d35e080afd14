"""Fixtures: real databases (a fresh SQLite file per test; one PostgreSQL database per run,
emptied between tests), the use cases built on them, and an HTTP client on the app."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.blobs.s3 import S3Location
from tertulia.adapters.images import PillowImages
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.tables import metadata
from tertulia.bootstrap import assemble, create_app
from tertulia.config import Settings
from tertulia.setup import FileSetup
from tertulia.usecases.accounts import AuthPolicy
from tertulia.usecases.core import Tertulia
from tests import problems, services
from tests.clamd import Daemon, clamd_daemon
from tests.problems import recording
from tests.s3 import s3_server
from tests.twins import FastHasher


@pytest.fixture(autouse=True)
def answers_are_documented() -> Iterator[None]:
    """Every problem a test saw the API answer is listed on its operation in /openapi.json,
    with its status and code: the document is the truth, and the suite keeps it so."""
    seen = len(problems.SEEN)
    yield
    missing = problems.undocumented(problems.SEEN[seen:])
    if missing:
        pytest.fail("undocumented in /openapi.json:\n" + "\n".join(missing), pytrace=False)


JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# databases -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "tertulia.db"

    async def build() -> None:
        database = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(database)
        finally:
            await database.close()

    asyncio.run(build())
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "tertulia.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the test server, migrated once, dropped at the end."""
    with services.fresh_postgres("tertulia_test") as url:

        async def build() -> None:
            database = open_database(url, pool_size=2)
            try:
                await migrate.upgrade(database)
            finally:
                await database.close()

        asyncio.run(build())
        yield url


@pytest.fixture
async def postgres_url(postgres_database: str) -> str:
    """The run's PostgreSQL database, emptied for this test."""
    database = open_database(postgres_database, pool_size=1)
    try:
        names = ", ".join([*(f'"{t.name}"' for t in metadata.sorted_tables), "search_progress"])
        async with database.writer.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await database.close()
    return postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The URL of a reachable Redis (skipped, or failed when required, otherwise)."""
    try:
        with redis.Redis.from_url(services.REDIS_URL, socket_connect_timeout=3) as client:
            client.ping()
    except (OSError, redis.RedisError) as exc:
        services.unavailable("redis", f"{services.REDIS_URL}: {exc}")
    return services.REDIS_URL


@pytest.fixture
def redis_url(redis_server: str) -> str:
    return redis_server


@pytest.fixture(scope="session")
def s3_location(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Location]:
    """A bucket on a real S3 server (see tests/s3.py); tests use prefixes of their own."""
    with s3_server(tmp_path_factory.mktemp("s3")) as location:
        yield location


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A real clamd on the tests' own signatures (see tests/clamd.py), started once."""
    with clamd_daemon(tmp_path_factory.mktemp("clamd")) as daemon:
        yield daemon


@pytest.fixture
def broker_channel() -> str:
    """A pub/sub channel of this test's own, so that tests never hear each other."""
    return f"tertulia-test:{uuid.uuid4().hex}"


# use cases -----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    database = open_database(sqlite_url)
    yield database
    await database.close()


@pytest.fixture(scope="session")
async def images() -> AsyncIterator[PillowImages]:
    """The image workers, started once for the session (on first use)."""
    processor = PillowImages(workers=1)
    yield processor
    await processor.aclose()


@pytest.fixture
async def core(database: Database, clock: Clock, tmp_path: Path, images: PillowImages) -> Tertulia:
    """The use cases on a real SQLite database, with a fast hasher and a hand-moved clock;
    files in a directory of the test's own. The file worker runs only when a test calls it."""
    setup = FileSetup(blobs=LocalBlobStore(tmp_path / "blobs"), images=images)
    return await assemble(database, FastHasher(), clock, AuthPolicy(), files=setup)


# HTTP ----------------------------------------------------------------------------------------


def settings_for(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=data_dir,
        jwt_secret=SecretStr(JWT_SECRET),
        public_url="http://testserver",
        **overrides,  # type: ignore[arg-type]
    )


def own_state_per_request(app: ASGIApp) -> ASGIApp:
    """Give each request its own copy of the lifespan state, as uvicorn does. asgi_lifespan
    hands every request the same dict, so what one request puts on `request.state` (such as
    its RateLimit headers) would show up on the next one's response."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return wrapped


@asynccontextmanager
async def serve(
    database_url: str, data_dir: Path, raise_app_exceptions: bool = True, **overrides: object
) -> AsyncIterator[AsyncClient]:
    """An HTTP client on the whole app (lifespan included) with some settings overridden.
    With `raise_app_exceptions=False` a crash comes back as the 500 a real client would see."""
    app = create_app(settings_for(database_url, data_dir, **overrides), hasher=FastHasher())
    async with (
        LifespanManager(own_state_per_request(recording(app))) as manager,
        AsyncClient(
            transport=ASGITransport(manager.app, raise_app_exceptions=raise_app_exceptions),
            base_url="http://testserver",
        ) as http,
    ):
        yield http


@pytest.fixture
async def client(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """An HTTP client on the whole app, on SQLite and on PostgreSQL."""
    async with serve(database_url, tmp_path) as http:
        yield http
