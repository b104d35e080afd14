"""Rows as the stores read them, and the mappers of rows more than one store module reads
(a mapper with one user sits next to it)."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from tertulia.adapters.sql import tables as t
from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.domain.messages import Message
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


def _ids(value: str) -> tuple[UserId, ...]:
    return tuple(UserId(i) for i in value.split())


def message_of(row: AnyRow) -> Message:
    return Message(
        id=MessageId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        channel_id=ChannelId(row.channel_id),
        author_id=UserId(row.author_id),
        text=row.text,
        html=row.html,
        created_at=row.created_at,
        seq=row.seq or 0,
        thread_root_id=MessageId(row.thread_root_id) if row.thread_root_id else None,
        in_channel=bool(row.in_channel),
        client_msg_id=row.client_msg_id,
        version=row.version,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        mentioned=_ids(row.mentioned),
        mentions_everyone=bool(row.mentions_everyone),
        mentions_here=bool(row.mentions_here),
        reply_count=row.reply_count,
        last_reply_at=row.last_reply_at,
        participants=_ids(row.participants),
        pinned_at=row.pinned_at,
        pinned_by=UserId(row.pinned_by) if row.pinned_by else None,
        file_ids=tuple(FileId(i) for i in row.file_ids.split()),
        body_hash=row.body_hash,
    )
