"""Rows as the stores read them, and the mappers of rows more than one store module reads
(a mapper with one user sits next to it)."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from tertulia.adapters.sql import tables as t
from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Role

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


def user_of(row: AnyRow) -> User:
    return User(
        id=UserId(row.id),
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        title=row.title,
        timezone=row.timezone,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# what `user_of` reads (never the password hash)
USER_COLUMNS = [
    t.users.c.id,
    t.users.c.username,
    t.users.c.email,
    t.users.c.display_name,
    t.users.c.title,
    t.users.c.timezone,
    t.users.c.created_at,
    t.users.c.updated_at,
]


def membership_of(row: AnyRow) -> Membership:
    return Membership(
        WorkspaceId(row.workspace_id), UserId(row.user_id), Role(row.role), row.joined_at
    )


def channel_of(row: AnyRow) -> Channel:
    return Channel(
        id=ChannelId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        kind=ChannelKind(row.kind),
        name=row.name or "",
        topic=row.topic,
        purpose=row.purpose,
        created_by=UserId(row.created_by),
        created_at=row.created_at,
        archived_at=row.archived_at,
        is_default=bool(row.is_default),
    )
