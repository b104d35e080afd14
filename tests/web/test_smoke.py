"""The path a new team walks on its first day, over HTTP, on both databases."""

from __future__ import annotations

from httpx import AsyncClient

from tests.web.api import channel, join, ok, signup, workspace


async def test_a_team_gets_started(client: AsyncClient) -> None:
    """Ana registers, creates a workspace and a channel, invites Bob; Bob joins the channel."""
    ana = await signup(client, "ana")
    bob = await signup(client, "bob")
    ws = await workspace(client, ana, "Equipo Núcleo")
    design = await channel(client, ws["id"], ana, "diseño")
    await join(client, ws["id"], ana, bob)
    joined = ok(
        await client.post(
            f"/api/v1/channels/{design['id']}/members",
            json={"user_id": bob.id},
            headers=bob.headers,
        ),
        201,
    )
    assert joined["is_member"]
    assert joined["member_count"] == 2
    names = [
        c["name"]
        for c in ok(
            await client.get(
                f"/api/v1/workspaces/{ws['id']}/channels",
                params={"member": "true"},
                headers=bob.headers,
            )
        )["items"]
    ]
    assert names == ["diseño", "general"]
