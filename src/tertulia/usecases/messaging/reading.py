"""Read state: where each person stands in a channel or a thread (their marker), which
channels they muted, and what is unread for them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tertulia.domain.errors import Forbidden, NotFound
from tertulia.domain.events.channels import ChannelMuted, ChannelRead, ChannelUnmuted
from tertulia.domain.events.messages import ThreadRead
from tertulia.domain.ids import ChannelId, MessageId, UserId, WorkspaceId
from tertulia.usecases import pages
from tertulia.usecases.access import require_channel, require_member, require_membership
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.messages import ChannelUnread, FollowedThread


@dataclass(frozen=True, slots=True)
class Unreads:
    channels: list[ChannelUnread]
    threads: list[FollowedThread]  # followed threads with unread replies


async def unreads_in(uow: UnitOfWork, user: UserId, workspace_id: WorkspaceId) -> Unreads:
    """What is unread for a member of the workspace (see `Reading.unreads`): muted
    channels count mentions only; of the followed threads (those with unread replies come
    first), the first MAX_LIMIT are looked at."""
    rows = await uow.channel_members.unreads(user, workspace_id)
    threads = await uow.threads.followed(user, workspace_id, None, pages.MAX_LIMIT)
    return Unreads(
        [replace(r, unread_messages=0) if r.muted else r for r in rows],
        [t for t in threads if t.unread_replies > 0],
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """Read markers, mutes and unread counts."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def mark_read(
        self,
        user: UserId,
        channel_id: ChannelId,
        up_to: MessageId | None = None,
        thread_root_id: MessageId | None = None,
    ) -> int:
        """Mark a channel (or one of its threads) read up to a message, or up to its newest;
        marking an earlier message marks what follows it unread again. Returns the marker."""
        now = self.clock()
        async with self.uow() as uow:
            access = await require_channel(uow, channel_id, user)
            channel = access.channel
            require_member(access, "keep a read marker in it")
            root = None
            if thread_root_id is not None:
                root = await uow.messages.find(thread_root_id)
                if root is None or root.channel_id != channel.id or root.is_reply:
                    raise NotFound("No such thread.", "thread.not_found")
            if up_to is not None:
                target = await uow.messages.find(up_to)
                belongs = target is not None and (
                    target.id == thread_root_id or target.thread_root_id == thread_root_id
                    if root is not None
                    else target.channel_id == channel.id and target.in_channel
                )
                if target is None or not belongs:
                    raise NotFound("No such message here.", "message.not_found")
                seq = target.seq
            elif root is not None:
                seq = await uow.messages.latest_reply_seq(root.id) or root.seq
            else:
                seq = await uow.messages.latest_seq(channel.id)
            # the reader's other devices clear their badges
            if root is not None:
                await uow.threads.set_read(user, root, seq, now)
                uow.emit(ThreadRead.of(root, user, seq))
            else:
                await uow.channel_members.set_read(channel.id, user, seq)
                uow.emit(ChannelRead.of(channel, user, seq))
            await uow.commit()
        return seq

    async def mute(
        self, user: UserId, channel_id: ChannelId, muted: bool, member: UserId | None = None
    ) -> None:
        """A muted channel counts only mentions as unread. Only one's own membership."""
        async with self.uow() as uow:
            access = await require_channel(uow, channel_id, user)
            channel = access.channel
            if member is not None and member != user:
                raise Forbidden("You can only change your own membership.", "channel.not_yours")
            require_member(access, "mute it")
            if access.muted != muted:
                await uow.channel_members.set_muted(channel.id, user, muted)
                kind = ChannelMuted if muted else ChannelUnmuted
                uow.emit(kind.of(channel, user))
            await uow.commit()

    async def unreads(self, user: UserId, workspace_id: WorkspaceId) -> Unreads:
        """Per channel one belongs to: unread messages (none counted when muted) and unread
        mentions; and the followed threads with unread replies."""
        async with self.uow(read_only=True) as uow:
            await require_membership(uow, workspace_id, user)
            return await unreads_in(uow, user, workspace_id)
