"""Races: clients that do the same thing at the same moment get one consistent outcome."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from tests.web.api import PASSWORD, join, ok, signup, workspace


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


async def test_two_owners_leaving_at_once_leave_one_behind(client: AsyncClient) -> None:
    """The last-owner rule holds under a race: of two owners leaving together, one stays."""
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob, role="admin")
    ok(
        await client.patch(
            f"/api/v1/workspaces/{ws['id']}/members/{bob.id}",
            json={"role": "owner"},
            headers=ana.headers,
        )
    )
    responses = await asyncio.gather(
        *(
            client.delete(f"/api/v1/workspaces/{ws['id']}/members/{who.id}", headers=who.headers)
            for who in (ana, bob)
        )
    )
    assert sorted(r.status_code for r in responses) == [204, 409]
    stayer = ana if responses[1].status_code == 204 else bob
    members = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/members", headers=stayer.headers))
    assert [(m["user"]["id"], m["role"]) for m in members["items"]] == [(stayer.id, "owner")]


async def test_archiving_is_never_undone_by_a_concurrent_topic_change(client: AsyncClient) -> None:
    """Archiving while someone sets the topic: the channel ends archived, whoever wins."""
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob)
    for round_ in range(5):
        channel = ok(
            await client.post(
                f"/api/v1/workspaces/{ws['id']}/channels",
                json={"name": f"sala-{round_}"},
                headers=ana.headers,
            ),
            201,
        )
        ok(
            await client.post(
                f"/api/v1/channels/{channel['id']}/members",
                json={"user_id": bob.id},
                headers=bob.headers,
            ),
            201,
        )
        archive, topic = await asyncio.gather(
            client.delete(f"/api/v1/channels/{channel['id']}", headers=ana.headers),
            client.patch(
                f"/api/v1/channels/{channel['id']}", json={"topic": "hola"}, headers=bob.headers
            ),
        )
        assert archive.status_code == 200, archive.text
        assert topic.status_code in (200, 409), topic.text
        final = ok(await client.get(f"/api/v1/channels/{channel['id']}", headers=ana.headers))
        assert final["archived_at"] is not None


async def test_profile_fields_changed_at_once_are_all_kept(client: AsyncClient) -> None:
    """Two devices save different fields at the same moment: neither change is lost."""
    ana = await signup(client, "ana")
    await asyncio.gather(
        client.patch("/api/v1/users/me", json={"title": "Diseñadora"}, headers=ana.headers),
        client.patch("/api/v1/users/me", json={"timezone": "Europe/Madrid"}, headers=ana.headers),
    )
    me = ok(await client.get("/api/v1/users/me", headers=ana.headers))
    assert (me["title"], me["timezone"]) == ("Diseñadora", "Europe/Madrid")


async def test_accepting_one_link_twice_at_once_joins_once(client: AsyncClient) -> None:
    """A double click on an invitation: both answers say the person is in, once."""
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    ws = await workspace(client, ana)
    invitation = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations", json={"max_uses": 5}, headers=ana.headers
        ),
        201,
    )
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/invitations/{invitation['token']}/accept", headers=bob.headers)
            for _ in range(4)
        )
    )
    assert [r.status_code for r in responses] == [200] * 4
    assert sorted(r.json()["joined"] for r in responses) == [False, False, False, True]
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/invitations", headers=ana.headers))
    assert listed["items"][0]["uses"] == 1


async def test_two_people_taking_the_same_email_at_once_get_a_conflict(
    client: AsyncClient,
) -> None:
    """Only one account can have an address, even when two claim it at the same moment."""
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    responses = await asyncio.gather(
        *(
            client.patch(
                "/api/v1/users/me",
                json={"email": "shared@example.com", "current_password": PASSWORD},
                headers=who.headers,
            )
            for who in (ana, bob)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert {r.json().get("code") for r in responses if r.status_code == 409} == {"user.email_taken"}


async def test_workspaces_with_the_same_name_created_at_once_all_get_a_slug(
    client: AsyncClient,
) -> None:
    """Five teams called the same at the same moment each get their own workspace."""
    people = [await signup(client, f"founder{n}") for n in range(5)]
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/workspaces", json={"name": "Equipo"}, headers=p.headers)
            for p in people
        )
    )
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert len({r.json()["slug"] for r in responses}) == 5
