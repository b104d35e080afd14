"""The in-process broker and presence: one process is the whole world, so publishing is
delivering and presence is a dictionary."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tertulia.domain.ids import UserId
from tertulia.usecases.ports.realtime import OFFLINE, Envelope


class MemoryBroker:
    def __init__(self) -> None:
        self._deliver: Callable[[Sequence[Envelope]], None] | None = None

    async def start(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        self._deliver = deliver

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        if self._deliver is not None and envelopes:
            self._deliver(envelopes)

    async def ping(self) -> None:
        pass  # in-process: up whenever the process is

    async def close(self) -> None:
        self._deliver = None


class MemoryPresence:
    """Presence when this process is the only node."""

    def __init__(self) -> None:
        self._status: dict[UserId, str] = {}

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._status.clear()

    async def put(self, user: UserId, status: str | None, sockets: int = 0) -> None:
        if status is None:
            self._status.pop(user, None)
        else:
            self._status[user] = status

    async def get(self, users: Sequence[UserId]) -> dict[UserId, str]:
        return {user: self._status.get(user, OFFLINE) for user in users}

    async def sockets_elsewhere(self, user: UserId) -> int:
        return 0  # there is no elsewhere
