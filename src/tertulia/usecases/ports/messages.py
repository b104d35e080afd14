"""Ports of messages: messages, reactions, notifications (mentions) and threads, and the
read-side rows they answer with (unreads, followed threads, reaction summaries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tertulia.domain.ids import (
    ChannelId,
    MessageId,
    UserId,
    WorkspaceId,
)
from tertulia.domain.mentions import Notification
from tertulia.domain.messages import Message


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


class MessageStore(Protocol):
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


class ReactionStore(Protocol):
    async def add(self, message_id: MessageId, emoji: str, user_id: UserId, at: datetime) -> bool:
        """Add a reaction; False if that person had already reacted with that emoji."""

    async def remove(self, message_id: MessageId, emoji: str, user_id: UserId) -> bool: ...

    async def emojis(self, message_id: MessageId) -> frozenset[str]: ...

    async def summaries(
        self, message_ids: Sequence[MessageId], viewer: UserId, first: int
    ) -> dict[MessageId, list[ReactionSummary]]:
        """Per message, per emoji (in order of first use): count, whether the viewer reacted,
        and the first `first` people."""


class NotificationStore(Protocol):
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


class ThreadStore(Protocol):
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
