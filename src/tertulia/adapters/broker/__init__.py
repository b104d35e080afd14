"""Brokers: in-process and Redis pub/sub adapters of the Broker port, with the presence store
that goes with each (see usecases/ports/realtime.py), chosen by URL (TERTULIA_BROKER_URL)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tertulia.adapters.broker.memory import MemoryBroker, MemoryPresence
from tertulia.adapters.broker.redis import RedisBroker, RedisPresence, channel_of, frame_key
from tertulia.usecases.ports.realtime import Broker, PresenceStore

REDIS_SCHEMES = ("redis", "rediss", "unix")


async def open_broker(
    url: str,
    deployment: Callable[[], Awaitable[str]],
    secret: Callable[[], str],
    channel: str | None = None,
) -> tuple[Broker, PresenceStore]:
    """The broker and presence store a URL names: memory:// (one process) or Redis. On
    Redis, the channel and the presence keys are the deployment's own (named after its
    `deployment` id, unless `channel` says otherwise), and messages are signed with a key
    only its nodes can derive from `secret`. ValueError for any other URL."""
    scheme = url.partition("://")[0]
    if scheme == "memory":
        return MemoryBroker(), MemoryPresence()
    if scheme in REDIS_SCHEMES:
        identity = await deployment()
        name = channel or channel_of(identity)
        return RedisBroker(url, name, frame_key(secret(), identity)), RedisPresence(url, name)
    raise ValueError("use memory:// or redis://host:port/db")
