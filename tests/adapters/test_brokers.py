"""One contract for every broker (in-process and Redis): what is published reaches every
subscriber, whole and in order; Redis's across processes, and only what its own deployment
signed: garbage, forgeries and another deployment's messages are dropped."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
import redis.asyncio as redis

from tertulia.adapters.broker import open_broker
from tertulia.adapters.broker.memory import MemoryBroker
from tertulia.adapters.broker.redis import RedisBroker, channel_of, decode, encode, frame_key
from tertulia.usecases.ports.realtime import Broker, Envelope

SECRET = "a-jwt-secret-that-every-node-of-a-deployment-shares"
KEY = frame_key(SECRET, "01JD5ZB0DEPLOYMENT0000000A")


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
            request.getfixturevalue("redis_url"), request.getfixturevalue("broker_channel"), KEY
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
    a = RedisBroker(redis_url, broker_channel, KEY)
    b = RedisBroker(redis_url, broker_channel, KEY)
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
async def test_garbage_and_forgeries_on_the_channel_are_dropped(
    redis_url: str, broker_channel: str
) -> None:
    """Messages on the channel that this deployment did not sign (another program, a corrupt
    write, a forger who knows the wire form but not the key) are dropped and counted; the
    envelopes around them arrive and the broker keeps listening."""
    node = RedisBroker(redis_url, broker_channel, KEY)
    inbox = Inbox()
    await node.start(inbox)
    client = redis.from_url(redis_url)
    try:
        await client.publish(broker_channel, encode(envelopes(1), KEY))
        await client.publish(broker_channel, b"\xff\xfe not an envelope\n")
        await client.publish(broker_channel, b"")
        forged = encode(
            envelopes(1, start=10**9), frame_key("a guess", "01JD5ZB0DEPLOYMENT0000000A")
        )
        await client.publish(broker_channel, forged)
        unsigned = encode(envelopes(1, start=10**9), KEY)[32:]
        await client.publish(broker_channel, unsigned)
        node.publish(envelopes(1, start=2))

        assert [e.id for e in await inbox.wait_for(2)] == [1, 2]
        assert node.refused == 4
    finally:
        await client.aclose()
        await node.close()


@pytest.mark.redis
async def test_two_deployments_on_one_redis_never_hear_each_other(redis_url: str) -> None:
    """Two deployments on one Redis server, with the same secret even: each on the channel
    named after its own database, nothing crosses; on one channel by mistake (the same
    TERTULIA_BROKER_CHANNEL), the other's messages are dropped, not delivered."""
    one, two = "01JD5ZB0DEPLOYMENT0000000A", "01JD5ZB0DEPLOYMENT0000000B"
    assert channel_of(one) != channel_of(two)
    shared = f"tertulia-test:{uuid.uuid4().hex}"
    a = RedisBroker(redis_url, shared, frame_key(SECRET, one))
    b = RedisBroker(redis_url, shared, frame_key(SECRET, two))
    heard_a, heard_b = Inbox(), Inbox()
    await a.start(heard_a)
    await b.start(heard_b)
    try:
        b.publish(envelopes(3, start=500))
        a.publish(envelopes(1))
        b.publish(envelopes(1, start=600))

        assert [e.id for e in await heard_a.wait_for(1)] == [1]
        assert [e.id for e in await heard_b.wait_for(4)] == [500, 501, 502, 600]
        await asyncio.sleep(0.1)
        assert [e.id for e in heard_a.items] == [1]
        assert a.refused >= 1  # messages (each may carry several envelopes)
    finally:
        await a.close()
        await b.close()


def test_the_wire_form_round_trips() -> None:
    sent = envelopes(3)
    assert decode(encode(sent, KEY), KEY) == sent
    assert decode(encode(sent, KEY), frame_key(SECRET, "another")) is None


async def test_a_broker_url_of_another_kind_is_refused_before_anything_opens() -> None:
    """Neither the deployment's id nor the signing secret is asked for a URL no broker
    takes; memory:// needs neither."""

    async def deployment() -> str:
        raise AssertionError("not asked")

    def secret() -> str:
        raise AssertionError("not asked")

    with pytest.raises(ValueError, match="memory:// or redis://"):
        await open_broker("amqp://127.0.0.1", deployment, secret)
    broker, presence = await open_broker("memory://", deployment, secret)
    assert type(broker).__name__ == "MemoryBroker"
    assert type(presence).__name__ == "MemoryPresence"
