"""Argon2id password hashing, on worker threads so the event loop never waits for it."""

from __future__ import annotations

from importlib import resources

import anyio
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """Argon2id with OWASP's baseline cost (19 MiB, 2 passes) unless told otherwise.

    At most `concurrency` hashes run at once, which bounds both CPU and memory under a burst
    of logins; the rest wait their turn without blocking the event loop.
    """

    def __init__(
        self,
        memory_kib: int = 19_456,
        time_cost: int = 2,
        parallelism: int = 1,
        concurrency: int = 4,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, password_hash: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check, limiter=self._limiter)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, casefolded."""
    text = resources.files("tertulia.adapters").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
