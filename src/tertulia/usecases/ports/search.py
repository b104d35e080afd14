"""Ports of search: the full-text index of messages and files, what it is asked and what it
answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from tertulia.domain.ids import (
    ChannelId,
    MessageId,
    UserId,
    WorkspaceId,
)
from tertulia.usecases.searchmatch import Match

SEARCH_DEPTH = 500  # a search pages through at most this many of the newest matches


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What the index keeps of a message: its current text and what operators filter on."""

    message_id: MessageId
    workspace_id: WorkspaceId
    channel_id: ChannelId
    author_id: UserId
    created_at: datetime
    text: str
    has_link: bool
    has_file: bool = False


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Which messages a search may return. `viewer` sees the channels they belong to, and the
    public channels of the workspace when `include_public`; the rest narrows further."""

    workspace_id: WorkspaceId
    viewer: UserId
    include_public: bool
    channel_ids: tuple[ChannelId, ...] | None = None  # in:, None for every readable channel
    author_ids: tuple[UserId, ...] = ()  # from: any of them
    mentioned_ids: tuple[UserId, ...] = ()  # mentions: any of them
    has: frozenset[str] = frozenset()  # link, file, reaction
    is_: frozenset[str] = frozenset()  # thread, pinned
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    # what negated operators leave out: -in:, -from:, -mentions:, -has:, -is:
    not_channel_ids: tuple[ChannelId, ...] = ()
    not_author_ids: tuple[UserId, ...] = ()
    not_mentioned_ids: tuple[UserId, ...] = ()
    not_has: frozenset[str] = frozenset()
    not_is: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Which files a file search may return. `viewer` sees their own uploads, and files shared
    in the channels they may read (theirs; public ones too when `include_public`)."""

    workspace_id: WorkspaceId
    viewer: UserId
    include_public: bool
    # runs of folded words (`name_key`'s) the name must hold, each in order and the last one
    # by prefix: ("informe", "an") matches "Informe anual.pdf"
    names: tuple[tuple[str, ...], ...] = ()  # every one of them
    not_names: tuple[tuple[str, ...], ...] = ()  # none of them
    kinds: tuple[str, ...] = ()  # any of these kinds; () for every kind
    channel_ids: tuple[ChannelId, ...] | None = None  # in:, None for anywhere readable
    uploader_ids: tuple[UserId, ...] = ()  # from: any of them
    since: datetime | None = None  # uploaded at or after
    until: datetime | None = None  # uploaded before
    not_channel_ids: tuple[ChannelId, ...] = ()  # -in: not shared there (unshared files stay)
    not_uploader_ids: tuple[UserId, ...] = ()  # -from: not uploaded by them


@dataclass(frozen=True, slots=True)
class SearchHit:
    message_id: MessageId
    score: float  # higher is better; 0 when sorted by recency


@dataclass(frozen=True, slots=True)
class SearchHits:
    hits: list[SearchHit]  # the page asked for
    total: int  # matches in all, exact when `exact`, else an estimate
    exact: bool


class SearchIndex(Protocol):
    """Full-text search over messages. SQL engines update it in the message's transaction; an
    external engine would queue the change in that transaction instead (same port)."""

    async def put(self, document: SearchDocument) -> None:
        """Index a message, or replace what was indexed of it."""

    async def drop(self, message_id: MessageId) -> None:
        """Forget a message (deleted); nothing happens if it was not indexed."""

    async def search(
        self,
        match: Match,
        where: SearchFilter,
        sort: Literal["relevance", "recent"],
        offset: int,
        limit: int,
    ) -> SearchHits:
        """Matches of `match` (every message under `where` if it has no clauses), best first
        (ties: newest first) or newest first. Engines rank a bounded set of the newest
        matches (`SEARCH_DEPTH`), never every match of a common word."""

    async def reindexed_up_to(self) -> tuple[MessageId, int] | None:
        """Where an unfinished `tertulia reindex` stopped: the last message id it indexed and
        how many it had done; None if no rebuild is under way."""

    async def save_reindex_point(self, message_id: MessageId | None, done: int) -> None:
        """Record how far a rebuild got (None: it finished, or starts over)."""
