"""Presence stores (in-process and Redis): a person's presence is the best of what every node
says of them, and so is the count of their sockets; Redis's claims of a node that died fade
out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from tertulia.adapters.broker.memory import MemoryPresence
from tertulia.adapters.broker.redis import RedisPresence, stop
from tertulia.domain.ids import UserId, new_id
from tertulia.usecases.ports.realtime import AWAY, OFFLINE, ONLINE, PresenceStore

ANA, BRUNO = UserId(new_id()), UserId(new_id())


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[PresenceStore]:
    made: PresenceStore
    if request.param == "memory":
        made = MemoryPresence()
    else:
        made = RedisPresence(request.getfixturevalue("redis_url"), f"test:{uuid.uuid4().hex}")
    await made.start()
    yield made
    await made.close()


async def test_what_a_node_says_is_what_everyone_reads(store: PresenceStore) -> None:
    await store.put(ANA, ONLINE)
    await store.put(BRUNO, AWAY)
    assert await store.get([ANA, BRUNO]) == {ANA: ONLINE, BRUNO: AWAY}

    await store.put(ANA, None)
    assert await store.get([ANA, BRUNO]) == {ANA: OFFLINE, BRUNO: AWAY}


async def test_nobody_is_offline(store: PresenceStore) -> None:
    assert await store.get([ANA]) == {ANA: OFFLINE}
    assert await store.get([]) == {}


@pytest.mark.redis
async def test_the_best_of_every_node_wins_and_a_dead_nodes_claims_fade(redis_url: str) -> None:
    """Ana is away on node A and online on node B: online. Node B dies without a word: once
    its claims expire, Ana is away (node A still renews its own)."""
    prefix = f"test:{uuid.uuid4().hex}"
    a = RedisPresence(redis_url, prefix, ttl=0.6)
    b = RedisPresence(redis_url, prefix, ttl=0.6)
    await a.start()
    await b.start()
    try:
        await a.put(ANA, AWAY)
        await b.put(ANA, ONLINE)
        assert await a.get([ANA]) == {ANA: ONLINE}

        assert b._renewing is not None
        await stop([b._renewing])  # node B dies: nobody renews its claims any more
        await asyncio.sleep(1.0)

        assert await a.get([ANA]) == {ANA: AWAY}
    finally:
        await a.close()
        await b.close()


@pytest.mark.redis
async def test_a_node_that_closes_withdraws_its_claims(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}"
    a, reader = RedisPresence(redis_url, prefix), RedisPresence(redis_url, prefix)
    await a.start()
    await reader.start()
    try:
        await a.put(BRUNO, ONLINE)
        await a.close()
        assert await reader.get([BRUNO]) == {BRUNO: OFFLINE}
    finally:
        await reader.close()


@pytest.mark.redis
async def test_a_node_counts_the_sockets_the_other_nodes_hold(redis_url: str) -> None:
    """Ana has two sockets on node A and three on node B: A hears of B's three, B of A's
    two; when she leaves B, A hears of none; on another deployment's keys, of nothing."""
    prefix = f"test:{uuid.uuid4().hex}"
    a, b = RedisPresence(redis_url, prefix), RedisPresence(redis_url, prefix)
    other = RedisPresence(redis_url, f"test:{uuid.uuid4().hex}")
    for store in (a, b, other):
        await store.start()
    try:
        await a.put(ANA, ONLINE, 2)
        await b.put(ANA, AWAY, 3)
        assert (await a.sockets_elsewhere(ANA), await b.sockets_elsewhere(ANA)) == (3, 2)
        assert await other.sockets_elsewhere(ANA) == 0
        assert await other.get([ANA]) == {ANA: OFFLINE}

        await b.put(ANA, None)
        assert await a.sockets_elsewhere(ANA) == 0
        assert await a.get([ANA]) == {ANA: ONLINE}
    finally:
        for store in (a, b, other):
            await store.close()


async def test_one_process_has_no_elsewhere() -> None:
    store = MemoryPresence()
    await store.put(ANA, ONLINE, 4)
    assert await store.sockets_elsewhere(ANA) == 0
