"""Messages as a reader sees them: one message with its reactions and files (`View`), a run of
them in order (`Slice`), and the use case that reads them (`History`: one message, a page of a
channel, a message's earlier versions). Threads read their replies with the same slices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tertulia.domain.attachments import StoredFile
from tertulia.domain.errors import Conflict, Invalid
from tertulia.domain.ids import ChannelId, MessageId, UserId
from tertulia.domain.messages import Message
from tertulia.usecases import pages
from tertulia.usecases.access import require_channel, require_message
from tertulia.usecases.ports import UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.messages import ReactionSummary

FIRST_REACTORS = 3  # people shown per emoji


@dataclass(frozen=True, slots=True)
class View:
    """A message as a reader sees it: with its reactions."""

    message: Message
    reactions: list[ReactionSummary]
    files: Sequence[StoredFile] = ()  # the live files it carries


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


async def files_of(uow: UnitOfWork, items: Sequence[Message]) -> dict[MessageId, list[StoredFile]]:
    """The live files of the messages that carry any (no query when none does)."""
    carrying = [m.id for m in items if m.file_ids and not m.is_deleted]
    return await uow.files.of_messages(carrying) if carrying else {}


async def views(uow: UnitOfWork, items: list[Message], viewer: UserId) -> list[View]:
    """The messages as the viewer sees them: two queries whatever their number."""
    summaries = await uow.reactions.summaries([m.id for m in items], viewer, FIRST_REACTORS)
    shared = await files_of(uow, items)
    return [View(m, summaries.get(m.id, []), shared.get(m.id, ())) for m in items]


async def view(
    uow: UnitOfWork, message: Message, viewer: UserId, body_hash: str | None = None
) -> View:
    """A message with its reactions; with `body_hash`, a replayed post: Conflict unless
    it is the same body."""
    if body_hash is not None and message.body_hash != body_hash:
        raise Conflict(
            "This client_msg_id was used for another message.",
            "message.client_msg_id_reused",
        )
    return (await views(uow, [message], viewer))[0]


class Fetch(Protocol):
    """A page of messages: newest first below `before`, oldest first above `after`."""

    async def __call__(
        self, *, before: int | None = None, after: int | None = None, limit: int
    ) -> list[Message]: ...


Anchors = tuple[int | None, int | None, int | None]  # the seq of before, after, around


async def anchors(
    uow: UnitOfWork,
    channel_id: ChannelId,
    root_id: MessageId | None,
    before: MessageId | None,
    after: MessageId | None,
    around: MessageId | None,
) -> Anchors:
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
    for index, (name, mid) in enumerate((("before", before), ("after", after), ("around", around))):
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


async def slice_of(fetch: Fetch, at: Anchors, limit: int) -> tuple[list[Message], bool, bool]:
    """Messages in order, oldest first, and whether more lie before and after them."""
    before, after, around = at
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


@dataclass(frozen=True, slots=True)
class History:
    """What was said in a channel, as a reader sees it."""

    uow: UnitOfWorkFactory

    async def get(self, viewer: UserId, message_id: MessageId) -> View:
        async with self.uow(read_only=True) as uow:
            message, _ = await require_message(uow, viewer, message_id)
            return await view(uow, message, viewer)

    async def edits(
        self, viewer: UserId, message_id: MessageId, after: str | None = None, limit: int = 50
    ) -> pages.Page[Edit]:
        """The earlier versions of a message's text, oldest first, a page at a time (none once
        deleted)."""
        limit = pages.check_limit(limit)
        start = pages.place(pages.decode(after, 1)[0]) if after else 0
        async with self.uow(read_only=True) as uow:
            message, _ = await require_message(uow, viewer, message_id)
            rows = await uow.messages.edits(message.id, start, limit + 1)
        return pages.page_of(
            [Edit(v, text, at) for v, text, at in rows], limit, lambda e: (str(e.version),)
        )

    async def page(
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
            await require_channel(uow, channel_id, viewer)
            at = await anchors(uow, channel_id, None, before, after, around)
            items, older, newer = await slice_of(
                lambda **kw: uow.messages.history(channel_id, **kw), at, limit
            )
            return Slice(await views(uow, items, viewer), older, newer)
