"""The store of channels: the channels themselves, found, listed and searched, and what a person
may do in one (`access`: the look-up every message operation starts with). Their members are
in `channel_members`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
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
from tertulia.adapters.sql.stores.rows import channel_of
from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.errors import Conflict
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.workspaces import Membership, Role
from tertulia.usecases.ports.channels import Access, ChannelRow
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


class SqlChannelStore:
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
        return channel_of(row) if row else None

    async def find_dm(self, workspace_id: WorkspaceId, dm_key: str) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.dm_key == dm_key)
            )
        ).first()
        return channel_of(row) if row else None

    async def find_named(self, workspace_id: WorkspaceId, name: str) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.name == name)
            )
        ).first()
        return channel_of(row) if row else None

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
        return [ch for ch in map(channel_of, rows) if fold(ch.name or "") in wanted]

    async def default(self, workspace_id: WorkspaceId) -> Channel | None:
        c = t.channels
        row = (
            await self.conn.execute(
                select(c).where(c.c.workspace_id == workspace_id, c.c.is_default.is_(True))
            )
        ).first()
        return channel_of(row) if row else None

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
                channel_of(r), bool(r.is_member), int(r.member_count), tuple(people.get(r.id, ()))
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
        return [(channel_of(row), bool(row.is_member)) for row in rows]

    async def existing(self, workspace_id: WorkspaceId, ids: Sequence[ChannelId]) -> list[Channel]:
        if not ids:
            return []
        rows = await self.conn.execute(_EXISTING, {"ws": workspace_id, "ids": list(ids)})
        return [channel_of(r) for r in rows]


_EXISTING = select(t.channels).where(
    t.channels.c.workspace_id == bindparam("ws"),
    t.channels.c.id.in_(bindparam("ids", expanding=True)),
)
