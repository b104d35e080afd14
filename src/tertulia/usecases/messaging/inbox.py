"""The inbox: one's notifications (the messages that mention them), newest first, and
marking them read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tertulia.domain.events.messages import NotificationRead
from tertulia.domain.ids import MessageId, UserId
from tertulia.domain.mentions import Notification
from tertulia.usecases import pages
from tertulia.usecases.messaging.views import View, views
from tertulia.usecases.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Inboxed:
    """A notification with the message that caused it."""

    notification: Notification
    view: View


@dataclass(frozen=True, slots=True)
class Inbox:
    """One's mentions, across every workspace."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def notifications(
        self, user: UserId, before: str | None, limit: int, unread_only: bool
    ) -> pages.Page[Inboxed]:
        """One's mentions, newest message first, with their messages (in channels one still
        belongs to); `before` is a cursor from the previous page."""
        limit = pages.check_limit(limit)
        start = pages.place(pages.decode(before, 1, "before")[0], "before") if before else None
        async with self.uow(read_only=True) as uow:
            rows = await uow.notifications.page(user, start, limit + 1, unread_only)
            mine = set(await uow.channel_members.channels_of(user))
            found = {m.id: m for m in await uow.messages.get_many([n.message_id for n in rows])}
            shown = [
                (n, found[n.message_id])
                for n in rows[:limit]
                if n.channel_id in mine and n.message_id in found
            ]
            seen = await views(uow, [message for _, message in shown], user)
        return pages.Page(
            [Inboxed(n, v) for (n, _), v in zip(shown, seen, strict=True)],
            pages.encode(str(rows[limit - 1].seq)) if len(rows) > limit else None,
        )

    async def read_notifications(
        self, user: UserId, message_ids: Sequence[MessageId] | None
    ) -> int:
        """Mark some (or all) of one's notifications read; how many were unread."""
        now = self.clock()
        async with self.uow() as uow:
            changed = await uow.notifications.mark_read(user, message_ids, now)
            if changed:
                uow.emit(NotificationRead.of(user, message_ids))
            await uow.commit()
        return changed
