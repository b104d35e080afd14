"""Ports of accounts: people, their sessions, and the slow password hash."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tertulia.domain.ids import (
    SessionId,
    UserId,
)
from tertulia.domain.sessions import RefreshToken, Session
from tertulia.domain.users import User


class PasswordHasher(Protocol):
    """Slow, salted password hashing; implementations keep the event loop free."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class UserStore(Protocol):
    async def add(self, user: User, password_hash: str) -> None:
        """Store a new user; raise Conflict if the username or email is taken."""

    async def get(self, user_id: UserId, lock: bool = False) -> User:
        """The user (NotFound if none); `lock` holds the row until commit."""

    async def find(self, user_id: UserId, lock: bool = False) -> User | None: ...

    async def find_login(self, login: str) -> tuple[User, str] | None:
        """The user whose username or email is `login`, with their password hash."""

    async def password_hash(self, user_id: UserId) -> str: ...

    async def update(self, user: User) -> None:
        """Store a changed profile; raise Conflict if the new email is taken."""

    async def set_password(self, user_id: UserId, password_hash: str, at: datetime) -> None: ...

    async def visible_to(self, viewer: UserId, user_id: UserId) -> bool:
        """Whether the viewer may see the user: a full member of a common workspace, or a
        guest sharing a channel with them."""


class SessionStore(Protocol):
    async def add(self, session: Session) -> None: ...

    async def find(self, session_id: SessionId) -> Session | None: ...

    async def revoke(self, session_id: SessionId, at: datetime) -> None: ...

    async def revoke_others(
        self, user_id: UserId, keep: SessionId | None, at: datetime
    ) -> list[SessionId]: ...

    async def add_refresh(self, token: RefreshToken) -> None: ...

    async def find_refresh(self, token_hash: str) -> RefreshToken | None: ...

    async def prune_used(self, session_id: SessionId, before: datetime) -> None:
        """Forget the session's refresh tokens used before then."""

    async def prune_ended(self, user_id: UserId, before: datetime) -> None:
        """Delete the user's sessions (and tokens) that expired or were revoked before then."""

    async def use_refresh(self, token_hash: str, at: datetime) -> bool:
        """Mark a refresh token used; False if it had already been used (a replay)."""
