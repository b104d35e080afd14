"""Helpers for the messaging tests: posting as someone, and reading back what people see
(history, the inbox, unreads) and what the event log holds."""

from __future__ import annotations

from tertulia.adapters.sql.database import Database
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.messages import Draft, Message
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.messaging import Posted
from tertulia.usecases.ports.messages import ChannelUnread
from tests.usecases.teams import Logged, logged


async def post(core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object) -> Posted:
    return await core.posting.post(who.id, channel, Draft(text, **draft))  # type: ignore[arg-type]


async def say(core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object) -> Message:
    """Post and return the message as stored."""
    return (await post(core, who, channel, text, **draft)).view.message


async def reply(
    core: Tertulia, who: User, root: Message, text: str, *, also_send_to_channel: bool = False
) -> Message:
    return await say(
        core,
        who,
        root.channel_id,
        text,
        thread_root_id=root.id,
        also_send_to_channel=also_send_to_channel,
    )


async def five(core: Tertulia, who: User, channel: ChannelId) -> list[Message]:
    return [await say(core, who, channel, f"m{i}") for i in range(5)]


async def texts(core: Tertulia, viewer: User, channel: ChannelId, **cursor: object) -> list[str]:
    """The texts of a page of history, oldest first."""
    page = await core.history.page(viewer.id, channel, **cursor)  # type: ignore[arg-type]
    return [view.message.text for view in page.items]


async def current(core: Tertulia, viewer: User, message: Message) -> Message:
    return (await core.history.get(viewer.id, message.id)).message


async def inbox(core: Tertulia, user: User, unread_only: bool = False) -> list[tuple[str, str]]:
    """The texts and kinds of someone's notifications, newest first."""
    page = await core.inbox.notifications(user.id, None, 200, unread_only)
    return [(item.view.message.text, item.notification.kind) for item in page.items]


async def unread_in(
    core: Tertulia, user: User, ws: WorkspaceId, channel: ChannelId
) -> ChannelUnread:
    unreads = await core.reading.unreads(user.id, ws)
    return next(row for row in unreads.channels if row.channel_id == channel)


async def nothing_logged(database: Database, after: int) -> None:
    assert await logged(database, after=after) == []


def only(events: list[Logged], kind: str) -> Logged:
    found = [e for e in events if e.type == kind]
    assert len(found) == 1, [e.type for e in events]
    return found[0]
