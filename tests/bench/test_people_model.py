"""The behaviour model of the people simulator produces the rates it is configured with:
over many simulated person-hours, each action comes as often as its weight says, posts reply,
mention, carry photos and go to DMs in their configured shares, the busiest channels get the
most posts, people arrive over the ramp's raised cosine, and a second device is as common as
said. A simulator that drifted from its model would measure the wrong load."""

from __future__ import annotations

import math
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from people_model import ACTIONS, Behaviour, Person, Step, arrivals, day

HOURS = 400  # simulated person-hours: enough for the rarer actions to be counted


def steps(behaviour: Behaviour, hours: int = HOURS) -> list[Step]:
    found: list[Step] = []
    for n in range(hours):
        found.extend(day(behaviour, Person(n, 0.0, 1, seed=n), 3600.0))
    return found


def test_each_action_comes_at_its_configured_rate() -> None:
    behaviour = Behaviour()
    counted = Counter(step.action for step in steps(behaviour))
    expected = behaviour.per_hour()
    assert math.isclose(sum(expected.values()), 180.0)  # an action every 20 s
    for action, per_hour in expected.items():
        observed = counted[action] / HOURS
        # a Poisson count's standard deviation is its square root: allow four of them
        tolerance = 4 * math.sqrt(per_hour * HOURS) / HOURS
        assert abs(observed - per_hour) <= tolerance, (action, observed, per_hour)


def test_a_changed_rate_is_followed() -> None:
    """Every rate is a parameter: doubling posts' weight doubles their share of actions."""
    base = Behaviour()
    busier = Behaviour(actions={**ACTIONS, "post": 2.0})
    share = Counter(s.action for s in steps(busier, 200))["post"] / len(steps(busier, 200))
    assert share == pytest.approx(2.0 / (sum(ACTIONS.values()) + 1.0), rel=0.1)
    slower = Behaviour(idle_seconds=40.0)
    assert len(steps(slower, 100)) / 100 == pytest.approx(base.actions_per_hour / 2, rel=0.05)


def test_posts_have_their_configured_shares() -> None:
    behaviour = Behaviour(reply_share=0.2, dm_share=0.3, mention_share=0.15, photo_share=0.05)
    posts = [s for s in steps(behaviour, 2000) if s.action == "post"]
    assert len(posts) > 20_000
    for attribute, share in (("reply", 0.2), ("to_dm", 0.3), ("mention", 0.15), ("photo", 0.05)):
        observed = sum(getattr(p, attribute) for p in posts) / len(posts)
        assert observed == pytest.approx(share, abs=0.01), attribute


def test_the_busiest_channels_get_most_posts() -> None:
    posts = [s for s in steps(Behaviour(), 1000) if s.action == "post" and not s.to_dm]
    by_rank = Counter(p.channel_rank for p in posts)
    assert [by_rank[r] > by_rank[r + 1] for r in range(7)] == [True] * 7
    assert by_rank[0] / len(posts) == pytest.approx(
        1 / sum(1 / (r + 1) ** 1.1 for r in range(8)), abs=0.02
    )


def test_no_two_actions_are_closer_than_the_minimum() -> None:
    for person in range(20):
        at = [s.at for s in day(Behaviour(), Person(person, 0.0, 1, seed=person), 3600.0)]
        assert min(b - a for a, b in zip([0.0, *at], at, strict=False)) >= 1.0


def test_people_arrive_over_a_raised_cosine_ramp() -> None:
    behaviour = Behaviour(ramp_seconds=1000.0, second_device_share=0.4)
    people = arrivals(behaviour, 20_000, random.Random(7))
    times = [p.arrives_at for p in people]
    assert times == sorted(times)
    assert times[0] >= 0.0
    assert times[-1] <= 1000.0
    # the share arrived by t is (1 - cos(pi t / T)) / 2: a quarter by 1/3 of the ramp, half by
    # the middle, three quarters by 2/3
    for t, share in ((1000 / 3, 0.25), (500.0, 0.5), (2000 / 3, 0.75)):
        assert sum(x <= t for x in times) / len(times) == pytest.approx(share, abs=0.015)
    two = sum(p.devices == 2 for p in people) / len(people)
    assert two == pytest.approx(0.4, abs=0.015)


def test_the_same_seed_gives_the_same_day() -> None:
    person = Person(1, 0.0, 1, seed=42)
    assert list(day(Behaviour(), person, 3600.0)) == list(day(Behaviour(), person, 3600.0))
