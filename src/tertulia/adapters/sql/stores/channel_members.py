"""The store of channel members: who is in each channel, muted or not, and how far each has
read (with the unread counts that follow). Apart from the channels because channels.py would be
over 500 lines, along the seam of their tables: a row here is one person in one channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, literal, select, update

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import USER_COLUMNS, channel_of, membership_of, user_of
from tertulia.adapters.sql.stores.statements import insert_ignoring_duplicates, unread_count
from tertulia.domain.channels import Channel
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.usecases.ports.messages import ChannelUnread, Named
from tertulia.usecases.ports.workspaces import MemberRow


class SqlChannelMemberStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, channel: Channel, user_id: UserId, at: datetime) -> bool:
        result = await self.conn.execute(
            insert_ignoring_duplicates(self.conn, t.channel_members).values(
                channel_id=channel.id,
                user_id=user_id,
                workspace_id=channel.workspace_id,
                joined_at=at,
            )
        )
        return bool(result.rowcount == 1)

    async def is_member(self, channel_id: ChannelId, user_id: UserId) -> bool:
        cm = t.channel_members
        found = await self.conn.scalar(
            select(literal(1)).where(cm.c.channel_id == channel_id, cm.c.user_id == user_id)
        )
        return found is not None

    async def remove(self, channel_id: ChannelId, user_id: UserId) -> bool:
        cm = t.channel_members
        result = await self.conn.execute(
            delete(cm).where(cm.c.channel_id == channel_id, cm.c.user_id == user_id)
        )
        return bool(result.rowcount == 1)

    async def leave_workspace(self, workspace_id: WorkspaceId, user_id: UserId) -> list[Channel]:
        cm, c = t.channel_members, t.channels
        rows = await self.conn.execute(
            select(c)
            .join(cm, cm.c.channel_id == c.c.id)
            .where(cm.c.workspace_id == workspace_id, cm.c.user_id == user_id)
            .order_by(c.c.id)
        )
        left = [channel_of(r) for r in rows]
        await self.conn.execute(
            delete(cm).where(cm.c.workspace_id == workspace_id, cm.c.user_id == user_id)
        )
        return left

    async def page(self, channel_id: ChannelId, after: str | None, limit: int) -> list[MemberRow]:
        cm, m = t.channel_members, t.workspace_members
        query = (
            select(*USER_COLUMNS, m.c.workspace_id, m.c.user_id, m.c.role, m.c.joined_at)
            .join(cm, cm.c.user_id == t.users.c.id)
            .join(m, and_(m.c.workspace_id == cm.c.workspace_id, m.c.user_id == cm.c.user_id))
            .where(cm.c.channel_id == channel_id)
            .order_by(t.users.c.username)
            .limit(limit)
        )
        if after is not None:
            query = query.where(t.users.c.username > after)
        return [
            MemberRow(user_of(row), membership_of(row)) for row in await self.conn.execute(query)
        ]

    async def channels_of(
        self, user_id: UserId, workspace_id: WorkspaceId | None = None
    ) -> list[ChannelId]:
        cm = t.channel_members
        query = select(cm.c.channel_id).where(cm.c.user_id == user_id).order_by(cm.c.channel_id)
        if workspace_id is not None:
            query = query.where(cm.c.workspace_id == workspace_id)
        return [ChannelId(i) for i in await self.conn.scalars(query)]

    async def user_ids(self, channel_id: ChannelId) -> list[UserId]:
        cm = t.channel_members
        ids = await self.conn.scalars(
            select(cm.c.user_id).where(cm.c.channel_id == channel_id).order_by(cm.c.user_id)
        )
        return [UserId(i) for i in ids]

    async def named(
        self, workspace_id: WorkspaceId, channel_id: ChannelId, usernames: Sequence[str]
    ) -> dict[str, Named]:
        if not usernames:
            return {}
        wm, cm, u = t.workspace_members, t.channel_members, t.users
        rows = await self.conn.execute(
            select(u.c.username, u.c.id, cm.c.user_id.label("in_channel"))
            .join(wm, and_(wm.c.user_id == u.c.id, wm.c.workspace_id == workspace_id))
            .outerjoin(cm, and_(cm.c.user_id == u.c.id, cm.c.channel_id == channel_id))
            .where(u.c.username.in_(list(usernames)))
        )
        return {row.username: Named(UserId(row.id), row.in_channel is not None) for row in rows}

    async def set_read(self, channel_id: ChannelId, user_id: UserId, seq: int) -> None:
        cm = t.channel_members
        await self.conn.execute(
            update(cm)
            .where(cm.c.channel_id == channel_id, cm.c.user_id == user_id)
            .values(last_read_seq=seq)
        )

    async def set_muted(self, channel_id: ChannelId, user_id: UserId, muted: bool) -> None:
        cm = t.channel_members
        await self.conn.execute(
            update(cm)
            .where(cm.c.channel_id == channel_id, cm.c.user_id == user_id)
            .values(muted=muted)
        )

    async def unreads(self, user_id: UserId, workspace_id: WorkspaceId) -> list[ChannelUnread]:
        cm, m, n = t.channel_members, t.messages, t.notifications
        unread = unread_count(
            m,
            cm,
            user_id,
            m.c.channel_id == cm.c.channel_id,
            m.c.in_channel.is_(True),
            m.c.seq > cm.c.last_read_seq,
        )
        mentions = (
            select(func.count())
            .where(
                n.c.user_id == user_id,
                n.c.channel_id == cm.c.channel_id,
                n.c.seq > cm.c.last_read_seq,
            )
            .scalar_subquery()
        )
        latest = (
            select(func.coalesce(func.max(m.c.seq), 0))
            .where(m.c.channel_id == cm.c.channel_id, m.c.in_channel.is_(True))
            .scalar_subquery()
        )
        rows = await self.conn.execute(
            select(
                cm.c.channel_id,
                cm.c.muted,
                cm.c.last_read_seq,
                unread.label("unread"),
                mentions.label("mentions"),
                latest.label("latest"),
            )
            .where(cm.c.user_id == user_id, cm.c.workspace_id == workspace_id)
            .order_by(cm.c.channel_id)
        )
        return [
            ChannelUnread(
                ChannelId(row.channel_id),
                bool(row.muted),
                int(row.unread),
                int(row.mentions),
                int(row.last_read_seq),
                int(row.latest),
            )
            for row in rows
        ]

    async def share_channel(self, a: UserId, b: UserId, workspace_id: WorkspaceId) -> bool:
        x, y = t.channel_members.alias("x"), t.channel_members.alias("y")
        found = await self.conn.scalar(
            select(literal(1))
            .where(
                x.c.user_id == a,
                x.c.workspace_id == workspace_id,
                y.c.channel_id == x.c.channel_id,
                y.c.user_id == b,
            )
            .limit(1)
        )
        return found is not None
