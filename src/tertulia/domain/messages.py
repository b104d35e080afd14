"""Messages: what may be posted, edited, deleted, reacted to and pinned, and by whom."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tertulia.domain.channels import Channel
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.domain.workspaces import Membership

DEFAULT_MAX_LENGTH = 16_000
MAX_DISTINCT_REACTIONS = 50
PARTICIPANTS_KEPT = 10  # a thread root remembers its first repliers, for the avatars
CLIENT_MSG_ID_MAX = 64
_CLIENT_MSG_ID = re.compile(rf"^[A-Za-z0-9._:-]{{1,{CLIENT_MSG_ID_MAX}}}$")


@dataclass(frozen=True, slots=True)
class Draft:
    """What someone asks to post."""

    text: str
    client_msg_id: str | None = None
    thread_root_id: MessageId | None = None
    also_send_to_channel: bool = False
    file_ids: tuple[FileId, ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    """A message as stored. A deleted message keeps its id, place and thread (a tombstone)
    but loses its text, html, mentions, reactions and edit history."""

    id: MessageId
    workspace_id: WorkspaceId
    channel_id: ChannelId
    author_id: UserId
    text: str
    html: str
    created_at: datetime
    seq: int = 0  # its place in the log: assigned at commit, in commit order
    thread_root_id: MessageId | None = None
    in_channel: bool = True  # roots, and replies also sent to the channel
    client_msg_id: str | None = None
    version: int = 1
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    mentioned: tuple[UserId, ...] = ()  # members the text mentions by name
    mentions_everyone: bool = False
    mentions_here: bool = False
    reply_count: int = 0
    last_reply_at: datetime | None = None
    participants: tuple[UserId, ...] = ()
    pinned_at: datetime | None = None
    pinned_by: UserId | None = None
    file_ids: tuple[FileId, ...] = ()  # the files it carries, in order
    body_hash: str = field(default="", compare=False)  # what a client_msg_id stands for

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_reply(self) -> bool:
        return self.thread_root_id is not None


class StaleVersion(Conflict):
    """An edit based on an older version than the current one; carries the current message."""

    def __init__(self, current: Message) -> None:
        super().__init__(
            f"The message changed meanwhile (now version {current.version}).",
            "message.stale_version",
        )
        self.current = current


def check_text(text: str, max_length: int, with_files: bool = False) -> str:
    """The text to store: not empty (unless files carry the message), not over the limit,
    no NUL; trailing spaces trimmed."""
    body = text.rstrip()
    if "\x00" in body:
        raise Invalid.field("text", "message.bad_character", "A message may not contain NUL.")
    if not body.strip() and not with_files:
        raise Invalid.field("text", "message.empty", "A message needs some text.")
    if len(body) > max_length:
        raise Invalid.field(
            "text",
            "message.too_long",
            f"A message has at most {max_length} characters; this one has {len(body)}.",
        )
    return body


def check_client_msg_id(value: str | None) -> str | None:
    if value is not None and not _CLIENT_MSG_ID.match(value):
        raise Invalid.field(
            "client_msg_id",
            "message.client_msg_id",
            f"client_msg_id has 1 to {CLIENT_MSG_ID_MAX} letters, digits, '.', '_', ':' or '-'.",
        )
    return value


def check_post(channel: Channel, is_member: bool) -> None:
    """Only members post, and not in archived channels."""
    if not is_member:
        raise Forbidden("Only members of a channel can post in it.", "channel.not_member")
    if channel.is_archived:
        raise Conflict(
            "This channel is archived: it can be read but not changed.", "channel.archived"
        )


def check_reply_root(root: Message | None, channel_id: ChannelId) -> Message:
    """A reply goes to a live root of the same channel (threads are one level deep)."""
    if root is None or root.channel_id != channel_id:
        raise NotFound("No such message to reply to.", "message.not_found")
    if root.is_reply:
        raise Invalid.field(
            "thread_root_id", "message.nested_thread", "Reply to the thread's first message."
        )
    if root.is_deleted:
        raise Conflict("That message was deleted.", "message.deleted")
    return root


def check_edit(message: Message, editor: UserId, seen_version: int) -> None:
    """Only the author edits, a live message, and only the version they saw."""
    if message.author_id != editor:
        raise Forbidden("Only the author can edit a message.", "message.not_author")
    if message.is_deleted:
        raise Conflict("That message was deleted.", "message.deleted")
    if seen_version != message.version:
        raise StaleVersion(message)


def check_delete(
    message: Message, actor: Membership, channel: Channel, actor_is_member: bool
) -> None:
    """Authors delete their own messages; workspace admins anyone's; and so does the creator
    of a channel while still in it (opening a DM makes nobody its moderator)."""
    creator = channel.created_by == actor.user_id and actor_is_member and not channel.kind.is_direct
    manages = actor.role.is_admin or creator
    if message.author_id != actor.user_id and not manages:
        raise Forbidden(
            "Only the author, the channel's creator or an admin can delete this message.",
            "message.not_author",
        )


def check_react(message: Message, emoji: str, existing: frozenset[str]) -> None:
    """Reactions go on live messages, at most MAX_DISTINCT_REACTIONS different emoji each."""
    if message.is_deleted:
        raise Conflict("That message was deleted.", "message.deleted")
    if emoji not in existing and len(existing) >= MAX_DISTINCT_REACTIONS:
        raise Conflict(
            f"A message has at most {MAX_DISTINCT_REACTIONS} different reactions.",
            "reaction.too_many",
        )


def with_participant(participants: tuple[UserId, ...], author: UserId) -> tuple[UserId, ...]:
    """The thread's participants after `author` replies (first repliers first, bounded)."""
    if author in participants or len(participants) >= PARTICIPANTS_KEPT:
        return participants
    return (*participants, author)
