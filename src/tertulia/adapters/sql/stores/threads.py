"""The store of followed threads: who follows which thread, and how far each has read it (the
threads list, with its unread counts). Apart from the other stores of messages because
messages.py would be over 500 lines, along the seam of their tables: a row here is one person
and one thread, as in `channel_members` one person and one channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, and_, exists, func, literal, select, true, tuple_

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import message_of
from tertulia.adapters.sql.stores.statements import dialect_insert, unread_count
from tertulia.domain.ids import MessageId, UserId, WorkspaceId
from tertulia.domain.messages import Message
from tertulia.usecases.ports.messages import FollowedThread

m = t.messages


class SqlThreadStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def follow(self, user_id: UserId, root: Message, following: bool, at: datetime) -> None:
        f = t.thread_follows
        statement = dialect_insert(self.conn.dialect.name, f).values(
            user_id=user_id,
            root_id=root.id,
            workspace_id=root.workspace_id,
            channel_id=root.channel_id,
            following=following,
            updated_at=at,
        )
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[f.c.user_id, f.c.root_id],
                set_={"following": following, "updated_at": at},
            )
        )

    async def follow_by_activity(
        self, user_ids: Sequence[UserId], root: Message, at: datetime
    ) -> None:
        if not user_ids:
            return
        f = t.thread_follows
        statement = dialect_insert(self.conn.dialect.name, f).values(
            [
                {
                    "user_id": user_id,
                    "root_id": root.id,
                    "workspace_id": root.workspace_id,
                    "channel_id": root.channel_id,
                    "following": True,
                    "updated_at": at,
                }
                for user_id in dict.fromkeys(user_ids)
            ]
        )
        # NULL: no choice made yet (a read marker only); a hand-made False stays
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[f.c.user_id, f.c.root_id],
                set_={"following": True, "updated_at": at},
                where=f.c.following.is_(None),
            )
        )

    async def find(self, user_id: UserId, root_id: MessageId) -> tuple[bool, int] | None:
        f = t.thread_follows
        row = (
            await self.conn.execute(
                select(f.c.following, f.c.last_read_seq).where(
                    f.c.user_id == user_id, f.c.root_id == root_id
                )
            )
        ).first()
        return (bool(row.following), int(row.last_read_seq)) if row else None

    async def set_read(self, user_id: UserId, root: Message, seq: int, at: datetime) -> None:
        f = t.thread_follows
        statement = dialect_insert(self.conn.dialect.name, f).values(
            user_id=user_id,
            root_id=root.id,
            workspace_id=root.workspace_id,
            channel_id=root.channel_id,
            following=None,  # reading a thread is no choice about following it
            last_read_seq=seq,
            updated_at=at,
        )
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[f.c.user_id, f.c.root_id],
                set_={"last_read_seq": seq, "updated_at": at},
            )
        )

    async def followed(
        self,
        user_id: UserId,
        workspace_id: WorkspaceId,
        after: tuple[int, int, str] | None,
        limit: int,
    ) -> list[FollowedThread]:
        f, cm = t.thread_follows, t.channel_members
        replies = t.messages.alias("replies")
        latest = (
            select(func.coalesce(func.max(replies.c.seq), 0))
            .where(replies.c.thread_root_id == f.c.root_id)
            .scalar_subquery()
        )
        # whether anything is unread orders the list: one row looked at per thread; the
        # counts are taken for the page only
        has_unread = (
            exists()
            .where(
                replies.c.thread_root_id == f.c.root_id,
                replies.c.seq > f.c.last_read_seq,
                replies.c.author_id != user_id,
                replies.c.deleted_at.is_(None),
            )
            .cast(Integer)
        )
        listed = (
            select(
                f.c.root_id,
                f.c.last_read_seq,
                latest.label("latest"),
                has_unread.label("has_unread"),
            )
            .join(cm, and_(cm.c.channel_id == f.c.channel_id, cm.c.user_id == f.c.user_id))
            .where(
                f.c.user_id == user_id, f.c.workspace_id == workspace_id, f.c.following.is_(true())
            )
            .subquery()
        )
        page = select(listed)
        if after is not None:
            page = page.where(
                tuple_(listed.c.has_unread, listed.c.latest, listed.c.root_id)
                < tuple_(literal(after[0]), literal(after[1]), literal(after[2]))
            )
        page = page.order_by(
            listed.c.has_unread.desc(), listed.c.latest.desc(), listed.c.root_id.desc()
        ).limit(limit)
        paged = page.subquery()
        unread = unread_count(
            replies,
            paged,
            user_id,
            replies.c.thread_root_id == paged.c.root_id,
            replies.c.seq > paged.c.last_read_seq,
        )
        query = (
            select(paged, unread.label("unread"), m)
            .join(m, m.c.id == paged.c.root_id)
            .order_by(paged.c.has_unread.desc(), paged.c.latest.desc(), paged.c.root_id.desc())
        )
        return [
            FollowedThread(
                message_of(row), int(row.last_read_seq), int(row.unread), int(row.latest)
            )
            for row in await self.conn.execute(query)
        ]
