"""The stores of channels: the channels, who may see them (`access`), and their members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor, Raw, utc
from tertulia.adapters.sql.stores.rows import USER_COLUMNS, AnyRow, membership_of, user_of
from tertulia.adapters.sql.stores.statements import insert_ignoring_duplicates, unread_count
from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.errors import Conflict
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.workspaces import Membership, Role
from tertulia.usecases.ports.channels import Access, ChannelRow
from tertulia.usecases.ports.messages import ChannelUnread, Named
from tertulia.usecases.ports.workspaces import MemberRow
from tertulia.usecases.searchtext import fold, name_key

# Statements run on (nearly) every request are built once: building one costs more than
# running it on SQLite.
_c, _wm, _cm = t.channels, t.workspace_members, t.channel_members
_ACCESS = (
    select(
        _c,
        _wm.c.role,
        _wm.c.joined_at.label("ws_joined_at"),
        _cm.c.user_id.label("cm_user"),
        _cm.c.last_read_seq,
        _cm.c.muted,
    )
    .outerjoin(
        _wm, and_(_wm.c.workspace_id == _c.c.workspace_id, _wm.c.user_id == bindparam("user_id"))
    )
    .outerjoin(_cm, and_(_cm.c.channel_id == _c.c.id, _cm.c.user_id == bindparam("user_id")))
    .where(_c.c.id == bindparam("channel_id"))
)
_ACCESS_LOCKED = _ACCESS.with_for_update(of=_c)
_CHANNEL_FIELDS = (
    "id", "workspace_id", "kind", "name", "topic", "purpose", "created_by", "created_at",
    "updated_at", "archived_at", "is_default", "dm_key",
)  # fmt: skip
# the same look-up, through the driver: every message operation starts with it
_ACCESS_RAW = Raw.of(
    "SELECT c.id, c.workspace_id, c.kind, c.name, c.topic, c.purpose, c.created_by,"
    " c.created_at, c.updated_at, c.archived_at, c.is_default, c.dm_key,"
    " wm.role, wm.joined_at, cm.user_id, cm.last_read_seq, cm.muted"
    " FROM channels AS c"
    " LEFT OUTER JOIN workspace_members AS wm"
    "  ON wm.workspace_id = c.workspace_id AND wm.user_id = :user_id"
    " LEFT OUTER JOIN channel_members AS cm ON cm.channel_id = c.id AND cm.user_id = :user_id"
    " WHERE c.id = :channel_id"
)


def _required(value: datetime | None) -> datetime:
    """A datetime from a NOT NULL column."""
    assert value is not None
    return value


def _channel(row: AnyRow) -> Channel:
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


class SqlChannels:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, channel: Channel, dm_key: str | None = None) -> None:
        try:
            await self.conn.execute(
                insert(t.channels).values(
                    id=channel.id,
                    workspace_id=channel.workspace_id,
                    kind=channel.kind.value,
                    name=channel.name or None,
                    topic=channel.topic,
                    purpose=channel.purpose,
                    created_by=channel.created_by,
                    created_at=channel.created_at,
                    updated_at=channel.created_at,
                    archived_at=channel.archived_at,
                    is_default=channel.is_default,
                    dm_key=dm_key,
                    search_name=name_key(channel.name or ""),
                )
            )
        except IntegrityError:
            if dm_key is not None:
                raise Conflict("This direct message exists already.", "channel.dm_exists") from None
            raise Conflict(
                f"A channel named '{channel.name}' exists already.", "channel.name_taken"
            ) from None

    async def find(self, channel_id: ChannelId, lock: bool = False) -> Channel | None:
        query = select(t.channels).where(t.channels.c.id == channel_id)
        row = (await self.conn.execute(query.with_for_update() if lock else query)).first()
        return _channel(row) if row else None

    async def find_dm(self, workspace_id: WorkspaceId, dm_key: str) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.dm_key == dm_key)
            )
        ).first()
        return _channel(row) if row else None

    async def find_named(self, workspace_id: WorkspaceId, name: str) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.name == name)
            )
        ).first()
        return _channel(row) if row else None

    async def named(self, workspace_id: WorkspaceId, names: Sequence[str]) -> list[Channel]:
        # the name as typed, or the quick switcher's key: the few channels whose folded
        # words are those (then compared whole, folded)
        keys = [key for key in dict.fromkeys(name_key(n) for n in names) if key]
        if not keys:
            return []
        c = t.channels
        typed = or_(c.c.name.in_(list(dict.fromkeys(names))), c.c.search_name.in_(keys))
        rows = await self.conn.execute(select(c).where(c.c.workspace_id == workspace_id, typed))
        wanted = {fold(n) for n in names}
        return [ch for ch in map(_channel, rows) if fold(ch.name or "") in wanted]

    async def default(self, workspace_id: WorkspaceId) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.is_default.is_(True))
            )
        ).first()
        return _channel(row) if row else None

    async def update(self, channel: Channel, at: datetime) -> None:
        try:
            await self.conn.execute(
                update(t.channels)
                .where(t.channels.c.id == channel.id)
                .values(
                    name=channel.name or None,
                    topic=channel.topic,
                    purpose=channel.purpose,
                    archived_at=channel.archived_at,
                    updated_at=at,
                    search_name=name_key(channel.name or ""),
                )
            )
        except IntegrityError:
            raise Conflict(
                f"A channel named '{channel.name}' exists already.", "channel.name_taken"
            ) from None

    async def browse(
        self,
        workspace_id: WorkspaceId,
        viewer: UserId,
        *,
        include_public: bool,
        kinds: Sequence[str],
        only_member: bool,
        include_archived: bool,
        after: tuple[str, str] | None,
        limit: int,
        ids: Sequence[ChannelId] | None = None,
    ) -> list[ChannelRow]:
        c, mine, counted = t.channels, t.channel_members.alias("mine"), t.channel_members.alias("n")
        sort_name = func.coalesce(c.c.name, literal(""))
        member_count = select(func.count()).where(counted.c.channel_id == c.c.id).scalar_subquery()
        visible: ColumnElement[bool] = mine.c.user_id.is_not(None)
        if include_public and not only_member:
            visible = or_(visible, c.c.kind == ChannelKind.PUBLIC.value)
        query = (
            select(
                c,
                mine.c.user_id.is_not(None).label("is_member"),
                member_count.label("member_count"),
            )
            .outerjoin(mine, and_(mine.c.channel_id == c.c.id, mine.c.user_id == viewer))
            .where(c.c.workspace_id == workspace_id, c.c.kind.in_(list(kinds)), visible)
            .order_by(sort_name, c.c.id)
            .limit(limit)
        )
        if not include_archived:
            query = query.where(c.c.archived_at.is_(None))
        if after is not None:
            query = query.where(
                tuple_(sort_name, c.c.id) > tuple_(literal(after[0]), literal(after[1]))
            )
        if ids is not None:
            query = query.where(c.c.id.in_(list(ids)))
        rows = (await self.conn.execute(query)).all()
        direct = [r.id for r in rows if ChannelKind(r.kind).is_direct]
        people: dict[str, list[UserId]] = {}
        if direct:
            cm = t.channel_members
            for row in await self.conn.execute(
                select(cm.c.channel_id, cm.c.user_id)
                .where(cm.c.channel_id.in_(direct))
                .order_by(cm.c.channel_id, cm.c.user_id)
            ):
                people.setdefault(row.channel_id, []).append(UserId(row.user_id))
        return [
            ChannelRow(
                _channel(r), bool(r.is_member), int(r.member_count), tuple(people.get(r.id, ()))
            )
            for r in rows
        ]

    async def access(
        self, channel_id: ChannelId, user_id: UserId, lock: bool = False
    ) -> Access | None:
        if lock:
            params = {"channel_id": channel_id, "user_id": user_id}
            locked = (await self.conn.execute(_ACCESS_LOCKED, params)).first()
            if locked is None:
                return None
            row: tuple[Any, ...] = (
                *(getattr(locked, name) for name in _CHANNEL_FIELDS),
                locked.role,
                locked.ws_joined_at,
                locked.cm_user,
                locked.last_read_seq,
                locked.muted,
            )
        else:
            rows = await self.conn.raw(_ACCESS_RAW, {"channel_id": channel_id, "user_id": user_id})
            if not rows:
                return None
            row = rows[0]
        (cid, ws, kind, name, topic, purpose, by, created, _updated, archived, default, _dm,
         role, joined, cm_user, last_read, muted) = row  # fmt: skip
        channel = Channel(
            id=ChannelId(cid),
            workspace_id=WorkspaceId(ws),
            kind=ChannelKind(kind),
            name=name or "",
            topic=topic,
            purpose=purpose,
            created_by=UserId(by),
            created_at=_required(utc(created)),
            archived_at=utc(archived),
            is_default=bool(default),
        )
        membership = (
            Membership(channel.workspace_id, user_id, Role(role), _required(utc(joined)))
            if role is not None
            else None
        )
        is_member = cm_user is not None
        return Access(
            channel,
            membership,
            is_member,
            int(last_read or 0) if is_member else 0,
            bool(muted) if is_member else False,
        )

    async def public_named(
        self, workspace_id: WorkspaceId, names: Sequence[str]
    ) -> dict[str, ChannelId]:
        if not names:
            return {}
        c = t.channels
        rows = await self.conn.execute(
            select(c.c.name, c.c.id).where(
                c.c.workspace_id == workspace_id,
                c.c.kind == ChannelKind.PUBLIC.value,
                c.c.name.in_(list(names)),
            )
        )
        return {row.name: ChannelId(row.id) for row in rows}

    async def matching(
        self,
        workspace_id: WorkspaceId,
        viewer: UserId,
        include_public: bool,
        patterns: Sequence[str],
        limit: int,
    ) -> list[tuple[Channel, bool]]:
        c, mine = t.channels, t.channel_members.alias("mine")
        visible: ColumnElement[bool] = mine.c.user_id.is_not(None)
        if include_public:
            visible = or_(visible, c.c.kind == ChannelKind.PUBLIC.value)
        rows = await self.conn.execute(
            select(c, mine.c.user_id.is_not(None).label("is_member"))
            .outerjoin(mine, and_(mine.c.channel_id == c.c.id, mine.c.user_id == viewer))
            .where(
                c.c.workspace_id == workspace_id,
                c.c.name.is_not(None),
                visible,
                *(c.c.search_name.like(p, escape="\\") for p in patterns),
            )
            .order_by(c.c.archived_at.is_not(None), c.c.name)
            .limit(limit)
        )
        return [(_channel(row), bool(row.is_member)) for row in rows]

    async def existing(self, workspace_id: WorkspaceId, ids: Sequence[ChannelId]) -> list[Channel]:
        if not ids:
            return []
        rows = await self.conn.execute(_EXISTING, {"ws": workspace_id, "ids": list(ids)})
        return [_channel(r) for r in rows]


_EXISTING = select(t.channels).where(
    t.channels.c.workspace_id == bindparam("ws"),
    t.channels.c.id.in_(bindparam("ids", expanding=True)),
)


class SqlChannelMembers:
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
        left = [_channel(r) for r in rows]
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
