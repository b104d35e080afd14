"""Threads: replies under a root message, the root's summary (reply count, last reply,
participants), and who follows a thread (by hand, or by taking part or being named in it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tertulia.domain import messages
from tertulia.domain.errors import NotFound
from tertulia.domain.events.messages import ThreadFollowed, ThreadUnfollowed, ThreadUpdated
from tertulia.domain.ids import MessageId, UserId, WorkspaceId
from tertulia.domain.messages import Message
from tertulia.usecases import pages
from tertulia.usecases.access import require_member, require_membership, require_message
from tertulia.usecases.messaging.views import Slice, View, anchors, slice_of, views
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.messages import FollowedThread


async def record_reply(
    uow: UnitOfWork, root: Message, reply: Message, named: Sequence[UserId] = ()
) -> None:
    """The root's summary grows; the replier, the root's author, the people the root
    mentioned and those the reply names follow the thread."""
    grown = replace(
        root,
        reply_count=root.reply_count + 1,
        last_reply_at=reply.created_at,
        participants=messages.with_participant(root.participants, reply.author_id),
    )
    await uow.messages.save(grown)
    await uow.threads.follow_by_activity(
        [reply.author_id, root.author_id, *root.mentioned, *named], root, reply.created_at
    )
    uow.emit(ThreadUpdated.of(grown))


async def forget_reply(uow: UnitOfWork, reply: Message) -> None:
    """A reply was deleted: its root's summary is counted again from what remains."""
    assert reply.thread_root_id is not None
    root = await uow.messages.find(reply.thread_root_id, lock=True)
    if root is None:
        return
    count, last, people = await uow.messages.thread_summary(root.id, messages.PARTICIPANTS_KEPT)
    shrunk = replace(root, reply_count=count, last_reply_at=last, participants=people)
    await uow.messages.save(shrunk)
    uow.emit(ThreadUpdated.of(shrunk))


@dataclass(frozen=True, slots=True)
class Threads:
    """Reading a thread, following it, and the threads one follows."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def replies(
        self,
        viewer: UserId,
        root_id: MessageId,
        *,
        before: MessageId | None = None,
        after: MessageId | None = None,
        limit: int = 50,
    ) -> Slice:
        """A page of a thread's replies, oldest first (by default from the first reply)."""
        limit = pages.check_limit(limit)
        async with self.uow(read_only=True) as uow:
            root, _ = await require_message(uow, viewer, root_id)
            if root.is_reply:
                raise NotFound("No such thread.", "thread.not_found")
            at = await anchors(uow, root.channel_id, root.id, before, after, None)
            if at == (None, None, None):
                at = (None, 0, None)  # a thread reads from its start
            items, older, newer = await slice_of(
                lambda **kw: uow.messages.replies(root.id, **kw), at, limit
            )
            return Slice(await views(uow, items, viewer), older, newer)

    async def follow(self, user: UserId, root_id: MessageId, following: bool) -> None:
        """Follow (or stop following) a thread by hand."""
        now = self.clock()
        async with self.uow() as uow:
            root, access = await require_message(uow, user, root_id)
            if root.is_reply:
                raise NotFound("No such thread.", "thread.not_found")
            require_member(access, "follow its threads")
            await uow.threads.follow(user, root, following, now)
            kind = ThreadFollowed if following else ThreadUnfollowed
            uow.emit(kind.of(root, user))
            await uow.commit()

    async def followed(
        self, user: UserId, workspace_id: WorkspaceId, after: str | None, limit: int = 50
    ) -> pages.Page[tuple[FollowedThread, View]]:
        """The threads one follows in a workspace: those with unread replies first, then by
        the newest reply."""
        limit = pages.check_limit(limit)
        start = pages.decode(after, 3) if after else None
        cursor = (pages.place(start[0]), pages.place(start[1]), start[2]) if start else None
        async with self.uow(read_only=True) as uow:
            await require_membership(uow, workspace_id, user)
            rows = await uow.threads.followed(user, workspace_id, cursor, limit + 1)
            shown = await views(uow, [row.root for row in rows[:limit]], user)
        last = rows[limit - 1] if len(rows) > limit else None
        return pages.Page(
            list(zip(rows, shown, strict=False)),
            pages.encode(str(int(last.unread_replies > 0)), str(last.latest_seq), last.root.id)
            if last
            else None,
        )
