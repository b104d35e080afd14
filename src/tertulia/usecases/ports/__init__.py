"""The ports the use cases need from the outside world, as small Protocols, one module per
capability (accounts, workspaces, channels, messages, files, search, jobs, limits, realtime),
named as the use-case module and the adapter that serve it. Repository ports are `…Store`s.

Storage has one implementation (SQL, on SQLite or PostgreSQL); its stores are Protocols here
only so that imports point inwards. Use-case tests run them on a real SQLite database. This
module holds what spans them: the unit of work (one transaction, its stores, its events) and
the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from tertulia.domain.events import Event
from tertulia.domain.ids import MessageId
from tertulia.usecases.ports.accounts import SessionStore, UserStore
from tertulia.usecases.ports.channels import ChannelMemberStore, ChannelStore
from tertulia.usecases.ports.files import FileStore, UploadStore
from tertulia.usecases.ports.jobs import JobStore
from tertulia.usecases.ports.messages import (
    MessageStore,
    NotificationStore,
    ReactionStore,
    ThreadStore,
)
from tertulia.usecases.ports.search import SearchIndex
from tertulia.usecases.ports.workspaces import InvitationStore, MemberStore, WorkspaceStore

Clock = Callable[[], datetime]


class UnitOfWork(Protocol):
    """One transaction: its stores, the events to append, and commit. Rolls back unless
    committed. Events are appended to the log at commit, with ids in commit order."""

    @property
    def users(self) -> UserStore: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def workspaces(self) -> WorkspaceStore: ...

    @property
    def members(self) -> MemberStore: ...

    @property
    def invitations(self) -> InvitationStore: ...

    @property
    def channels(self) -> ChannelStore: ...

    @property
    def channel_members(self) -> ChannelMemberStore: ...

    committed_events: list[Event]

    @property
    def messages(self) -> MessageStore: ...

    @property
    def reactions(self) -> ReactionStore: ...

    @property
    def notifications(self) -> NotificationStore: ...

    @property
    def threads(self) -> ThreadStore: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def files(self) -> FileStore: ...

    @property
    def jobs(self) -> JobStore: ...

    @property
    def uploads(self) -> UploadStore: ...

    async def log_head(self) -> int:
        """The id of the newest event committed to the log (0 when it is empty): whatever
        this transaction reads next includes every change up to it."""

    def emit(self, event: Event, position: MessageId | None = None) -> None:
        """Append the event at commit. With `position`, that message's seq becomes the
        event's id: messages are placed in commit order."""

    async def commit(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
