"""The statements each hot path sends to the database, over HTTP on both databases: posting
(plain; mentioning people, in the channel or in a thread; mentioning @channel), a page of
history, the unreads, a search and a page of a thread. Each count is pinned, and does not grow
with the number of items (no query per message, reaction, file, person, channel or hit): a
change that adds one fails here with the list of what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient
from sqlalchemy import make_url

from tests.web.api import Account, channel, join, ok, signup, workspace
from tests.web.queries import assert_same_statements, assert_statements, fewest_statements

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REACTIONS = (quote("👍"), quote("🎉"), quote(":eyes:"))

# what each path costs today, per backend: a change of these is a change of the hot path
COSTS: dict[str, dict[str, int]] = {
    "post": {"sqlite": 5, "postgres": 4},
    "mention in a channel": {"sqlite": 9, "postgres": 9},
    # the root is read once and its followers written once (it was 15 and 14 before)
    "mention in a thread": {"sqlite": 13, "postgres": 12},
    "mention of @channel": {"sqlite": 9, "postgres": 9},
    "history": {"sqlite": 5, "postgres": 5},
    "unreads": {"sqlite": 3, "postgres": 3},
    "search": {"sqlite": 9, "postgres": 9},
    "thread": {"sqlite": 6, "postgres": 6},
}


@dataclass
class Team:
    """Ana's workspace: Ana (owner) reads; Bruno, Carla, Dani and Eli write, react and share
    files (several of them, so that no one's rate limit is reached)."""

    ana: Account
    people: list[Account]
    ws: str
    general: str
    backend: str


@pytest.fixture
async def team(client: AsyncClient, database_url: str) -> Team:
    ana = await signup(client, "ana")
    ws = await workspace(client, ana, "Equipo")
    people = []
    for name in ("bruno", "carla", "dani", "eli"):
        person = await signup(client, name)
        await join(client, ws["id"], ana, person)
        people.append(person)
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    backend = "postgres" if make_url(database_url).get_backend_name() == "postgresql" else "sqlite"
    return Team(ana, people, ws["id"], general["id"], backend)


async def post(client: AsyncClient, who: Account, channel_id: str, text: str, **extra: Any) -> Any:
    return ok(
        await client.post(
            f"/api/v1/channels/{channel_id}/messages",
            json={"text": text, **extra},
            headers=who.headers,
        ),
        201,
    )


async def talk(
    client: AsyncClient, team: Team, channel_id: str, n: int, word: str, **extra: Any
) -> list[Any]:
    """`n` messages as a team talks: by turns of four people, each message with a reaction or
    two, every third with a PDF, every fifth mentioning Ana; all with `word` in them."""
    posted = []
    for i in range(n):
        who = team.people[i % len(team.people)]
        fields = dict(extra)
        if i % 3 == 0:
            file = ok(
                await client.post(
                    f"/api/v1/workspaces/{team.ws}/files",
                    files={"file": (f"informe-{i}.pdf", PDF, "application/pdf")},
                    headers=who.headers,
                ),
                201,
            )
            fields["file_ids"] = [file["id"]]
        mention = " @ana" if i % 5 == 0 else ""
        message = await post(client, who, channel_id, f"{word} número {i}{mention}", **fields)
        for j in range(1 + i % 2):
            reactor = team.people[(i + j + 1) % len(team.people)]
            ok(
                await client.put(
                    f"/api/v1/messages/{message['id']}/reactions/{REACTIONS[(i + j) % 3]}",
                    headers=reactor.headers,
                )
            )
        posted.append(message)
    return posted


async def test_posting_a_plain_message_costs_its_pinned_statements(
    client: AsyncClient, team: Team
) -> None:
    """Posting a plain message sends the statements pinned for it, no more."""
    bruno = team.people[0]
    await post(client, bruno, team.general, "Buenos días")
    sent = await fewest_statements(lambda: post(client, bruno, team.general, "¿Café?"))
    assert_statements("POST a message", sent, COSTS["post"][team.backend])


@pytest.mark.parametrize("where", ["channel", "thread"])
async def test_a_mention_costs_the_same_statements_for_1_or_4_people(
    client: AsyncClient, team: Team, where: str
) -> None:
    """Mentioning people, in the channel or in a thread, adds the notification work (and, in
    a thread, following it) once, not once per person mentioned."""
    bruno = team.people[0]
    extra = {}
    if where == "thread":
        root = await post(client, team.ana, team.general, "¿Quién viene el viernes?")
        extra["thread_root_id"] = root["id"]
    await post(client, bruno, team.general, "Hola @ana", **extra)
    one = await fewest_statements(lambda: post(client, bruno, team.general, "Mira, @ana", **extra))
    everyone = "@ana @carla @dani @eli"
    four = await fewest_statements(
        lambda: post(client, bruno, team.general, f"Mirad, {everyone}", **extra)
    )
    what = f"POST a message with mentions ({where})"
    assert_same_statements(what, {"1 mention": one, "4 mentions": four})
    assert_statements(what, one, COSTS[f"mention in a {where}"][team.backend])


async def test_mentioning_the_channel_costs_the_same_statements_for_5_or_15_members(
    client: AsyncClient, team: Team
) -> None:
    """@channel notifies every member at once, not with a statement per member (15: the
    most sign-ups one address may make in an hour, with the team's)."""
    bruno = team.people[0]
    await post(client, bruno, team.general, "Hola @channel")
    five = await fewest_statements(lambda: post(client, bruno, team.general, "Reunión @channel"))
    for i in range(10):
        await join(client, team.ws, team.ana, await signup(client, f"persona{i}"))
    members = ok(
        await client.get(f"/api/v1/channels/{team.general}/members", headers=team.ana.headers)
    )
    assert len(members["items"]) == 15
    fifteen = await fewest_statements(
        lambda: post(client, bruno, team.general, "Otra reunión @channel")
    )
    what = "POST a message mentioning @channel"
    assert_same_statements(what, {"5 members": five, "15 members": fifteen})
    assert_statements(what, five, COSTS["mention of @channel"][team.backend])


async def test_history_costs_the_same_statements_for_5_or_50_messages(
    client: AsyncClient, team: Team
) -> None:
    """A page of history (messages with reactions, files and mentions) costs as much for 5
    messages as for 50."""
    await talk(client, team, team.general, 50, "informe")
    path = f"/api/v1/channels/{team.general}/messages"

    async def page(limit: int) -> Any:
        body = ok(await client.get(path, params={"limit": limit}, headers=team.ana.headers))
        assert len(body["items"]) == limit
        return body

    costs = {f"{n} messages": await fewest_statements(partial(page, n)) for n in (5, 50)}
    assert_same_statements("GET a page of history", costs)
    assert_statements("GET a page of history", costs["5 messages"], COSTS["history"][team.backend])


async def test_unreads_cost_the_same_statements_for_5_or_50_channels(
    client: AsyncClient, team: Team
) -> None:
    """What is unread costs as much with 5 channels unread (and a thread) as with 50 (and
    ten threads)."""
    ana, ws = team.ana, team.ws

    async def unreads(channels: int, threads: int) -> Any:
        body = ok(await client.get(f"/api/v1/workspaces/{ws}/unreads", headers=ana.headers))
        assert len([c for c in body["channels"] if c["unread_messages"]]) == channels
        assert len(body["threads"]) == threads
        return body

    async def unread_channels(n: int) -> None:
        """Channels of Ana's where someone else wrote since; in every fifth, a reply in a
        thread of hers, and a mention of her."""
        for i in range(n):
            made = await channel(client, ws, ana, f"canal-{i}-{n}")
            who = team.people[i % len(team.people)]
            ok(
                await client.post(
                    f"/api/v1/channels/{made['id']}/members",
                    json={"user_id": who.id},
                    headers=who.headers,
                ),
                201,
            )
            if i % 5 == 0:
                root = await post(client, ana, made["id"], "¿Ideas?")
                await post(client, who, made["id"], "Una", thread_root_id=root["id"])
            await post(client, who, made["id"], "Algo nuevo" + (" @ana" if i % 5 == 0 else ""))

    await unread_channels(5)
    five = await fewest_statements(lambda: unreads(5, 1))
    await unread_channels(45)
    fifty = await fewest_statements(lambda: unreads(50, 10))
    assert_same_statements("GET the unreads", {"5 channels": five, "50 channels": fifty})
    assert_statements("GET the unreads", five, COSTS["unreads"][team.backend])


async def test_search_costs_the_same_statements_for_5_or_50_hits(
    client: AsyncClient, team: Team
) -> None:
    """A page of search results costs as much for 5 hits as for 50."""
    await talk(client, team, team.general, 50, "informe")
    path = f"/api/v1/workspaces/{team.ws}/search"

    async def search(limit: int) -> Any:
        params: dict[str, str | int] = {"q": "informe", "limit": limit}
        body = ok(await client.get(path, params=params, headers=team.ana.headers))
        assert len(body["items"]) == limit
        return body

    costs = {f"{n} hits": await fewest_statements(partial(search, n)) for n in (5, 50)}
    assert_same_statements("GET a search", costs)
    assert_statements("GET a search", costs["5 hits"], COSTS["search"][team.backend])


async def test_a_thread_costs_the_same_statements_for_5_or_50_replies(
    client: AsyncClient, team: Team
) -> None:
    """A page of a thread's replies (with reactions, files and mentions) costs as much for 5
    replies as for 50."""
    root = await post(client, team.ana, team.general, "¿Quién viene el viernes?")
    await talk(client, team, team.general, 50, "yo", thread_root_id=root["id"])
    path = f"/api/v1/messages/{root['id']}/replies"

    async def replies(limit: int) -> Any:
        body = ok(await client.get(path, params={"limit": limit}, headers=team.ana.headers))
        assert len(body["items"]) == limit
        return body

    costs = {f"{n} replies": await fewest_statements(partial(replies, n)) for n in (5, 50)}
    assert_same_statements("GET a thread's replies", costs)
    assert_statements("GET a thread's replies", costs["5 replies"], COSTS["thread"][team.backend])
