"""Ephemeral events: who is typing, who is online. They skip the log (no id, never replayed)
and are the first thing a slow connection loses."""

from __future__ import annotations

from tertulia.domain.events import data
from tertulia.domain.events.base import Kind

MEMBERS = "The channel's members."


class TypingStarted(Kind):
    __slots__ = ()
    TYPE = "typing.started"
    DATA = data.Typing
    SUMMARY = "Someone is typing (in a thread, when `thread_root_id` is set). Ephemeral."
    RECEIVED_BY = MEMBERS + " Sockets viewing another channel (see the view command) do not get it."
    LOGGED = IN_WORKSPACE = False
    FOR_VIEWERS = True


class TypingStopped(Kind):
    __slots__ = ()
    TYPE = "typing.stopped"
    DATA = data.Typing
    SUMMARY = "Someone stopped typing. Ephemeral."
    RECEIVED_BY = MEMBERS + " Sockets viewing another channel do not get it."
    LOGGED = IN_WORKSPACE = False
    FOR_VIEWERS = True


class PresenceChanged(Kind):
    __slots__ = ()
    TYPE = "presence.changed"
    DATA = data.PresenceChanged
    SUMMARY = (
        "Someone came online, went away or offline (the best over all their devices). Ephemeral."
    )
    RECEIVED_BY = "The sockets that subscribed to this person (presence.subscribe)."
    LOGGED = IN_WORKSPACE = IN_CHANNEL = False
