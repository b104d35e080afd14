"""Mentions: whom a message names, whom it notifies and why, and the notifications that
follow (created when it is posted or edited to name someone, removed when it no longer does).

Parsing the text is the domain's (`domain/mentions.py`); who a guest may name is `access`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tertulia.domain.events.messages import NotificationCreated
from tertulia.domain.ids import ChannelId, UserId
from tertulia.domain.mentions import Notification
from tertulia.domain.messages import Message
from tertulia.usecases.access import mentionable
from tertulia.usecases.markup import Markup, Parsed
from tertulia.usecases.ports import UnitOfWork
from tertulia.usecases.ports.channels import Access
from tertulia.usecases.ports.realtime import ONLINE, PresenceStore

log = logging.getLogger("tertulia.messaging")


async def resolve(
    uow: UnitOfWork, markup: Markup, access: Access, author: UserId, parsed: Parsed
) -> tuple[tuple[UserId, ...], tuple[str, ...], str]:
    """Who the text mentions: the members to notify, the names nobody will notify, and
    the HTML with every resolved mention marked up."""
    channel = access.channel
    wanted = parsed.mentions
    named, linked = mentionable(
        access,
        await uow.channel_members.named(channel.workspace_id, channel.id, wanted.usernames),
        await uow.channels.public_named(channel.workspace_id, wanted.channels),
    )
    notify: dict[UserId, None] = {}
    missing: dict[str, None] = {}
    for options in wanted.candidates:  # the longest reading that names someone wins
        name = next((o for o in options if o in named), options[-1])
        person = named.get(name)
        if person is None or not person.in_channel:
            missing.setdefault(name)
        elif person.user_id != author:
            notify.setdefault(person.user_id)
    html = await markup.render_off_loop(
        parsed, {name: n.user_id for name, n in named.items()}, linked
    )
    return tuple(notify), tuple(missing), html


async def recipients(
    uow: UnitOfWork,
    message: Message,
    named: Sequence[UserId],
    everyone: bool,
    here: Sequence[UserId] = (),
) -> dict[UserId, str]:
    """Who a message notifies, and why: the members it names ("mention"), for @here
    the members `here` ("here"), and for @channel and @all every member ("everyone");
    never its author."""
    kinds: dict[UserId, str] = {}
    if everyone:
        for user in await uow.channel_members.user_ids(message.channel_id):
            kinds[user] = "everyone"
    for user in here:
        kinds.setdefault(user, "here")
    kinds.update(dict.fromkeys(named, "mention"))
    kinds.pop(message.author_id, None)
    return kinds


async def online(
    uow: UnitOfWork, presence: PresenceStore | None, channel_id: ChannelId
) -> list[UserId]:
    """The members of a channel who are online now (for @here); without presence, nobody."""
    if presence is None:
        return []
    members = await uow.channel_members.user_ids(channel_id)
    try:
        found = await presence.get(members)
    except Exception:  # presence is a courtesy: the message goes out anyway
        log.warning("could not read presence for @here", exc_info=True)
        return []
    return [user for user in members if found.get(user) == ONLINE]


def named(kinds: dict[UserId, str]) -> list[UserId]:
    """Of the people a message notifies, those it names (not @channel, not @here)."""
    return [user for user, kind in kinds.items() if kind == "mention"]


async def notify(
    uow: UnitOfWork,
    message: Message,
    kinds: dict[UserId, str],
    now: datetime,
    followed: bool = False,
) -> None:
    """Notify these people (once per message: the caller leaves out whoever already
    was); people mentioned by name also follow the thread the message is in, unless the
    caller saw to it (`followed`: a new reply, whose root it holds)."""
    if not kinds:
        return
    await uow.notifications.add(
        [
            Notification(
                user,
                message.id,
                message.workspace_id,
                message.channel_id,
                kind,
                now,
                seq=message.seq,  # 0 for a new message: it takes the seq when placed
            )
            for user, kind in kinds.items()
        ]
    )
    if message.thread_root_id is not None and not followed:
        root = await uow.messages.find(message.thread_root_id)
        if root is not None:
            await uow.threads.follow_by_activity(named(kinds), root, now)
    for kind in sorted(set(kinds.values())):
        uow.emit(NotificationCreated.of(message, kind, [u for u, k in kinds.items() if k == kind]))
