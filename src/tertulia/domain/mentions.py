"""Mentions in message text: @username, @channel and @all (every member), @here (members
online), and #channel. Only plain text is searched: the caller leaves code out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tertulia.domain.ids import ChannelId, MessageId, UserId, WorkspaceId

# A mention starts at the beginning or after something that cannot be part of a name or an
# address (so "ana@example.com" mentions nobody), and runs as long as a username can.
_USER = re.compile(r"(?<![\w@.+-])@([A-Za-z][A-Za-z0-9._-]{0,31})(?![A-Za-z0-9._-])")
_CHANNEL = re.compile(r"(?<![\w#&/])#([^\W][\w-]{0,79})", re.UNICODE)
EVERYONE = frozenset({"channel", "all", "everyone"})
HERE = "here"


@dataclass(frozen=True, slots=True)
class Mentions:
    """Who a text names: usernames (lowercase, in order of first appearance), whether it
    calls the whole channel or the members online, and channel names.

    A name written with trailing punctuation ("@ana." or "@jose_") may be the name with it
    (usernames may end in '.', '_' or '-') or without it: `candidates` keeps, per mention,
    both readings, longest first, and `usernames` lists every reading worth looking up.
    """

    usernames: tuple[str, ...] = ()
    everyone: bool = False
    here: bool = False
    channels: tuple[str, ...] = ()
    candidates: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.usernames or self.everyone or self.here)


def _trim(name: str) -> str:
    """A name ends before trailing punctuation: "@ana." and "@ana_" mean "@ana"."""
    return name.rstrip("._-")


def parse(fragments: Iterable[str]) -> Mentions:
    """The mentions in some plain-text fragments (the text of a message outside code)."""
    users: dict[str, None] = {}
    readings: dict[tuple[str, ...], None] = {}
    channels: dict[str, None] = {}
    everyone = here = False
    for fragment in fragments:
        for match in _USER.finditer(fragment):
            written = match.group(1).lower()
            name = _trim(written)
            if name in EVERYONE:
                everyone = True
            elif name == HERE:
                here = True
            elif len(name) >= 2:
                both = (written, name) if written != name else (name,)
                readings.setdefault(both)
                for reading in both:
                    users.setdefault(reading)
        for match in _CHANNEL.finditer(fragment):
            name = match.group(1).rstrip("-_").lower()
            if name:
                channels.setdefault(name)
    return Mentions(tuple(users), everyone, here, tuple(channels), tuple(readings))


def spans(fragment: str) -> list[tuple[int, int, str]]:
    """Where the user mentions of one fragment are: (start, end, lowercase name), with the
    end after the trimmed name, so a renderer can wrap exactly what it resolves."""
    found = []
    for match in _USER.finditer(fragment):
        name = _trim(match.group(1))
        if len(name) >= 2 or name.lower() in EVERYONE or name.lower() == HERE:
            found.append((match.start(), match.start() + 1 + len(name), name.lower()))
    return found


def readings(fragment: str) -> list[tuple[int, tuple[tuple[int, str], ...]]]:
    """Each user mention of one fragment: where it starts, and its readings as (end,
    lowercase name), longest first, so a renderer wraps the one it resolves."""
    found = []
    for match in _USER.finditer(fragment):
        written = match.group(1)
        name = _trim(written)
        if len(name) < 2 and name.lower() not in EVERYONE and name.lower() != HERE:
            continue
        start = match.start()
        options = [(start + 1 + len(written), written.lower())] if written != name else []
        options.append((start + 1 + len(name), name.lower()))
        found.append((start, tuple(options)))
    return found


def channel_spans(fragment: str) -> list[tuple[int, int, str]]:
    """Where the channel mentions of one fragment are: (start, end, lowercase name)."""
    found = []
    for match in _CHANNEL.finditer(fragment):
        name = match.group(1).rstrip("-_")
        if name:
            found.append((match.start(), match.start() + 1 + len(name), name.lower()))
    return found


@dataclass(frozen=True, slots=True)
class Notification:
    """Someone was mentioned by a message (one per person and message)."""

    user_id: UserId
    message_id: MessageId
    workspace_id: WorkspaceId
    channel_id: ChannelId
    kind: str  # mention, everyone, here
    created_at: datetime
    read_at: datetime | None = None
    seq: int = 0  # the message's place, which orders the inbox
