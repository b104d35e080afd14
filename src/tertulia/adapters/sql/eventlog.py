"""The event log as the real-time hub reads it: pages of envelopes, its bounds, who may see
what, and pruning what is older than the retention window; and the id of the deployment whose
log it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, select

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.leases import Raw, utc
from tertulia.adapters.sql.stores.statements import dialect_insert
from tertulia.domain import events
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId, new_id
from tertulia.domain.workspaces import Role
from tertulia.usecases.ports.realtime import Envelope
from tertulia.usecases.realtime import frame

_AFTER = Raw.of(
    "SELECT id, type, workspace_id, channel_id, audience, data, created_at FROM events"
    " WHERE id > :after AND id <= :up_to ORDER BY id LIMIT :limit"
)
_LAST = Raw.of("SELECT coalesce(max(id), 0) FROM events")
_FIRST = Raw.of("SELECT coalesce(min(id), 0) FROM events")
_NO_END = 2**63 - 1


class SqlEventLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def _rows(self, statement: Raw, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        lease = await self._database.lease(write=False)
        try:
            return await lease.executor.raw(statement, parameters)
        finally:
            await lease.release()

    async def identity(self) -> str:
        """The id of this log's deployment, the same for every node on this database: made
        by its migration, or here if that row was lost (a truncated table), once."""
        d = t.deployment
        lease = await self._database.lease(write=False)
        try:
            found = await lease.executor.scalar(select(d.c.id).where(d.c.slot == 1))
        finally:
            await lease.release()
        if found is not None:
            return str(found)
        lease = await self._database.lease(write=True)
        try:
            made = dialect_insert(self._database.dialect, d).values(slot=1, id=new_id())
            await lease.executor.execute(made.on_conflict_do_nothing())
            found = await lease.executor.scalar(select(d.c.id).where(d.c.slot == 1))
            await lease.commit()
        finally:
            await lease.release()
        return str(found)

    async def last_id(self) -> int:
        return int((await self._rows(_LAST, {}))[0][0])

    async def first_id(self) -> int:
        return int((await self._rows(_FIRST, {}))[0][0])

    async def after(self, after_id: int, up_to: int | None, limit: int) -> list[Envelope]:
        rows = await self._rows(
            _AFTER,
            {"after": after_id, "up_to": _NO_END if up_to is None else up_to, "limit": limit},
        )
        return [
            Envelope(
                int(id_),
                type_,
                tuple(audience.split()),
                frame(int(id_), type_, utc(at), ws, ch, orjson.Fragment(data)),
            )
            for id_, type_, ws, ch, audience, data, at in rows
        ]

    async def scopes(self, user_id: UserId) -> set[str]:
        wm, cm = t.workspace_members, t.channel_members
        lease = await self._database.lease(write=False)
        try:
            conn = lease.executor
            workspaces = (
                await conn.execute(
                    select(wm.c.workspace_id, wm.c.role).where(wm.c.user_id == user_id)
                )
            ).all()
            channels = (
                await conn.scalars(select(cm.c.channel_id).where(cm.c.user_id == user_id))
            ).all()
        finally:
            await lease.release()
        scopes = {events.person(user_id)}
        for row in workspaces:
            scopes.add(events.everyone(WorkspaceId(row.workspace_id)))
            if Role(row.role).is_full_member:
                scopes.add(events.full_members(WorkspaceId(row.workspace_id)))
        scopes.update(events.channel_members(ChannelId(c)) for c in channels)
        return scopes

    async def prune(self, before: datetime, keep_last: int = 1) -> int:
        """Delete events older than `before`, always keeping the newest `keep_last` (so the
        log's last id survives a quiet spell). How many went."""
        e = t.events
        lease = await self._database.lease(write=True)
        try:
            newest = await lease.executor.scalar(select(func.coalesce(func.max(e.c.id), 0)))
            result = await lease.executor.execute(
                delete(e).where(e.c.created_at < before, e.c.id <= int(newest) - keep_last)
            )
            await lease.commit()
            return int(result.rowcount)
        finally:
            await lease.release()
