"""One contract for every broker (in-process and Redis): what is published reaches every
subscriber, whole and in order; Redis's across processes, and its garbage skipped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
import redis.asyncio as redis

from tertulia.adapters.broker.memory import MemoryBroker
from tertulia.adapters.broker.redis import RedisBroker, decode, encode
from tertulia.usecases.realtime import Broker, Envelope


class Inbox:
    def __init__(self) -> None:
        self.items: list[Envelope] = []
        self.arrived = asyncio.Event()

    def __call__(self, envelopes: Sequence[Envelope]) -> None:
        self.items.extend(envelopes)
        self.arrived.set()

    async def wait_for(self, count: int) -> list[Envelope]:
        async with asyncio.timeout(5):
            while len(self.items) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.items


def envelopes(n: int, start: int = 1) -> list[Envelope]:
    return [
        Envelope(
            i,
            "message.created",
            ("ch:01JD5ZB0CHANNE10000000000A", "user:01JD5ZB0USER0000000000000A"),
            f'{{"type":"message.created","id":{i},"data":{{"text":"tab\\there ñ 🎉 {i}"}}}}',
        )
        for i in range(start, start + n)
    ]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Broker, Inbox]]:
    made: Broker
    if request.param == "memory":
        made = MemoryBroker()
    else:
        made = RedisBroker(
            request.getfixturevalue("redis_url"), request.getfixturevalue("broker_channel")
        )
    inbox = Inbox()
    await made.start(inbox)
    yield made, inbox
    await made.close()


async def test_what_is_published_arrives_whole_and_in_order(
    broker: tuple[Broker, Inbox],
) -> None:
    """Three batches of envelopes, durable and ephemeral: each arrives once, unchanged, in
    the order published."""
    made, inbox = broker
    sent = [*envelopes(3), Envelope(0, "typing.started", ("ch:x",), '{"type":"typing"}')]
    sent += envelopes(600, start=4)  # more than one Redis batch

    made.publish(sent[:3])
    made.publish(sent[3:4])
    made.publish(sent[4:])

    assert await inbox.wait_for(len(sent)) == sent


@pytest.mark.redis
async def test_every_node_hears_every_node(redis_url: str, broker_channel: str) -> None:
    """Two nodes on one channel: what either publishes, both receive."""
    a, b = RedisBroker(redis_url, broker_channel), RedisBroker(redis_url, broker_channel)
    heard_a, heard_b = Inbox(), Inbox()
    await a.start(heard_a)
    await b.start(heard_b)
    try:
        a.publish(envelopes(2))
        await heard_b.wait_for(2)
        b.publish(envelopes(1, start=3))

        assert [e.id for e in await heard_a.wait_for(3)] == [1, 2, 3]
        assert [e.id for e in await heard_b.wait_for(3)] == [1, 2, 3]
    finally:
        await a.close()
        await b.close()


@pytest.mark.redis
async def test_garbage_on_the_channel_is_skipped(redis_url: str, broker_channel: str) -> None:
    """Lines on the channel that are not envelopes (another program, a corrupt write) are
    skipped; the envelopes around them arrive and the broker keeps listening."""
    node = RedisBroker(redis_url, broker_channel)
    inbox = Inbox()
    await node.start(inbox)
    client = redis.from_url(redis_url)
    try:
        good = envelopes(1)
        await client.publish(broker_channel, b"\xff\xfe not an envelope\n" + encode(good))
        await client.publish(broker_channel, b"")
        node.publish(envelopes(1, start=2))

        assert [e.id for e in await inbox.wait_for(2)] == [1, 2]
    finally:
        await client.aclose()
        await node.close()


def test_the_wire_form_round_trips() -> None:
    sent = envelopes(3)
    assert decode(encode(sent)) == sent
