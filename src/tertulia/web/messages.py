"""Messages, threads, reactions, pins, read state and notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from tertulia.domain.ids import ID_PATTERN, ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.usecases.ports.messages import UNREAD_CAP
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.messages import (
    ChannelUnreadOut,
    EditOut,
    FollowedThreadOut,
    MarkedOut,
    MembershipPatch,
    MessageEditIn,
    MessageIn,
    MessageOut,
    NotificationOut,
    NotificationsReadIn,
    ReadIn,
    ReadOut,
    SliceOut,
    ThreadUnreadOut,
    UnreadsOut,
)
from tertulia.web.schemas.params import After, ChannelPath, Limit, UserPath, WorkspacePath

router = APIRouter(prefix="/api/v1", tags=["messages"])
MessagePath = Annotated[str, Path(pattern=ID_PATTERN, description="A message id.")]
EmojiPath = Annotated[
    str,
    Path(min_length=1, max_length=64, description="A Unicode emoji or a :shortcode: like :+1:."),
]
Cursor = Annotated[str | None, Query(pattern=ID_PATTERN, description="A message id.")]


@router.post(
    "/channels/{channel_id}/messages",
    status_code=201,
    summary="Post a message",
    responses={
        200: {
            "description": "A retry with a known client_msg_id: the first message.",
            "model": MessageOut,
        },
        **problems(
            "channel.not_found",
            "channel.not_member",
            "channel.archived",
            "message.not_found",
            "message.deleted",
            "message.client_msg_id_reused",
            "message.duplicate_client_msg_id",
            "message.empty",
            "message.too_long",
            "message.bad_character",
            "message.client_msg_id",
            "message.nested_thread",
            "message.too_many_files",
            "message.duplicate_file",
            (422, "file.not_found"),
            "file.already_shared",
        ),
    },
)
async def post(
    channel_id: ChannelPath, body: MessageIn, response: Response, user: CurrentUser, core: Core
) -> MessageOut:
    """Post to a channel or DM you belong to, or reply in a thread (`thread_root_id`). Mentions
    notify the members named (`@channel`/`@all`: everyone in it); `not_notified` lists the
    names nobody was told about. Send a `client_msg_id` to retry safely."""
    posted = await core.posting.post(
        user,
        ChannelId(channel_id),
        Draft(
            body.text,
            body.client_msg_id,
            MessageId(body.thread_root_id) if body.thread_root_id else None,
            body.also_send_to_channel,
            tuple(FileId(i) for i in body.file_ids),
        ),
    )
    if not posted.created:
        response.status_code = 200
    return MessageOut.of(posted.view, posted.not_notified)


@router.get(
    "/channels/{channel_id}/messages",
    summary="Read a channel's history",
    responses=problems(
        "channel.not_found", "cursor.invalid", "cursor.conflict", "limit.out_of_range"
    ),
)
async def history(
    channel_id: ChannelPath,
    user: CurrentUser,
    core: Core,
    before: Cursor = None,
    after: Cursor = None,
    around: Cursor = None,
    limit: Limit = 50,
) -> SliceOut:
    """The latest messages, or those `before`, `after` or `around` a message (to jump to a
    search hit); always oldest first, with whether more lie on either side. Stable while
    people post: places follow commit order."""
    page = await core.history.page(
        user,
        ChannelId(channel_id),
        before=MessageId(before) if before else None,
        after=MessageId(after) if after else None,
        around=MessageId(around) if around else None,
        limit=limit,
    )
    return SliceOut.of(page)


@router.get("/messages/{message_id}", summary="A message", responses=problems("message.not_found"))
async def get(message_id: MessagePath, user: CurrentUser, core: Core) -> MessageOut:
    """A message of a channel you can read, with its reactions."""
    return MessageOut.of(await core.history.get(user, MessageId(message_id)))


@router.patch(
    "/messages/{message_id}",
    summary="Edit your message",
    responses=problems(
        "message.not_found",
        "message.not_author",
        "message.deleted",
        "message.stale_version",
        "channel.archived",
        "message.empty",
        "message.too_long",
        "message.bad_character",
    ),
)
async def edit(
    message_id: MessagePath, body: MessageEditIn, user: CurrentUser, core: Core
) -> MessageOut:
    """Replace the text of your own message. Send the `version` you edited: if it changed
    since, the 409 carries the `current` message. People mentioned for the first time are
    notified."""
    posted = await core.posting.edit(user, MessageId(message_id), body.text, body.version)
    return MessageOut.of(posted.view, posted.not_notified)


@router.delete(
    "/messages/{message_id}",
    status_code=204,
    summary="Delete a message",
    responses=problems("message.not_found", "message.not_author", "channel.archived"),
)
async def delete(message_id: MessagePath, user: CurrentUser, core: Core) -> None:
    """Your own message, or (as the channel's creator or a workspace admin) anyone's. A
    tombstone keeps its place and thread; its content, reactions and edits are gone for
    everyone."""
    await core.posting.delete(user, MessageId(message_id))


@router.get(
    "/messages/{message_id}/edits",
    summary="A message's edit history",
    responses=problems("message.not_found", "cursor.invalid", "limit.out_of_range"),
)
async def edits(
    message_id: MessagePath,
    user: CurrentUser,
    core: Core,
    after: After = None,
    limit: Limit = 50,
) -> PageOut[EditOut]:
    """The earlier versions of the text, oldest first, a page at a time."""
    page = await core.history.edits(user, MessageId(message_id), after, limit)
    return PageOut(
        items=[
            EditOut(version=e.version, text=e.text, written_at=e.written_at) for e in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/messages/{message_id}/replies",
    summary="Read a thread",
    responses=problems(
        "message.not_found",
        "thread.not_found",
        "cursor.invalid",
        "cursor.conflict",
        "limit.out_of_range",
    ),
)
async def replies(
    message_id: MessagePath,
    user: CurrentUser,
    core: Core,
    before: Cursor = None,
    after: Cursor = None,
    limit: Limit = 50,
) -> SliceOut:
    """A thread's replies, oldest first, from its start (or `after`/`before` a reply)."""
    page = await core.threads.replies(
        user,
        MessageId(message_id),
        before=MessageId(before) if before else None,
        after=MessageId(after) if after else None,
        limit=limit,
    )
    return SliceOut.of(page)


@router.put(
    "/messages/{message_id}/follow",
    status_code=204,
    summary="Follow a thread",
    responses=problems("message.not_found", "thread.not_found", "channel.not_member"),
)
async def follow(message_id: MessagePath, user: CurrentUser, core: Core) -> None:
    """Follow a thread: its replies count as unread for you. Posting or being mentioned in a
    thread follows it by itself."""
    await core.threads.follow(user, MessageId(message_id), True)


@router.delete(
    "/messages/{message_id}/follow",
    status_code=204,
    summary="Stop following a thread",
    responses=problems("message.not_found", "thread.not_found", "channel.not_member"),
)
async def unfollow(message_id: MessagePath, user: CurrentUser, core: Core) -> None:
    """Stop following; replying later does not follow it again."""
    await core.threads.follow(user, MessageId(message_id), False)


@router.get(
    "/workspaces/{workspace_id}/threads",
    summary="Threads you follow",
    responses=problems("workspace.not_found", "cursor.invalid", "limit.out_of_range"),
)
async def threads(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    after: After = None,
    limit: Limit = 50,
) -> PageOut[FollowedThreadOut]:
    """Followed threads of the workspace: those with unread replies first, then by the
    newest reply."""
    page = await core.threads.followed(user, WorkspaceId(workspace_id), after, limit)
    return PageOut(
        items=[
            FollowedThreadOut(
                root=MessageOut.of(view),
                unread_replies=row.unread_replies,
                last_read_seq=row.last_read_seq,
                latest_seq=row.latest_seq,
            )
            for row, view in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.put(
    "/messages/{message_id}/reactions/{emoji}",
    summary="React",
    responses=problems(
        "message.not_found",
        "channel.not_member",
        "channel.archived",
        "message.deleted",
        "reaction.unknown_emoji",
        "reaction.too_many",
    ),
)
async def react(
    message_id: MessagePath, emoji: EmojiPath, user: CurrentUser, core: Core
) -> MessageOut:
    """Add your reaction: a Unicode emoji or a known `:shortcode:`. Reacting twice changes
    nothing; a message takes at most 50 different emoji."""
    return MessageOut.of(await core.reactions.react(user, MessageId(message_id), emoji, True))


@router.delete(
    "/messages/{message_id}/reactions/{emoji}",
    summary="Remove your reaction",
    responses=problems(
        "message.not_found",
        "channel.not_member",
        "channel.archived",
        "message.deleted",
        "reaction.unknown_emoji",
    ),
)
async def unreact(
    message_id: MessagePath, emoji: EmojiPath, user: CurrentUser, core: Core
) -> MessageOut:
    """Remove your reaction (nothing happens if there was none)."""
    return MessageOut.of(await core.reactions.react(user, MessageId(message_id), emoji, False))


@router.put(
    "/messages/{message_id}/pin",
    summary="Pin a message",
    responses=problems(
        "message.not_found", "channel.not_member", "channel.archived", "message.deleted"
    ),
)
async def pin(message_id: MessagePath, user: CurrentUser, core: Core) -> MessageOut:
    """Pin a message of a channel you belong to; pinning twice changes nothing."""
    return MessageOut.of(await core.reactions.pin(user, MessageId(message_id), True))


@router.delete(
    "/messages/{message_id}/pin",
    summary="Unpin a message",
    responses=problems(
        "message.not_found", "channel.not_member", "channel.archived", "message.deleted"
    ),
)
async def unpin(message_id: MessagePath, user: CurrentUser, core: Core) -> MessageOut:
    """Unpin a message."""
    return MessageOut.of(await core.reactions.pin(user, MessageId(message_id), False))


@router.get(
    "/channels/{channel_id}/pins",
    summary="A channel's pinned messages",
    responses=problems("channel.not_found", "limit.out_of_range"),
)
async def pins(
    channel_id: ChannelPath, user: CurrentUser, core: Core, limit: Limit = 100
) -> PageOut[MessageOut]:
    """Pinned messages, most recently pinned first."""
    views = await core.reactions.pins(user, ChannelId(channel_id), limit)
    return PageOut(items=[MessageOut.of(v) for v in views], next_cursor=None)


@router.post(
    "/channels/{channel_id}/read",
    summary="Mark a channel (or thread) read",
    responses=problems(
        "channel.not_found", "channel.not_member", "message.not_found", "thread.not_found"
    ),
)
async def read(
    channel_id: ChannelPath, user: CurrentUser, core: Core, body: ReadIn | None = None
) -> ReadOut:
    """Mark the channel read up to a message (the newest if none is given); with
    `thread_root_id`, mark that thread instead. Marking an earlier message makes what follows
    it unread again. Your other devices hear of it."""
    seq = await core.reading.mark_read(
        user,
        ChannelId(channel_id),
        MessageId(body.message_id) if body and body.message_id else None,
        MessageId(body.thread_root_id) if body and body.thread_root_id else None,
    )
    return ReadOut(last_read_seq=seq)


@router.patch(
    "/channels/{channel_id}/members/{user_id}",
    status_code=204,
    summary="Mute or unmute a channel",
    responses=problems("channel.not_found", "channel.not_member", "channel.not_yours"),
)
async def preferences(
    channel_id: ChannelPath, user_id: UserPath, body: MembershipPatch, user: CurrentUser, core: Core
) -> None:
    """Your own membership only: a muted channel counts mentions only as unread."""
    await core.reading.mute(user, ChannelId(channel_id), body.muted, UserId(user_id))


@router.get(
    "/workspaces/{workspace_id}/unreads",
    summary="What is unread",
    responses=problems("workspace.not_found"),
)
async def unreads(workspace_id: WorkspacePath, user: CurrentUser, core: Core) -> UnreadsOut:
    """Per channel and DM you belong to: unread messages by others (up to 1,000) and unread
    mentions; and the followed threads with unread replies."""
    found = await core.reading.unreads(user, WorkspaceId(workspace_id))
    return UnreadsOut(
        channels=[
            ChannelUnreadOut(
                channel_id=c.channel_id,
                muted=c.muted,
                unread_messages=c.unread_messages,
                capped=c.unread_messages >= UNREAD_CAP,
                mentions=c.mentions,
                last_read_seq=c.last_read_seq,
                latest_seq=c.latest_seq,
            )
            for c in found.channels
        ],
        threads=[
            ThreadUnreadOut(
                root_id=t.root.id, channel_id=t.root.channel_id, unread_replies=t.unread_replies
            )
            for t in found.threads
        ],
    )


@router.get(
    "/notifications",
    summary="Your mentions",
    responses=problems("cursor.invalid", "limit.out_of_range"),
)
async def notifications(
    user: CurrentUser,
    core: Core,
    before: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Limit = 50,
    unread: Annotated[bool, Query(description="Only those not marked read.")] = False,
) -> PageOut[NotificationOut]:
    """Every mention of you, newest message first, with the message; pass `next_cursor` as
    `before`."""
    page = await core.inbox.notifications(user, before, limit, unread)
    return PageOut(
        items=[
            NotificationOut(
                message_id=i.notification.message_id,
                channel_id=i.notification.channel_id,
                workspace_id=i.notification.workspace_id,
                kind=i.notification.kind,
                created_at=i.notification.created_at,
                read_at=i.notification.read_at,
                message=MessageOut.of(i.view),
            )
            for i in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/notifications/read",
    summary="Mark notifications read",
    responses=problems(),
)
async def read_notifications(
    user: CurrentUser, core: Core, body: NotificationsReadIn | None = None
) -> MarkedOut:
    """Mark some notifications (by message id) or all of them read."""
    ids = [MessageId(i) for i in body.message_ids] if body and body.message_ids else None
    return MarkedOut(marked=await core.inbox.read_notifications(user, ids))
