"""Posting: writing a message to a channel or a thread, editing it and deleting it. Every
change is one transaction that stores the message, keeps the index and the thread summary in
step, notifies whom it names, and appends its events."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from tertulia.domain import attachments, channels, messages
from tertulia.domain.attachments import StoredFile
from tertulia.domain.errors import Conflict
from tertulia.domain.events.messages import (
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    NotificationRemoved,
)
from tertulia.domain.ids import ChannelId, MessageId, UserId, new_id
from tertulia.domain.messages import Draft, Message, StaleVersion
from tertulia.usecases import files as file_work
from tertulia.usecases.access import require_channel, require_member, require_message
from tertulia.usecases.markup import Markup, Parsed
from tertulia.usecases.messaging import mentions
from tertulia.usecases.messaging.indexing import index_message
from tertulia.usecases.messaging.threads import forget_reply, record_reply
from tertulia.usecases.messaging.views import View, files_of, view
from tertulia.usecases.ports import Clock, UnitOfWorkFactory
from tertulia.usecases.ports.realtime import PresenceStore


@dataclass(frozen=True, slots=True)
class Posted:
    """A message just posted or edited, and the mentioned people nobody notified (not in the
    channel, or not in the workspace)."""

    view: View
    not_notified: tuple[str, ...] = ()
    created: bool = True  # False when a retry returned the message posted the first time


class StaleEdit(StaleVersion):
    """An edit of an outdated version, with the message as it is now (reactions included)."""

    def __init__(self, view: View) -> None:
        super().__init__(view.message)
        self.view = view


def _body_hash(channel_id: ChannelId, text: str, draft: Draft) -> str:
    """What a client_msg_id stands for: the same key with another body (or in another channel
    or thread) is a conflict, not a replay."""
    key = (
        f"{channel_id}\x00{text}\x00{draft.thread_root_id or ''}"
        f"\x00{int(draft.also_send_to_channel)}"
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Posting:
    """Saying something in a channel or a thread, and taking it back."""

    uow: UnitOfWorkFactory
    clock: Clock
    markup: Markup
    max_length: int = messages.DEFAULT_MAX_LENGTH
    presence: PresenceStore | None = None  # who @here reaches; without it, nobody

    async def post(self, author: UserId, channel_id: ChannelId, draft: Draft) -> Posted:
        """Post to a channel or DM the author belongs to (or reply in a thread). Retrying with
        the same client_msg_id returns the first message; with another body, Conflict."""
        text = messages.check_text(draft.text, self.max_length, with_files=bool(draft.file_ids))
        key = messages.check_client_msg_id(draft.client_msg_id)
        body_hash = _body_hash(channel_id, text, draft)
        parsed = await self.markup.parse_off_loop(text)
        try:
            return await self._post(author, channel_id, draft, text, key, body_hash, parsed)
        except Conflict as exc:
            if exc.code != "message.duplicate_client_msg_id" or key is None:
                raise
            # a retry (or a concurrent one that won the race): answer with the first message
            async with self.uow(read_only=True) as uow:
                existing = await uow.messages.find_by_client_id(author, key)
                if existing is None:
                    raise
                return Posted(await view(uow, existing, author, body_hash), created=False)

    async def _post(
        self,
        author: UserId,
        channel_id: ChannelId,
        draft: Draft,
        text: str,
        key: str | None,
        body_hash: str,
        parsed: Parsed,
    ) -> Posted:
        now = self.clock()
        async with self.uow() as uow:
            access = await require_channel(uow, channel_id, author)
            channel = access.channel
            # a retried client_msg_id is caught by the unique index when the message is added
            # (see post): no look-up on the way of every first attempt
            messages.check_post(channel, access.is_member)
            root = None
            if draft.thread_root_id is not None:
                root = messages.check_reply_root(
                    await uow.messages.find(draft.thread_root_id, lock=True), channel.id
                )
            mentioned, not_notified, html = await mentions.resolve(
                uow, self.markup, access, author, parsed
            )
            shared: tuple[StoredFile, ...] = ()
            if draft.file_ids:
                shared = attachments.check_attach(
                    draft.file_ids,
                    await uow.files.find_many(draft.file_ids),
                    author,
                    channel.workspace_id,
                )
            message = Message(
                id=MessageId(new_id()),
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                author_id=author,
                text=text,
                html=html,
                created_at=now,
                thread_root_id=root.id if root else None,
                in_channel=root is None or draft.also_send_to_channel,
                client_msg_id=key,
                mentioned=mentioned,
                mentions_everyone=parsed.mentions.everyone,
                mentions_here=parsed.mentions.here,
                file_ids=tuple(f.id for f in shared),
                body_hash=body_hash,
            )
            await uow.messages.add(message)
            if shared:
                await uow.files.attach(message.file_ids, message.id, channel.id)
                shared = tuple(
                    replace(f, message_id=message.id, channel_id=channel.id) for f in shared
                )
            await index_message(uow, message)
            uow.emit(
                MessageCreated.of(message, [attachments.file_data(f) for f in shared]),
                position=message.id,
            )
            kinds = await mentions.recipients(
                uow,
                message,
                mentioned,
                parsed.mentions.everyone,
                await mentions.online(uow, self.presence, channel.id)
                if parsed.mentions.here
                else (),
            )
            if root is not None:  # the people it names follow the thread with the others
                await record_reply(uow, root, message, mentions.named(kinds))
            await mentions.notify(uow, message, kinds, self.clock(), followed=root is not None)
            await uow.commit()
        placed = replace(message, seq=uow.committed_events[0].id)
        return Posted(View(placed, [], shared), not_notified)

    async def edit(self, editor: UserId, message_id: MessageId, text: str, version: int) -> Posted:
        """Replace the text of one's own message, if nobody changed it since `version`
        (StaleVersion, with the current message, otherwise). The old text is kept as history;
        people mentioned for the first time are notified, those no longer mentioned are not."""
        text = messages.check_text(text, self.max_length)
        parsed = await self.markup.parse_off_loop(text)
        now = self.clock()
        async with self.uow() as uow:
            message, access = await require_message(uow, editor, message_id, lock=True)
            try:
                messages.check_edit(message, editor, version)
                require_member(access, "edit messages in it")
            except StaleVersion:
                raise StaleEdit(await view(uow, message, editor)) from None
            channels.require_writable(access.channel)
            mentioned, not_notified, html = await mentions.resolve(
                uow, self.markup, access, editor, parsed
            )
            await uow.messages.add_edit(
                message.id, message.version, message.text, message.edited_at or message.created_at
            )
            updated = replace(
                message,
                text=text,
                html=html,
                version=message.version + 1,
                edited_at=now,
                mentioned=mentioned,
                mentions_everyone=parsed.mentions.everyone,
                mentions_here=parsed.mentions.here,
            )
            await uow.messages.save(updated)
            await index_message(uow, updated)
            # notify whoever is newly named; forget whoever no longer is
            before = await uow.notifications.recipients(message.id)
            # @here kept in an edit reaches whoever it reached, not whoever is online now
            kept_here = (
                [u for u, k in before.items() if k == "here"] if parsed.mentions.here else []
            )
            now_named = await mentions.recipients(
                uow, updated, mentioned, parsed.mentions.everyone, kept_here
            )
            gone = [user for user in before if user not in now_named]
            if gone:
                await uow.notifications.remove(message.id, gone)
                uow.emit(NotificationRemoved.of(message, gone))
            await mentions.notify(
                uow,
                updated,
                {u: k for u, k in now_named.items() if u not in before},
                self.clock(),
            )
            shared = (await files_of(uow, [updated])).get(updated.id, [])
            uow.emit(MessageUpdated.of(updated, [attachments.file_data(f) for f in shared]))
            seen = await view(uow, updated, editor)
            await uow.commit()
        return Posted(seen, not_notified)

    async def delete(self, actor: UserId, message_id: MessageId) -> Message:
        """Delete a message (its author; or the channel's creator or an admin): a tombstone
        keeps its id and place in the thread; its text, reactions, edit history and
        notifications are gone. Deleting again changes nothing."""
        now = self.clock()
        async with self.uow() as uow:
            message, access = await require_message(uow, actor, message_id, lock=True)
            if message.is_deleted:
                return message
            assert access.membership is not None
            messages.check_delete(message, access.membership, access.channel, access.is_member)
            channels.require_writable(access.channel)
            tombstone = replace(
                message,
                text="",
                html="",
                deleted_at=now,
                mentioned=(),
                mentions_everyone=False,
                mentions_here=False,
                pinned_at=None,
                pinned_by=None,
                file_ids=(),
            )
            for file in (await files_of(uow, [message])).get(message.id, []):
                await file_work.forget(uow, file, now)
            notified = list(await uow.notifications.recipients(message.id))
            await uow.messages.save(tombstone)
            await uow.messages.forget_content(message.id)
            await index_message(uow, tombstone)
            if notified:
                uow.emit(NotificationRemoved.of(message, notified))
            if message.thread_root_id is not None:
                await forget_reply(uow, message)
            uow.emit(MessageDeleted.of(message, now, actor))
            await uow.commit()
        return tombstone
