"""Races: clients that do the same thing at the same moment get one consistent outcome."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from tests.web.api import join, ok, signup, workspace


async def test_opening_the_same_dm_at_once_gives_one_channel(client: AsyncClient) -> None:
    """Ten simultaneous requests for the same DM all land in the same conversation."""
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/workspaces/{ws['id']}/dms",
                json={"user_ids": [bob.id if n % 2 else ana.id]},
                headers=(ana if n % 2 else bob).headers,
            )
            for n in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201], [
        r.text for r in responses
    ]
    assert len({r.json()["id"] for r in responses}) == 1


async def test_a_single_use_invitation_admits_exactly_one_person(client: AsyncClient) -> None:
    """Five people racing for a one-use link: one gets in, four are told it is used up."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana)
    people = [await signup(client, f"person{n}") for n in range(5)]
    invitation = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations", json={"max_uses": 1}, headers=ana.headers
        ),
        201,
    )
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/invitations/{invitation['token']}/accept", headers=p.headers)
            for p in people
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 4
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"invitation.used_up"}
    members = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/members", headers=ana.headers))
    assert len(members["items"]) == 2


async def test_a_refresh_token_raced_against_itself_ends_the_session(client: AsyncClient) -> None:
    """Using one refresh token twice at once is a replay: at most one wins, and then the whole
    session is revoked, the winner's new tokens included."""
    ana = await signup(client, "ana")
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/auth/refresh", json={"refresh_token": ana.refresh})
            for _ in range(4)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) <= 1
    assert statuses.count(401) >= 3
    for response in responses:
        if response.status_code == 200:
            again = await client.post(
                "/api/v1/auth/refresh", json={"refresh_token": response.json()["refresh_token"]}
            )
            assert again.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=ana.headers)).status_code == 401
