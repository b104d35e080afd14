"""Login sessions: a refresh-token family per device, revoked as a whole if a token is reused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tertulia.domain.ids import SessionId, UserId


@dataclass(frozen=True, slots=True)
class Session:
    """One login on one device; every refresh token it ever had belongs to it."""

    id: SessionId
    user_id: UserId
    created_at: datetime
    expires_at: datetime  # absolute: refreshing never extends a session past this
    revoked_at: datetime | None
    user_agent: str
    ip: str

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A refresh token as stored: only its hash, never the token."""

    token_hash: str
    session_id: SessionId
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
