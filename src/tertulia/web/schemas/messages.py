"""Messages: posting, editing and deleting them, their history and reactions; threads; read
state, mutes and unreads; notifications (the seams of the messaging use cases)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictBool, StrictInt

from tertulia.domain import events
from tertulia.domain.attachments import MAX_FILES_PER_MESSAGE
from tertulia.domain.messages import CLIENT_MSG_ID_MAX, DEFAULT_MAX_LENGTH
from tertulia.usecases.messaging import Slice, View
from tertulia.web.schemas.common import In, Out
from tertulia.web.schemas.files import FileOut
from tertulia.web.schemas.params import (
    EXAMPLE_CH,
    EXAMPLE_FILE,
    EXAMPLE_MSG,
    EXAMPLE_TIME,
    EXAMPLE_USER,
    EXAMPLE_USER_2,
    EXAMPLE_WS,
    IdStr,
)

# posting: a message (with its reactions and pin), edits, history -----------------------------


# The longest text any server takes (the most `TERTULIA_MAX_MESSAGE_LENGTH` may be); each
# server's own limit is checked by the domain, and /openapi.json states it as `maxLength`.
MESSAGE_TEXT_CAP = 100_000


class MessageIn(In):
    text: str = Field(
        max_length=MESSAGE_TEXT_CAP,
        description="Markdown: CommonMark, autolinks, ~~strikethrough~~, tables, code, "
        "@username, @channel/@all/@here, #channel and :shortcode: emoji. At most `maxLength` "
        f"characters (a setting of the server, {DEFAULT_MAX_LENGTH:,} unless configured).",
        examples=["Hola @ana, ¿revisamos el diseño en #diseño-web? :+1:"],
    )
    client_msg_id: str | None = Field(
        None,
        max_length=CLIENT_MSG_ID_MAX,
        description="Your idempotency key: retrying with the same key returns the first "
        "message; the same key with another body is 409.",
        examples=["c0ffee-2026-11-28-0001"],
    )
    thread_root_id: IdStr | None = Field(
        None, description="Reply in the thread of this message.", examples=[EXAMPLE_MSG]
    )
    also_send_to_channel: StrictBool = Field(
        False, description="A reply that also shows in the channel.", examples=[False]
    )
    file_ids: list[IdStr] = Field(
        default_factory=list,
        max_length=MAX_FILES_PER_MESSAGE,
        description="Files you uploaded to this workspace and have not shared yet (at most "
        "10): the message carries them and its channel's members may read them. With files, "
        "`text` may be empty.",
        examples=[[EXAMPLE_FILE]],
    )


class MessageEditIn(In):
    text: str = Field(
        max_length=MESSAGE_TEXT_CAP,
        description="The new text (Markdown), at most `maxLength` characters.",
        examples=["Hola @ana, mejor mañana."],
    )
    version: StrictInt = Field(
        ge=1,
        description="The version you edited; if the message changed since, 409 with the current.",
        examples=[1],
    )


class MentionsOut(Out):
    user_ids: list[str] = Field(description="Members mentioned by name.", examples=[[EXAMPLE_USER]])
    everyone: bool = Field(description="@channel or @all.", examples=[False])
    here: bool = Field(description="@here (members online).", examples=[False])


class ThreadSummaryOut(Out):
    reply_count: int = Field(description="Replies (not counting deleted ones).", examples=[3])
    last_reply_at: datetime | None = Field(
        description="When the last reply came.", examples=[EXAMPLE_TIME]
    )
    participants: list[str] = Field(
        description="The first people who replied.", examples=[[EXAMPLE_USER_2]]
    )


class ReactionOut(Out):
    emoji: str = Field(description="The emoji.", examples=["👍"])
    count: int = Field(description="How many reacted with it.", examples=[4])
    me: bool = Field(description="Whether you are among them.", examples=[True])
    user_ids: list[str] = Field(description="The first few who reacted.", examples=[[EXAMPLE_USER]])


class MessageOut(Out):
    """A message. Deleted ones stay as tombstones: same id and place, no content."""

    id: str = Field(description="Message id.", examples=[EXAMPLE_MSG])
    workspace_id: str = Field(description="Its workspace.", examples=[EXAMPLE_WS])
    channel_id: str = Field(description="Its channel or DM.", examples=[EXAMPLE_CH])
    author_id: str = Field(description="Who wrote it.", examples=[EXAMPLE_USER])
    seq: int = Field(description="Its place in the channel, in commit order.", examples=[1042])
    text: str = Field(
        description="The Markdown source (empty once deleted).", examples=["Hola **equipo**"]
    )
    html: str = Field(
        description="Rendered and sanitised HTML.", examples=["<p>Hola <strong>equipo</strong></p>"]
    )
    thread_root_id: str | None = Field(
        description="The thread it replies to, if any.", examples=[None]
    )
    in_channel: bool = Field(
        description="Shown in the channel (roots and replies also sent there).", examples=[True]
    )
    client_msg_id: str | None = Field(
        description="The author's idempotency key.", examples=["c0ffee-1"]
    )
    version: int = Field(description="Bumped by every edit.", examples=[1])
    created_at: datetime = Field(description="When it was posted.", examples=[EXAMPLE_TIME])
    edited_at: datetime | None = Field(description="When it was last edited.", examples=[None])
    deleted: bool = Field(description="A tombstone: the content is gone.", examples=[False])
    deleted_at: datetime | None = Field(description="When it was deleted.", examples=[None])
    mentions: MentionsOut = Field(description="Who it mentions.")
    thread: ThreadSummaryOut = Field(description="For a thread's root: its replies so far.")
    pinned_at: datetime | None = Field(description="When it was pinned, if it is.", examples=[None])
    pinned_by: str | None = Field(description="Who pinned it.", examples=[None])
    reactions: list[ReactionOut] = Field(description="Per emoji, in order of first use.")
    files: list[FileOut] = Field(description="The files it carries (deleted ones left out).")
    not_notified: list[str] = Field(
        description="On a post or edit: mentioned usernames nobody notified (not in the channel).",
        examples=[["zoe"]],
    )

    @classmethod
    def of(cls, view: View, not_notified: tuple[str, ...] = ()) -> MessageOut:
        m = view.message
        data = events.message_data(m)
        return cls(
            **{k: v for k, v in data.items() if k not in ("mentions", "thread", "files")},
            files=[FileOut.of(f) for f in view.files] if not m.is_deleted else [],
            seq=m.seq,
            deleted=m.is_deleted,
            mentions=MentionsOut(**data["mentions"]),
            thread=ThreadSummaryOut(**data["thread"]),
            reactions=[
                ReactionOut(emoji=r.emoji, count=r.count, me=r.me, user_ids=list(r.user_ids))
                for r in view.reactions
            ],
            not_notified=list(not_notified),
        )


class SliceOut(Out):
    items: list[MessageOut] = Field(description="Messages, oldest first.")
    has_older: bool = Field(
        description="More messages lie before (page with `before`).", examples=[True]
    )
    has_newer: bool = Field(
        description="More messages lie after (page with `after`).", examples=[False]
    )

    @classmethod
    def of(cls, page: Slice) -> SliceOut:
        return cls(
            items=[MessageOut.of(v) for v in page.items],
            has_older=page.has_older,
            has_newer=page.has_newer,
        )


class EditOut(Out):
    version: int = Field(description="The version this text was.", examples=[1])
    text: str = Field(description="The text it had.", examples=["Hola equipo"])
    written_at: datetime = Field(
        description="When that version was written.", examples=[EXAMPLE_TIME]
    )


# threads -------------------------------------------------------------------------------------


class FollowedThreadOut(Out):
    root: MessageOut = Field(description="The thread's first message.")
    unread_replies: int = Field(description="Replies by others since you read it.", examples=[2])
    last_read_seq: int = Field(description="Where you left off.", examples=[1040])
    latest_seq: int = Field(description="The newest reply's place.", examples=[1044])


# reading: read markers, mutes, unreads -------------------------------------------------------


class ChannelUnreadOut(Out):
    channel_id: str = Field(description="The channel.", examples=[EXAMPLE_CH])
    muted: bool = Field(description="Muted channels count mentions only.", examples=[False])
    unread_messages: int = Field(description="Messages by others since your marker.", examples=[7])
    capped: bool = Field(
        description="True when there are at least this many (show '999+').", examples=[False]
    )
    mentions: int = Field(description="Unread mentions of you.", examples=[1])
    last_read_seq: int = Field(description="Your read marker.", examples=[1030])
    latest_seq: int = Field(description="The newest message's place.", examples=[1044])


class ThreadUnreadOut(Out):
    root_id: str = Field(description="The thread.", examples=[EXAMPLE_MSG])
    channel_id: str = Field(description="Its channel.", examples=[EXAMPLE_CH])
    unread_replies: int = Field(description="Replies by others since you read it.", examples=[2])


class UnreadsOut(Out):
    channels: list[ChannelUnreadOut] = Field(description="Every channel and DM you belong to.")
    threads: list[ThreadUnreadOut] = Field(description="Followed threads with unread replies.")


class ReadIn(In):
    message_id: IdStr | None = Field(
        None, description="Read up to this message; the newest if absent.", examples=[EXAMPLE_MSG]
    )
    thread_root_id: IdStr | None = Field(
        None, description="Mark this thread read instead of the channel.", examples=[None]
    )


class ReadOut(Out):
    last_read_seq: int = Field(description="Your read marker now.", examples=[1044])


class MembershipPatch(In):
    muted: StrictBool = Field(description="Mute (count mentions only) or unmute.", examples=[True])


# inbox: notifications ------------------------------------------------------------------------


class NotificationOut(Out):
    message_id: str = Field(description="The message that mentioned you.", examples=[EXAMPLE_MSG])
    channel_id: str = Field(description="Where.", examples=[EXAMPLE_CH])
    workspace_id: str = Field(description="Its workspace.", examples=[EXAMPLE_WS])
    kind: str = Field(
        description="mention, everyone (@channel/@all) or here.", examples=["mention"]
    )
    created_at: datetime = Field(description="When.", examples=[EXAMPLE_TIME])
    read_at: datetime | None = Field(description="When you marked it read.", examples=[None])
    message: MessageOut = Field(description="The message.")


class NotificationsReadIn(In):
    message_ids: list[IdStr] | None = Field(
        None,
        max_length=500,
        description="The notifications (by message id) to mark read; all of them if absent.",
        examples=[[EXAMPLE_MSG]],
    )


class MarkedOut(Out):
    marked: int = Field(description="How many were unread and are now read.", examples=[3])
