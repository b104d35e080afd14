"""Read state over HTTP, on both databases: one happy path and every error per endpoint
(read markers, unreads and muting one's own membership)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.web.api import Account, channel, ok, problem
from tests.web.talk import Team, post, team

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


async def unreads_of(client: AsyncClient, who: Account, team: Team) -> dict[str, dict[str, Any]]:
    """Per channel id, what /unreads says for this person."""
    body = ok(await client.get(f"/api/v1/workspaces/{team.ws['id']}/unreads", headers=who.headers))
    return {c["channel_id"]: c for c in body["channels"]}


# read markers and unreads -------------------------------------------------------------------


async def test_marking_a_channel_read_changes_the_unread_counts(
    client: AsyncClient, team: Team
) -> None:
    """Two messages by Ana (one mentioning Bob) are unread for Bob with one mention; marking up
    to the first leaves one; marking the channel read leaves none; Ana's own do not count."""
    first = await post(client, team.ana, team.dev["id"], "uno")
    second = await post(client, team.ana, team.dev["id"], "dos @bob")
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"], dev["muted"]) == (2, 1, False)
    assert dev["latest_seq"] == second["seq"]
    assert (await unreads_of(client, team.ana, team))[team.dev["id"]]["unread_messages"] == 0

    read_path = f"/api/v1/channels/{team.dev['id']}/read"
    marked = ok(
        await client.post(read_path, json={"message_id": first["id"]}, headers=team.bob.headers)
    )
    assert marked == {"last_read_seq": first["seq"]}
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"], dev["last_read_seq"]) == (1, 1, first["seq"])
    assert ok(await client.post(read_path, headers=team.bob.headers)) == {
        "last_read_seq": second["seq"]
    }
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"]) == (0, 0)
    ok(await client.post(read_path, json={"message_id": first["id"]}, headers=team.bob.headers))
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"]) == (1, 1)


async def test_unreads_list_only_ones_own_channels(client: AsyncClient, team: Team) -> None:
    """Carla's unreads list #general only, not #dev nor a private channel she is not in."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    await post(client, team.ana, secret["id"], "confidencial")
    await post(client, team.ana, team.dev["id"], "hola")
    await post(client, team.ana, team.general["id"], "hola a todos")
    unread = await unreads_of(client, team.carla, team)
    assert list(unread) == [team.general["id"]]
    assert unread[team.general["id"]]["unread_messages"] == 1


async def test_marking_read_needs_membership_and_a_message_of_the_channel(
    client: AsyncClient, team: Team
) -> None:
    """Carla (outside #dev) gets 403 channel.not_member; a message of another channel gets 404
    message.not_found; a private channel one is not in 404 channel.not_found."""
    await post(client, team.ana, team.dev["id"], "hola")
    elsewhere = await post(client, team.ana, team.general["id"], "en general")
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    problem(
        await client.post(f"/api/v1/channels/{team.dev['id']}/read", headers=team.carla.headers),
        403,
        "channel.not_member",
    )
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/read",
            json={"message_id": elsewhere["id"]},
            headers=team.bob.headers,
        ),
        404,
        "message.not_found",
    )
    problem(
        await client.post(f"/api/v1/channels/{secret['id']}/read", headers=team.bob.headers),
        404,
        "channel.not_found",
    )
    assert (await unreads_of(client, team.bob, team))[team.dev["id"]]["unread_messages"] == 1


# muting -------------------------------------------------------------------------------------


async def test_a_muted_channel_counts_mentions_only(client: AsyncClient, team: Team) -> None:
    """Bob mutes #dev (204): its plain messages no longer count as unread, mentions still do;
    unmuting brings the count back."""
    member_path = f"/api/v1/channels/{team.dev['id']}/members/{team.bob.id}"
    response = await client.patch(member_path, json={"muted": True}, headers=team.bob.headers)
    assert response.status_code == 204, response.text
    await post(client, team.ana, team.dev["id"], "uno")
    await post(client, team.ana, team.dev["id"], "dos @bob")
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["muted"], dev["unread_messages"], dev["mentions"]) == (True, 0, 1)
    response = await client.patch(member_path, json={"muted": False}, headers=team.bob.headers)
    assert response.status_code == 204, response.text
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["muted"], dev["unread_messages"], dev["mentions"]) == (False, 2, 1)


async def test_muting_is_for_ones_own_membership(client: AsyncClient, team: Team) -> None:
    """Ana (the owner) muting #dev for Bob gets 403 channel.not_yours; Carla (outside #dev)
    muting it for herself gets 403 channel.not_member; Bob's #dev stays unmuted."""
    problem(
        await client.patch(
            f"/api/v1/channels/{team.dev['id']}/members/{team.bob.id}",
            json={"muted": True},
            headers=team.ana.headers,
        ),
        403,
        "channel.not_yours",
    )
    problem(
        await client.patch(
            f"/api/v1/channels/{team.dev['id']}/members/{team.carla.id}",
            json={"muted": True},
            headers=team.carla.headers,
        ),
        403,
        "channel.not_member",
    )
    assert (await unreads_of(client, team.bob, team))[team.dev["id"]]["muted"] is False
