"""Read state: read markers, a membership's preferences (mute), and unreads."""

from __future__ import annotations

from fastapi import APIRouter

from tertulia.domain.ids import ChannelId, MessageId, UserId, WorkspaceId
from tertulia.usecases.ports.messages import UNREAD_CAP
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.messages import (
    ChannelUnreadOut,
    MembershipPatch,
    ReadIn,
    ReadOut,
    ThreadUnreadOut,
    UnreadsOut,
)
from tertulia.web.schemas.params import (
    ChannelPath,
    UserPath,
    WorkspacePath,
)

router = APIRouter(prefix="/api/v1", tags=["messages"])


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
