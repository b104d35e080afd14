"""Channels and direct messages: browse, create, open DMs, change, archive, members."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from tertulia.domain.channels import ChannelChange, ChannelKind
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.channels import ChannelIn, ChannelOut, ChannelPatch, DmIn, MemberIn
from tertulia.web.schemas.common import MemberOut, PageOut
from tertulia.web.schemas.params import After, ChannelPath, Limit, UserPath, WorkspacePath

router = APIRouter(prefix="/api/v1", tags=["channels"])
KindName = Literal["public", "private", "dm", "group_dm"]


@router.post(
    "/workspaces/{workspace_id}/channels",
    status_code=201,
    summary="Create a channel",
    responses=problems(
        "workspace.not_found",
        "workspace.guest_forbidden",
        "channel.name_empty",
        "channel.name_too_long",
        "channel.name_invalid",
        "channel.kind",
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
        "channel.name_taken",
    ),
)
async def create(
    workspace_id: WorkspacePath, body: ChannelIn, user: CurrentUser, core: Core
) -> ChannelOut:
    """Create a public or private channel; you are its first member. Guests cannot."""
    row = await core.channels.create(
        user, WorkspaceId(workspace_id), body.name, ChannelKind(body.kind), body.topic, body.purpose
    )
    return ChannelOut.of(row)


@router.get(
    "/workspaces/{workspace_id}/channels",
    summary="Browse channels",
    responses=problems("workspace.not_found", "limit.out_of_range", "cursor.invalid"),
)
async def browse(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    kind: Annotated[
        list[KindName] | None,
        Query(max_length=4, description="Kinds to list (repeat); default public and private."),
    ] = None,
    member: Annotated[bool, Query(description="Only channels you belong to.")] = False,
    include_archived: Annotated[bool, Query(description="Include archived channels.")] = False,
    after: After = None,
    limit: Limit = 50,
) -> PageOut[ChannelOut]:
    """Public channels (not for guests) and the private channels and direct messages you
    belong to, by name. `kind=dm&kind=group_dm` lists your direct messages."""
    page = await core.channels.browse(
        user,
        WorkspaceId(workspace_id),
        kinds=[ChannelKind(k) for k in kind] if kind else [ChannelKind.PUBLIC, ChannelKind.PRIVATE],
        only_member=member,
        include_archived=include_archived,
        after=after,
        limit=limit,
    )
    return PageOut(items=[ChannelOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.post(
    "/workspaces/{workspace_id}/dms",
    status_code=201,
    summary="Open a direct message",
    responses={
        200: {"description": "That DM existed already.", "model": ChannelOut},
        **problems("workspace.not_found", "user.not_found", "dm.too_many"),
    },
)
async def open_dm(
    workspace_id: WorkspacePath, body: DmIn, response: Response, user: CurrentUser, core: Core
) -> ChannelOut:
    """Open the 1:1 or group DM among you and these people. The same set of people always
    gets the same channel: 201 when it is new, 200 when it existed."""
    row, created = await core.channels.open_dm(
        user, WorkspaceId(workspace_id), [UserId(u) for u in body.user_ids]
    )
    if not created:
        response.status_code = 200
    return ChannelOut.of(row)


@router.get("/channels/{channel_id}", summary="A channel", responses=problems("channel.not_found"))
async def get(channel_id: ChannelPath, user: CurrentUser, core: Core) -> ChannelOut:
    """A channel you belong to, or a public one of your workspace (not for guests)."""
    return ChannelOut.of(await core.channels.get(user, ChannelId(channel_id)))


@router.patch(
    "/channels/{channel_id}",
    summary="Rename, set topic or purpose, archive or unarchive",
    responses=problems(
        "channel.not_found",
        "channel.manager_only",
        "channel.not_member",
        "channel.archived",
        "channel.default",
        "channel.is_direct",
        "channel.name_taken",
        "channel.name_empty",
        "channel.name_too_long",
        "channel.name_invalid",
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
    ),
)
async def change(
    channel_id: ChannelPath, body: ChannelPatch, user: CurrentUser, core: Core
) -> ChannelOut:
    """Members set the topic and purpose; the creator and workspace admins rename, archive and
    unarchive. Archived channels accept no other change."""
    row = await core.channels.change(
        user,
        ChannelId(channel_id),
        ChannelChange(body.name, body.topic, body.purpose, body.archived),
    )
    return ChannelOut.of(row)


@router.delete(
    "/channels/{channel_id}",
    summary="Archive a channel",
    responses=problems(
        "channel.not_found",
        "channel.manager_only",
        "channel.default",
        "channel.is_direct",
        "channel.archived",
    ),
)
async def archive(channel_id: ChannelPath, user: CurrentUser, core: Core) -> ChannelOut:
    """Archive (never destroy): the channel stays readable but takes no new messages or
    members. Unarchive with `PATCH {"archived": false}`."""
    row = await core.channels.change(user, ChannelId(channel_id), ChannelChange(archived=True))
    return ChannelOut.of(row)


@router.get(
    "/channels/{channel_id}/members",
    summary="Members of a channel",
    responses=problems("channel.not_found", "limit.out_of_range", "cursor.invalid"),
)
async def members(
    channel_id: ChannelPath,
    user: CurrentUser,
    core: Core,
    after: After = None,
    limit: Limit = 50,
) -> PageOut[MemberOut]:
    """The people of a channel you can see, by username, with their workspace role."""
    page = await core.channels.members(user, ChannelId(channel_id), after, limit)
    return PageOut(items=[MemberOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.post(
    "/channels/{channel_id}/members",
    status_code=201,
    summary="Join a channel, or add someone",
    responses={
        200: {"description": "Already a member; nothing changed.", "model": ChannelOut},
        **problems(
            "channel.not_found",
            "user.not_found",
            "channel.not_member",
            "workspace.guest_forbidden",
            "channel.archived",
            "channel.is_direct",
        ),
    },
)
async def add_member(
    channel_id: ChannelPath, body: MemberIn, response: Response, user: CurrentUser, core: Core
) -> ChannelOut:
    """With your own id, join a public channel. With someone else's, add them to a channel you
    belong to. 201 when added, 200 when they already were a member."""
    row, added = await core.channels.add_member(user, ChannelId(channel_id), UserId(body.user_id))
    if not added:
        response.status_code = 200
    return ChannelOut.of(row)


@router.delete(
    "/channels/{channel_id}/members/{user_id}",
    status_code=204,
    summary="Leave a channel, or remove someone",
    responses=problems(
        "channel.not_found",
        "channel.member_not_found",
        "channel.manager_only",
        "channel.default",
        "channel.archived",
        "channel.is_direct",
    ),
)
async def remove_member(
    channel_id: ChannelPath, user_id: UserPath, user: CurrentUser, core: Core
) -> None:
    """Your own id leaves; the channel's creator and workspace admins remove others."""
    await core.channels.remove_member(user, ChannelId(channel_id), UserId(user_id))
