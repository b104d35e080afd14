"""Search: messages of a workspace that the person may read, ranked, with highlighted
snippets; and the index kept in step with every message (see `searchtext` and the
`SearchIndex` port)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tertulia.domain.attachments import StoredFile
from tertulia.domain.channels import Channel
from tertulia.domain.errors import Invalid, Malformed
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership
from tertulia.usecases import pages
from tertulia.usecases.access import require_membership
from tertulia.usecases.messaging.indexing import index_message
from tertulia.usecases.messaging.views import FIRST_REACTORS, View, files_of
from tertulia.usecases.ports import UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.search import SEARCH_DEPTH, FileFilter, SearchFilter
from tertulia.usecases.searchmatch import compile_query
from tertulia.usecases.searchquery import Query, parse
from tertulia.usecases.searchsnippet import Highlighter
from tertulia.usecases.searchtext import fold, folded_words, prefix_pattern

Sort = Literal["relevance", "recent"]


@dataclass(frozen=True, slots=True)
class Found:
    """A matching message, where it was said, and the words that matched."""

    view: View
    channel: Channel
    snippet: str  # safe HTML: the text around the match, matches in <mark>
    score: float


@dataclass(frozen=True, slots=True)
class Results:
    items: list[Found]
    total: int
    total_is_exact: bool
    next_cursor: str | None


def _fingerprint(q: str, sort: Sort) -> str:
    return hashlib.sha256(f"{sort}\x00{q}".encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _offset(cursor: str | None, q: str, sort: Sort) -> int:
    if cursor is None:
        return 0
    offset, fingerprint = pages.decode(cursor, 2, field="cursor")
    if fingerprint != _fingerprint(q, sort):
        raise Invalid.field("cursor", "cursor.invalid", "This cursor belongs to another search.")
    value = pages.place(offset, field="cursor")
    if value >= SEARCH_DEPTH:
        raise Invalid.field("cursor", "cursor.invalid", "This cursor is not valid.")
    return value


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _start(day: date, zone: tzinfo) -> datetime:
    """When `day` starts in `zone`, in UTC: `searchquery` keeps days one away from the ends of
    the calendar, and no zone is a day away from UTC, so this never leaves it."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


async def _days(
    uow: UnitOfWork, query: Query, viewer: UserId
) -> tuple[datetime | None, datetime | None]:
    """Since when and until when `on:`, `after:` and `before:` ask for, as days of the
    viewer's time zone."""
    since = until = None
    if query.on or query.after or query.before:
        user = await uow.users.get(viewer)
        zone = _zone(user.timezone)
        if query.on is not None:
            since, until = _start(query.on, zone), _start(query.on + timedelta(1), zone)
        if query.after is not None:
            since = _start(query.after + timedelta(1), zone)
        if query.before is not None:
            until = _start(query.before, zone)
    return since, until


@dataclass(frozen=True, slots=True)
class _Named:
    """The people and channels a query's operators name, by the name as typed (folded)."""

    people: dict[str, UserId]
    channels: dict[str, tuple[ChannelId, ...]]  # a name folds like several channels' may

    def users(self, names: tuple[str, ...]) -> tuple[UserId, ...]:
        return tuple(dict.fromkeys(self.people[n] for n in map(fold, names) if n in self.people))

    def channel_ids(self, names: tuple[str, ...]) -> tuple[ChannelId, ...]:
        return tuple(dict.fromkeys(c for n in map(fold, names) for c in self.channels.get(n, ())))


async def _named(uow: UnitOfWork, workspace_id: WorkspaceId, query: Query) -> _Named:
    """Who and which channels `from:`, `mentions:` and `in:` (negated or not) name: names fold
    like words do, so `in:#facturacion` is #facturación and `from:@ANA` is @ana."""
    usernames = (*query.from_users, *query.mentions, *query.not_from, *query.not_mentions)
    wanted = list(dict.fromkeys(map(fold, usernames)))
    people = await uow.members.with_usernames(workspace_id, wanted) if wanted else {}
    channel_names = (*query.in_channels, *query.not_in)
    found = await uow.channels.named(workspace_id, channel_names) if channel_names else []
    channels: dict[str, tuple[ChannelId, ...]] = {}
    for channel in found:
        key = fold(channel.name or "")
        channels[key] = (*channels.get(key, ()), channel.id)
    return _Named(people, channels)


def _channels_in(query: Query, named: _Named) -> tuple[ChannelId, ...] | None:
    """The channels `in:` leaves (None: no `in:`), those `-in:` names taken out."""
    if not query.in_channels:
        return None
    excluded = set(named.channel_ids(query.not_in))
    return tuple(c for c in named.channel_ids(query.in_channels) if c not in excluded)


def _file_query(q: str) -> Query:
    """What a file search asks for: `parse`d, with only the operators that apply to files."""
    if not q.strip():
        return Query()
    query = parse(q)
    unfit = [
        name
        for name, used in (
            ("has:", query.has),
            ("is:", query.is_),
            ("mentions:", query.mentions),
            ("-has:", query.not_has),
            ("-is:", query.not_is),
            ("-mentions:", query.not_mentions),
        )
        if used
    ]
    if unfit:
        raise Malformed.field(
            "q",
            "search.operator_not_for_files",
            f"{unfit[0]} does not apply to files; use from:, in:, before:, after: or on:"
            " (or -from:, -in:).",
        )
    return query


def _name_runs(texts: list[str]) -> tuple[tuple[str, ...], ...]:
    """The folded words of each word or phrase typed, in order ("Informe.PD" → ("informe",
    "pd")); punctuation alone gives none."""
    runs = (tuple(folded_words(text)) for text in texts)
    return tuple(dict.fromkeys(run for run in runs if run))


AUTOCOMPLETE_MAX = 100  # characters the quick switcher looks up


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file a file search found, and where it was shared (None: not shared yet)."""

    file: StoredFile
    channel: Channel | None


@dataclass(frozen=True, slots=True)
class Search:
    """Finds messages by words and operators, among those the person may read."""

    uow: UnitOfWorkFactory

    async def __call__(
        self,
        viewer: UserId,
        workspace_id: WorkspaceId,
        q: str,
        sort: Sort = "relevance",
        cursor: str | None = None,
        limit: int = 20,
    ) -> Results:
        pages.check_limit(limit)
        query = parse(q)
        offset = _offset(cursor, q, sort)
        match = compile_query(query)
        if query.has_text and not match.positive:
            raise Malformed.field(
                "q",
                "search.no_words",
                "Search for words or numbers: punctuation alone finds nothing.",
            )
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, viewer)
            where = await self._filter(uow, query, viewer, membership)
            if where is None:  # an operator named nobody or no channel: nothing can match
                return Results([], 0, True, None)
            hits = await uow.search.search(match, where, sort, offset, limit)
            found = {
                m.id: m for m in await uow.messages.get_many([h.message_id for h in hits.hits])
            }
            listed = [(h, found[h.message_id]) for h in hits.hits if h.message_id in found]
            listed = [(h, m) for h, m in listed if not m.is_deleted]
            summaries = await uow.reactions.summaries(
                [m.id for _, m in listed], viewer, FIRST_REACTORS
            )
            shared = await files_of(uow, [m for _, m in listed])
            channels = {
                c.id: c
                for c in await uow.channels.existing(
                    workspace_id, list(dict.fromkeys(m.channel_id for _, m in listed))
                )
            }
        highlighter = Highlighter(match)
        items = [
            Found(
                View(m, summaries.get(m.id, []), shared.get(m.id, ())),
                channels[m.channel_id],
                highlighter.snippet(m.text),
                h.score,
            )
            for h, m in listed
            if m.channel_id in channels
        ]
        end = offset + len(hits.hits)
        more = end < min(hits.total, SEARCH_DEPTH) and len(hits.hits) == limit
        next_cursor = pages.encode(str(end), _fingerprint(q, sort)) if more else None
        return Results(items, hits.total, hits.exact, next_cursor)

    async def suggest(
        self, viewer: UserId, workspace_id: WorkspaceId, q: str, limit: int = 10
    ) -> Suggestions:
        """Every word typed must start a word of the name, accents and case aside ("mar lo"
        finds "María López"); people of the workspace, channels the person may see."""
        pages.check_limit(limit)
        if len(q) > AUTOCOMPLETE_MAX:
            raise Invalid.field(
                "q", "autocomplete.too_long", f"Type at most {AUTOCOMPLETE_MAX} characters."
            )
        if any(ord(c) < 32 or c == "\x7f" for c in q):
            raise Invalid.field("q", "autocomplete.control_character", "Type text only.")
        patterns = prefix_pattern(q)
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, viewer)
            if not patterns:
                return Suggestions([], [])
            users = await uow.members.matching(workspace_id, patterns, limit)
            found = await uow.channels.matching(
                workspace_id, viewer, membership.role.is_full_member, patterns, limit
            )
        return Suggestions(users, found)

    async def files(
        self,
        viewer: UserId,
        workspace_id: WorkspaceId,
        q: str,
        kinds: tuple[str, ...] = (),
        cursor: str | None = None,
        limit: int = 20,
    ) -> pages.Page[FoundFile]:
        """Files by name and kind, newest first, among those the person may open: their
        own uploads, and files shared where they may read. Every word must start a word of
        the name (accents and case aside); `-word` leaves names out; `from:`, `in:`,
        `before:`, `after:` and `on:` narrow as in message search."""
        pages.check_limit(limit)
        query = _file_query(q)
        words = [t.text for t in query.terms if not t.excluded]
        words += [p.text for p in query.phrases if not p.excluded]
        unwanted = [t.text for t in query.terms if t.excluded]
        unwanted += [p.text for p in query.phrases if p.excluded]
        if words and not _name_runs(words):
            raise Malformed.field(
                "q",
                "search.no_words",
                "Search for words or numbers: punctuation alone finds nothing.",
            )
        before = pages.time_key(cursor)
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, viewer)
            named = await _named(uow, workspace_id, query)
            uploaders = named.users(query.from_users)
            channel_ids = _channels_in(query, named)
            if (query.from_users and not uploaders) or (
                channel_ids is not None and not channel_ids
            ):
                return pages.Page([], None)
            since, until = await _days(uow, query, viewer)
            where = FileFilter(
                workspace_id=workspace_id,
                viewer=viewer,
                include_public=membership.role.is_full_member,
                names=_name_runs(words),
                not_names=_name_runs(unwanted),
                kinds=kinds,
                channel_ids=channel_ids,
                uploader_ids=uploaders,
                since=since,
                until=until,
                not_channel_ids=named.channel_ids(query.not_in),
                not_uploader_ids=named.users(query.not_from),
            )
            rows = await uow.files.search(where, before, limit + 1)
            shared_in = list(dict.fromkeys(f.channel_id for f in rows[:limit] if f.channel_id))
            channels = {c.id: c for c in await uow.channels.existing(workspace_id, shared_in)}
        found = [FoundFile(f, channels.get(f.channel_id) if f.channel_id else None) for f in rows]
        return pages.page_of(found, limit, lambda x: pages.time_cursor(x.file))

    async def _filter(
        self, uow: UnitOfWork, query: Query, viewer: UserId, membership: Membership
    ) -> SearchFilter | None:
        """What the operators ask for; None when one of them names nobody or no channel (or
        only channels `-in:` takes out again): nothing can match. A negated operator that
        names nobody leaves nothing out."""
        workspace_id = membership.workspace_id
        named = await _named(uow, workspace_id, query)
        authors = named.users(query.from_users)
        mentioned = named.users(query.mentions)
        channel_ids = _channels_in(query, named)
        if (query.from_users and not authors) or (query.mentions and not mentioned):
            return None
        if channel_ids is not None and not channel_ids:
            return None
        since, until = await _days(uow, query, viewer)
        return SearchFilter(
            workspace_id=workspace_id,
            viewer=viewer,
            include_public=membership.role.is_full_member,
            channel_ids=channel_ids,
            author_ids=authors,
            mentioned_ids=mentioned,
            has=query.has,
            is_=query.is_,
            since=since,
            until=until,
            not_channel_ids=named.channel_ids(query.not_in),
            not_author_ids=named.users(query.not_from),
            not_mentioned_ids=named.users(query.not_mentions),
            not_has=query.not_has,
            not_is=query.not_is,
        )


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The quick switcher: people and channels whose names start with what was typed."""

    users: list[User]
    channels: list[tuple[Channel, bool]]  # with whether the person belongs to it


@dataclass(frozen=True, slots=True)
class Reindexing:
    total: int  # messages to go through
    done: int  # already gone through (by an interrupted run, when resuming)


@dataclass(frozen=True, slots=True)
class Reindex:
    """Rebuilds the index from the messages, in id order, one short transaction per batch
    that also records how far it got: the server keeps serving (and indexing new messages),
    and an interrupted rebuild resumes where it stopped."""

    uow: UnitOfWorkFactory
    batch: int = 500

    async def start(self, restart: bool = False) -> Reindexing:
        async with self.uow() as uow:
            if restart:
                await uow.search.save_reindex_point(None, 0)
            point = await uow.search.reindexed_up_to()
            total = await uow.messages.count()
            await uow.commit()
        return Reindexing(total, point[1] if point else 0)

    async def step(self) -> int:
        """Index the next batch; how many messages it held (0: the rebuild is finished)."""
        async with self.uow() as uow:
            point = await uow.search.reindexed_up_to()
            after, done = point if point else (None, 0)
            batch = await uow.messages.after(after, self.batch)
            for message in batch:
                await index_message(uow, message)
            last = batch[-1].id if batch else None
            await uow.search.save_reindex_point(last, done + len(batch))
            await uow.commit()
        return len(batch)
