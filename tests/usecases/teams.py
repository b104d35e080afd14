"""Builders for use-case tests: people, workspaces with members, and the event log as written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select

from tertulia.adapters.sql import tables
from tertulia.adapters.sql.database import Database
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Role
from tertulia.usecases.accounts import Registration
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft

PASSWORD = "violeta-azul-42!"


async def person(core: Tertulia, username: str) -> User:
    """A registered user called `username`, with an address at example.com."""
    return await core.accounts.register(
        Registration(username=username, email=f"{username}@example.com", password=PASSWORD)
    )


async def enrol(
    core: Tertulia,
    workspace: WorkspaceId,
    inviter: User,
    user: User,
    role: Role = Role.MEMBER,
    channel_ids: Sequence[ChannelId] = (),
) -> Membership:
    """Bring the user into the workspace the way people arrive: an invitation, accepted."""
    _, token = await core.workspaces.invite(
        inviter.id, workspace, InvitationDraft(role=role, channel_ids=tuple(channel_ids))
    )
    _, membership, joined = await core.workspaces.accept(user.id, token)
    assert joined, f"{user.username} was in the workspace already"
    return membership


@dataclass(frozen=True, slots=True)
class Logged:
    """One row of the event log, decoded."""

    id: int
    type: str
    audience: tuple[str, ...]
    data: dict[str, Any]
    workspace_id: str | None
    channel_id: str | None


async def last_event_id(database: Database) -> int:
    """The id of the newest event in the log (0 when it is empty), to read what comes after."""
    async with database.reader.connect() as conn:
        value = await conn.scalar(select(func.max(tables.events.c.id)))
    return int(value or 0)


async def logged(database: Database, *types: str, after: int = 0) -> list[Logged]:
    """The events appended after that id, oldest first; only those types if any are named."""
    e = tables.events
    query = select(e).where(e.c.id > after).order_by(e.c.id)
    if types:
        query = query.where(e.c.type.in_(types))
    async with database.reader.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        Logged(
            id=row.id,
            type=row.type,
            audience=tuple(row.audience.split()),
            data=orjson.loads(row.data),
            workspace_id=row.workspace_id,
            channel_id=row.channel_id,
        )
        for row in rows
    ]
