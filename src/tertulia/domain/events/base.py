"""An event as the log and the socket carry it, the base of every kind of event, and the
scopes that name an audience.

Scopes are strings so that any gateway can index connections by them: ``ws:{id}`` everyone
in a workspace, guests included; ``ws-full:{id}`` everyone but guests; ``ch:{id}`` the
members of a channel; ``user:{id}`` one person (all their devices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.messages import Message

Data = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    """A fact with a wire type such as 'channel.created'; `id` is given when the log stores it."""

    type: str
    data: Data
    audience: tuple[str, ...]
    workspace_id: WorkspaceId | None = None
    channel_id: ChannelId | None = None
    id: int = 0
    at: datetime | None = field(default=None, compare=False)


class Kind(Event):
    """A kind of event in the catalogue: its wire type, what its data holds (a TypedDict of
    `data.py`), who receives it, and whether it changes who hears what. A subclass is built
    by its `of(…)`, which fills in the data and the audience; the socket's document is
    rendered from the class, so it says what the code does."""

    __slots__ = ()

    TYPE: ClassVar[str]
    DATA: ClassVar[type]  # the TypedDict of its data
    SUMMARY: ClassVar[str]  # what happened, for the document
    RECEIVED_BY: ClassVar[str]  # its audience in words, for the document
    LOGGED: ClassVar[bool] = True  # False: ephemeral (no id, never replayed)
    IN_WORKSPACE: ClassVar[bool] = True  # it names its workspace
    IN_CHANNEL: ClassVar[bool] = True  # it names its channel
    # after it, someone may hear of other workspaces and channels (the hub asks for their
    # scopes again: see `concerned`); NARROWS: and may see fewer people than before
    CHANGES_SCOPES: ClassVar[bool] = False
    NARROWS: ClassVar[bool] = False
    # an ephemeral event only the sockets viewing its channel need (see the view command)
    FOR_VIEWERS: ClassVar[bool] = False

    @classmethod
    def make(
        cls,
        data: Any,
        audience: tuple[str, ...],
        workspace_id: WorkspaceId | None = None,
        channel_id: ChannelId | None = None,
    ) -> Event:
        """The event of this kind (for the `of` builders)."""
        return cls(cls.TYPE, data, audience, workspace_id=workspace_id, channel_id=channel_id)

    @classmethod
    def on(cls, data: Any, channel: Channel, audience: tuple[str, ...]) -> Event:
        """The event of this kind in a channel (and its workspace), for `audience`."""
        return cls.make(data, audience, workspace_id=channel.workspace_id, channel_id=channel.id)

    @classmethod
    def about(cls, data: Any, message: Message, audience: tuple[str, ...] | None = None) -> Event:
        """The event of this kind about a message (or thread root): in its workspace and
        channel, for the channel's members unless another `audience` is given."""
        return cls.make(
            data,
            (channel_members(message.channel_id),) if audience is None else audience,
            workspace_id=message.workspace_id,
            channel_id=message.channel_id,
        )

    @staticmethod
    def concerned(data: Data) -> set[UserId]:
        """Whose scopes an event that CHANGES_SCOPES changes, read from its data (rare
        events, read from the log as JSON: the people it names)."""
        people: set[UserId] = set()
        for key in ("user_id", "created_by"):
            if isinstance(data.get(key), str):
                people.add(UserId(data[key]))
        for user in data.get("user_ids") or ():
            people.add(UserId(user))
        workspace = data.get("workspace")
        if isinstance(workspace, dict) and isinstance(workspace.get("created_by"), str):
            people.add(UserId(workspace["created_by"]))
        return people


def everyone(workspace: WorkspaceId) -> str:
    return f"ws:{workspace}"


def full_members(workspace: WorkspaceId) -> str:
    return f"ws-full:{workspace}"


def channel_members(channel: ChannelId) -> str:
    return f"ch:{channel}"


def person(user: UserId) -> str:
    return f"user:{user}"


def about_person(
    workspace: WorkspaceId, user: UserId, channels: Iterable[ChannelId]
) -> tuple[str, ...]:
    """News about someone in a workspace (they joined, left, changed role): full members see
    everyone; guests only the people of their channels; the person themself, always."""
    return (full_members(workspace), person(user), *(channel_members(c) for c in channels))


def channel_audience(channel: Channel, *extra: UserId) -> tuple[str, ...]:
    """Public channels are news for every full member; other channels only for their members."""
    scopes = [channel_members(channel.id)]
    if channel.kind is ChannelKind.PUBLIC:
        scopes.append(full_members(channel.workspace_id))
    scopes.extend(person(u) for u in extra)
    return tuple(scopes)
