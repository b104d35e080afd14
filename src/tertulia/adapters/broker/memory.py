"""The in-process broker: one process is the whole world, so publishing is delivering."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tertulia.usecases.realtime import Envelope


class MemoryBroker:
    def __init__(self) -> None:
        self._deliver: Callable[[Sequence[Envelope]], None] | None = None

    async def start(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        self._deliver = deliver

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        if self._deliver is not None and envelopes:
            self._deliver(envelopes)

    async def close(self) -> None:
        self._deliver = None
