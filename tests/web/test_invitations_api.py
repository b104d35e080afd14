"""Invitations in the browser, over HTTP on both databases: the link is the client's page,
and the invitation behind it can be looked at without an account before accepting."""

from __future__ import annotations

from httpx import AsyncClient

from tests.web.api import join, ok, problem, signup, workspace


async def test_the_link_opens_the_client_and_shows_where_it_leads(client: AsyncClient) -> None:
    """Ana's link is the client's /invite/ page; anyone holding it (no account yet) sees the
    workspace, Ana's name, the role and the expiry; Bob then accepts it with his account."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana, "Equipo Núcleo")
    made = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations",
            json={"role": "admin", "expires_in_hours": 48},
            headers=ana.headers,
        ),
        201,
    )
    token = made["token"]
    assert made["url"] == f"http://testserver/invite/{token}"
    page = await client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"

    shown = await client.get(f"/api/v1/invitations/{token}")
    assert ok(shown) == {
        "workspace": {"id": ws["id"], "name": "Equipo Núcleo", "slug": ws["slug"]},
        "inviter": {"id": ana.id, "display_name": "ana"},
        "role": "admin",
        "expires_at": made["expires_at"],
    }
    assert shown.headers["ratelimit-limit"] == "300"
    assert shown.headers["cache-control"] == "no-store"

    bob = await signup(client, "bob")
    accepted = ok(await client.post(f"/api/v1/invitations/{token}/accept", headers=bob.headers))
    assert accepted["joined"]
    assert accepted["workspace"]["role"] == "admin"


async def test_a_link_that_no_longer_works_answers_as_accepting_it_would(
    client: AsyncClient,
) -> None:
    """A used-up or revoked link, or a token nobody made, gets the same problem as
    accepting it: 409 with the reason, or 404; a token of the wrong shape is a 422."""
    ana = await signup(client, "ana")
    bob = await signup(client, "bob")
    carla = await signup(client, "carla")
    ws = await workspace(client, ana)
    once = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations",
            json={"max_uses": 1},
            headers=ana.headers,
        ),
        201,
    )
    ok(await client.post(f"/api/v1/invitations/{once['token']}/accept", headers=bob.headers))
    revoked = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations", json={}, headers=ana.headers
        ),
        201,
    )
    assert (
        await client.delete(
            f"/api/v1/workspaces/{ws['id']}/invitations/{revoked['id']}", headers=ana.headers
        )
    ).status_code == 204

    for token, status, code in (
        (once["token"], 409, "invitation.used_up"),
        (revoked["token"], 409, "invitation.revoked"),
        ("Z" * 32, 404, "invitation.not_found"),
    ):
        problem(await client.get(f"/api/v1/invitations/{token}"), status, code)
        accepting = await client.post(f"/api/v1/invitations/{token}/accept", headers=carla.headers)
        problem(accepting, status, code)
    for bad in ("short", "x" * 65, "has.dots.in.it.0123456789", "%00" * 20):
        problem(await client.get(f"/api/v1/invitations/{bad}"), 422, "validation.invalid")


async def test_a_member_who_opens_the_link_again_still_sees_it(client: AsyncClient) -> None:
    """Looking at a link one has already used (while it allows more people) still shows it:
    accepting again would change nothing, and the client says so."""
    ana = await signup(client, "ana")
    bob = await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob)
    made = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations",
            json={"max_uses": 5},
            headers=ana.headers,
        ),
        201,
    )
    ok(await client.post(f"/api/v1/invitations/{made['token']}/accept", headers=bob.headers))
    shown = ok(await client.get(f"/api/v1/invitations/{made['token']}", headers=bob.headers))
    assert shown["workspace"]["id"] == ws["id"]
