"""Reactions and pins: what members add to a message without writing one."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tertulia.domain import attachments, channels, messages
from tertulia.domain.errors import Conflict
from tertulia.domain.events.messages import (
    MessagePinned,
    MessageUnpinned,
    ReactionAdded,
    ReactionRemoved,
)
from tertulia.domain.ids import ChannelId, MessageId, UserId
from tertulia.usecases import pages
from tertulia.usecases.access import require_channel, require_member, require_message
from tertulia.usecases.markup import canonical_emoji
from tertulia.usecases.messaging.views import View, files_of, view, views
from tertulia.usecases.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Reactions:
    """Reacting to messages with emoji, and pinning them to their channel."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def react(self, user: UserId, message_id: MessageId, emoji: str, add: bool) -> View:
        """Add (or remove) one's reaction with an emoji; doing it twice changes nothing."""
        emoji = canonical_emoji(emoji)
        now = self.clock()
        async with self.uow() as uow:
            # the lock serialises reactions on one message, so the emoji limit holds
            message, access = await require_message(uow, user, message_id, lock=True)
            require_member(access, "react")
            channels.require_writable(access.channel)
            if add:
                messages.check_react(message, emoji, await uow.reactions.emojis(message.id))
                done = await uow.reactions.add(message.id, emoji, user, now)
            else:
                done = await uow.reactions.remove(message.id, emoji, user)
            if done:
                kind = ReactionAdded if add else ReactionRemoved
                uow.emit(kind.of(message, emoji, user))
            seen = await view(uow, message, user)
            await uow.commit()
        return seen

    async def pin(self, user: UserId, message_id: MessageId, pinned: bool) -> View:
        """Pin (or unpin) a message of a channel one belongs to; idempotent."""
        now = self.clock()
        async with self.uow() as uow:
            message, access = await require_message(uow, user, message_id, lock=True)
            require_member(access, "pin messages")
            channels.require_writable(access.channel)
            if message.is_deleted and pinned:
                raise Conflict("That message was deleted.", "message.deleted")
            if (message.pinned_at is not None) != pinned:
                message = replace(
                    message,
                    pinned_at=now if pinned else None,
                    pinned_by=user if pinned else None,
                )
                await uow.messages.save(message)
                shared = (await files_of(uow, [message])).get(message.id, [])
                news = MessagePinned if pinned else MessageUnpinned
                uow.emit(news.of(message, [attachments.file_data(f) for f in shared]))
            seen = await view(uow, message, user)
            await uow.commit()
        return seen

    async def pins(self, viewer: UserId, channel_id: ChannelId, limit: int = 100) -> list[View]:
        """The pinned messages of a channel, most recently pinned first."""
        limit = pages.check_limit(limit)
        async with self.uow(read_only=True) as uow:
            await require_channel(uow, channel_id, viewer)
            return await views(uow, await uow.messages.pins(channel_id, limit), viewer)
