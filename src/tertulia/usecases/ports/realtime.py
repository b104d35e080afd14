"""Ports of real time: the envelope an event travels in, the broker that carries envelopes
between processes, the event log as the hub reads it, and the presence every node shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tertulia.domain.ids import UserId


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event on its way to sockets: `frame` is what every recipient receives, encoded once.
    `id` is its place in the log; 0 for an ephemeral event, which the log never holds."""

    id: int
    type: str
    audience: tuple[str, ...]
    frame: str


class Broker(Protocol):
    """Carries envelopes from the process that committed them to every process, itself
    included. Delivery may lose or reorder envelopes (the hub repairs both from the log); it
    must never block or fail the publisher."""

    async def start(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        """Begin handing received envelopes to `deliver`, in the order they arrive."""

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Send, without waiting; errors are logged, not raised."""

    async def ping(self) -> None:
        """Raise when the broker cannot carry envelopes now (readiness)."""

    async def close(self) -> None: ...


class EventLog(Protocol):
    """What the hub reads from the event log, and who may see what."""

    async def last_id(self) -> int:
        """The newest event's id (0 when the log is empty)."""

    async def first_id(self) -> int:
        """The oldest event still kept (0 when the log is empty)."""

    async def after(self, after_id: int, up_to: int | None, limit: int) -> list[Envelope]:
        """Events with after_id < id (<= up_to), oldest first, at most `limit`."""

    async def scopes(self, user_id: UserId) -> set[str]:
        """Every scope this person belongs to now (see domain.events)."""

    async def prune(self, before: datetime) -> int:
        """Forget events older than `before` (keeping the newest); how many went."""


class PresenceStore(Protocol):
    """Who is online, shared by every node: each node says, per person, how they are on its
    connections; a person's presence is the best of what the nodes say."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, user: UserId, status: str | None, sockets: int = 0) -> None:
        """This node's view of the person: ONLINE or AWAY on `sockets` connections here, or
        None (no connection here)."""

    async def get(self, users: Sequence[UserId]) -> dict[UserId, str]:
        """Each person's presence: ONLINE, AWAY or OFFLINE."""

    async def sockets_elsewhere(self, user: UserId) -> int:
        """How many connections the person has on the other nodes, as they last said."""


ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def best(statuses: Iterable[str]) -> str:
    """Online on any device is online; connected but away everywhere is away."""
    found = set(statuses)
    return ONLINE if ONLINE in found else AWAY if AWAY in found else OFFLINE
