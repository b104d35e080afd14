"""The ports the use cases need from the outside world, as small Protocols.

Storage has one implementation (SQL, on SQLite or PostgreSQL); its repositories are Protocols
here only so that imports point inwards. Use-case tests run them on a real SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from tertulia.domain.channels import Channel
from tertulia.domain.events import Event
from tertulia.domain.ids import ChannelId, InvitationId, SessionId, UserId, WorkspaceId
from tertulia.domain.sessions import RefreshToken, Session
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace

Clock = Callable[[], datetime]


class PasswordHasher(Protocol):
    """Slow, salted password hashing; implementations keep the event loop free."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The state of one limit after a hit: whether it passed, and what remains until when."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees up


class RateLimiter(Protocol):
    """Counts hits per key within a window, the same for every process sharing it."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        """Count one hit; `allowed` is False once the window holds more than `limit`."""

    async def reset(self, key: str) -> None:
        """Forget the hits of a key (an account that just proved its password)."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A person with their role in a workspace."""

    user: User
    membership: Membership


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A channel with what the reader needs to show it."""

    channel: Channel
    is_member: bool
    member_count: int
    dm_user_ids: tuple[UserId, ...] = ()


class Users(Protocol):
    async def add(self, user: User, password_hash: str) -> None:
        """Store a new user; raise Conflict if the username or email is taken."""

    async def get(self, user_id: UserId, lock: bool = False) -> User:
        """The user (NotFound if none); `lock` holds the row until commit."""

    async def find(self, user_id: UserId, lock: bool = False) -> User | None: ...

    async def find_login(self, login: str) -> tuple[User, str] | None:
        """The user whose username or email is `login`, with their password hash."""

    async def password_hash(self, user_id: UserId) -> str: ...

    async def update(self, user: User) -> None:
        """Store a changed profile; raise Conflict if the new email is taken."""

    async def set_password(self, user_id: UserId, password_hash: str, at: datetime) -> None: ...

    async def visible_to(self, viewer: UserId, user_id: UserId) -> bool:
        """Whether the viewer may see the user: a full member of a common workspace, or a
        guest sharing a channel with them."""


class Sessions(Protocol):
    async def add(self, session: Session) -> None: ...

    async def find(self, session_id: SessionId) -> Session | None: ...

    async def revoke(self, session_id: SessionId, at: datetime) -> None: ...

    async def revoke_others(
        self, user_id: UserId, keep: SessionId | None, at: datetime
    ) -> list[SessionId]: ...

    async def add_refresh(self, token: RefreshToken) -> None: ...

    async def find_refresh(self, token_hash: str) -> RefreshToken | None: ...

    async def prune_used(self, session_id: SessionId, before: datetime) -> None:
        """Forget the session's refresh tokens used before then."""

    async def prune_ended(self, user_id: UserId, before: datetime) -> None:
        """Delete the user's sessions (and tokens) that expired or were revoked before then."""

    async def use_refresh(self, token_hash: str, at: datetime) -> bool:
        """Mark a refresh token used; False if it had already been used (a replay)."""


class Workspaces(Protocol):
    async def add(self, workspace: Workspace) -> None:
        """Store a new workspace; raise Conflict if the slug is taken."""

    async def find(self, workspace_id: WorkspaceId) -> Workspace | None: ...

    async def get(self, workspace_id: WorkspaceId) -> Workspace:
        """The workspace; NotFound workspace.not_found if there is none."""

    async def lock(self, workspace_id: WorkspaceId) -> None:
        """Serialise changes to the workspace's membership until commit."""

    async def slug_taken(self, slug: str) -> bool: ...

    async def update(self, workspace: Workspace, at: datetime) -> None: ...

    async def of_user(
        self, user_id: UserId, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Workspace, Membership]]:
        """The user's workspaces ordered by (name, id), after that key."""


class Members(Protocol):
    """Workspace memberships."""

    async def add(self, membership: Membership) -> bool:
        """Add a membership; False if the user was already a member."""

    async def find(self, workspace_id: WorkspaceId, user_id: UserId) -> Membership | None: ...

    async def set_role(self, workspace_id: WorkspaceId, user_id: UserId, role: Role) -> None: ...

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None: ...

    async def count(self, workspace_id: WorkspaceId, role: Role) -> int: ...

    async def page(
        self, workspace_id: WorkspaceId, after: str | None, limit: int
    ) -> list[MemberRow]:
        """Members ordered by username, starting after that username."""

    async def workspaces_of(self, user_id: UserId) -> list[WorkspaceId]: ...


class Invitations(Protocol):
    async def add(self, invitation: Invitation, token_hash: str) -> None: ...

    async def find_by_token(self, token_hash: str) -> Invitation | None: ...

    async def find(self, invitation_id: InvitationId) -> Invitation | None: ...

    async def live(
        self, workspace_id: WorkspaceId, created_by: UserId | None, now: datetime
    ) -> list[Invitation]:
        """Invitations that can still be accepted (of one creator, if given), oldest first."""

    async def revoke(self, invitation_id: InvitationId, at: datetime) -> None: ...

    async def revoke_by(self, workspace_id: WorkspaceId, created_by: UserId, at: datetime) -> None:
        """Revoke every invitation someone made in a workspace (they left or were removed)."""

    async def count_use(self, invitation: Invitation) -> bool:
        """Count one use; False if the invitation was used up meanwhile."""


class Channels(Protocol):
    async def add(self, channel: Channel, dm_key: str | None = None) -> None:
        """Store a channel; raise Conflict if its name (or DM people) are taken."""

    async def find(self, channel_id: ChannelId, lock: bool = False) -> Channel | None:
        """The channel; `lock` holds its row until commit, against lost updates."""

    async def find_dm(self, workspace_id: WorkspaceId, dm_key: str) -> Channel | None: ...

    async def find_named(self, workspace_id: WorkspaceId, name: str) -> Channel | None: ...

    async def default(self, workspace_id: WorkspaceId) -> Channel | None: ...

    async def update(self, channel: Channel, at: datetime) -> None:
        """Store changed name, topic, purpose or archive state; Conflict if the name is taken."""

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
        """Channels the viewer may see, ordered by (name, id), after that key; only those
        ids if given. Private channels and direct messages need the viewer's membership."""

    async def existing(self, workspace_id: WorkspaceId, ids: Sequence[ChannelId]) -> list[Channel]:
        """Those of the ids that name channels of that workspace."""


class ChannelMembers(Protocol):
    async def add(self, channel: Channel, user_id: UserId, at: datetime) -> bool:
        """Add a member; False if they already were one."""

    async def is_member(self, channel_id: ChannelId, user_id: UserId) -> bool: ...

    async def remove(self, channel_id: ChannelId, user_id: UserId) -> bool:
        """Remove a member; False if they were not one."""

    async def leave_workspace(self, workspace_id: WorkspaceId, user_id: UserId) -> list[Channel]:
        """Remove the user from every channel of the workspace; the channels they left."""

    async def page(self, channel_id: ChannelId, after: str | None, limit: int) -> list[MemberRow]:
        """Channel members (with their workspace role) ordered by username."""

    async def channels_of(
        self, user_id: UserId, workspace_id: WorkspaceId | None = None
    ) -> list[ChannelId]:
        """The channels (and DMs) someone belongs to, in one workspace or in all."""

    async def share_channel(self, a: UserId, b: UserId, workspace_id: WorkspaceId) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction: repositories, the events to append, and commit. Rolls back unless
    committed. Events are appended to the log at commit, with ids in commit order."""

    @property
    def users(self) -> Users: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def workspaces(self) -> Workspaces: ...

    @property
    def members(self) -> Members: ...

    @property
    def invitations(self) -> Invitations: ...

    @property
    def channels(self) -> Channels: ...

    @property
    def channel_members(self) -> ChannelMembers: ...

    committed_events: list[Event]

    def emit(self, event: Event) -> None: ...

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
