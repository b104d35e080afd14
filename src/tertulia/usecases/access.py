"""Who may see what: every permission-checked read a use case starts with.

A use case opens its unit of work and asks here first: for the workspace
(`require_membership`), a channel (`require_channel`, then `require_member` to act in it), a
message (`require_message`) or a file (`require_file`). What one may not see answers NotFound,
never Forbidden, so that a private channel, a workspace, a message or a file one cannot read
does not reveal it exists; what one may see but not do answers Forbidden. The rules themselves
(who sees a channel, a file, who a guest may mention) are the domain's; this module is where
the use cases meet them. Who hears which socket event is the same rule, applied by scope: see
`domain/events/base.py` and `usecases/realtime/hub.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from tertulia.domain import attachments, channels
from tertulia.domain.attachments import StoredFile
from tertulia.domain.errors import Forbidden, NotFound
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.domain.messages import Message
from tertulia.domain.workspaces import Membership
from tertulia.usecases.ports import UnitOfWork
from tertulia.usecases.ports.channels import Access
from tertulia.usecases.ports.messages import Named


async def require_membership(
    uow: UnitOfWork, workspace_id: WorkspaceId, user_id: UserId
) -> Membership:
    """The user's membership; NotFound (not Forbidden) if none, so outsiders learn nothing."""
    membership = await uow.members.find(workspace_id, user_id)
    if membership is None:
        raise NotFound("No such workspace.", "workspace.not_found")
    return membership


def visible(access: Access | None) -> Access:
    """The access, if the person may read the channel; NotFound otherwise (a workspace they
    left, a private channel they are not in, a public one when they are a guest)."""
    if access is None or access.membership is None:
        raise NotFound("No such channel.", "channel.not_found")
    channels.require_visible(access.channel, access.membership, access.is_member)
    return access


async def require_channel(
    uow: UnitOfWork, channel_id: ChannelId, user: UserId, lock: bool = False
) -> Access:
    """The channel as the person stands to it, if they may read it; NotFound otherwise.
    `lock` holds the channel's row until commit, for use cases that change it."""
    return visible(await uow.channels.access(channel_id, user, lock))


def require_member(access: Access, doing: str) -> None:
    """Acting in a channel (posting, reacting, keeping a marker…) takes belonging to it:
    Forbidden for someone who only sees it (a full member looking at a public channel)."""
    if not access.is_member:
        raise Forbidden(f"Only members of a channel can {doing}.", "channel.not_member")


async def require_message(
    uow: UnitOfWork, viewer: UserId, message_id: MessageId, lock: bool = False
) -> tuple[Message, Access]:
    """The message if the viewer may read its channel, with their access to it; NotFound
    otherwise, the same for a message that does not exist and one they may not see."""
    message = await uow.messages.find(message_id, lock)
    if message is None:
        raise NotFound("No such message.", "message.not_found")
    access = await uow.channels.access(message.channel_id, viewer)
    if (
        access is None
        or access.membership is None
        or not channels.can_see(access.channel, access.membership, access.is_member)
    ):
        raise NotFound("No such message.", "message.not_found")
    return message, access


async def require_file(
    uow: UnitOfWork, viewer: UserId, file_id: FileId, lock: bool = False
) -> StoredFile:
    """The file, if the viewer may see it: its uploader while they are in its workspace, and
    once it is attached to a message, whoever may read its channel; NotFound for anyone else
    (someone who left the workspace included, for the files they uploaded there)."""
    file = await uow.files.find(file_id, lock=lock)
    readable = False
    if file is not None and file.channel_id is not None:
        access = await uow.channels.access(file.channel_id, viewer)
        readable = (
            access is not None
            and access.membership is not None
            and channels.can_see(access.channel, access.membership, access.is_member)
        )
    if (
        file is not None
        and not readable
        and file.uploader_id == viewer
        and await uow.members.find(file.workspace_id, viewer) is None
    ):
        file = None  # they left: their uploads stay with the workspace
    return attachments.check_readable(file, viewer, readable)


def mentionable(
    access: Access, named: Mapping[str, Named], linked: Mapping[str, ChannelId]
) -> tuple[dict[str, Named], dict[str, ChannelId]]:
    """Of the people and channels a text names, those its author may name: a guest resolves
    only the people and the channel they share, so a message cannot probe who else is in the
    workspace; a full member resolves every name."""
    if access.membership is not None and not access.membership.role.is_full_member:
        return (
            {name: n for name, n in named.items() if n.in_channel},
            {name: c for name, c in linked.items() if c == access.channel.id},
        )
    return dict(named), dict(linked)
