"""`/metrics` in Prometheus' text format, for loopback clients or a bearer token only.

What costs the hot path nothing new: requests are timed by the middleware that already times
them for the log (`RequestContext`); socket frames and backpressure closes are plain integers
bumped where the socket already works (`Tally`); the real-time hub's own counters, the pools'
use and the event log's head are sampled every few seconds by each process and before each
answer. The job queue is read from the database when /metrics is asked.

With several worker processes (`tertulia serve --workers N`), each writes its figures to
files of its own in one directory (prometheus-client's multiprocess mode; the command line
empties it at start) and any of them answers with the sum.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from starlette.responses import Response

from tertulia.usecases.core import Tertulia
from tertulia.usecases.files import COLLECT_JOB, IMAGE_JOB
from tertulia.web.errors import problem
from tertulia.web.problems import problems

router = APIRouter(tags=["operations"])
log = logging.getLogger("tertulia.metrics")

SAMPLE_SECONDS = 5.0  # how stale a process's sampled figures may be when another answers
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
FORWARDING = (b"x-forwarded-for", b"forwarded", b"x-real-ip")
IMAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


@dataclass(frozen=True, slots=True)
class PoolUse:
    """A connection pool of this process: connections lent out, and its size."""

    pool: str
    in_use: int
    size: int


@dataclass(frozen=True, slots=True)
class Backlog:
    """Jobs of a kind waiting or running, and how long the oldest has been queued."""

    kind: str
    depth: int
    oldest_seconds: float


@dataclass(frozen=True, slots=True)
class Sources:
    """Where sampled figures come from (wired in bootstrap: the database's adapters)."""

    pools: Callable[[], Sequence[PoolUse]]
    log_head: Callable[[], Awaitable[int]]  # the event log's newest id
    backlog: Callable[[], Awaitable[Sequence[Backlog]]]


class Metrics:
    """The figures of one process, and what it answers `/metrics` with."""

    def __init__(self, directory: Path | None = None) -> None:
        """`directory`: where every worker process writes (multiprocess mode); None: this
        process alone, in a registry of its own (an app in a test)."""
        self.directory = directory
        self.registry = CollectorRegistry()
        own: CollectorRegistry | None = self.registry
        if directory is not None:
            # prometheus-client picks its value class when first imported: the command line
            # imports it before it sets the directory (the workers, spawned, after)
            if values.ValueClass is values.MutexValue:
                values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
            multiprocess.MultiProcessCollector(self.registry, path=str(directory))  # type: ignore[no-untyped-call]
            own = None  # the files are the truth; the collector adds them up
        self.requests = Histogram(
            "tertulia_http_request_duration_seconds",
            "HTTP requests by method, route template and status, and how long they took.",
            ("method", "route", "status"),
            registry=own,
        )
        self.sockets = Gauge(
            "tertulia_websockets_open",
            "WebSockets open.",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.published = Counter(
            "tertulia_events_published",
            "Events committed here and published to every node.",
            registry=own,
        )
        self.dispatched = Counter(
            "tertulia_events_dispatched",
            "Events this process's hub took (from the broker or the log) and gave its sockets.",
            registry=own,
        )
        self.delivered = Counter(
            "tertulia_events_delivered",
            "Frames written to sockets by the hub: events (replays too), typing, presence.",
            registry=own,
        )
        self.backpressure = Counter(
            "tertulia_websockets_closed_backpressure",
            "Sockets closed (4000, resume) because their reader fell too far behind.",
            registry=own,
        )
        self.lag = Gauge(
            "tertulia_event_log_lag_events",
            "Events in the log a process's hub has not dispatched yet (the most behind).",
            registry=own,
            multiprocess_mode="livemax",
        )
        self.jobs_queued = Gauge(
            "tertulia_jobs_queued",
            "Jobs waiting or running, by kind.",
            ("kind",),
            registry=own,
            multiprocess_mode="mostrecent",
        )
        self.jobs_age = Gauge(
            "tertulia_jobs_oldest_age_seconds",
            "How long the oldest job of each kind has been queued.",
            ("kind",),
            registry=own,
            multiprocess_mode="mostrecent",
        )
        self.jobs = Counter(
            "tertulia_jobs",
            "Jobs run, by kind and outcome: done, retry (failed, to be tried again) or"
            " failed (given up).",
            ("kind", "outcome"),
            registry=own,
        )
        self.image_seconds = Histogram(
            "tertulia_image_work_seconds",
            "Time to make an image's thumbnails and clean copy.",
            buckets=IMAGE_BUCKETS,
            registry=own,
        )
        self.pool_in_use = Gauge(
            "tertulia_db_pool_connections_in_use",
            "Database connections lent out, by pool.",
            ("pool",),
            registry=own,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "tertulia_db_pool_size",
            "Database connections a pool keeps (PostgreSQL's may open as many again at peaks).",
            ("pool",),
            registry=own,
            multiprocess_mode="livesum",
        )
        self.tally = Tally()
        self._timers: dict[tuple[str, str, int], Callable[[float], None]] = {}
        self._seen = Tally()  # what the counters hold of the tallies sampled
        self._published = self._dispatched = 0
        self._kinds: set[str] = {IMAGE_JOB, COLLECT_JOB}
        self._core: Tertulia | None = None
        self._sources: Sources | None = None

    def attach(self, core: Tertulia, sources: Sources) -> None:
        """Sample this core (from now until `detach`)."""
        self._core, self._sources = core, sources

    def detach(self) -> None:
        self._core = self._sources = None

    # the hot path ----------------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        timer = self._timers.get(key)
        if timer is None:
            label = method if method in METHODS else "other"
            timer = self.requests.labels(label, route, str(status)).observe
            self._timers[key] = timer
        timer(seconds)

    def job_done(self, kind: str, outcome: str, seconds: float) -> None:
        """A job ran (`done`, `retry` or `failed`); an image's work time is kept too."""
        self.jobs.labels(kind, outcome).inc()
        if kind == IMAGE_JOB and outcome == "done":
            self.image_seconds.observe(seconds)

    # sampling --------------------------------------------------------------------------------

    async def sample(self) -> None:
        """Copy this process's figures into the metrics."""
        core, sources = self._core, self._sources
        if core is None or sources is None:
            return
        hub = core.live.hub
        self.sockets.set(hub.connections)
        self.published.inc(core.live.events_published - self._published)
        self._published = core.live.events_published
        self.dispatched.inc(hub.dispatched - self._dispatched)
        self._dispatched = hub.dispatched
        tally, seen = self.tally, self._seen
        self.delivered.inc(tally.delivered - seen.delivered)
        self.backpressure.inc(tally.backpressure - seen.backpressure)
        seen.delivered, seen.backpressure = tally.delivered, tally.backpressure
        for use in sources.pools():
            self.pool_in_use.labels(use.pool).set(use.in_use)
            self.pool_size.labels(use.pool).set(use.size)
        self.lag.set(max(0, await sources.log_head() - hub.delivered))

    async def sample_queue(self) -> None:
        """The job queue as the database holds it now (every node's jobs)."""
        if self._sources is None:
            return
        found = {backlog.kind: backlog for backlog in await self._sources.backlog()}
        self._kinds |= found.keys()
        for kind in self._kinds:
            backlog = found.get(kind, Backlog(kind, 0, 0.0))
            self.jobs_queued.labels(kind).set(backlog.depth)
            self.jobs_age.labels(kind).set(backlog.oldest_seconds)

    async def run(self, every: float = SAMPLE_SECONDS) -> None:
        """Sample every so often until cancelled (so that another process's answer is at most
        this stale about this one)."""
        while True:
            await asyncio.sleep(every)  # /metrics samples its own process as it answers
            try:
                await self.sample()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not sample the metrics; trying again", exc_info=True)

    def forget_dead_processes(self) -> None:
        """A worker that died (and was replaced) leaves its files: its live gauges must stop
        counting (its counters keep what it counted)."""
        if self.directory is None:
            return
        pids = set()
        for entry in os.scandir(self.directory):
            stem = entry.name.removesuffix(".db")
            if stem.startswith("gauge_live") and stem.rpartition("_")[2].isdigit():
                pids.add(int(stem.rpartition("_")[2]))
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                multiprocess.mark_process_dead(pid, str(self.directory))  # type: ignore[no-untyped-call]
            except PermissionError:
                pass  # alive, someone else's

    async def exposition(self) -> bytes:
        """Every process's figures, this one's sampled now. A database that does not answer
        leaves its figures as last sampled (and says so in the log), never fails the answer."""
        try:
            async with asyncio.timeout(2):
                await self.sample()
                await self.sample_queue()
        except Exception:
            log.warning("could not sample the metrics for /metrics", exc_info=True)
        self.forget_dead_processes()
        return generate_latest(self.registry)


@dataclass(slots=True)
class Tally:
    """Counts bumped on the hot path as plain integers; `Metrics.sample` copies them."""

    delivered: int = 0  # frames of events written to sockets
    backpressure: int = 0  # sockets cut for falling behind


def _loopback(request: Request) -> bool:
    """A client on this machine, not a proxy on it relaying someone else (a proxy that
    uvicorn trusts has already put the real client's address in its place)."""
    if request.client is None:
        return False
    try:
        local = ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False
    return local and not any(name in FORWARDING for name, _ in request.scope["headers"])


def _token_matches(request: Request, token: str | None) -> bool:
    if token is None:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The metrics, in Prometheus' text format.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        # not a loopback client, no valid token: the answer to any unknown path
        **problems("http.not_found"),
    },
)
async def metrics(request: Request) -> Response:
    """Requests by route template and status with their latencies, open sockets, events
    published and delivered, backpressure closes, the event log's lag, the job queue's depth,
    age and failures, image work time and database pool use, added up over every worker
    process. Answered to loopback clients (not relayed by a proxy) and to
    `Authorization: Bearer <TERTULIA_METRICS_TOKEN>`; anyone else gets the 404 of an unknown
    path, so the endpoint cannot be told from one that does not exist."""
    state = request.app.state
    if not (_loopback(request) or _token_matches(request, state.metrics_token)):
        return problem(request, 404, "http.not_found", "Not Found.")
    figures: Metrics = state.metrics
    # the classic text format, which every Prometheus reads (our names need no escaping)
    return Response(await figures.exposition(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
