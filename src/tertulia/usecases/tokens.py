"""Bearer secrets (refresh tokens, invitation links): made random, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """How a secret is stored and looked up: SHA-256, hex. The secret itself is never kept."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
