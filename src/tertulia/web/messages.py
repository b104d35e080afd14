"""Messages: post, read a channel's history, get, edit and delete one, and its edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tertulia.domain.ids import ID_PATTERN, ChannelId, FileId, MessageId
from tertulia.domain.messages import Draft
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.messages import (
    EditOut,
    MessageEditIn,
    MessageIn,
    MessageOut,
    SliceOut,
)
from tertulia.web.schemas.params import (
    After,
    ChannelPath,
    Limit,
    MessagePath,
)

router = APIRouter(prefix="/api/v1", tags=["messages"])
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
