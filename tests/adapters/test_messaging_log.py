"""The event log under concurrent messaging: twenty people post, edit and react in one channel
at once while a reader tails the log; the reader sees ids only grow, misses nothing, and the
events replayed give exactly the state the database holds."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database, open_database
from tertulia.bootstrap import assemble
from tertulia.domain.errors import Conflict
from tertulia.domain.ids import ChannelId, MessageId
from tertulia.domain.messages import Draft
from tertulia.usecases.accounts import AuthPolicy, Registration
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft
from tests.twins import FastHasher

PEOPLE = 20
ROUNDS = 12
EMOJI = ["👍", "🎉", "❤️", "😂"]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url, pool_size=PEOPLE + 4)
    yield database
    await database.close()


async def _team(core: Tertulia) -> tuple[list[str], ChannelId]:
    people = [
        await core.accounts.register(
            Registration(f"persona{n:02d}", f"p{n}@example.com", "violeta-azul-42!")
        )
        for n in range(PEOPLE)
    ]
    ws, _ = await core.workspaces.create(people[0].id, "Equipo")
    _, token = await core.workspaces.invite(people[0].id, ws.id, InvitationDraft(max_uses=100))
    for person in people[1:]:
        await core.workspaces.accept(person.id, token)
    general = (await core.channels.browse(people[0].id, ws.id)).items[0].channel.id
    return [p.id for p in people], general


async def test_concurrent_posts_edits_and_reactions_replay_to_the_stored_state(
    db: Database,
) -> None:
    """Twenty people post, edit and react in one channel at once; a reader tailing the log
    never sees an id below one it has read, misses no event, and replaying the events gives
    exactly the texts, versions and reactions that the database holds."""
    core = await assemble(db, FastHasher(), lambda: datetime.now(UTC), AuthPolicy())
    people, channel = await _team(core)
    async with db.reader.connect() as conn:
        start = int(await conn.scalar(select(t.events.c.id).order_by(t.events.c.id.desc())) or 0)
    posted: list[MessageId] = []
    done = asyncio.Event()
    seen: list[int] = []
    late: list[int] = []

    async def act(person: str) -> None:
        mine: list[tuple[MessageId, int]] = []
        for n in range(ROUNDS):
            choice = random.random()
            if choice < 0.5 or not posted:
                view = (
                    await core.posting.post(person, channel, Draft(f"hola {n} **{person[-4:]}**"))
                ).view
                posted.append(view.message.id)
                mine.append((view.message.id, view.message.version))
            elif choice < 0.7 and mine:
                index = random.randrange(len(mine))
                message_id, version = mine[index]
                try:
                    view = (
                        await core.posting.edit(person, message_id, f"editado {n}", version)
                    ).view
                    mine[index] = (message_id, view.message.version)
                except Conflict:
                    pass
            else:
                target = random.choice(posted)
                await core.reactions.react(
                    person, target, random.choice(EMOJI), random.random() < 0.7
                )
            await asyncio.sleep(0)

    async def tail() -> None:
        last = start
        while True:
            finished = done.is_set()
            async with db.reader.connect() as conn:
                ids = list(
                    await conn.scalars(
                        select(t.events.c.id).where(t.events.c.id > start).order_by(t.events.c.id)
                    )
                )
            known = set(seen)
            fresh = [i for i in ids if i not in known]
            late.extend(i for i in fresh if i < last)
            seen.extend(fresh)
            last = max(seen, default=last)
            if finished:
                return
            await asyncio.sleep(0.001)

    reader = asyncio.create_task(tail())
    await asyncio.gather(*(act(p) for p in people))
    done.set()
    await reader

    assert late == [], f"ids committed below ones already read: {late[:10]}"
    async with db.reader.connect() as conn:
        rows = (
            await conn.execute(
                select(t.events.c.id, t.events.c.type, t.events.c.data)
                .where(t.events.c.id > start)
                .order_by(t.events.c.id)
            )
        ).all()
    assert sorted(seen) == [row.id for row in rows]

    texts: dict[str, tuple[str, int]] = {}
    reactions: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        data = json.loads(row.data)
        if row.type in ("message.created", "message.updated"):
            texts[data["id"]] = (data["text"], data["version"])
        elif row.type == "reaction.added":
            reactions.setdefault(data["message_id"], set()).add((data["emoji"], data["user_id"]))
        elif row.type == "reaction.removed":
            reactions.setdefault(data["message_id"], set()).discard(
                (data["emoji"], data["user_id"])
            )

    async with db.reader.connect() as conn:
        stored = {
            row.id: (row.text, row.version)
            for row in await conn.execute(
                select(t.messages.c.id, t.messages.c.text, t.messages.c.version).where(
                    t.messages.c.channel_id == channel
                )
            )
        }
        stored_reactions: dict[str, set[tuple[str, str]]] = {}
        for row in await conn.execute(select(t.reactions)):
            stored_reactions.setdefault(row.message_id, set()).add((row.emoji, row.user_id))
        seqs = [
            row.seq
            for row in await conn.execute(
                select(t.messages.c.seq)
                .where(t.messages.c.channel_id == channel)
                .order_by(t.messages.c.id)
            )
        ]
    assert texts == stored
    assert {k: v for k, v in reactions.items() if v} == stored_reactions
    assert len(stored) == len(posted)
    assert all(seq is not None and seq > start for seq in seqs), "every message has its place"
