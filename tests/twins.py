"""In-memory twins for what is slow in tests: password hashing."""

from __future__ import annotations

import hashlib
import hmac


class FastHasher:
    """SHA-256 with a fixed salt: the same contract as Argon2Hasher, microseconds instead of
    tens of milliseconds. Only for tests; the real hasher has its own tests."""

    async def hash(self, password: str) -> str:
        return (
            "fast$"
            + hashlib.sha256(b"salt" + password.encode("utf-8", "surrogatepass")).hexdigest()
        )

    async def verify(self, password_hash: str, password: str) -> bool:
        return hmac.compare_digest(password_hash, await self.hash(password))

    def needs_rehash(self, password_hash: str) -> bool:
        return False
