"""The Redis broker and presence: envelopes fan out to every process and node through one
pub/sub channel; presence is a hash per person with a claim per node.

Publishing never waits for Redis: envelopes queue in memory and one task sends them in
batches (one PUBLISH carries as many as have queued). Pub/sub may lose messages (a dropped
connection, a restart); that costs latency, not events: each hub fills gaps from the event
log and polls it when idle.

Wire form, one line per envelope: id, type, space-separated audience and the client frame,
separated by tabs. orjson never writes a raw tab or newline, and neither do ids or scopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tertulia.domain.ids import UserId
from tertulia.usecases.realtime import Envelope, best

log = logging.getLogger("tertulia.broker")
CHANNEL = "tertulia:events"
OUTBOX_MAX = 100_000  # envelopes waiting to be sent; past it the oldest go (the log has them)
BATCH_MAX = 500
BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0)


def encode(envelopes: Sequence[Envelope]) -> bytes:
    return "\n".join(
        f"{e.id}\t{e.type}\t{' '.join(e.audience)}\t{e.frame}" for e in envelopes
    ).encode()


def decode(payload: bytes) -> list[Envelope]:
    """The envelopes of a message; lines that are not envelopes are skipped (logged)."""
    found = []
    for line in payload.decode("utf-8", "replace").split("\n"):
        parts = line.split("\t", 3)
        if len(parts) != 4 or not parts[0].isdigit():
            log.warning("skipped a broker line that is not an envelope")
            continue
        found.append(Envelope(int(parts[0]), parts[1], tuple(parts[2].split()), parts[3]))
    return found


async def stop(tasks: Sequence[asyncio.Task[None]], grace: float = 2.0) -> None:
    """Cancel background tasks and wait until they end. A cancellation that lands while
    redis-py is mid-command can be swallowed (seen with pipelines), leaving the task running:
    a task still running after half a second is cancelled again, for at most `grace`
    seconds (a task that honours its cancellation has that half second to clean up)."""
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    deadline = time.monotonic() + grace
    while pending:
        _, pending = await asyncio.wait(pending, timeout=0.5)
        if not pending:
            return
        if time.monotonic() > deadline:
            log.warning("%d Redis tasks did not stop within %.1f s", len(pending), grace)
            return
        for task in pending:
            task.cancel()


class RedisBroker:
    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self._redis = aioredis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        self._channel = channel
        self._outbox: deque[Envelope] = deque(maxlen=OUTBOX_MAX)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._tried = asyncio.Event()  # the first subscription attempt is over, either way
        self.published = 0
        self.received = 0

    async def start(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(deliver), name="tertulia-broker-listen"),
            asyncio.create_task(self._send(), name="tertulia-broker-send"),
        ]
        # events published before the subscription holds would be missed (the log has them,
        # but waiting a moment here saves a poll interval on the first ones); a Redis that is
        # down does not stop the node starting: /readyz says so, and the listener retries
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._tried.wait()

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        self._outbox.extend(envelopes)
        self._wake.set()

    async def close(self) -> None:
        # what is still queued goes out first, briefly
        with contextlib.suppress(TimeoutError, RedisError, OSError):
            async with asyncio.timeout(2):
                while self._outbox:
                    await self._flush()
        await stop(self._tasks)
        self._tasks = []
        await self._redis.aclose()

    async def ping(self) -> None:
        await self._redis.ping()

    async def _flush(self) -> None:
        batch = [self._outbox.popleft() for _ in range(min(BATCH_MAX, len(self._outbox)))]
        if batch:
            await self._redis.publish(self._channel, encode(batch))
            self.published += len(batch)

    async def _send(self) -> None:
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                try:
                    await self._flush()
                    failures = 0
                except (RedisError, OSError):
                    failures += 1
                    log.warning(
                        "could not publish to Redis; the hubs will read the log", exc_info=True
                    )
                    await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])

    async def _listen(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        failures = 0
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._tried.set()
                failures = 0
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None and message["type"] == "message":
                        envelopes = decode(message["data"])
                        self.received += len(envelopes)
                        try:
                            deliver(envelopes)
                        except Exception:
                            log.exception("the hub refused %d envelopes", len(envelopes))
            except (RedisError, OSError):
                self._tried.set()
                failures += 1
                log.warning("lost the Redis subscription; resubscribing", exc_info=True)
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]


class RedisPresence:
    """Presence shared by every node: a hash per person, one field per node holding the
    person's status there and when that claim expires. Each node renews its claims every
    `ttl / 3` seconds, so the people of a node that died fade out within `ttl`."""

    def __init__(self, url: str, prefix: str = CHANNEL, ttl: float = 60.0) -> None:
        self._redis = aioredis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self._prefix = prefix
        self._ttl = ttl
        self._node = secrets.token_hex(8)
        self._mine: dict[UserId, str] = {}  # what this node claims, renewed in the background
        self._renewing: asyncio.Task[None] | None = None

    def _key(self, user: UserId) -> str:
        return f"{self._prefix}:presence:{user}"

    async def start(self) -> None:
        self._renewing = asyncio.create_task(self._renew(), name="tertulia-presence")

    async def close(self) -> None:
        if self._renewing is not None:
            await stop([self._renewing])
        with contextlib.suppress(RedisError, OSError):
            async with self._redis.pipeline(transaction=False) as pipe:
                for user in self._mine:
                    pipe.hdel(self._key(user), self._node)
                await pipe.execute()
        self._mine.clear()
        await self._redis.aclose()

    async def put(self, user: UserId, status: str | None) -> None:
        key = self._key(user)
        if status is None:
            self._mine.pop(user, None)
            await self._redis.hdel(key, self._node)
            return
        self._mine[user] = status
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, self._node, f"{status} {time.time() + self._ttl:.3f}")
            pipe.expire(key, int(self._ttl * 2))
            await pipe.execute()

    async def get(self, users: Sequence[UserId]) -> dict[UserId, str]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.hgetall(self._key(user))
            found = await pipe.execute()
        now = time.time()
        result = {}
        for user, claims in zip(users, found, strict=True):
            live = []
            for value in claims.values():
                status, _, until = value.decode().partition(" ")
                with contextlib.suppress(ValueError):
                    if float(until) > now:
                        live.append(status)
            result[user] = best(live)
        return result

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            try:
                until = time.time() + self._ttl
                async with self._redis.pipeline(transaction=False) as pipe:
                    for user, status in list(self._mine.items()):
                        pipe.hset(self._key(user), self._node, f"{status} {until:.3f}")
                        pipe.expire(self._key(user), int(self._ttl * 2))
                    await pipe.execute()
            except (RedisError, OSError):
                log.warning("could not renew presence in Redis", exc_info=True)
