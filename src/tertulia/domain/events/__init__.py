"""Events: past-tense facts appended to the event log in the same transaction as the change.

Each event names its workspace, its channel if any, and its audience: the scopes whose members
may see it (see `base`). Every kind of event is one class, in the module of its capability
(`workspaces`, `channels`, `messages`, `files`, `accounts`, `live` for the ephemeral ones),
that holds its wire type, what its data holds (a TypedDict of `data`), who receives it and
whether it changes who hears what; a use case emits `MessageCreated.of(message, files)`.
`catalogue.CATALOGUE` is the one list, from which the socket's AsyncAPI document is rendered.
"""

from tertulia.domain.events.base import (
    Data,
    Event,
    Kind,
    about_person,
    channel_audience,
    channel_members,
    everyone,
    full_members,
    person,
)
from tertulia.domain.events.data import (
    channel_data,
    membership_data,
    message_data,
    thread_data,
    user_data,
    workspace_data,
)

__all__ = [
    "Data",
    "Event",
    "Kind",
    "about_person",
    "channel_audience",
    "channel_data",
    "channel_members",
    "everyone",
    "full_members",
    "membership_data",
    "message_data",
    "person",
    "thread_data",
    "user_data",
    "workspace_data",
]
