"""The inbox: one's notifications, and marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tertulia.domain.ids import MessageId
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.messages import (
    MarkedOut,
    MessageOut,
    NotificationOut,
    NotificationsReadIn,
)
from tertulia.web.schemas.params import (
    Limit,
)

router = APIRouter(prefix="/api/v1", tags=["messages"])


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
