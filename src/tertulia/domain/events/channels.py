"""Events of channels: created, changed, archived, people joining and leaving; and one's own
mutes and read markers."""

from __future__ import annotations

from collections.abc import Sequence

from tertulia.domain.channels import Channel
from tertulia.domain.events import data
from tertulia.domain.events.base import Event, Kind, channel_audience, person
from tertulia.domain.ids import UserId

CHANNEL_NEWS = "The channel's members; for a public channel, every full member (not guests)."
YOURS = "Your own devices."


class ChannelCreated(Kind):
    __slots__ = ()
    TYPE = "channel.created"
    DATA = data.ChannelData
    SUMMARY = "A channel was created."
    RECEIVED_BY = CHANNEL_NEWS
    CHANGES_SCOPES = True

    @classmethod
    def of(cls, channel: Channel) -> Event:
        return cls.on(data.channel_data(channel), channel, channel_audience(channel))

    @classmethod
    def direct(cls, channel: Channel, people: Sequence[UserId]) -> Event:
        """A DM or group DM: news for its people alone, who ride in the data."""
        body: data.ChannelData = {**data.channel_data(channel), "user_ids": list(people)}
        return cls.on(body, channel, tuple(person(p) for p in people))


class _ChannelChange(Kind):
    __slots__ = ()
    DATA = data.ChannelChanged
    RECEIVED_BY = CHANNEL_NEWS

    @classmethod
    def of(cls, channel: Channel, by: UserId) -> Event:
        body: data.ChannelChanged = {**data.channel_data(channel), "by": by}
        return cls.on(body, channel, channel_audience(channel))


class ChannelUpdated(_ChannelChange):
    __slots__ = ()
    TYPE = "channel.updated"
    SUMMARY = "A channel was renamed, or its topic or purpose changed."


class ChannelArchived(_ChannelChange):
    __slots__ = ()
    TYPE = "channel.archived"
    SUMMARY = "A channel was archived: readable, not writable."


class ChannelUnarchived(_ChannelChange):
    __slots__ = ()
    TYPE = "channel.unarchived"
    SUMMARY = "A channel was brought back."


class ChannelMemberJoined(Kind):
    __slots__ = ()
    TYPE = "channel.member_joined"
    DATA = data.ChannelMemberJoined
    SUMMARY = (
        "Someone joined or was added to a channel. They receive it too, and from then on the "
        "channel's events."
    )
    RECEIVED_BY = CHANNEL_NEWS + " And the person."
    CHANGES_SCOPES = True

    @classmethod
    def of(cls, channel: Channel, user_id: UserId, by: UserId) -> Event:
        """Someone joined (or was added to) a channel; they hear of it too."""
        body: data.ChannelMemberJoined = {
            "channel": data.channel_data(channel),
            "user_id": user_id,
            "by": by,
        }
        return cls.on(body, channel, channel_audience(channel, user_id))


class ChannelMemberLeft(Kind):
    __slots__ = ()
    TYPE = "channel.member_left"
    DATA = data.ChannelMemberLeft
    SUMMARY = (
        "Someone left or was removed from a channel. They receive it too, and nothing of the "
        "channel after it."
    )
    RECEIVED_BY = CHANNEL_NEWS + " And the person."
    CHANGES_SCOPES = NARROWS = True

    @classmethod
    def of(cls, channel: Channel, user_id: UserId, by: UserId) -> Event:
        """Someone left (or was removed from) a channel; they hear of it although no longer
        in it."""
        body: data.ChannelMemberLeft = {"channel_id": channel.id, "user_id": user_id, "by": by}
        return cls.on(body, channel, channel_audience(channel, user_id))


class _Yours(Kind):
    """Something one did to a channel, for their other devices."""

    __slots__ = ()
    DATA = data.ChannelRef
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, channel: Channel, user: UserId) -> Event:
        body: data.ChannelRef = {"channel_id": channel.id}
        return cls.on(body, channel, (person(user),))


class ChannelMuted(_Yours):
    __slots__ = ()
    TYPE = "channel.muted"
    SUMMARY = "You muted a channel."


class ChannelUnmuted(_Yours):
    __slots__ = ()
    TYPE = "channel.unmuted"
    SUMMARY = "You unmuted a channel."


class ChannelRead(Kind):
    __slots__ = ()
    TYPE = "channel.read"
    DATA = data.ChannelRead
    SUMMARY = "You marked a channel read (on any device)."
    RECEIVED_BY = YOURS

    @classmethod
    def of(cls, channel: Channel, user: UserId, last_read_seq: int) -> Event:
        body: data.ChannelRead = {"channel_id": channel.id, "last_read_seq": last_read_seq}
        return cls.on(body, channel, (person(user),))
