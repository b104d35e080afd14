"""The unit of work: one transaction, its stores, and the events it appends at commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import orjson
from sqlalchemy import insert, text

from tertulia.adapters.search.sql import search_index
from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.leases import Raw
from tertulia.adapters.sql.stores.accounts import SqlSessionStore, SqlUserStore
from tertulia.adapters.sql.stores.channel_members import SqlChannelMemberStore
from tertulia.adapters.sql.stores.channels import SqlChannelStore
from tertulia.adapters.sql.stores.files import SqlFileStore
from tertulia.adapters.sql.stores.jobs import SqlJobStore
from tertulia.adapters.sql.stores.messages import (
    SqlMessageStore,
    SqlNotificationStore,
    SqlReactionStore,
)
from tertulia.adapters.sql.stores.threads import SqlThreadStore
from tertulia.adapters.sql.stores.uploads import SqlUploadStore
from tertulia.adapters.sql.stores.workspaces import (
    SqlInvitationStore,
    SqlMemberStore,
    SqlWorkspaceStore,
)
from tertulia.domain.events import Event
from tertulia.domain.ids import MessageId
from tertulia.usecases.ports import Clock

# Any constant works; it only has to be the same for every writer of the event log.
EVENT_LOG_LOCK = 0x7E27_0110


_LOCK_LOG = text("SELECT pg_advisory_xact_lock(:key)")
_APPEND = insert(t.events).returning(t.events.c.id, sort_by_parameter_order=True)
_APPEND_RAW = Raw.of(
    "INSERT INTO events (type, workspace_id, channel_id, audience, data, created_at)"
    " VALUES (:type, :workspace_id, :channel_id, :audience, :data, :created_at) RETURNING id"
)
# PostgreSQL, one event: take the log's lock, append, and (with a message to place) set its
# seq, all in one statement
_APPEND_ONE = Raw.of(
    "INSERT INTO events (type, workspace_id, channel_id, audience, data, created_at)"
    " SELECT :type, :workspace_id, :channel_id, :audience, :data, :created_at"
    " FROM (SELECT pg_advisory_xact_lock(:key)) AS log_lock RETURNING id"
)
_APPEND_ONE_PLACED = Raw.of(
    "WITH appended AS ("
    " INSERT INTO events (type, workspace_id, channel_id, audience, data, created_at)"
    " SELECT :type, :workspace_id, :channel_id, :audience, :data, :created_at"
    " FROM (SELECT pg_advisory_xact_lock(:key)) AS log_lock RETURNING id),"
    " placed AS (UPDATE messages SET seq = (SELECT id FROM appended) WHERE id = :message_id)"
    " SELECT id FROM appended"
)
_LOG_HEAD = Raw.of("SELECT coalesce(max(id), 0) FROM events")
_PLACE = Raw.of("UPDATE messages SET seq = :position WHERE id = :message_id")
_PLACE_NOTIFICATIONS = Raw.of(
    "UPDATE notifications SET seq = :position WHERE message_id = :message_id"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlUnitOfWork:
    """A transaction that rolls back unless committed.

    Events emitted during the transaction are appended to the log at commit, with ids in commit
    order: on SQLite the single writer guarantees it; on PostgreSQL a transaction-level advisory
    lock, taken just before the append and held until commit, serialises the appends (plain
    sequences hand out ids in call order, and commits can land out of that order).
    """

    def __init__(
        self,
        database: Database,
        read_only: bool = False,
        clock: Clock = _utc_now,
        on_commit: Callable[[list[Event]], None] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._read_only = read_only
        self._on_commit = on_commit
        self._pending: list[Event] = []
        self._positions: dict[int, MessageId] = {}  # index in _pending → message to place
        self._committed = False
        self.committed_events: list[Event] = []

    async def __aenter__(self) -> Self:
        self._lease = await self._database.lease(write=not self._read_only)
        self._conn = conn = self._lease.executor
        self.users = SqlUserStore(conn)
        self.sessions = SqlSessionStore(conn)
        self.workspaces = SqlWorkspaceStore(conn)
        self.members = SqlMemberStore(conn)
        self.invitations = SqlInvitationStore(conn)
        self.channels = SqlChannelStore(conn)
        self.channel_members = SqlChannelMemberStore(conn)
        self.messages = SqlMessageStore(conn)
        self.reactions = SqlReactionStore(conn)
        self.notifications = SqlNotificationStore(conn)
        self.threads = SqlThreadStore(conn)
        self.search = search_index(conn, str(self._database.url))
        self.files = SqlFileStore(conn)
        self.jobs = SqlJobStore(conn)
        self.uploads = SqlUploadStore(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._lease.release()

    async def log_head(self) -> int:
        return int((await self._conn.raw(_LOG_HEAD, {}))[0][0])

    def emit(self, event: Event, position: MessageId | None = None) -> None:
        """Append the event to the log when (and only if) this transaction commits. With
        `position`, that message's seq becomes the event's id, so messages too are placed in
        commit order."""
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot emit events")
        if position is not None:
            self._positions[len(self._pending)] = position
        self._pending.append(event)

    async def commit(self) -> None:
        if self._committed:
            raise RuntimeError("this unit of work has already committed")
        stored: list[Event] = []
        if self._pending:
            now = self._clock()
            rows = [
                {
                    "type": e.type,
                    "workspace_id": e.workspace_id,
                    "channel_id": e.channel_id,
                    "audience": " ".join(e.audience),
                    "data": orjson.dumps(e.data).decode(),
                    "created_at": now,
                }
                for e in self._pending
            ]
            postgres = self._conn.dialect.name == "postgresql"
            if postgres and len(rows) == 1:
                # the common case in one round trip: lock, append, place the message; the lock
                # is then held only for that statement and the commit
                position = self._positions.pop(0, None)
                statement = _APPEND_ONE_PLACED if position else _APPEND_ONE
                params = {**rows[0], "key": EVENT_LOG_LOCK}
                if position:
                    params["message_id"] = position
                ids = [int((await self._conn.raw(statement, params))[0][0])]
                if position in self.notifications.unplaced:
                    await self._conn.raw(
                        _PLACE_NOTIFICATIONS, {"message_id": position, "position": ids[0]}
                    )
            elif postgres:
                await self._conn.execute(_LOCK_LOG, {"key": EVENT_LOG_LOCK})
                ids = list((await self._conn.execute(_APPEND, rows)).scalars())
            else:  # SQLite: the single writer is the lock
                ids = [int((await self._conn.raw(_APPEND_RAW, row))[0][0]) for row in rows]
            stored = [
                dataclasses.replace(e, id=i, at=now)
                for e, i in zip(self._pending, ids, strict=True)
            ]
            for index, message_id in self._positions.items():
                placed = {"message_id": message_id, "position": ids[index]}
                await self._conn.raw(_PLACE, placed)
                if message_id in self.notifications.unplaced:
                    await self._conn.raw(_PLACE_NOTIFICATIONS, placed)
        await self._lease.commit()
        self._committed = True
        self.committed_events = stored
        self._pending = []
        if stored and self._on_commit is not None:
            self._on_commit(stored)  # published only now: a rolled-back change is never seen


class SqlUnitOfWorkFactory:
    """Opens units of work on one database; read-only ones use the reader pool."""

    def __init__(
        self,
        database: Database,
        clock: Clock = _utc_now,
        on_commit: Callable[[list[Event]], None] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.on_commit = on_commit  # hands committed events to real time (never raises)

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.database, read_only=read_only, clock=self.clock, on_commit=self.on_commit
        )
