"""The stores of messages: messages (with their edits), their reactions, and the notifications
they make. Followed threads are in `threads`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor, Raw
from tertulia.adapters.sql.stores.rows import message_of
from tertulia.adapters.sql.stores.statements import insert_ignoring_duplicates
from tertulia.domain.errors import Conflict
from tertulia.domain.ids import ChannelId, MessageId, UserId, WorkspaceId
from tertulia.domain.mentions import Notification
from tertulia.domain.messages import Message
from tertulia.usecases.ports.messages import ReactionSummary

m = t.messages

# Statements run on every post are built once: building one costs more than running it.
# posting is the hot path: its insert goes through the driver
_INSERT_RAW = Raw.of(
    "INSERT INTO messages (id, workspace_id, channel_id, author_id, thread_root_id,"
    " in_channel, client_msg_id, body_hash, created_at, text, html, version, edited_at,"
    " deleted_at, mentioned, mentions_everyone, mentions_here, reply_count, last_reply_at,"
    " participants, pinned_at, pinned_by, file_ids) VALUES (:id, :workspace_id, :channel_id,"
    " :author_id, :thread_root_id, :in_channel, :client_msg_id, :body_hash, :created_at,"
    " :text, :html, :version, :edited_at, :deleted_at, :mentioned, :mentions_everyone,"
    " :mentions_here, :reply_count, :last_reply_at, :participants, :pinned_at, :pinned_by,"
    " :file_ids)"
)
_FIND = select(m).where(m.c.id == bindparam("id"))
_FIND_LOCKED = _FIND.with_for_update()
_BY_CLIENT_ID = select(m).where(
    m.c.author_id == bindparam("author_id"), m.c.client_msg_id == bindparam("client_msg_id")
)
_SAVE = update(m).where(m.c.id == bindparam("message_id"))
# built once: a statement built per call costs more than the query behind it
_MANY = select(m).where(m.c.id.in_(bindparam("ids", expanding=True)))


def _changeable(message: Message) -> dict[str, Any]:
    return {
        "text": message.text,
        "html": message.html,
        "version": message.version,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "mentioned": " ".join(message.mentioned),
        "mentions_everyone": message.mentions_everyone,
        "mentions_here": message.mentions_here,
        "reply_count": message.reply_count,
        "last_reply_at": message.last_reply_at,
        "participants": " ".join(message.participants),
        "pinned_at": message.pinned_at,
        "pinned_by": message.pinned_by,
        "file_ids": " ".join(message.file_ids),
    }


def _page(where: ColumnElement[bool], before: int | None, after: int | None, limit: int) -> Any:
    query = select(m).where(where)
    if after is not None:
        return query.where(m.c.seq > after).order_by(m.c.seq.asc()).limit(limit)
    if before is not None:
        query = query.where(m.c.seq < before)
    return query.where(m.c.seq.is_not(None)).order_by(m.c.seq.desc()).limit(limit)


class SqlMessageStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, message: Message) -> None:
        try:
            await self.conn.raw(
                _INSERT_RAW,
                {
                    "id": message.id,
                    "workspace_id": message.workspace_id,
                    "channel_id": message.channel_id,
                    "author_id": message.author_id,
                    "thread_root_id": message.thread_root_id,
                    "in_channel": message.in_channel,
                    "client_msg_id": message.client_msg_id,
                    "body_hash": message.body_hash,
                    "created_at": message.created_at,
                    **_changeable(message),
                },
            )
        except IntegrityError:
            raise Conflict(
                "This client_msg_id was used already.", "message.duplicate_client_msg_id"
            ) from None

    async def find(self, message_id: MessageId, lock: bool = False) -> Message | None:
        query = _FIND_LOCKED if lock else _FIND
        row = (await self.conn.execute(query, {"id": message_id})).first()
        return message_of(row) if row else None

    async def find_by_client_id(self, author_id: UserId, client_msg_id: str) -> Message | None:
        params = {"author_id": author_id, "client_msg_id": client_msg_id}
        row = (await self.conn.execute(_BY_CLIENT_ID, params)).first()
        return message_of(row) if row else None

    async def get_many(self, message_ids: Sequence[MessageId]) -> list[Message]:
        if not message_ids:
            return []
        rows = await self.conn.execute(_MANY, {"ids": list(message_ids)})
        return [message_of(row) for row in rows]

    async def save(self, message: Message) -> None:
        await self.conn.execute(_SAVE, {"message_id": message.id, **_changeable(message)})

    async def add_edit(self, message_id: MessageId, version: int, text: str, at: datetime) -> None:
        await self.conn.execute(
            insert(t.message_edits).values(
                message_id=message_id, version=version, text=text, created_at=at
            )
        )

    async def edits(
        self, message_id: MessageId, after: int, limit: int
    ) -> list[tuple[int, str, datetime]]:
        e = t.message_edits
        rows = await self.conn.execute(
            select(e.c.version, e.c.text, e.c.created_at)
            .where(e.c.message_id == message_id, e.c.version > after)
            .order_by(e.c.version)
            .limit(limit)
        )
        return [(row.version, row.text, row.created_at) for row in rows]

    async def forget_content(self, message_id: MessageId) -> None:
        for table in (t.message_edits, t.reactions, t.notifications):
            await self.conn.execute(delete(table).where(table.c.message_id == message_id))

    async def history(
        self,
        channel_id: ChannelId,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int,
    ) -> list[Message]:
        where = and_(m.c.channel_id == channel_id, m.c.in_channel.is_(True))
        rows = await self.conn.execute(_page(where, before, after, limit))
        return [message_of(row) for row in rows]

    async def replies(
        self,
        root_id: MessageId,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int,
    ) -> list[Message]:
        rows = await self.conn.execute(_page(m.c.thread_root_id == root_id, before, after, limit))
        return [message_of(row) for row in rows]

    async def latest_seq(self, channel_id: ChannelId) -> int:
        value = await self.conn.scalar(
            select(func.max(m.c.seq)).where(m.c.channel_id == channel_id, m.c.in_channel.is_(True))
        )
        return int(value or 0)

    async def latest_reply_seq(self, root_id: MessageId) -> int:
        value = await self.conn.scalar(
            select(func.max(m.c.seq)).where(m.c.thread_root_id == root_id)
        )
        return int(value or 0)

    async def thread_summary(
        self, root_id: MessageId, participants: int
    ) -> tuple[int, datetime | None, tuple[UserId, ...]]:
        live = and_(m.c.thread_root_id == root_id, m.c.deleted_at.is_(None))
        found: tuple[Any, ...] = tuple(
            (
                await self.conn.execute(select(func.count(), func.max(m.c.created_at)).where(live))
            ).one()
        )
        count, last = int(found[0]), found[1]  # max() keeps the column's type: aware UTC
        people: dict[UserId, None] = {}
        if count:
            authors = await self.conn.scalars(select(m.c.author_id).where(live).order_by(m.c.seq))
            for author in authors:
                people.setdefault(UserId(author))
                if len(people) >= participants:
                    break
        return count, last, tuple(people)

    async def pins(self, channel_id: ChannelId, limit: int) -> list[Message]:
        rows = await self.conn.execute(
            select(m)
            .where(m.c.channel_id == channel_id, m.c.pinned_at.is_not(None))
            .order_by(m.c.pinned_at.desc(), m.c.id.desc())
            .limit(limit)
        )
        return [message_of(row) for row in rows]

    async def after(self, message_id: MessageId | None, limit: int) -> list[Message]:
        query = select(m).order_by(m.c.id).limit(limit)
        if message_id is not None:
            query = query.where(m.c.id > message_id)
        return [message_of(row) for row in await self.conn.execute(query)]

    async def count(self) -> int:
        return int(await self.conn.scalar(select(func.count()).select_from(m)))


class SqlReactionStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, message_id: MessageId, emoji: str, user_id: UserId, at: datetime) -> bool:
        result = await self.conn.execute(
            insert_ignoring_duplicates(self.conn, t.reactions).values(
                message_id=message_id, emoji=emoji, user_id=user_id, created_at=at
            )
        )
        return bool(result.rowcount == 1)

    async def remove(self, message_id: MessageId, emoji: str, user_id: UserId) -> bool:
        r = t.reactions
        result = await self.conn.execute(
            delete(r).where(
                r.c.message_id == message_id, r.c.emoji == emoji, r.c.user_id == user_id
            )
        )
        return bool(result.rowcount == 1)

    async def emojis(self, message_id: MessageId) -> frozenset[str]:
        r = t.reactions
        rows = await self.conn.scalars(
            select(r.c.emoji).where(r.c.message_id == message_id).distinct()
        )
        return frozenset(rows)

    async def summaries(
        self, message_ids: Sequence[MessageId], viewer: UserId, first: int
    ) -> dict[MessageId, list[ReactionSummary]]:
        if not message_ids:
            return {}
        rows = await self.conn.execute(
            _SUMMARIES, {"ids": list(message_ids), "first": first, "viewer": viewer}
        )
        found: dict[tuple[str, str], tuple[int, bool, list[UserId]]] = {}
        order: dict[MessageId, list[str]] = {}
        for row in rows:
            key = (row.message_id, row.emoji)
            count, me, people = found.get(key, (row.n, False, []))
            if key not in found:
                order.setdefault(MessageId(row.message_id), []).append(row.emoji)
            if row.rank <= first:
                people.append(UserId(row.user_id))
            found[key] = (count, me or row.user_id == viewer, people)
        return {
            message_id: [
                ReactionSummary(
                    emoji, *found[(message_id, emoji)][:2], tuple(found[(message_id, emoji)][2])
                )
                for emoji in emojis
            ]
            for message_id, emojis in order.items()
        }


def _summaries() -> Select[Any]:
    """Each reaction of the messages `ids`, with its emoji's count and first time, ranked by
    time: the first `first` of each emoji, and the viewer's own."""
    r = t.reactions
    group = (r.c.message_id, r.c.emoji)
    ranked = (
        select(
            r.c.message_id,
            r.c.emoji,
            r.c.user_id,
            func.count().over(partition_by=group).label("n"),
            func.min(r.c.created_at).over(partition_by=group).label("first_at"),
            func.row_number()
            .over(partition_by=group, order_by=(r.c.created_at, r.c.user_id))
            .label("rank"),
        )
        .where(r.c.message_id.in_(bindparam("ids", expanding=True)))
        .subquery()
    )
    return (
        select(ranked)
        .where(or_(ranked.c.rank <= bindparam("first"), ranked.c.user_id == bindparam("viewer")))
        .order_by(ranked.c.message_id, ranked.c.first_at, ranked.c.emoji, ranked.c.rank)
    )


_SUMMARIES = _summaries()


class SqlNotificationStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn
        # messages whose notifications wait for the message's seq (set when it is placed)
        self.unplaced: set[MessageId] = set()

    async def add(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        self.unplaced.update(n.message_id for n in notifications if not n.seq)
        await self.conn.execute(
            insert_ignoring_duplicates(self.conn, t.notifications),
            [
                {
                    "user_id": n.user_id,
                    "message_id": n.message_id,
                    "workspace_id": n.workspace_id,
                    "channel_id": n.channel_id,
                    "kind": n.kind,
                    "created_at": n.created_at,
                    "read_at": n.read_at,
                    "seq": n.seq or None,
                }
                for n in notifications
            ],
        )

    async def remove(self, message_id: MessageId, user_ids: Sequence[UserId] | None = None) -> None:
        n = t.notifications
        query = delete(n).where(n.c.message_id == message_id)
        if user_ids is not None:
            query = query.where(n.c.user_id.in_(list(user_ids)))
        await self.conn.execute(query)

    async def recipients(self, message_id: MessageId) -> dict[UserId, str]:
        n = t.notifications
        rows = await self.conn.execute(
            select(n.c.user_id, n.c.kind).where(n.c.message_id == message_id)
        )
        return {UserId(row.user_id): row.kind for row in rows}

    async def page(
        self, user_id: UserId, before: int | None, limit: int, unread_only: bool
    ) -> list[Notification]:
        n = t.notifications
        query = select(n).where(n.c.user_id == user_id).order_by(n.c.seq.desc()).limit(limit)
        if before is not None:
            query = query.where(n.c.seq < before)
        if unread_only:
            query = query.where(n.c.read_at.is_(None))
        return [
            Notification(
                UserId(row.user_id),
                MessageId(row.message_id),
                WorkspaceId(row.workspace_id),
                ChannelId(row.channel_id),
                row.kind,
                row.created_at,
                row.read_at,
                int(row.seq),
            )
            for row in await self.conn.execute(query)
        ]

    async def count_unread(self, user_id: UserId, cap: int) -> int:
        n, cm = t.notifications, t.channel_members
        unread = (
            select(literal(1))
            .select_from(n)
            .join(cm, and_(cm.c.channel_id == n.c.channel_id, cm.c.user_id == n.c.user_id))
            .where(n.c.user_id == user_id, n.c.read_at.is_(None))
            .limit(cap)
            .subquery()
        )
        return int(await self.conn.scalar(select(func.count()).select_from(unread)) or 0)

    async def mark_read(
        self, user_id: UserId, message_ids: Sequence[MessageId] | None, at: datetime
    ) -> int:
        n = t.notifications
        query = update(n).where(n.c.user_id == user_id, n.c.read_at.is_(None)).values(read_at=at)
        if message_ids is not None:
            query = query.where(n.c.message_id.in_(list(message_ids)))
        result = await self.conn.execute(query)
        return int(result.rowcount)
