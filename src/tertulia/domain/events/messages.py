"""Events of conversations: messages, reactions, threads, and one's notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from tertulia.domain.events import data
from tertulia.domain.events.base import Event, Kind, person
from tertulia.domain.ids import MessageId, UserId
from tertulia.domain.messages import Message

MEMBERS = "The channel's members."
YOURS = "Your own devices."


class _MessageShown(Kind):
    """A message, whole, for everyone in its channel."""

    __slots__ = ()
    DATA = data.MessageData
    RECEIVED_BY = MEMBERS

    @classmethod
    def of(cls, message: Message, files: Sequence[data.FileData] = ()) -> Event:
        return cls.about(data.message_data(message, files), message)


class MessageCreated(_MessageShown):
    __slots__ = ()
    TYPE = "message.created"
    SUMMARY = "A message was posted (a thread reply too; `thread_root_id` says where)."


class MessageUpdated(_MessageShown):
    __slots__ = ()
    TYPE = "message.updated"
    SUMMARY = "A message was edited."


class MessageDeleted(Kind):
    __slots__ = ()
    TYPE = "message.deleted"
    DATA = data.MessageDeleted
    SUMMARY = "A message was deleted: keep a tombstone in its place."
    RECEIVED_BY = MEMBERS

    @classmethod
    def of(cls, message: Message, deleted_at: datetime, by: UserId) -> Event:
        body: data.MessageDeleted = {
            "id": message.id,
            "channel_id": message.channel_id,
            "thread_root_id": message.thread_root_id,
            "deleted_at": deleted_at,
            "by": by,
        }
        return cls.about(body, message)


class MessagePinned(_MessageShown):
    __slots__ = ()
    TYPE = "message.pinned"
    SUMMARY = "A message was pinned."


class MessageUnpinned(_MessageShown):
    __slots__ = ()
    TYPE = "message.unpinned"
    SUMMARY = "A message was unpinned."


class _ReactionChange(Kind):
    __slots__ = ()
    DATA = data.Reaction
    RECEIVED_BY = MEMBERS

    @classmethod
    def of(cls, message: Message, emoji: str, user: UserId) -> Event:
        body: data.Reaction = {
            "message_id": message.id,
            "channel_id": message.channel_id,
            "emoji": emoji,
            "user_id": user,
        }
        return cls.about(body, message)


class ReactionAdded(_ReactionChange):
    __slots__ = ()
    TYPE = "reaction.added"
    SUMMARY = "Someone reacted."


class ReactionRemoved(_ReactionChange):
    __slots__ = ()
    TYPE = "reaction.removed"
    SUMMARY = "Someone took a reaction back."


class ThreadUpdated(Kind):
    __slots__ = ()
    TYPE = "thread.updated"
    DATA = data.ThreadUpdated
    SUMMARY = "A thread's summary changed (a reply came or went)."
    RECEIVED_BY = MEMBERS

    @classmethod
    def of(cls, root: Message) -> Event:
        """The root's summary changed: everyone in the channel sees the new counts."""
        body: data.ThreadUpdated = {
            "root_id": root.id,
            "channel_id": root.channel_id,
            **data.thread_data(root),
        }
        return cls.about(body, root)


class _ThreadFollowing(Kind):
    __slots__ = ()
    DATA = data.ThreadRef
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, root: Message, user: UserId) -> Event:
        body: data.ThreadRef = {"root_id": root.id, "channel_id": root.channel_id}
        return cls.about(body, root, (person(user),))


class ThreadFollowed(_ThreadFollowing):
    __slots__ = ()
    TYPE = "thread.followed"
    SUMMARY = "You follow a thread."


class ThreadUnfollowed(_ThreadFollowing):
    __slots__ = ()
    TYPE = "thread.unfollowed"
    SUMMARY = "You no longer follow a thread."


class ThreadRead(Kind):
    __slots__ = ()
    TYPE = "thread.read"
    DATA = data.ThreadRead
    SUMMARY = "You read a thread (on any device)."
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, root: Message, user: UserId, last_read_seq: int) -> Event:
        body: data.ThreadRead = {
            "channel_id": root.channel_id,
            "root_id": root.id,
            "last_read_seq": last_read_seq,
        }
        return cls.about(body, root, (person(user),))


class NotificationCreated(Kind):
    __slots__ = ()
    TYPE = "notification.created"
    DATA = data.NotificationCreated
    SUMMARY = "You were mentioned: a new item in your inbox."
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, message: Message, kind: str, users: Iterable[UserId]) -> Event:
        """These people were notified of the message, all for the same reason (`kind`)."""
        body = {
            "message_id": message.id,
            "channel_id": message.channel_id,
            "author_id": message.author_id,
            "kind": kind,
        }
        return cls.about(body, message, tuple(person(user) for user in users))


class NotificationRead(Kind):
    __slots__ = ()
    TYPE = "notification.read"
    DATA = data.NotificationRead
    SUMMARY = "You marked notifications read."
    RECEIVED_BY = YOURS
    IN_WORKSPACE = IN_CHANNEL = False

    @classmethod
    def of(cls, user: UserId, message_ids: Sequence[MessageId] | None) -> Event:
        body: data.NotificationRead = {"message_ids": list(message_ids) if message_ids else None}
        return cls.make(body, (person(user),))


class NotificationRemoved(Kind):
    __slots__ = ()
    TYPE = "notification.removed"
    DATA = data.NotificationRemoved
    SUMMARY = "A mention of you was edited away or deleted."
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, message: Message, users: Sequence[UserId]) -> Event:
        """Their inbox no longer holds this message (it was deleted, or no longer names
        them)."""
        body: data.NotificationRemoved = {
            "message_id": message.id,
            "channel_id": message.channel_id,
        }
        return cls.about(body, message, tuple(person(user) for user in users))
