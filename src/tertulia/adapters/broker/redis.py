"""The Redis broker and presence: envelopes fan out to every process and node through one
pub/sub channel; presence is a hash per person with a claim per node.

Publishing never waits for Redis: envelopes queue in memory and one task sends them in
batches (one PUBLISH carries as many as have queued). Pub/sub may lose messages (a dropped
connection, a restart); that costs latency, not events: each hub fills gaps from the event
log and polls it when idle.

Pub/sub ignores the database number, so everything that shares a Redis server shares its
channels: the channel is named after the deployment (its database) by default, and every
message is authenticated. A node acts only on messages that carry a valid HMAC-SHA256 made
with its deployment's key (derived from the secret every node of a deployment shares);
anything else on the channel, another deployment's or a forger's, is dropped.

Wire form: the 32-byte tag, then one line per envelope: id, type, space-separated audience
and the client frame, separated by tabs. orjson never writes a raw tab or newline, and
neither do ids or scopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from tertulia.domain.ids import UserId
from tertulia.usecases.ports.realtime import Envelope, best

log = logging.getLogger("tertulia.broker")
CHANNEL = "tertulia:events"  # the prefix of a deployment's channel: tertulia:events:<its id>
OUTBOX_MAX = 100_000  # envelopes waiting to be sent; past it the oldest go (the log has them)
BATCH_MAX = 500
BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0)
TAG = 32  # bytes of HMAC-SHA256 before each message
WARN_EVERY = 60.0  # seconds between two warnings about messages that are not ours


def channel_of(deployment: str) -> str:
    """The default channel of a deployment (its database's id): two deployments on one
    Redis never hear each other."""
    return f"{CHANNEL}:{deployment}"


def frame_key(secret: str, deployment: str) -> bytes:
    """The key that authenticates a deployment's messages: from the secret its nodes share
    (the JWT secret) and its id, so that neither alone makes it."""
    return hmac.digest(
        secret.encode(), b"tertulia broker messages\x00" + deployment.encode(), hashlib.sha256
    )


def encode(envelopes: Sequence[Envelope], key: bytes) -> bytes:
    body = "\n".join(
        f"{e.id}\t{e.type}\t{' '.join(e.audience)}\t{e.frame}" for e in envelopes
    ).encode()
    return hmac.digest(key, body, hashlib.sha256) + body


def decode(payload: bytes, key: bytes) -> list[Envelope] | None:
    """The envelopes of a message; None if it does not carry our tag (not ours). Lines of
    an authentic message that are not envelopes are skipped (logged)."""
    tag, body = payload[:TAG], payload[TAG:]
    if not hmac.compare_digest(tag, hmac.digest(key, body, hashlib.sha256)):
        return None
    found = []
    for line in body.decode("utf-8", "replace").split("\n"):
        parts = line.split("\t", 3)
        if len(parts) != 4 or not (parts[0].isascii() and parts[0].isdigit()):
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
    """Envelopes through one pub/sub channel, each message signed with `key` (see
    frame_key); messages that are not signed with it are counted in `refused` and dropped."""

    def __init__(self, url: str, channel: str, key: bytes) -> None:
        self._redis = aioredis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        self._channel = channel
        self._key = key
        self._outbox: deque[Envelope] = deque(maxlen=OUTBOX_MAX)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._tried = asyncio.Event()  # the first subscription attempt is over, either way
        self.published = 0
        self.received = 0
        self.refused = 0  # messages on the channel that were not ours
        self._warned = -WARN_EVERY

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
            await self._redis.publish(self._channel, encode(batch, self._key))
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
                        envelopes = decode(message["data"], self._key)
                        if envelopes is None:
                            self._refuse()
                            continue
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

    def _refuse(self) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY:
            self._warned = now
            log.warning(
                "dropped %d messages on %s that this deployment did not sign (another "
                "deployment on this channel, or a different TERTULIA_JWT_SECRET)",
                self.refused,
                self._channel,
            )


class RedisPresence:
    """Presence shared by every node: a hash per person, one field per node holding the
    person's status there and when that claim expires, and beside it a hash of how many
    sockets the person has on each node (the per-person cap counts them). Each node renews
    its claims every `ttl / 3` seconds, so the people of a node that died fade out within
    `ttl`. Keys start with `prefix`: the deployment's channel, so two deployments on one
    Redis never mix their people."""

    def __init__(self, url: str, prefix: str, ttl: float = 60.0) -> None:
        self._redis = aioredis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self._prefix = prefix
        self._ttl = ttl
        self._node = secrets.token_hex(8)
        # what this node claims (status, sockets), renewed in the background
        self._mine: dict[UserId, tuple[str, int]] = {}
        self._renewing: asyncio.Task[None] | None = None

    def _key(self, user: UserId) -> str:
        return f"{self._prefix}:presence:{user}"

    def _sockets_key(self, user: UserId) -> str:
        return f"{self._prefix}:sockets:{user}"

    async def start(self) -> None:
        self._renewing = asyncio.create_task(self._renew(), name="tertulia-presence")

    async def close(self) -> None:
        if self._renewing is not None:
            await stop([self._renewing])
        with contextlib.suppress(RedisError, OSError):
            async with self._redis.pipeline(transaction=False) as pipe:
                for user in self._mine:
                    pipe.hdel(self._key(user), self._node)
                    pipe.hdel(self._sockets_key(user), self._node)
                await pipe.execute()
        self._mine.clear()
        await self._redis.aclose()

    async def put(self, user: UserId, status: str | None, sockets: int = 0) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            if status is None:
                self._mine.pop(user, None)
                pipe.hdel(self._key(user), self._node)
                pipe.hdel(self._sockets_key(user), self._node)
            else:
                self._mine[user] = (status, sockets)
                self._claim(pipe, user, status, sockets, time.time() + self._ttl)
            await pipe.execute()

    def _claim(self, pipe: Pipeline, user: UserId, status: str, sockets: int, until: float) -> None:
        key, counted = self._key(user), self._sockets_key(user)
        pipe.hset(key, self._node, f"{status} {until:.3f}")
        pipe.hset(counted, self._node, f"{sockets} {until:.3f}")
        pipe.expire(key, int(self._ttl * 2))
        pipe.expire(counted, int(self._ttl * 2))

    async def get(self, users: Sequence[UserId]) -> dict[UserId, str]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.hgetall(self._key(user))
            found = await pipe.execute()
        now = time.time()
        return {
            user: best(status for _, status in _live(claims, now))
            for user, claims in zip(users, found, strict=True)
        }

    async def sockets_elsewhere(self, user: UserId) -> int:
        claims = await self._redis.hgetall(self._sockets_key(user))
        return sum(
            int(count)
            for node, count in _live(claims, time.time())
            if node != self._node and count.isascii() and count.isdigit()
        )

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            try:
                until = time.time() + self._ttl
                async with self._redis.pipeline(transaction=False) as pipe:
                    for user, (status, sockets) in list(self._mine.items()):
                        self._claim(pipe, user, status, sockets, until)
                    await pipe.execute()
            except (RedisError, OSError):
                log.warning("could not renew presence in Redis", exc_info=True)


def _live(claims: Mapping[bytes | str, bytes | str], now: float) -> list[tuple[str, str]]:
    """The claims ("value until") that have not expired: (node, value) each."""
    found = []
    for field, claim in claims.items():
        node = field.decode() if isinstance(field, bytes) else field
        text = claim.decode() if isinstance(claim, bytes) else claim
        value, _, until = text.partition(" ")
        with contextlib.suppress(ValueError):
            if float(until) > now:
                found.append((node, value))
    return found
