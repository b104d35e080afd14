"""The composition root: build every adapter and use case from the settings, once
(`open_tertulia`, `assemble`, `create_app`), and the one table of background work every node
runs (`background_work`). How settings become adapters' arguments, and are refused, is
`setup.py`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.broker import open_broker
from tertulia.adapters.broker.memory import MemoryBroker
from tertulia.adapters.images import PillowImages
from tertulia.adapters.passwords import Argon2Hasher, common_passwords
from tertulia.adapters.sniff import sniff_type
from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.adapters.sql.gauges import job_backlog, pool_use
from tertulia.adapters.sql.ratelimits import SqlRateLimiter
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.config import Settings
from tertulia.domain.messages import DEFAULT_MAX_LENGTH
from tertulia.setup import (
    ConfigError,
    FileSetup,
    check_schema,
    file_setup,
    open_blobs,
    policy_of,
    rate_limits_of,
    signing_secret,
    storage_origin,
)
from tertulia.usecases.accounts import Accounts, AuthPolicy, SessionCache
from tertulia.usecases.boot import Boot
from tertulia.usecases.channels import Channels
from tertulia.usecases.core import NotReady, Tertulia
from tertulia.usecases.files import COLLECT_JOB, IMAGE_JOB, Files
from tertulia.usecases.filework import SWEEP_SECONDS, FileWork
from tertulia.usecases.jobs import Handler, Jobs, Periodic
from tertulia.usecases.limits import DEFAULT_LIMITS, Action, Limit, Limits
from tertulia.usecases.markup import Markup
from tertulia.usecases.messaging import History, Inbox, Posting, Reactions, Reading, Threads
from tertulia.usecases.ports import Clock
from tertulia.usecases.ports.accounts import PasswordHasher
from tertulia.usecases.realtime import Hub, Live
from tertulia.usecases.realtime.hub import PRUNE_EVERY
from tertulia.usecases.search import Reindex, Search
from tertulia.usecases.uploads import Uploads
from tertulia.usecases.workspaces import Workspaces
from tertulia.web.app import WebConfig, build_app
from tertulia.web.auth import AccessTokens
from tertulia.web.downloads import UrlSigner
from tertulia.web.live import LiveSettings
from tertulia.web.logs import JsonFormatter
from tertulia.web.metrics import Backlog, Metrics, PoolUse, Sources
from tertulia.web.sessions import BrowserSessions

log = logging.getLogger("tertulia")


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def open_tertulia(
    settings: Settings, *, hasher: PasswordHasher | None = None, metrics: Metrics | None = None
) -> AsyncIterator[Tertulia]:
    """Open the database and build every use case; close everything on exit.

    `hasher` replaces Argon2 (tests use a fast twin); nothing else is swappable here, on
    purpose: configuration chooses adapters by URL. `metrics`, if given, counts what the core
    does and samples it while it is open.
    """
    # refuse a bad configuration before opening anything
    setup = file_setup(settings)
    rate_limits = rate_limits_of(settings)
    database = open_database(settings.db_url, pool_size=settings.db_pool_size)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(database.close)
        await check_schema(database)
        database.start()
        hasher = hasher or Argon2Hasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            concurrency=settings.password_hash_concurrency,
        )
        setup.blobs = await stack.enter_async_context(open_blobs(settings))
        images = PillowImages(
            workers=settings.image_workers,
            max_pixels=settings.image_max_pixels,
            seconds=settings.image_seconds,
        )
        stack.push_async_callback(images.aclose)
        setup.images = images
        core = await assemble(
            database,
            hasher,
            now,
            policy_of(settings),
            settings.max_message_length,
            await open_live(settings, database),
            setup,
            rate_limits,
            on_job=metrics.job_done if metrics else None,
        )
        stack.push_async_callback(core.limits.limiter.aclose)
        await core.live.start()
        stack.push_async_callback(core.live.close)
        working = asyncio.create_task(core.jobs.run(), name="tertulia-jobs")
        stack.callback(working.cancel)
        if metrics is not None:
            metrics.attach(core, metric_sources(database))
            stack.callback(metrics.detach)
            sampling = asyncio.create_task(metrics.run(), name="tertulia-metrics")
            # stopped before the database closes: a sample under way gives its connection back
            stack.push_async_callback(_stop, sampling)
        yield core


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def metric_sources(database: Database) -> Sources:
    """What /metrics reads of the database."""
    log = SqlEventLog(database)

    async def backlog() -> list[Backlog]:
        return [Backlog(*row) for row in await job_backlog(database, now())]

    return Sources(
        pools=lambda: [PoolUse(*use) for use in pool_use(database)],
        log_head=log.last_id,
        backlog=backlog,
    )


async def open_live(settings: Settings, database: Database) -> Live:
    """Real time for these settings: the broker chosen by URL, the hub reading the log."""
    log = SqlEventLog(database)
    try:
        broker, presence = await open_broker(
            settings.broker_url,
            log.identity,
            lambda: signing_secret(settings),
            settings.broker_channel,
        )
    except ValueError as exc:
        raise ConfigError(f"TERTULIA_BROKER_URL {settings.broker_url!r}: {exc}.") from None
    hub = Hub(
        log,
        replay_max=settings.replay_max_events,
        retention=timedelta(hours=settings.event_retention_hours),
    )
    return Live(
        broker,
        hub,
        time.monotonic,
        presence,
        offline_after=settings.offline_after_seconds,
        sockets_per_person=settings.ws_sockets_per_person,
    )


async def assemble(
    database: Database,
    hasher: PasswordHasher,
    clock: Clock,
    policy: AuthPolicy,
    max_message_length: int = DEFAULT_MAX_LENGTH,
    live: Live | None = None,
    files: FileSetup | None = None,
    rate_limits: Mapping[Action, Limit | None] | None = None,
    *,
    on_job: Callable[[str, str, float], None] | None = None,
) -> Tertulia:
    """Every use case on an open database: the one place where they are wired together.
    `live` (real time) is started by the caller; without one, nothing is published. The
    job worker (`core.jobs.run()`, see `background_work`) is the caller's to run, and
    `files.images` to close."""
    live = live or Live(MemoryBroker(), Hub(SqlEventLog(database)), time.monotonic)
    uow = SqlUnitOfWorkFactory(database, clock, on_commit=live.published)
    files = files or FileSetup()
    blobs = files.blobs or LocalBlobStore(Path(tempfile.gettempdir()) / "tertulia-blobs")
    file_work = FileWork(
        uow=uow,
        clock=clock,
        blobs=blobs,
        images=files.images or PillowImages(workers=1),
    )
    handlers, periodic = background_work(file_work, live.hub)
    jobs = Jobs(uow=uow, clock=clock, handlers=handlers, periodic=periodic, on_job=on_job)

    async def check_ready() -> dict[str, str]:
        for name, ping in (("database", database.ping), ("broker", live.broker.ping)):
            try:
                async with asyncio.timeout(2):  # a hung dependency is a down one
                    await ping()
            except Exception as exc:
                raise NotReady(name, exc) from exc
        return {"database": "ok", "broker": "ok"}

    limiter = SqlRateLimiter(database)
    accounts = Accounts(
        uow=uow,
        hasher=hasher,
        limiter=limiter,
        clock=clock,
        common_passwords=common_passwords(),
        dummy_hash=await hasher.hash(secrets.token_urlsafe(16)),
        policy=policy,
        sessions=SessionCache(ttl=policy.session_check_seconds),
    )
    # a logout anywhere reaches every node's cache through the event log
    live.hub.on_session_revoked = accounts.sessions.evict
    return Tertulia(
        accounts=accounts,
        limits=Limits(limiter, rate_limits if rate_limits is not None else DEFAULT_LIMITS),
        workspaces=Workspaces(uow=uow, clock=clock, presence=live.presence),
        channels=Channels(uow=uow, clock=clock),
        posting=Posting(
            uow=uow,
            clock=clock,
            markup=Markup(),
            max_length=max_message_length,
            presence=live.presence,
        ),
        history=History(uow=uow),
        threads=Threads(uow=uow, clock=clock),
        reactions=Reactions(uow=uow, clock=clock),
        reading=Reading(uow=uow, clock=clock),
        inbox=Inbox(uow=uow, clock=clock),
        search=Search(uow=uow),
        reindex=Reindex(uow=uow),
        live=live,
        boot=Boot(uow=uow, presence=live.presence),
        files=(
            file_uses := Files(
                uow=uow,
                clock=clock,
                blobs=blobs,
                sniff=sniff_type,
                policy=files.policy,
                limits=files.limits,
                wake=jobs.wake,
                scanner=files.scanner,
            )
        ),
        uploads=Uploads(uow=uow, clock=clock, blobs=blobs, files=file_uses),
        file_work=file_work,
        jobs=jobs,
        blobs=blobs,
        check_ready=check_ready,
    )


def background_work(file_work: FileWork, hub: Hub) -> tuple[list[Handler], list[Periodic]]:
    """The one table of background work every node runs (`usecases/jobs.py` runs it): the
    handler of each kind of job on the durable queue, and the periodic steps."""
    return (
        [
            Handler(IMAGE_JOB, file_work.image, on_dead=file_work.image_failed, finishes=True),
            Handler(COLLECT_JOB, file_work.collect, finishes=True),
        ],
        [
            Periodic("uploads.sweep", SWEEP_SECONDS, file_work.sweep_more),
            Periodic("events.prune", PRUNE_EVERY, hub.prune),
        ],
    )


def create_app(
    settings: Settings | None = None,
    *,
    hasher: PasswordHasher | None = None,
    collect_every: float | None = None,
    metrics: Metrics | None = None,
) -> FastAPI:
    """The ASGI application for these settings (read from the environment if not given).
    With `collect_every`, the cycle collector's full passes run that often on the event
    loop (see `tune_collector`), not whenever allocations trigger them. `metrics`: this
    process's alone unless given (`app_from_environment` adds up the workers')."""
    settings = settings or Settings()
    metrics = metrics or Metrics()
    secret = signing_secret(settings)
    tokens = AccessTokens(
        secret,
        settings.jwt_issuer,
        timedelta(minutes=settings.access_token_minutes),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_tertulia(settings, hasher=hasher, metrics=metrics) as core:
            app.state.core = core
            app.state.tokens = tokens
            app.state.url_signer = UrlSigner(secret, settings.file_url_seconds)
            app.state.browser_sessions = BrowserSessions.of(secret, settings.base_url)
            app.state.live_settings = LiveSettings(
                queue_events=settings.ws_queue_events,
                max_frame_bytes=settings.ws_max_frame_bytes,
                commands_per_second=settings.ws_commands_per_second,
                commands_burst=settings.ws_commands_burst,
                auth_seconds=settings.ws_auth_seconds,
            )
            collecting = (
                asyncio.create_task(collect_fully(collect_every), name="tertulia-gc")
                if collect_every
                else None
            )
            try:
                yield
            finally:
                if collecting is not None:
                    collecting.cancel()

    return build_app(
        WebConfig(
            max_body_bytes=settings.max_body_bytes,
            public_url=settings.base_url,
            cors_origins=tuple(settings.cors_origins),
            max_message_length=settings.max_message_length,
            max_file_bytes=settings.file_max_bytes,
            metrics_token=(
                settings.metrics_token.get_secret_value() if settings.metrics_token else None
            ),
            storage_origin=storage_origin(settings),
        ),
        lifespan,
        metrics,
    )


def configure_logging(settings: Settings) -> None:
    """JSON lines on stderr (or plain text for humans), for our logs and uvicorn's."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # RequestContext logs each request


def app_from_environment() -> FastAPI:
    """Entry point for `uvicorn --factory tertulia.bootstrap:app_from_environment`."""
    settings = Settings()
    configure_logging(settings)
    # `tertulia serve --workers N` names a directory where every worker counts (see cli.py)
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    metrics = Metrics(Path(shared) if shared else None)
    app = create_app(settings, collect_every=FULL_COLLECTION_EVERY, metrics=metrics)
    tune_collector()
    return app


FULL_COLLECTION_EVERY = 600.0  # seconds between two full passes of the cycle collector


def tune_collector() -> None:
    """Keep Python's cycle collector from pausing real-time delivery (`tertulia serve`).

    What is loaded by now (modules, the emoji and password lists: some 150,000 objects) lives
    as long as the process: frozen, the collector skips it. Each open socket adds objects
    the collector would walk on every full pass: with 10,000 sockets a pass took 800 ms on
    a slow core, several times a minute, and was the p99 of delivery. So full passes no
    longer follow allocations: the app runs one every FULL_COLLECTION_EVERY seconds on its
    event loop (finalizers of cyclic garbage run there, as they would otherwise). Young
    generations, where most cyclic garbage dies, are still collected as usual (less often)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10**9)  # the third: never by allocation count


async def collect_fully(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        gc.collect()
