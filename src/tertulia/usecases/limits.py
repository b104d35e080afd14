"""Rate limits on what people do: how many of each action one person (and one channel, for
posting) may take per window, counted the same by every process and node.

The defaults are meant never to meet a person and always to meet a runaway script. Slack's
reference is one message per second per channel, with bursts: here a person may post 60
messages a minute (a burst of 60, then one a second), and a channel takes 300 a minute from
everyone in it together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tertulia.domain.errors import RateLimited
from tertulia.domain.ids import ChannelId, UserId
from tertulia.usecases.ports.limits import Hit, RateLimit, RateLimiter


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` hits per `seconds`."""

    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count} per {_duration(self.seconds)}"


class Action(StrEnum):
    """What is limited. Each is counted per person, but for `POST_IN_CHANNEL`, per channel."""

    WRITE = "write"  # every change, whatever it is
    POST = "message.post"
    POST_IN_CHANNEL = "message.post_in_channel"
    EDIT = "message.edit"
    REACT = "message.react"
    UPLOAD = "file.upload"
    SEARCH = "search"
    AUTOCOMPLETE = "autocomplete"
    INVITE = "invitation.create"
    CREATE_CHANNEL = "channel.create"
    OPEN_DM = "dm.open"


DEFAULT_LIMITS: Mapping[Action, Limit] = {
    Action.WRITE: Limit(600, 60),
    Action.POST: Limit(60, 60),
    Action.POST_IN_CHANNEL: Limit(300, 60),
    Action.EDIT: Limit(60, 60),
    Action.REACT: Limit(120, 60),
    Action.UPLOAD: Limit(120, 600),
    Action.SEARCH: Limit(60, 60),
    Action.AUTOCOMPLETE: Limit(600, 60),
    Action.INVITE: Limit(100, 3600),
    Action.CREATE_CHANNEL: Limit(60, 3600),
    Action.OPEN_DM: Limit(300, 3600),
}

# what a refusal says was too many
_TOO_MANY = {
    Action.WRITE: "changes",
    Action.POST: "messages",
    Action.POST_IN_CHANNEL: "messages in this channel",
    Action.EDIT: "edits",
    Action.REACT: "reactions",
    Action.UPLOAD: "uploads",
    Action.SEARCH: "searches",
    Action.AUTOCOMPLETE: "look-ups",
    Action.INVITE: "invitations",
    Action.CREATE_CHANNEL: "new channels",
    Action.OPEN_DM: "new conversations",
}


def _duration(seconds: int) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²" is a digit to isdigit(), not to int()


def limits_from(overrides: Mapping[str, str]) -> dict[Action, Limit | None]:
    """The defaults with some changed: each override is `COUNT/SECONDS` or `off`. Raises
    ValueError naming what cannot be read."""
    limits: dict[Action, Limit | None] = dict(DEFAULT_LIMITS)
    for name, value in overrides.items():
        try:
            action = Action(name)
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise ValueError(f"{name!r} is not a limited action (one of: {known})") from None
        if value.strip().lower() == "off":
            limits[action] = None
            continue
        count, slash, seconds = (part.strip() for part in value.partition("/"))
        if not (slash and _digits(count) and _digits(seconds)):
            raise ValueError(f"{name}: {value!r} is not COUNT/SECONDS (e.g. 60/60) or off")
        limit = Limit(int(count), int(seconds))
        if limit.count < 1 or limit.seconds < 1:
            raise ValueError(f"{name}: {value!r} needs a count and seconds of 1 or more")
        limits[action] = limit
    return limits


@dataclass(frozen=True, slots=True)
class Limits:
    """Counts what people do against their limits."""

    limiter: RateLimiter
    limits: Mapping[Action, Limit | None] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    async def charge(
        self, user: UserId, actions: Sequence[Action], channel: ChannelId | None = None
    ) -> RateLimit | None:
        """Count one attempt at each action, all at once. Raise RateLimited, saying what and
        how long to wait, if any is over its limit; otherwise return the state closest to its
        limit (for the RateLimit headers), or None when none of them is limited."""
        hits: list[Hit] = []
        charged: list[Action] = []
        for action in actions:
            limit = self.limits.get(action)
            if limit is None:
                continue
            if action is Action.POST_IN_CHANNEL:
                if channel is None:
                    continue
                key = f"{action}:{channel}"
            else:
                key = f"{action}:{user}"
            hits.append(Hit(key, limit.count, limit.seconds))
            charged.append(action)
        if not hits:
            return None
        states = await self.limiter.hit_many(hits)
        refused = [(s, a) for s, a in zip(states, charged, strict=True) if not s.allowed]
        if refused:
            state, action = max(refused, key=lambda r: r[0].reset_after)
            limit = self.limits[action]
            wait = state.reset_after
            raise RateLimited(
                f"Too many {_TOO_MANY[action]}: at most {limit}. Try again in {wait} second"
                f"{'' if wait == 1 else 's'}.",
                retry_after=wait,
                code="rate_limited",
                limit=state.limit,
            )
        return min(states, key=lambda s: (s.remaining, -s.reset_after))
