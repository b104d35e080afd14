"""The stores of accounts: users (with their password hashes) and sessions (with their refresh
tokens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import USER_COLUMNS, AnyRow, user_of
from tertulia.domain.errors import Conflict, NotFound
from tertulia.domain.ids import SessionId, UserId
from tertulia.domain.sessions import RefreshToken, Session
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.searchtext import name_key

# Statements run on (nearly) every request are built once: building one costs more than
# running it on SQLite.
_USER_BY_ID = select(*USER_COLUMNS).where(t.users.c.id == bindparam("id"))
_SESSION_BY_ID = select(t.sessions).where(t.sessions.c.id == bindparam("id"))


class SqlUserStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, user: User, password_hash: str) -> None:
        taken = await self.conn.execute(
            select(t.users.c.username, t.users.c.email).where(
                or_(t.users.c.username == user.username, t.users.c.email == user.email)
            )
        )
        for row in taken:
            if row.username == user.username:
                raise Conflict(f"The username '{user.username}' is taken.", "user.username_taken")
            raise Conflict("An account with this email exists already.", "user.email_taken")
        try:
            await self.conn.execute(
                insert(t.users).values(
                    id=user.id,
                    username=user.username,
                    email=user.email,
                    display_name=user.display_name,
                    title=user.title,
                    timezone=user.timezone,
                    password_hash=password_hash,
                    created_at=user.created_at,
                    updated_at=user.updated_at,
                    search_name=name_key(user.username, user.display_name),
                )
            )
        except IntegrityError:
            raise Conflict("The username or email is taken.", "user.taken") from None

    async def get(self, user_id: UserId, lock: bool = False) -> User:
        user = await self.find(user_id, lock)
        if user is None:
            raise NotFound("No such user.", "user.not_found")
        return user

    async def find(self, user_id: UserId, lock: bool = False) -> User | None:
        query = _USER_BY_ID.with_for_update() if lock else _USER_BY_ID
        row = (await self.conn.execute(query, {"id": user_id})).first()
        return user_of(row) if row else None

    async def find_login(self, login: str) -> tuple[User, str] | None:
        column = t.users.c.email if "@" in login else t.users.c.username
        row = (
            await self.conn.execute(
                select(*USER_COLUMNS, t.users.c.password_hash).where(column == login)
            )
        ).first()
        return (user_of(row), row.password_hash) if row else None

    async def password_hash(self, user_id: UserId) -> str:
        value = await self.conn.scalar(
            select(t.users.c.password_hash).where(t.users.c.id == user_id)
        )
        if value is None:
            raise NotFound("No such user.", "user.not_found")
        return str(value)

    async def update(self, user: User) -> None:
        taken = Conflict("An account with this email exists already.", "user.email_taken")
        clash = await self.conn.scalar(
            select(t.users.c.id).where(t.users.c.email == user.email, t.users.c.id != user.id)
        )
        if clash is not None:
            raise taken
        try:
            await self.conn.execute(
                update(t.users)
                .where(t.users.c.id == user.id)
                .values(
                    email=user.email,
                    display_name=user.display_name,
                    title=user.title,
                    timezone=user.timezone,
                    updated_at=user.updated_at,
                    search_name=name_key(user.username, user.display_name),
                )
            )
        except IntegrityError:
            raise taken from None

    async def set_password(self, user_id: UserId, password_hash: str, at: datetime) -> None:
        await self.conn.execute(
            update(t.users)
            .where(t.users.c.id == user_id)
            .values(password_hash=password_hash, updated_at=at)
        )

    async def visible_to(self, viewer: UserId, user_id: UserId) -> bool:
        a, b = t.workspace_members.alias("a"), t.workspace_members.alias("b")
        ca, cb = t.channel_members.alias("ca"), t.channel_members.alias("cb")
        via_workspace = exists().where(
            a.c.user_id == viewer,
            a.c.role != Role.GUEST.value,
            b.c.workspace_id == a.c.workspace_id,
            b.c.user_id == user_id,
        )
        via_channel = exists().where(
            ca.c.user_id == viewer, cb.c.channel_id == ca.c.channel_id, cb.c.user_id == user_id
        )
        return bool(await self.conn.scalar(select(or_(via_workspace, via_channel))))


def _session(row: AnyRow) -> Session:
    return Session(
        id=SessionId(row.id),
        user_id=UserId(row.user_id),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        user_agent=row.user_agent,
        ip=row.ip,
    )


class SqlSessionStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, session: Session) -> None:
        await self.conn.execute(
            insert(t.sessions).values(
                id=session.id,
                user_id=session.user_id,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                user_agent=session.user_agent,
                ip=session.ip,
            )
        )

    async def find(self, session_id: SessionId) -> Session | None:
        row = (await self.conn.execute(_SESSION_BY_ID, {"id": session_id})).first()
        return _session(row) if row else None

    async def revoke(self, session_id: SessionId, at: datetime) -> None:
        await self.conn.execute(
            update(t.sessions)
            .where(t.sessions.c.id == session_id, t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_others(
        self, user_id: UserId, keep: SessionId | None, at: datetime
    ) -> list[SessionId]:
        query = select(t.sessions.c.id).where(
            t.sessions.c.user_id == user_id, t.sessions.c.revoked_at.is_(None)
        )
        if keep is not None:
            query = query.where(t.sessions.c.id != keep)
        ids = [SessionId(i) for i in (await self.conn.scalars(query)).all()]
        if ids:
            await self.conn.execute(
                update(t.sessions).where(t.sessions.c.id.in_(ids)).values(revoked_at=at)
            )
        return ids

    async def add_refresh(self, token: RefreshToken) -> None:
        await self.conn.execute(
            insert(t.refresh_tokens).values(
                token_hash=token.token_hash,
                session_id=token.session_id,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def find_refresh(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self.conn.execute(
                select(t.refresh_tokens).where(t.refresh_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return RefreshToken(
            row.token_hash, SessionId(row.session_id), row.issued_at, row.expires_at, row.used_at
        )

    async def prune_used(self, session_id: SessionId, before: datetime) -> None:
        r = t.refresh_tokens
        await self.conn.execute(delete(r).where(r.c.session_id == session_id, r.c.used_at < before))

    async def prune_ended(self, user_id: UserId, before: datetime) -> None:
        s, r = t.sessions, t.refresh_tokens
        ended = select(s.c.id).where(
            s.c.user_id == user_id, or_(s.c.expires_at < before, s.c.revoked_at < before)
        )
        await self.conn.execute(delete(r).where(r.c.session_id.in_(ended)))
        await self.conn.execute(delete(s).where(s.c.id.in_(ended)))

    async def use_refresh(self, token_hash: str, at: datetime) -> bool:
        result = await self.conn.execute(
            update(t.refresh_tokens)
            .where(
                t.refresh_tokens.c.token_hash == token_hash, t.refresh_tokens.c.used_at.is_(None)
            )
            .values(used_at=at)
        )
        return bool(result.rowcount == 1)
