"""Rate limits counted in this process (the embedded default)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from tertulia.usecases.ports import RateLimit


class MemoryRateLimiter:
    """Fixed windows per key, in memory. Windows that have ended are swept as keys arrive,
    so memory stays bounded by the keys seen within one window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_sweep = 0.0

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        now = self._clock()
        self._sweep(now)
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        allowed = count < limit
        if allowed:
            count += 1
        self._windows[key] = (ends, count)
        return RateLimit(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - count),
            reset_after=max(1, math.ceil(round(ends - now, 3))),
        )

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        self._next_sweep = now + 60
