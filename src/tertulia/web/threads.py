"""Threads: a thread's replies, following it, and the threads one follows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tertulia.domain.ids import ID_PATTERN, MessageId, WorkspaceId
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.messages import (
    FollowedThreadOut,
    MessageOut,
    SliceOut,
)
from tertulia.web.schemas.params import (
    After,
    Limit,
    MessagePath,
    WorkspacePath,
)

router = APIRouter(prefix="/api/v1", tags=["messages"])
Cursor = Annotated[str | None, Query(pattern=ID_PATTERN, description="A message id.")]


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
