"""Reactions and pins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from tertulia.domain.ids import ChannelId, MessageId
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.messages import (
    MessageOut,
)
from tertulia.web.schemas.params import (
    ChannelPath,
    Limit,
    MessagePath,
)

router = APIRouter(prefix="/api/v1", tags=["messages"])
EmojiPath = Annotated[
    str,
    Path(min_length=1, max_length=64, description="A Unicode emoji or a :shortcode: like :+1:."),
]


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
