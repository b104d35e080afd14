"""The ports the use cases need from the outside world, as small Protocols.

Storage has one implementation (SQL, on SQLite or PostgreSQL); its repositories are Protocols
here only so that imports point inwards. Use-case tests run them on a real SQLite database.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self

from tertulia.domain.attachments import StoredFile
from tertulia.domain.channels import Channel
from tertulia.domain.events import Event
from tertulia.domain.ids import (
    ChannelId,
    FileId,
    InvitationId,
    MessageId,
    SessionId,
    UploadId,
    UserId,
    WorkspaceId,
)
from tertulia.domain.messages import Message
from tertulia.domain.sessions import RefreshToken, Session
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace
from tertulia.usecases.searchmatch import Match

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


@dataclass(frozen=True, slots=True)
class Hit:
    """One attempt to count against a key: at most `limit` per window of `window_seconds`."""

    key: str
    limit: int
    window_seconds: int


class RateLimiter(Protocol):
    """Counts hits per key within a window, the same for every process sharing it."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        """Count one hit; `allowed` is False once the window holds more than `limit`."""

    async def hit_many(self, hits: Sequence[Hit]) -> list[RateLimit]:
        """Count one hit on each of several distinct keys at once; their states in order."""

    async def reset(self, key: str) -> None:
        """Forget the hits of a key (an account that just proved its password)."""

    async def aclose(self) -> None:
        """Stop counting (the server is going away)."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A person with their role in a workspace."""

    user: User
    membership: Membership


@dataclass(frozen=True, slots=True)
class Access:
    """A channel as one person stands to it: their workspace membership (None if they are
    outside the workspace), whether they belong to the channel, and their read marker."""

    channel: Channel
    membership: Membership | None
    is_member: bool
    last_read_seq: int = 0
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Named:
    """A username a message mentions, resolved in its workspace."""

    user_id: UserId
    in_channel: bool


@dataclass(frozen=True, slots=True)
class ReactionSummary:
    """One emoji on one message: how many, whether the reader is among them, the first few."""

    emoji: str
    count: int
    me: bool
    user_ids: tuple[UserId, ...]


@dataclass(frozen=True, slots=True)
class Notification:
    """Someone was mentioned by a message (one per person and message)."""

    user_id: UserId
    message_id: MessageId
    workspace_id: WorkspaceId
    channel_id: ChannelId
    kind: str  # mention, everyone, here
    created_at: datetime
    read_at: datetime | None = None
    seq: int = 0  # the message's place, which orders the inbox


@dataclass(frozen=True, slots=True)
class ChannelUnread:
    """Where someone stands in one channel: what is new since their marker."""

    channel_id: ChannelId
    muted: bool
    unread_messages: int  # counted up to UNREAD_CAP
    mentions: int
    last_read_seq: int
    latest_seq: int


@dataclass(frozen=True, slots=True)
class FollowedThread:
    """A thread someone follows, with how many replies they have not read."""

    root: Message
    last_read_seq: int
    unread_replies: int
    latest_seq: int


UNREAD_CAP = 1000  # counts stop here ("999+"): an index scan never reads a whole channel


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

    async def matching(
        self, workspace_id: WorkspaceId, patterns: Sequence[str], limit: int
    ) -> list[User]:
        """Members whose folded names match every LIKE pattern, by username."""

    async def with_usernames(
        self, workspace_id: WorkspaceId, usernames: Sequence[str]
    ) -> dict[str, UserId]:
        """Members of the workspace among these usernames (lowercase), by username."""

    async def seen_by(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        among: Sequence[UserId] | None = None,
    ) -> list[UserId]:
        """The people of a workspace this member can see: everyone for full members, the
        people of their channels for guests (themselves included); only those `among`
        these, when given."""

    async def shown_to(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        limit: int,
        among: Sequence[UserId] | None = None,
    ) -> list[MemberRow]:
        """The first `limit` of the people `seen_by` the viewer, with their memberships,
        by username; only those `among` these, when given."""


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

    async def named(self, workspace_id: WorkspaceId, names: Sequence[str]) -> list[Channel]:
        """Channels whose names fold (case and accents aside, `searchtext.fold`) as one of
        these does: `facturacion` and `Facturación` name #facturación."""

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

    async def matching(
        self,
        workspace_id: WorkspaceId,
        viewer: UserId,
        include_public: bool,
        patterns: Sequence[str],
        limit: int,
    ) -> list[tuple[Channel, bool]]:
        """Named channels the viewer belongs to (and public ones, with `include_public`)
        whose folded names match every LIKE pattern; archived last; with is_member."""

    async def existing(self, workspace_id: WorkspaceId, ids: Sequence[ChannelId]) -> list[Channel]:
        """Those of the ids that name channels of that workspace."""

    async def access(
        self, channel_id: ChannelId, user_id: UserId, lock: bool = False
    ) -> Access | None:
        """The channel and how the user stands to it, in one look-up; None if no channel.
        `lock` holds the channel's row until commit."""

    async def public_named(
        self, workspace_id: WorkspaceId, names: Sequence[str]
    ) -> dict[str, ChannelId]:
        """The public channels of the workspace with these (lowercase) names."""


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

    async def user_ids(self, channel_id: ChannelId) -> list[UserId]: ...

    async def named(
        self, workspace_id: WorkspaceId, channel_id: ChannelId, usernames: Sequence[str]
    ) -> dict[str, Named]:
        """The workspace members with these (lowercase) usernames, and whether each is in
        the channel."""

    async def set_read(self, channel_id: ChannelId, user_id: UserId, seq: int) -> None: ...

    async def set_muted(self, channel_id: ChannelId, user_id: UserId, muted: bool) -> None: ...

    async def unreads(self, user_id: UserId, workspace_id: WorkspaceId) -> list[ChannelUnread]:
        """Per channel of the workspace the user belongs to: unread messages (by others, not
        deleted, up to UNREAD_CAP) and unread mentions since their marker."""


class Messages(Protocol):
    async def add(self, message: Message) -> None:
        """Store a new message (its seq is set at commit); Conflict
        message.duplicate_client_msg_id if its author used that client_msg_id already."""

    async def find(self, message_id: MessageId, lock: bool = False) -> Message | None: ...

    async def find_by_client_id(self, author_id: UserId, client_msg_id: str) -> Message | None: ...

    async def get_many(self, message_ids: Sequence[MessageId]) -> list[Message]:
        """Those of the messages that exist, in no particular order."""

    async def save(self, message: Message) -> None:
        """Store a changed message: text, html, version, mentions, edit and delete times,
        thread summary, pin."""

    async def add_edit(self, message_id: MessageId, version: int, text: str, at: datetime) -> None:
        """Keep the text a message had at a version, before an edit replaced it."""

    async def edits(
        self, message_id: MessageId, after: int, limit: int
    ) -> list[tuple[int, str, datetime]]:
        """Up to `limit` earlier versions of a message after version `after`: (version, text,
        written at), oldest first."""

    async def forget_content(self, message_id: MessageId) -> None:
        """Delete what a deleted message had: its edits, reactions and notifications."""

    async def history(
        self,
        channel_id: ChannelId,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int,
    ) -> list[Message]:
        """Messages shown in the channel (roots, and replies also sent there), newest first
        below `before`, or oldest first above `after`."""

    async def replies(
        self,
        root_id: MessageId,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int,
    ) -> list[Message]:
        """A thread's replies, oldest first above `after`, or newest first below `before`."""

    async def latest_seq(self, channel_id: ChannelId) -> int:
        """The place of the channel's newest message (0 if none)."""

    async def latest_reply_seq(self, root_id: MessageId) -> int: ...

    async def thread_summary(
        self, root_id: MessageId, participants: int
    ) -> tuple[int, datetime | None, tuple[UserId, ...]]:
        """A thread's live (not deleted) replies: how many, the last one's time, and the first
        `participants` people who wrote them."""

    async def pins(self, channel_id: ChannelId, limit: int) -> list[Message]:
        """Pinned messages of a channel, most recently pinned first."""

    async def after(self, message_id: MessageId | None, limit: int) -> list[Message]:
        """Every message (of every workspace, deleted ones too) after this id, in id order."""

    async def count(self) -> int:
        """How many messages there are, deleted ones included."""


class Reactions(Protocol):
    async def add(self, message_id: MessageId, emoji: str, user_id: UserId, at: datetime) -> bool:
        """Add a reaction; False if that person had already reacted with that emoji."""

    async def remove(self, message_id: MessageId, emoji: str, user_id: UserId) -> bool: ...

    async def emojis(self, message_id: MessageId) -> frozenset[str]: ...

    async def summaries(
        self, message_ids: Sequence[MessageId], viewer: UserId, first: int
    ) -> dict[MessageId, list[ReactionSummary]]:
        """Per message, per emoji (in order of first use): count, whether the viewer reacted,
        and the first `first` people."""


class Notifications(Protocol):
    async def add(self, notifications: Sequence[Notification]) -> None: ...

    async def remove(self, message_id: MessageId, user_ids: Sequence[UserId] | None = None) -> None:
        """Forget a message's notifications (of those people, or of everyone)."""

    async def recipients(self, message_id: MessageId) -> dict[UserId, str]:
        """Who a message has notified, and why."""

    async def page(
        self, user_id: UserId, before: int | None, limit: int, unread_only: bool
    ) -> list[Notification]:
        """Someone's notifications, by their messages' places, newest first, below `before`."""

    async def count_unread(self, user_id: UserId, cap: int) -> int:
        """Someone's notifications not marked read in the channels they still belong to (the
        ones their inbox lists), counted up to `cap`."""

    async def mark_read(
        self, user_id: UserId, message_ids: Sequence[MessageId] | None, at: datetime
    ) -> int:
        """Mark some (or all) of someone's notifications read; how many changed."""


class Threads(Protocol):
    async def follow(self, user_id: UserId, root: Message, following: bool, at: datetime) -> None:
        """Follow (or unfollow) a thread by hand: a choice later activity never overrides."""

    async def follow_by_activity(
        self, user_ids: Sequence[UserId], root: Message, at: datetime
    ) -> None:
        """These people took part in the thread (replied, were named): they follow it, unless
        they chose by hand not to."""

    async def find(self, user_id: UserId, root_id: MessageId) -> tuple[bool, int] | None:
        """Whether the user follows the thread, and their read marker in it."""

    async def set_read(self, user_id: UserId, root: Message, seq: int, at: datetime) -> None: ...

    async def followed(
        self,
        user_id: UserId,
        workspace_id: WorkspaceId,
        after: tuple[int, int, str] | None,
        limit: int,
    ) -> list[FollowedThread]:
        """Followed threads of the workspace: those with unread replies first, then by the
        newest reply; ordered by (has unread, newest reply seq, root id) descending, after
        that key."""


BLOB_KEY = r"^[0-9a-f]{64}$"  # a blob's key: the SHA-256 of its bytes, in hex


class BlobTooLarge(Exception):
    """The bytes offered ran past the limit; nothing was kept."""


@dataclass(frozen=True, slots=True)
class Blob:
    """Bytes kept by content: the same bytes, stored twice, are one blob."""

    key: str  # sha256 hex
    size: int


class BlobStore(Protocol):
    """Where file bytes live (a local directory, an S3-compatible bucket). Content-addressed:
    a blob is written once, under the SHA-256 of its bytes, and never changes."""

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Blob:
        """Stream the chunks in, hashing them; keep them under their hash (once, however
        often they are put). Past `max_bytes`, stop reading, keep nothing, raise
        BlobTooLarge. Only a complete blob is ever visible under its key."""

    async def size(self, key: str) -> int | None:
        """The blob's size, or None if there is none under that key."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Its bytes from `start` up to `end` (exclusive; the end of the blob if None), in
        chunks; KeyError if there is none."""

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens if there is none."""

    async def presigned_url(
        self, key: str, seconds: int, content_type: str, disposition: str
    ) -> str | None:
        """A URL that serves the blob without us for `seconds`, with these response headers
        (an S3 presigned GET); None if the store cannot, and the blob is served through us."""


class VirusScanner(Protocol):
    """Checks stored bytes for malware (ClamAV's clamd, where an installation runs one)."""

    async def scan(self, chunks: AsyncIterable[bytes]) -> str | None:
        """The name of the threat found in these bytes, or None if they are clean. Raises
        ScannerUnavailable if the scanner cannot answer (the upload is then refused)."""


class ScannerUnavailable(Exception):
    """The virus scanner did not answer."""


class TooLargeToScan(ScannerUnavailable):
    """The scanner will not take this many bytes (clamd's StreamMaxLength): they cannot be
    checked, and a retry will not change that."""


@dataclass(frozen=True, slots=True)
class Job:
    """Work taken from the durable queue, leased to this worker until done or retried."""

    id: int
    kind: str  # image, collect
    subject: str  # a file id, a blob key
    attempts: int  # including this one


class Jobs(Protocol):
    """The durable queue: enqueued in the transaction that calls for the work, taken by any
    node under a lease; a job whose worker dies is taken again when the lease runs out."""

    async def enqueue(self, kind: str, subject: str, run_after: float, now: datetime) -> None: ...

    async def claim(self, now: float, lease_seconds: float) -> Job | None:
        """Lease the next due job (skipping those leased to others)."""

    async def done(self, job_id: int) -> None: ...

    async def retry(self, job_id: int, run_after: float, error: str) -> None: ...

    async def pending(self, kind: str | None = None) -> int:
        """How many jobs (of this kind) wait or run."""


class Files(Protocol):
    async def add(self, file: StoredFile) -> None: ...

    async def save(self, file: StoredFile) -> None:
        """Store every changeable field, thumbnails included."""

    async def find(self, file_id: FileId, lock: bool = False) -> StoredFile | None: ...

    async def find_many(self, file_ids: Sequence[FileId]) -> list[StoredFile]: ...

    async def of_messages(
        self, message_ids: Sequence[MessageId]
    ) -> dict[MessageId, list[StoredFile]]:
        """The live files of each message, in upload order."""

    async def attach(
        self, file_ids: Sequence[FileId], message_id: MessageId, channel_id: ChannelId
    ) -> None: ...

    async def usage(self, workspace_id: WorkspaceId, uploader_id: UserId) -> tuple[int, int]:
        """Bytes held by live files: the uploader's in the workspace, and the workspace's."""

    async def lock_usage(self, workspace_id: WorkspaceId) -> None:
        """Serialise whoever takes room in the workspace's quotas until the transaction ends."""

    async def in_channel(
        self, channel_id: ChannelId, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files shared in a channel, newest first, after the (created_at, id) key."""

    async def search(
        self, where: FileFilter, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files `where` lets through, newest first, after the (created_at, id) key."""

    async def referenced(self, key: str) -> bool:
        """Whether any live file still holds the blob (served, source or thumbnail)."""

    async def lock_blob(self, key: str) -> None:
        """Serialise whoever takes or frees this blob until the transaction ends."""

    async def held_keys(self, after: str, limit: int) -> list[str]:
        """The blobs live files hold, in key order, after `after`."""

    async def count_held_keys(self) -> int: ...


SniffType = Callable[[bytes], str]  # the MIME type of a file from its first bytes (magic)
SNIFF_BYTES = 8192  # how much of a file's start the sniffer is given

THUMBNAIL_SIZES = (64, 360, 1280)  # bounding boxes, px; the largest is the display size


class ImageRejected(Exception):
    """The image cannot be processed; it stays a plain attachment. `code` says why:
    image.too_large (more pixels or frames than the policy allows: a decompression bomb, or
    more than a worker's memory can decode), image.corrupt (truncated or malformed),
    image.unsupported (a format we do not render), image.too_slow (its work took longer than
    allowed, and was stopped). `original` is the file without its metadata, when the work
    got that far: what may be served of it (never the bytes as uploaded)."""

    def __init__(self, code: str, detail: str, original: Path | None = None) -> None:
        super().__init__(code, detail, original)
        self.code = code
        self.detail = detail
        self.original = original

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True, slots=True)
class Rendition:
    """One file the processor wrote: a thumbnail (size = its bounding box) or the cleaned
    original (size 0)."""

    size: int
    path: Path
    content_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    width: int | None  # of the image as shown (orientation applied); None for SVG
    height: int | None
    animated: bool
    placeholder: str  # a BlurHash of the image as shown
    original: Rendition  # the original with every piece of metadata removed, pixels untouched
    thumbnails: tuple[Rendition, ...]  # one per THUMBNAIL_SIZES entry, smallest first (WebP);
    # none for an SVG, which is only cleaned


class ImageProcessor(Protocol):
    """Image work, off the event loop (a pool of worker processes)."""

    async def process(self, source: Path, content_type: str, workdir: Path) -> ProcessedImage:
        """Read the image at `source` (whose sniffed type is `content_type`), write its
        renditions into `workdir`, and describe them. ImageRejected if it cannot be."""

    async def aclose(self) -> None:
        """Stop the workers."""


SEARCH_DEPTH = 500  # a search pages through at most this many of the newest matches


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What the index keeps of a message: its current text and what operators filter on."""

    message_id: MessageId
    workspace_id: WorkspaceId
    channel_id: ChannelId
    author_id: UserId
    created_at: datetime
    text: str
    has_link: bool
    has_file: bool = False


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Which messages a search may return. `viewer` sees the channels they belong to, and the
    public channels of the workspace when `include_public`; the rest narrows further."""

    workspace_id: WorkspaceId
    viewer: UserId
    include_public: bool
    channel_ids: tuple[ChannelId, ...] | None = None  # in:, None for every readable channel
    author_ids: tuple[UserId, ...] = ()  # from: any of them
    mentioned_ids: tuple[UserId, ...] = ()  # mentions: any of them
    has: frozenset[str] = frozenset()  # link, file, reaction
    is_: frozenset[str] = frozenset()  # thread, pinned
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    # what negated operators leave out: -in:, -from:, -mentions:, -has:, -is:
    not_channel_ids: tuple[ChannelId, ...] = ()
    not_author_ids: tuple[UserId, ...] = ()
    not_mentioned_ids: tuple[UserId, ...] = ()
    not_has: frozenset[str] = frozenset()
    not_is: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Which files a file search may return. `viewer` sees their own uploads, and files shared
    in the channels they may read (theirs; public ones too when `include_public`)."""

    workspace_id: WorkspaceId
    viewer: UserId
    include_public: bool
    # runs of folded words (`name_key`'s) the name must hold, each in order and the last one
    # by prefix: ("informe", "an") matches "Informe anual.pdf"
    names: tuple[tuple[str, ...], ...] = ()  # every one of them
    not_names: tuple[tuple[str, ...], ...] = ()  # none of them
    kinds: tuple[str, ...] = ()  # any of these kinds; () for every kind
    channel_ids: tuple[ChannelId, ...] | None = None  # in:, None for anywhere readable
    uploader_ids: tuple[UserId, ...] = ()  # from: any of them
    since: datetime | None = None  # uploaded at or after
    until: datetime | None = None  # uploaded before
    not_channel_ids: tuple[ChannelId, ...] = ()  # -in: not shared there (unshared files stay)
    not_uploader_ids: tuple[UserId, ...] = ()  # -from: not uploaded by them


@dataclass(frozen=True, slots=True)
class SearchHit:
    message_id: MessageId
    score: float  # higher is better; 0 when sorted by recency


@dataclass(frozen=True, slots=True)
class SearchHits:
    hits: list[SearchHit]  # the page asked for
    total: int  # matches in all, exact when `exact`, else an estimate
    exact: bool


class SearchIndex(Protocol):
    """Full-text search over messages. SQL engines update it in the message's transaction; an
    external engine would queue the change in that transaction instead (same port)."""

    async def put(self, document: SearchDocument) -> None:
        """Index a message, or replace what was indexed of it."""

    async def drop(self, message_id: MessageId) -> None:
        """Forget a message (deleted); nothing happens if it was not indexed."""

    async def search(
        self,
        match: Match,
        where: SearchFilter,
        sort: Literal["relevance", "recent"],
        offset: int,
        limit: int,
    ) -> SearchHits:
        """Matches of `match` (every message under `where` if it has no clauses), best first
        (ties: newest first) or newest first. Engines rank a bounded set of the newest
        matches (`SEARCH_DEPTH`), never every match of a common word."""

    async def reindexed_up_to(self) -> tuple[MessageId, int] | None:
        """Where an unfinished `tertulia reindex` stopped: the last message id it indexed and
        how many it had done; None if no rebuild is under way."""

    async def save_reindex_point(self, message_id: MessageId | None, done: int) -> None:
        """Record how far a rebuild got (None: it finished, or starts over)."""


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

    @property
    def messages(self) -> Messages: ...

    @property
    def reactions(self) -> Reactions: ...

    @property
    def notifications(self) -> Notifications: ...

    @property
    def threads(self) -> Threads: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def files(self) -> Files: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def uploads(self) -> Uploads: ...

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


@dataclass(frozen=True, slots=True)
class Upload:
    """A resumable upload (tus) under way: the bytes come in parts, each one a blob, until
    `offset` reaches `length`; then they become a file (`file_id`)."""

    id: UploadId
    workspace_id: WorkspaceId
    uploader_id: UserId
    name: str
    length: int  # bytes the whole file has, declared at creation
    offset: int  # bytes received and recorded so far
    created_at: datetime
    expires_at: datetime  # 24 h after the last part (or the creation)
    file_id: FileId | None = None  # the file made once every byte came


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One PATCH's bytes: a blob, placed at `start` in the upload."""

    start: int
    blob_key: str
    size: int


class Uploads(Protocol):
    """Resumable uploads and their parts (the blobs the parts hold stay alive: see
    `Files.referenced`)."""

    async def add(self, upload: Upload) -> None: ...

    async def find(self, upload_id: UploadId, lock: bool = False) -> Upload | None: ...

    async def save(self, upload: Upload) -> None:
        """Store its offset, expiry and file."""

    async def add_part(self, upload_id: UploadId, part: UploadPart) -> None: ...

    async def parts(self, upload_id: UploadId) -> list[UploadPart]:
        """Its parts, in order."""

    async def part_count(self, upload_id: UploadId) -> int:
        """How many parts it has."""

    async def drop_parts(self, upload_id: UploadId) -> list[str]:
        """Forget its parts; the keys of the blobs they held."""

    async def delete(self, upload_id: UploadId) -> list[str]:
        """Forget the upload and its parts; the keys of the blobs the parts held."""

    async def reserved(
        self,
        workspace_id: WorkspaceId,
        uploader_id: UserId,
        now: datetime,
        excluding: UploadId | None = None,
    ) -> tuple[int, int]:
        """Bytes promised to uploads under way at `now` (unfinished and unexpired; all but
        `excluding`): the uploader's in the workspace, and the workspace's."""

    async def delete_expired(self, now: datetime, limit: int) -> tuple[int, list[str]]:
        """Forget up to `limit` uploads that expired by `now`, and their parts, skipping any
        another transaction holds: how many went, and the keys of the blobs the parts held."""
