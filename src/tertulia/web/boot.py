"""`GET /api/v1/boot`: what a client's first screen needs, in one call (as Zulip's `register`
and Slack's `client.boot`), and the shapes of its answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from pydantic import Field
from starlette.responses import Response

from tertulia.domain import events
from tertulia.domain.ids import ID_PATTERN, WorkspaceId
from tertulia.domain.workspaces import Role
from tertulia.usecases.boot import (
    CHANNELS_MAX,
    PEOPLE_MAX,
    WORKSPACES_MAX,
    FirstScreen,
    SidebarChannel,
)
from tertulia.usecases.ports.messages import UNREAD_CAP
from tertulia.usecases.ports.workspaces import MemberRow
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.accounts import MeOut
from tertulia.web.schemas.channels import ChannelOut
from tertulia.web.schemas.common import Out, UserOut
from tertulia.web.schemas.params import EXAMPLE_USER
from tertulia.web.schemas.workspaces import WorkspaceOut

router = APIRouter(prefix="/api/v1", tags=["client"])

Status = Literal["online", "away", "offline"]


class PersonOut(UserOut):
    """Someone the client shows, with their role in the workspace."""

    role: Role = Field(description="Their role in the workspace.", examples=["member"])


class SidebarChannelOut(ChannelOut):
    """A channel or DM you belong to, with what the sidebar shows of it (the read state
    fields are those of `GET /workspaces/{id}/unreads`; `channel.read` events carry
    `last_read_seq` too, and each message its `seq`)."""

    archived: bool = Field(description="Archived: read-only.", examples=[False])
    muted: bool = Field(description="Muted channels count mentions only.", examples=[False])
    unread_messages: int = Field(description="Messages by others since your marker.", examples=[7])
    capped: bool = Field(
        description=f"True when there are at least {UNREAD_CAP} (show '999+').", examples=[False]
    )
    mentions: int = Field(description="Unread mentions of you.", examples=[1])
    last_read_seq: int = Field(
        description="Your read marker: the `seq` of the last message you read (0: none).",
        examples=[1030],
    )
    latest_seq: int = Field(description="The newest message's `seq`.", examples=[1044])


class BootOut(Out):
    """A client's first screen. Resume the socket from `last_event_id` (its `auth` frame's
    `last_event_id`): it was read before everything else here, so the socket may bring
    events for things this answer already shows (apply them as any other), never miss one."""

    me: MeOut = Field(description="Your account.")
    workspaces: list[WorkspaceOut] = Field(
        description=f"Your workspaces by name, with your role in each (the first {WORKSPACES_MAX})."
    )
    workspaces_truncated: bool = Field(
        description="You belong to more: page through `GET /workspaces`.", examples=[False]
    )
    workspace_id: str | None = Field(
        description="The workspace the rest is about: the one asked for, else your first;"
        " null when you belong to none yet.",
        examples=["01JD5ZA0WS0RKSPACE00000000"],
    )
    channels: list[SidebarChannelOut] = Field(
        description="The channels and DMs of that workspace you belong to, archived ones"
        f" included, by name (the first {CHANNELS_MAX})."
    )
    channels_truncated: bool = Field(
        description="You belong to more: page through `GET /workspaces/{id}/channels`"
        " with `member=true`.",
        examples=[False],
    )
    people: list[PersonOut] = Field(
        description=f"The people of the workspace you can see, by username, the first"
        f" {PEOPLE_MAX}; then the people of your DMs who are not among them. (For a guest:"
        " the people of their channels.)"
    )
    people_truncated: bool = Field(
        description=f"The workspace has more than {PEOPLE_MAX} people you can see: look up"
        " others with `GET /users/{id}` or the members list.",
        examples=[False],
    )
    presence: dict[str, Status] = Field(
        description="The presence now of you and each person listed, by user id; follow"
        " changes with the socket's `presence.subscribe`.",
        examples=[{EXAMPLE_USER: "online"}],
    )
    unread_threads: int = Field(
        description="Followed threads of the workspace with unread replies.", examples=[2]
    )
    unread_notifications: int = Field(
        description="Your notifications not marked read, in every workspace, as"
        f" `GET /notifications?unread=true` lists them (counted up to {UNREAD_CAP}).",
        examples=[3],
    )
    last_event_id: int = Field(
        description="The event log position to resume the socket from (see above).",
        examples=[90210],
    )


def answer(screen: FirstScreen) -> bytes:
    """The first screen as `BootOut` says, encoded at once: hundreds of people and channels
    built as models and then serialised would cost more than the reads behind them (the
    tests check the answer against `BootOut`, and the fuzz run against /openapi.json)."""
    return orjson.dumps(
        {
            "me": MeOut.of(screen.me).model_dump(mode="json"),
            "workspaces": [
                WorkspaceOut.of(w, m).model_dump(mode="json") for w, m in screen.workspaces
            ],
            "workspaces_truncated": screen.workspaces_truncated,
            "workspace_id": screen.workspace_id,
            "channels": [_channel(item) for item in screen.channels],
            "channels_truncated": screen.channels_truncated,
            "people": [_person(row) for row in screen.people],
            "people_truncated": screen.people_truncated,
            "presence": screen.presence,
            "unread_threads": screen.unread_threads,
            "unread_notifications": screen.unread_notifications,
            "last_event_id": screen.last_event_id,
        },
        option=orjson.OPT_UTC_Z,
    )


def _person(row: MemberRow) -> dict[str, Any]:
    """A `PersonOut`."""
    return {**events.user_data(row.user), "role": row.membership.role.value}


def _channel(item: SidebarChannel) -> dict[str, Any]:
    """A `SidebarChannelOut`: the channel as `ChannelOut`, and its read state."""
    row, unread = item.row, item.unread
    return {
        **events.channel_data(row.channel),
        "is_member": row.is_member,
        "member_count": row.member_count,
        "user_ids": list(row.dm_user_ids),
        "archived": row.channel.is_archived,
        "muted": unread.muted,
        "unread_messages": unread.unread_messages,
        "capped": unread.unread_messages >= UNREAD_CAP,
        "mentions": unread.mentions,
        "last_read_seq": unread.last_read_seq,
        "latest_seq": unread.latest_seq,
    }


@router.get(
    "/boot",
    summary="Everything the first screen needs",
    response_model=BootOut,
    responses=problems("workspace.not_found"),
)
async def boot(
    user: CurrentUser,
    core: Core,
    workspace_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, description="The workspace to open; your first if absent."),
    ] = None,
) -> Response:
    """In one call: you, your workspaces, one workspace's channels and DMs with their unread
    and mention counts, the people the client shows with their presence, the counts of
    unread threads and notifications, and the event id to resume the socket from. A
    workspace you do not belong to is 404, as everywhere."""
    screen = await core.boot.load(user, WorkspaceId(workspace_id) if workspace_id else None)
    return Response(answer(screen), media_type="application/json")
