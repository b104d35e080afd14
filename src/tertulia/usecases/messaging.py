"""Messaging: posting, editing, deleting, history, threads, reactions, pins, mentions and
notifications, and read state. Every change is one transaction that appends its events."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from tertulia.domain import attachments, channels, events, messages
from tertulia.domain.attachments import StoredFile
from tertulia.domain.channels import Channel
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.events import Event
from tertulia.domain.ids import ChannelId, MessageId, UserId, WorkspaceId, new_id
from tertulia.domain.mentions import Notification
from tertulia.domain.messages import Draft, Message, StaleVersion
from tertulia.domain.workspaces import Membership
from tertulia.usecases import files as file_work
from tertulia.usecases import pages
from tertulia.usecases.markup import Markup, Parsed, canonical_emoji
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.channels import Access
from tertulia.usecases.ports.messages import ChannelUnread, FollowedThread, ReactionSummary
from tertulia.usecases.ports.realtime import ONLINE, PresenceStore
from tertulia.usecases.ports.search import SearchDocument
from tertulia.usecases.workspaces import require_membership

FIRST_REACTORS = 3  # people shown per emoji

log = logging.getLogger("tertulia.messaging")


@dataclass(frozen=True, slots=True)
class View:
    """A message as a reader sees it: with its reactions."""

    message: Message
    reactions: list[ReactionSummary]
    files: Sequence[StoredFile] = ()  # the live files it carries


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


@dataclass(frozen=True, slots=True)
class Slice:
    """A run of messages in order, oldest first, and whether more lie on either side."""

    items: list[View]
    has_older: bool
    has_newer: bool


@dataclass(frozen=True, slots=True)
class Edit:
    """An earlier version of a message's text."""

    version: int
    text: str
    written_at: datetime


@dataclass(frozen=True, slots=True)
class Unreads:
    channels: list[ChannelUnread]
    threads: list[FollowedThread]  # followed threads with unread replies


@dataclass(frozen=True, slots=True)
class Inboxed:
    """A notification with the message that caused it."""

    notification: Notification
    view: View


def _body_hash(channel_id: ChannelId, text: str, draft: Draft) -> str:
    """What a client_msg_id stands for: the same key with another body (or in another channel
    or thread) is a conflict, not a replay."""
    key = (
        f"{channel_id}\x00{text}\x00{draft.thread_root_id or ''}"
        f"\x00{int(draft.also_send_to_channel)}"
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_LINK = re.compile(r'<a [^>]*href="(?:https?|ftp|mailto):', re.IGNORECASE)


def search_document(message: Message) -> SearchDocument:
    """What the index keeps of a message."""
    return SearchDocument(
        message_id=message.id,
        workspace_id=message.workspace_id,
        channel_id=message.channel_id,
        author_id=message.author_id,
        created_at=message.created_at,
        text=message.text,
        has_link=bool(_LINK.search(message.html)),
        has_file=bool(message.file_ids),
    )


async def index_message(uow: UnitOfWork, message: Message) -> None:
    """Keep the index in step with a message, in the transaction that changed it."""
    if message.is_deleted:
        await uow.search.drop(message.id)
    else:
        await uow.search.put(search_document(message))


async def files_of(uow: UnitOfWork, items: Sequence[Message]) -> dict[MessageId, list[StoredFile]]:
    """The live files of the messages that carry any (no query when none does)."""
    carrying = [m.id for m in items if m.file_ids and not m.is_deleted]
    return await uow.files.of_messages(carrying) if carrying else {}


async def unreads_in(uow: UnitOfWork, user: UserId, workspace_id: WorkspaceId) -> Unreads:
    """What is unread for a member of the workspace (see `Messaging.unreads`): muted
    channels count mentions only; of the followed threads (those with unread replies come
    first), the first MAX_LIMIT are looked at."""
    rows = await uow.channel_members.unreads(user, workspace_id)
    threads = await uow.threads.followed(user, workspace_id, None, pages.MAX_LIMIT)
    return Unreads(
        [replace(r, unread_messages=0) if r.muted else r for r in rows],
        [t for t in threads if t.unread_replies > 0],
    )


def _visible(access: Access | None) -> tuple[Channel, Membership]:
    """The channel, if the person may read it; NotFound otherwise."""
    if access is None or access.membership is None:
        raise NotFound("No such channel.", "channel.not_found")
    channels.require_visible(access.channel, access.membership, access.is_member)
    return access.channel, access.membership


def _member(access: Access, what: str) -> None:
    if not access.is_member:
        raise Forbidden(f"Only members of a channel can {what}.", "channel.not_member")


@dataclass(frozen=True, slots=True)
class Messaging:
    """Conversations: what is said in channels and threads, and who has read it."""

    uow: UnitOfWorkFactory
    clock: Clock
    markup: Markup
    max_length: int = messages.DEFAULT_MAX_LENGTH
    presence: PresenceStore | None = None  # who @here reaches; without it, nobody

    # posting and changing ----------------------------------------------------------------------

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
                return Posted(await self._view(uow, existing, author, body_hash), created=False)

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
            access = await uow.channels.access(channel_id, author)
            channel, _ = _visible(access)
            assert access is not None
            # a retried client_msg_id is caught by the unique index when the message is added
            # (see post): no look-up on the way of every first attempt
            messages.check_post(channel, access.is_member)
            root = None
            if draft.thread_root_id is not None:
                root = messages.check_reply_root(
                    await uow.messages.find(draft.thread_root_id, lock=True), channel.id
                )
            mentioned, not_notified, html = await self._resolve(uow, access, author, parsed)
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
                Event(
                    "message.created",
                    events.message_data(message, [attachments.file_data(f) for f in shared]),
                    (events.channel_members(channel.id),),
                    workspace_id=channel.workspace_id,
                    channel_id=channel.id,
                ),
                position=message.id,
            )
            if root is not None:
                await self._record_reply(uow, root, message)
            await self._notify(
                uow,
                message,
                await self._recipients(
                    uow,
                    message,
                    mentioned,
                    parsed.mentions.everyone,
                    await self._online(uow, channel.id) if parsed.mentions.here else (),
                ),
            )
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
            message, access = await self._find(uow, editor, message_id, lock=True)
            try:
                messages.check_edit(message, editor, version)
                _member(access, "edit messages in it")
            except StaleVersion:
                raise StaleEdit(await self._view(uow, message, editor)) from None
            channels.require_writable(access.channel)
            mentioned, not_notified, html = await self._resolve(uow, access, editor, parsed)
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
            now_named = await self._recipients(
                uow, updated, mentioned, parsed.mentions.everyone, kept_here
            )
            gone = [user for user in before if user not in now_named]
            if gone:
                await uow.notifications.remove(message.id, gone)
                uow.emit(self._unnotified(message, gone))
            await self._notify(
                uow, updated, {u: k for u, k in now_named.items() if u not in before}
            )
            shared = (await files_of(uow, [updated])).get(updated.id, [])
            uow.emit(self._changed("message.updated", updated, shared))
            view = await self._view(uow, updated, editor)
            await uow.commit()
        return Posted(view, not_notified)

    async def delete(self, actor: UserId, message_id: MessageId) -> Message:
        """Delete a message (its author; or the channel's creator or an admin): a tombstone
        keeps its id and place in the thread; its text, reactions, edit history and
        notifications are gone. Deleting again changes nothing."""
        now = self.clock()
        async with self.uow() as uow:
            message, access = await self._find(uow, actor, message_id, lock=True)
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
                uow.emit(self._unnotified(message, notified))
            if message.thread_root_id is not None:
                root = await uow.messages.find(message.thread_root_id, lock=True)
                if root is not None:
                    count, last, people = await uow.messages.thread_summary(
                        root.id, messages.PARTICIPANTS_KEPT
                    )
                    shrunk = replace(
                        root, reply_count=count, last_reply_at=last, participants=people
                    )
                    await uow.messages.save(shrunk)
                    uow.emit(self._thread_updated(shrunk))
            uow.emit(
                Event(
                    "message.deleted",
                    {
                        "id": message.id,
                        "channel_id": message.channel_id,
                        "thread_root_id": message.thread_root_id,
                        "deleted_at": now,
                        "by": actor,
                    },
                    (events.channel_members(message.channel_id),),
                    workspace_id=message.workspace_id,
                    channel_id=message.channel_id,
                )
            )
            await uow.commit()
        return tombstone

    # reading -----------------------------------------------------------------------------------

    async def get(self, viewer: UserId, message_id: MessageId) -> View:
        async with self.uow(read_only=True) as uow:
            message, _ = await self._find(uow, viewer, message_id)
            return await self._view(uow, message, viewer)

    async def edits(
        self, viewer: UserId, message_id: MessageId, after: str | None = None, limit: int = 50
    ) -> pages.Page[Edit]:
        """The earlier versions of a message's text, oldest first, a page at a time (none once
        deleted)."""
        limit = pages.check_limit(limit)
        start = pages.place(pages.decode(after, 1)[0]) if after else 0
        async with self.uow(read_only=True) as uow:
            message, _ = await self._find(uow, viewer, message_id)
            rows = await uow.messages.edits(message.id, start, limit + 1)
        return pages.page_of(
            [Edit(v, text, at) for v, text, at in rows], limit, lambda e: (str(e.version),)
        )

    async def history(
        self,
        viewer: UserId,
        channel_id: ChannelId,
        *,
        before: MessageId | None = None,
        after: MessageId | None = None,
        around: MessageId | None = None,
        limit: int = 50,
    ) -> Slice:
        """A page of a channel's messages, oldest first: the latest, or those before, after or
        around a message (to jump to a search hit)."""
        limit = pages.check_limit(limit)
        async with self.uow(read_only=True) as uow:
            _visible(await uow.channels.access(channel_id, viewer))
            anchors = await self._anchors(uow, channel_id, None, before, after, around)
            items, older, newer = await self._slice(
                lambda **kw: uow.messages.history(channel_id, **kw), anchors, limit
            )
            return Slice(await self._views(uow, items, viewer), older, newer)

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
            root, _ = await self._find(uow, viewer, root_id)
            if root.is_reply:
                raise NotFound("No such thread.", "thread.not_found")
            anchors = await self._anchors(uow, root.channel_id, root.id, before, after, None)
            if anchors == (None, None, None):
                anchors = (None, 0, None)  # a thread reads from its start
            items, older, newer = await self._slice(
                lambda **kw: uow.messages.replies(root.id, **kw), anchors, limit
            )
            return Slice(await self._views(uow, items, viewer), older, newer)

    # reactions and pins ------------------------------------------------------------------------

    async def react(self, user: UserId, message_id: MessageId, emoji: str, add: bool) -> View:
        """Add (or remove) one's reaction with an emoji; doing it twice changes nothing."""
        emoji = canonical_emoji(emoji)
        now = self.clock()
        async with self.uow() as uow:
            # the lock serialises reactions on one message, so the emoji limit holds
            message, access = await self._find(uow, user, message_id, lock=True)
            _member(access, "react")
            channels.require_writable(access.channel)
            if add:
                messages.check_react(message, emoji, await uow.reactions.emojis(message.id))
                changed = await uow.reactions.add(message.id, emoji, user, now)
            else:
                changed = await uow.reactions.remove(message.id, emoji, user)
            if changed:
                uow.emit(
                    Event(
                        "reaction.added" if add else "reaction.removed",
                        {
                            "message_id": message.id,
                            "channel_id": message.channel_id,
                            "emoji": emoji,
                            "user_id": user,
                        },
                        (events.channel_members(message.channel_id),),
                        workspace_id=message.workspace_id,
                        channel_id=message.channel_id,
                    )
                )
            view = await self._view(uow, message, user)
            await uow.commit()
        return view

    async def pin(self, user: UserId, message_id: MessageId, pinned: bool) -> View:
        """Pin (or unpin) a message of a channel one belongs to; idempotent."""
        now = self.clock()
        async with self.uow() as uow:
            message, access = await self._find(uow, user, message_id, lock=True)
            _member(access, "pin messages")
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
                kind = "message.pinned" if pinned else "message.unpinned"
                uow.emit(self._changed(kind, message, shared))
            view = await self._view(uow, message, user)
            await uow.commit()
        return view

    async def pins(self, viewer: UserId, channel_id: ChannelId, limit: int = 100) -> list[View]:
        """The pinned messages of a channel, most recently pinned first."""
        limit = pages.check_limit(limit)
        async with self.uow(read_only=True) as uow:
            _visible(await uow.channels.access(channel_id, viewer))
            return await self._views(uow, await uow.messages.pins(channel_id, limit), viewer)

    # threads -----------------------------------------------------------------------------------

    async def follow(self, user: UserId, root_id: MessageId, following: bool) -> None:
        """Follow (or stop following) a thread by hand."""
        now = self.clock()
        async with self.uow() as uow:
            root, access = await self._find(uow, user, root_id)
            if root.is_reply:
                raise NotFound("No such thread.", "thread.not_found")
            _member(access, "follow its threads")
            await uow.threads.follow(user, root, following, now)
            uow.emit(
                Event(
                    "thread.followed" if following else "thread.unfollowed",
                    {"root_id": root.id, "channel_id": root.channel_id},
                    (events.person(user),),
                    workspace_id=root.workspace_id,
                    channel_id=root.channel_id,
                )
            )
            await uow.commit()

    async def threads(
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
            views = await self._views(uow, [row.root for row in rows[:limit]], user)
        last = rows[limit - 1] if len(rows) > limit else None
        return pages.Page(
            list(zip(rows, views, strict=False)),
            pages.encode(str(int(last.unread_replies > 0)), str(last.latest_seq), last.root.id)
            if last
            else None,
        )

    # read state --------------------------------------------------------------------------------

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
            access = await uow.channels.access(channel_id, user)
            channel, _ = _visible(access)
            assert access is not None
            _member(access, "keep a read marker in it")
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
            if root is not None:
                await uow.threads.set_read(user, root, seq, now)
                kind, data = "thread.read", {"root_id": root.id, "last_read_seq": seq}
            else:
                await uow.channel_members.set_read(channel.id, user, seq)
                kind, data = "channel.read", {"last_read_seq": seq}
            uow.emit(  # the reader's other devices clear their badges
                Event(
                    kind,
                    {"channel_id": channel.id, **data},
                    (events.person(user),),
                    workspace_id=channel.workspace_id,
                    channel_id=channel.id,
                )
            )
            await uow.commit()
        return seq

    async def mute(
        self, user: UserId, channel_id: ChannelId, muted: bool, member: UserId | None = None
    ) -> None:
        """A muted channel counts only mentions as unread. Only one's own membership."""
        async with self.uow() as uow:
            access = await uow.channels.access(channel_id, user)
            channel, _ = _visible(access)
            assert access is not None
            if member is not None and member != user:
                raise Forbidden("You can only change your own membership.", "channel.not_yours")
            _member(access, "mute it")
            if access.muted != muted:
                await uow.channel_members.set_muted(channel.id, user, muted)
                uow.emit(
                    Event(
                        "channel.muted" if muted else "channel.unmuted",
                        {"channel_id": channel.id},
                        (events.person(user),),
                        workspace_id=channel.workspace_id,
                        channel_id=channel.id,
                    )
                )
            await uow.commit()

    async def unreads(self, user: UserId, workspace_id: WorkspaceId) -> Unreads:
        """Per channel one belongs to: unread messages (none counted when muted) and unread
        mentions; and the followed threads with unread replies."""
        async with self.uow(read_only=True) as uow:
            await require_membership(uow, workspace_id, user)
            return await unreads_in(uow, user, workspace_id)

    # notifications -----------------------------------------------------------------------------

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
            views = await self._views(uow, [message for _, message in shown], user)
        return pages.Page(
            [Inboxed(n, v) for (n, _), v in zip(shown, views, strict=True)],
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
                uow.emit(
                    Event(
                        "notification.read",
                        {"message_ids": list(message_ids) if message_ids else None},
                        (events.person(user),),
                    )
                )
            await uow.commit()
        return changed

    # helpers -----------------------------------------------------------------------------------

    async def _find(
        self, uow: UnitOfWork, viewer: UserId, message_id: MessageId, lock: bool = False
    ) -> tuple[Message, Access]:
        """The message if the viewer may read its channel; NotFound otherwise."""
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

    async def _resolve(
        self, uow: UnitOfWork, access: Access, author: UserId, parsed: Parsed
    ) -> tuple[tuple[UserId, ...], tuple[str, ...], str]:
        """Who the text mentions: the members to notify, the names nobody will notify, and
        the HTML with every resolved mention marked up. A guest's text resolves only the
        people and the channel it shares, so it cannot probe who else is in the workspace."""
        channel = access.channel
        wanted = parsed.mentions
        named = await uow.channel_members.named(channel.workspace_id, channel.id, wanted.usernames)
        linked = await uow.channels.public_named(channel.workspace_id, wanted.channels)
        if access.membership is not None and not access.membership.role.is_full_member:
            named = {name: n for name, n in named.items() if n.in_channel}
            linked = {name: c for name, c in linked.items() if c == channel.id}
        notify: dict[UserId, None] = {}
        missing: dict[str, None] = {}
        for options in wanted.candidates:  # the longest reading that names someone wins
            name = next((o for o in options if o in named), options[-1])
            person = named.get(name)
            if person is None or not person.in_channel:
                missing.setdefault(name)
            elif person.user_id != author:
                notify.setdefault(person.user_id)
        html = await self.markup.render_off_loop(
            parsed, {name: n.user_id for name, n in named.items()}, linked
        )
        return tuple(notify), tuple(missing), html

    async def _recipients(
        self,
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

    async def _online(self, uow: UnitOfWork, channel_id: ChannelId) -> list[UserId]:
        """The members of a channel who are online now (for @here)."""
        if self.presence is None:
            return []
        members = await uow.channel_members.user_ids(channel_id)
        try:
            found = await self.presence.get(members)
        except Exception:  # presence is a courtesy: the message goes out anyway
            log.warning("could not read presence for @here", exc_info=True)
            return []
        return [user for user in members if found.get(user) == ONLINE]

    async def _notify(self, uow: UnitOfWork, message: Message, kinds: dict[UserId, str]) -> None:
        """Notify these people (once per message: the caller leaves out whoever already
        was); people mentioned by name also follow the thread the message is in."""
        if not kinds:
            return
        now = self.clock()
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
        if message.thread_root_id is not None:
            root = await uow.messages.find(message.thread_root_id)
            if root is not None:
                named = [user for user, kind in kinds.items() if kind == "mention"]
                await uow.threads.follow_by_activity(named, root, now)
        for kind in sorted(set(kinds.values())):
            uow.emit(
                Event(
                    "notification.created",
                    {
                        "message_id": message.id,
                        "channel_id": message.channel_id,
                        "author_id": message.author_id,
                        "kind": kind,
                    },
                    tuple(events.person(user) for user, k in kinds.items() if k == kind),
                    workspace_id=message.workspace_id,
                    channel_id=message.channel_id,
                )
            )

    async def _record_reply(self, uow: UnitOfWork, root: Message, reply: Message) -> None:
        """The root's summary grows; the replier, the root's author and the people the root
        mentioned follow the thread."""
        grown = replace(
            root,
            reply_count=root.reply_count + 1,
            last_reply_at=reply.created_at,
            participants=messages.with_participant(root.participants, reply.author_id),
        )
        await uow.messages.save(grown)
        await uow.threads.follow_by_activity(
            [reply.author_id, root.author_id, *root.mentioned], root, reply.created_at
        )
        uow.emit(self._thread_updated(grown))

    def _unnotified(self, message: Message, users: Sequence[UserId]) -> Event:
        """Their inbox no longer holds this message (it was deleted, or no longer names them)."""
        return Event(
            "notification.removed",
            {"message_id": message.id, "channel_id": message.channel_id},
            tuple(events.person(user) for user in users),
            workspace_id=message.workspace_id,
            channel_id=message.channel_id,
        )

    def _thread_updated(self, root: Message) -> Event:
        return Event(
            "thread.updated",
            {"root_id": root.id, "channel_id": root.channel_id, **events.thread_data(root)},
            (events.channel_members(root.channel_id),),
            workspace_id=root.workspace_id,
            channel_id=root.channel_id,
        )

    def _changed(self, kind: str, message: Message, shared: Sequence[StoredFile] = ()) -> Event:
        return Event(
            kind,
            events.message_data(message, [attachments.file_data(f) for f in shared]),
            (events.channel_members(message.channel_id),),
            workspace_id=message.workspace_id,
            channel_id=message.channel_id,
        )

    async def _view(
        self, uow: UnitOfWork, message: Message, viewer: UserId, body_hash: str | None = None
    ) -> View:
        """A message with its reactions; with `body_hash`, a replayed post: Conflict unless
        it is the same body."""
        if body_hash is not None and message.body_hash != body_hash:
            raise Conflict(
                "This client_msg_id was used for another message.",
                "message.client_msg_id_reused",
            )
        return (await self._views(uow, [message], viewer))[0]

    async def _views(self, uow: UnitOfWork, items: list[Message], viewer: UserId) -> list[View]:
        summaries = await uow.reactions.summaries([m.id for m in items], viewer, FIRST_REACTORS)
        shared = await files_of(uow, items)
        return [View(m, summaries.get(m.id, []), shared.get(m.id, ())) for m in items]

    async def _anchors(
        self,
        uow: UnitOfWork,
        channel_id: ChannelId,
        root_id: MessageId | None,
        before: MessageId | None,
        after: MessageId | None,
        around: MessageId | None,
    ) -> tuple[int | None, int | None, int | None]:
        """The places (seq) of the cursors, checked to belong to this channel or thread."""
        given = [
            (name, mid)
            for name, mid in (("before", before), ("after", after), ("around", around))
            if mid
        ]
        if len(given) > 1:
            raise Invalid.field(
                given[1][0], "cursor.conflict", "Give at most one of before, after and around."
            )
        places: list[int | None] = [None, None, None]
        for index, (name, mid) in enumerate(
            (("before", before), ("after", after), ("around", around))
        ):
            if mid is None:
                continue
            anchor = await uow.messages.find(mid)
            inside = anchor is not None and (
                anchor.thread_root_id == root_id
                if root_id is not None
                else anchor.channel_id == channel_id and anchor.in_channel
            )
            if anchor is None or not inside or not anchor.seq:
                raise Invalid.field(name, "cursor.invalid", f"{name} names no message here.")
            places[index] = anchor.seq
        return places[0], places[1], places[2]

    async def _slice(
        self,
        fetch: Fetch,
        anchors: tuple[int | None, int | None, int | None],
        limit: int,
    ) -> tuple[list[Message], bool, bool]:
        """Messages in order, oldest first, and whether more lie before and after them."""
        before, after, around = anchors
        if around is not None:
            older_wanted = limit // 2  # then the anchor itself, then the newer ones
            newer_wanted = limit - older_wanted - 1
            older = await fetch(before=around + 1, limit=older_wanted + 2)
            newer = await fetch(after=around, limit=newer_wanted + 1)
            return (
                list(reversed(older[: older_wanted + 1])) + newer[:newer_wanted],
                len(older) > older_wanted + 1,
                len(newer) > newer_wanted,
            )
        if after is not None:
            rows = await fetch(after=after, limit=limit + 1)
            return rows[:limit], after > 0, len(rows) > limit
        rows = await fetch(before=before, limit=limit + 1)
        return list(reversed(rows[:limit])), len(rows) > limit, before is not None


class Fetch(Protocol):
    """A page of messages: newest first below `before`, oldest first above `after`."""

    async def __call__(
        self, *, before: int | None = None, after: int | None = None, limit: int
    ) -> list[Message]: ...
