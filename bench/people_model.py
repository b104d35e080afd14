"""How a simulated person behaves: when they arrive, how many devices they keep connected,
and what they do while active, at which rates. Pure (no I/O) and reproducible from a seed,
so that the simulator (bench/people.py) and its tests agree on what "real behaviour" means.

Sources, and what is ours:
- What people do, and how often relative to each other, follows Mattermost's own load-test
  controller, which models production usage ("SimulController" in
  mattermost/mattermost-load-test-ng, loadtest/control/simulcontroller/controller.go,
  getActionList; and config.go): an action every 20 s on average (at least 1 s apart), and
  per posting, about 6.5 channel switches, 2 scrolls back, 1 DM opened, 1 unread check, 0.6
  looks at the followed threads, 0.3 thread views and thread reads, 0.3 permalinks, 0.13
  reactions, 0.14 reconnections, 0.04 edits, 0.02 message searches; 18% of posts are replies.
- Ours, as estimates with no published figure behind them (each a parameter): a post goes to
  a DM 30% of the time, else to the person's channels with a Zipf-like preference for the
  busiest few; 15% of posts mention someone; 1 post in 50 carries a photo; 40% of people
  keep a second device (a phone) connected; people arrive over a morning ramp that starts
  slowly, peaks in the middle and tails off (a raised cosine).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

# relative frequencies of what an active person does (Mattermost SimulController, see above)
ACTIONS: Mapping[str, float] = {
    "switch_channel": 6.5219,  # open another channel: its latest page, then mark it read
    "scroll_back": 1.9873,  # the page before the one shown
    "open_dm": 0.9843,  # a direct message: its latest page, then mark it read
    "check_unreads": 1.0,
    "post": 1.0,  # typing first; a reply in a thread `reply_share` of the time
    "view_followed_threads": 0.6023,
    "view_thread": 0.2841,
    "read_thread": 0.3236,
    "open_permalink": 0.3,  # a page of history around a message
    "react": 0.1306,
    "reconnect": 0.144,  # a laptop lid, a train tunnel: the socket resumes from its last id
    "search_people": 0.0674,  # users, channels and group channels searched, together
    "edit": 0.0400,
    "search_messages": 0.0218,
    "open_profile": 0.03,
    "delete": 0.0049,
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    """The parameters of the model; every rate can be changed."""

    idle_seconds: float = 20.0  # mean time between two actions
    min_idle_seconds: float = 1.0  # the least time between two actions
    actions: Mapping[str, float] = field(default_factory=lambda: dict(ACTIONS))
    reply_share: float = 0.18  # posts that reply in a thread
    dm_share: float = 0.30  # posts that go to a direct message
    mention_share: float = 0.15  # posts that mention someone
    photo_share: float = 0.02  # posts that carry a photo (uploaded first)
    busy_skew: float = 1.1  # Zipf exponent of the preference for one's busiest channels
    second_device_share: float = 0.40  # people with a phone connected besides the web
    ramp_seconds: float = 600.0  # arrivals spread over this "morning"

    @property
    def actions_per_hour(self) -> float:
        return 3600.0 / self.idle_seconds

    def per_hour(self) -> dict[str, float]:
        """What one active person does in an hour, on average, by action."""
        total = sum(self.actions.values())
        return {name: self.actions_per_hour * w / total for name, w in self.actions.items()}


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a person does, `at` seconds after they arrived."""

    at: float
    action: str
    # for a post: where and what it carries
    to_dm: bool = False
    channel_rank: int = 0  # 0 is the person's busiest channel
    reply: bool = False
    mention: bool = False
    photo: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    """A simulated person: when they arrive, how many sockets they keep, and their day."""

    index: int
    arrives_at: float  # seconds after the start of the run
    devices: int  # sockets kept open: 1 (web) or 2 (web and phone)
    seed: int


def arrivals(behaviour: Behaviour, people: int, rng: random.Random) -> list[Person]:
    """The people of a run, in order of arrival over the ramp (a raised cosine: the share
    arrived by time t is (1 - cos(pi t / T)) / 2)."""
    found = []
    for index in range(people):
        share = rng.random()
        at = behaviour.ramp_seconds / math.pi * math.acos(1.0 - 2.0 * share)
        devices = 2 if rng.random() < behaviour.second_device_share else 1
        found.append(Person(index, at, devices, rng.getrandbits(32)))
    return sorted(found, key=lambda p: p.arrives_at)


def idle(behaviour: Behaviour, rng: random.Random) -> float:
    """Seconds until the next action: at least the minimum, exponential above it."""
    spread = behaviour.idle_seconds - behaviour.min_idle_seconds
    return behaviour.min_idle_seconds + rng.expovariate(1.0 / spread)


def channel_rank(behaviour: Behaviour, channels: int, rng: random.Random) -> int:
    """Which of one's `channels` a post goes to, the busiest (0) most often."""
    weights = [1.0 / (rank + 1) ** behaviour.busy_skew for rank in range(channels)]
    return rng.choices(range(channels), weights)[0]


def day(behaviour: Behaviour, person: Person, seconds: float, channels: int = 8) -> Iterator[Step]:
    """What the person does during `seconds` after arriving, action by action."""
    rng = random.Random(person.seed)
    names = list(behaviour.actions)
    weights = list(behaviour.actions.values())
    at = idle(behaviour, rng)
    while at < seconds:
        action = rng.choices(names, weights)[0]
        if action == "post":
            to_dm = rng.random() < behaviour.dm_share
            yield Step(
                at,
                action,
                to_dm=to_dm,
                channel_rank=0 if to_dm else channel_rank(behaviour, channels, rng),
                reply=rng.random() < behaviour.reply_share,
                mention=rng.random() < behaviour.mention_share,
                photo=rng.random() < behaviour.photo_share,
            )
        else:
            yield Step(at, action)
        at += idle(behaviour, rng)
