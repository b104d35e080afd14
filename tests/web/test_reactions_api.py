"""Reactions and pins over HTTP, on both databases: one happy path and every error per
endpoint (reacting by emoji or shortcode, unreacting, pinning, unpinning and a channel's
pins)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from httpx import AsyncClient

from tests.web.api import channel, ok, problem
from tests.web.talk import Team, delete, field_error, message, post, team

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


# reactions ----------------------------------------------------------------------------------


async def test_reactions_by_unicode_emoji_and_shortcode(client: AsyncClient, team: Team) -> None:
    """👍 sent percent-encoded and :+1: are the same reaction: counted once per person, with
    `me` true for whoever looks who reacted; removing it takes it away."""
    posted = await post(client, team.ana, team.dev["id"], "¿vamos?")
    path = f"/api/v1/messages/{posted['id']}/reactions"
    encoded = quote("👍", safe="")
    assert encoded.startswith("%F0")
    first = ok(await client.put(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in first["reactions"]] == [("👍", 1, True)]
    again = ok(await client.put(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"]) for r in again["reactions"]] == [("👍", 1)]
    by_code = ok(await client.put(f"{path}/:+1:", headers=team.bob.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in by_code["reactions"]] == [("👍", 2, True)]
    assert sorted(by_code["reactions"][0]["user_ids"]) == sorted([team.ana.id, team.bob.id])
    seen = await message(client, team.carla, posted["id"])
    assert [(r["emoji"], r["count"], r["me"]) for r in seen["reactions"]] == [("👍", 2, False)]
    heart = ok(await client.put(f"{path}/{quote('❤️', safe='')}", headers=team.bob.headers))
    assert [r["emoji"] for r in heart["reactions"]] == ["👍", "❤️"]
    removed = ok(await client.delete(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in removed["reactions"]] == [
        ("👍", 1, False),
        ("❤️", 1, False),
    ]
    twice = ok(await client.delete(f"{path}/:+1:", headers=team.ana.headers))
    assert [(r["emoji"], r["count"]) for r in twice["reactions"]] == [("👍", 1), ("❤️", 1)]


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param(":no_existe_esto:", id="unknown-shortcode"),
        pytest.param("hola", id="word"),
        pytest.param("a", id="letter"),
        pytest.param("👍👍", id="two-emoji"),
    ],
)
async def test_an_unknown_emoji_is_a_422(client: AsyncClient, team: Team, emoji: str) -> None:
    """Reacting with something that is not one emoji or a known shortcode gets 422 naming
    `emoji`, and no reaction appears."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    body = problem(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/{quote(emoji, safe='')}",
            headers=team.ana.headers,
        ),
        422,
    )
    field_error(body, "emoji")
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []


async def test_reacting_needs_membership_and_a_live_message(
    client: AsyncClient, team: Team
) -> None:
    """Carla (outside #dev) reacting gets 403 channel.not_member; Eve gets 404; reacting to a
    deleted message gets 409 message.deleted. No reaction appears."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    path = f"/api/v1/messages/{posted['id']}/reactions/:+1:"
    for method in ("PUT", "DELETE"):
        problem(
            await client.request(method, path, headers=team.carla.headers),
            403,
            "channel.not_member",
        )
        problem(
            await client.request(method, path, headers=team.eve.headers), 404, "message.not_found"
        )
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []
    await delete(client, team.ana, posted["id"])
    problem(await client.put(path, headers=team.ana.headers), 409, "message.deleted")
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []


async def test_deleting_a_message_removes_its_reactions(client: AsyncClient, team: Team) -> None:
    """A tombstone shows no reactions."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    ok(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/:+1:", headers=team.bob.headers
        )
    )
    await delete(client, team.ana, posted["id"])
    assert (await message(client, team.bob, posted["id"]))["reactions"] == []


# pins ---------------------------------------------------------------------------------------


async def test_pinning_and_unpinning(client: AsyncClient, team: Team) -> None:
    """A member pins a message (shown with pinned_at/pinned_by, listed in /pins, most recently
    pinned first; pinning twice changes nothing) and unpins it."""
    first = await post(client, team.ana, team.dev["id"], "primero")
    second = await post(client, team.ana, team.dev["id"], "segundo")
    pinned = ok(await client.put(f"/api/v1/messages/{first['id']}/pin", headers=team.bob.headers))
    assert pinned["pinned_by"] == team.bob.id
    assert pinned["pinned_at"] is not None
    again = ok(await client.put(f"/api/v1/messages/{first['id']}/pin", headers=team.ana.headers))
    assert again["pinned_by"] == team.bob.id
    ok(await client.put(f"/api/v1/messages/{second['id']}/pin", headers=team.bob.headers))
    pins_path = f"/api/v1/channels/{team.dev['id']}/pins"
    listed = ok(await client.get(pins_path, headers=team.carla.headers))
    assert [m["text"] for m in listed["items"]] == ["segundo", "primero"]
    unpinned = ok(
        await client.delete(f"/api/v1/messages/{first['id']}/pin", headers=team.ana.headers)
    )
    assert unpinned["pinned_at"] is None
    assert [
        m["id"] for m in ok(await client.get(pins_path, headers=team.ana.headers))["items"]
    ] == [second["id"]]


async def test_pinning_needs_membership_and_a_live_message(client: AsyncClient, team: Team) -> None:
    """Carla (outside #dev) pinning gets 403 channel.not_member, Eve 404, and pinning a deleted
    message 409 message.deleted; nothing is pinned."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    path = f"/api/v1/messages/{posted['id']}/pin"
    for method in ("PUT", "DELETE"):
        problem(
            await client.request(method, path, headers=team.carla.headers),
            403,
            "channel.not_member",
        )
        problem(
            await client.request(method, path, headers=team.eve.headers), 404, "message.not_found"
        )
    await delete(client, team.ana, posted["id"])
    problem(await client.put(path, headers=team.ana.headers), 409, "message.deleted")
    pins = ok(await client.get(f"/api/v1/channels/{team.dev['id']}/pins", headers=team.ana.headers))
    assert pins["items"] == []


async def test_pins_of_a_channel_one_cannot_see_are_a_404(client: AsyncClient, team: Team) -> None:
    """Bob asking for a private channel's pins, or Eve for #dev's, gets 404 channel.not_found."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    hidden = await post(client, team.ana, secret["id"], "confidencial")
    ok(await client.put(f"/api/v1/messages/{hidden['id']}/pin", headers=team.ana.headers))
    for who, ch in ((team.bob, secret["id"]), (team.eve, team.dev["id"])):
        body = problem(
            await client.get(f"/api/v1/channels/{ch}/pins", headers=who.headers),
            404,
            "channel.not_found",
        )
        assert "confidencial" not in str(body)
