"""Ports of rate limits: hits counted per key within a window, shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The state of one limit after a hit: whether it passed, and what remains until when."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees up


@dataclass(frozen=True, slots=True)
class Hit:
    """One attempt to count against a key: at most `limit` per window of `window_seconds`."""

    key: str
    limit: int
    window_seconds: int


class RateLimiter(Protocol):
    """Counts hits per key within a window, the same for every process sharing it."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        """Count one hit; `allowed` is False once the window holds more than `limit`."""

    async def hit_many(self, hits: Sequence[Hit]) -> list[RateLimit]:
        """Count one hit on each of several distinct keys at once; their states in order."""

    async def reset(self, key: str) -> None:
        """Forget the hits of a key (an account that just proved its password)."""

    async def aclose(self) -> None:
        """Stop counting (the server is going away)."""
