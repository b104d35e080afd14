"""The inbox over HTTP, on both databases: one happy path and every error per endpoint
(the notifications of mentions and @channel, a page at a time, marking them read, and what
editing and deleting a message do to them)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.web.api import ok
from tests.web.talk import Team, delete, notifications_of, post, team

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


async def test_a_mention_notifies_the_member_and_names_who_was_not_told(
    client: AsyncClient, team: Team
) -> None:
    """@bob (in #dev) gets a notification; @carla (not in #dev) and @nadie (no such person) are
    listed in `not_notified` and get nothing."""
    posted = await post(client, team.ana, team.dev["id"], "hola @bob, @carla y @nadie")
    assert sorted(posted["not_notified"]) == ["carla", "nadie"]
    assert posted["mentions"]["user_ids"] == [team.bob.id]
    assert f'data-user-id="{team.bob.id}"' in posted["html"]
    inbox = await notifications_of(client, team.bob)
    assert [(n["message_id"], n["kind"], n["read_at"]) for n in inbox] == [
        (posted["id"], "mention", None)
    ]
    assert inbox[0]["channel_id"] == team.dev["id"]
    assert inbox[0]["workspace_id"] == team.ws["id"]
    assert inbox[0]["message"]["text"] == "hola @bob, @carla y @nadie"
    assert await notifications_of(client, team.carla) == []
    assert await notifications_of(client, team.ana) == []


async def test_at_channel_notifies_every_member_but_the_author(
    client: AsyncClient, team: Team
) -> None:
    """@channel in #dev notifies Bob (kind everyone), not Ana who wrote it nor Carla outside."""
    posted = await post(client, team.ana, team.dev["id"], "@channel reunión")
    assert posted["mentions"]["everyone"] is True
    assert [(n["message_id"], n["kind"]) for n in await notifications_of(client, team.bob)] == [
        (posted["id"], "everyone")
    ]
    assert await notifications_of(client, team.carla) == []
    assert await notifications_of(client, team.ana) == []


async def test_notifications_are_marked_read(client: AsyncClient, team: Team) -> None:
    """POST /notifications/read with ids marks those; without a body marks the rest; the
    `unread` filter then shows none."""
    first = await post(client, team.ana, team.dev["id"], "@bob uno")
    second = await post(client, team.ana, team.dev["id"], "@bob dos")
    assert [n["message_id"] for n in await notifications_of(client, team.bob)] == [
        second["id"],
        first["id"],
    ]
    marked = ok(
        await client.post(
            "/api/v1/notifications/read",
            json={"message_ids": [first["id"]]},
            headers=team.bob.headers,
        )
    )
    assert marked == {"marked": 1}
    unread = await notifications_of(client, team.bob, unread="true")
    assert [n["message_id"] for n in unread] == [second["id"]]
    assert ok(await client.post("/api/v1/notifications/read", headers=team.bob.headers)) == {
        "marked": 1
    }
    assert await notifications_of(client, team.bob, unread="true") == []
    assert all(n["read_at"] for n in await notifications_of(client, team.bob))
    assert ok(await client.post("/api/v1/notifications/read", headers=team.bob.headers)) == {
        "marked": 0
    }


async def test_notifications_page_with_before(client: AsyncClient, team: Team) -> None:
    """With limit=1 the inbox gives the newest mention and a cursor to the next one."""
    first = await post(client, team.ana, team.dev["id"], "@bob uno")
    second = await post(client, team.ana, team.dev["id"], "@bob dos")
    page = ok(
        await client.get("/api/v1/notifications", params={"limit": 1}, headers=team.bob.headers)
    )
    assert [n["message_id"] for n in page["items"]] == [second["id"]]
    assert page["next_cursor"]
    rest = ok(
        await client.get(
            "/api/v1/notifications",
            params={"limit": 1, "before": page["next_cursor"]},
            headers=team.bob.headers,
        )
    )
    assert [n["message_id"] for n in rest["items"]] == [first["id"]]


async def test_editing_in_a_mention_notifies_only_the_newly_mentioned(
    client: AsyncClient, team: Team
) -> None:
    """An edit that adds @bob notifies Bob once; editing again keeping @bob does not notify him
    a second time."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    edited = ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "hola @bob", "version": 1},
            headers=team.ana.headers,
        )
    )
    assert edited["mentions"]["user_ids"] == [team.bob.id]
    assert len(await notifications_of(client, team.bob)) == 1
    ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "hola @bob!", "version": 2},
            headers=team.ana.headers,
        )
    )
    assert len(await notifications_of(client, team.bob)) == 1


async def test_deleting_a_message_removes_its_notifications(
    client: AsyncClient, team: Team
) -> None:
    """Once the message that mentioned Bob is deleted, his inbox no longer shows it."""
    posted = await post(client, team.ana, team.dev["id"], "@bob mira")
    assert len(await notifications_of(client, team.bob)) == 1
    await delete(client, team.ana, posted["id"])
    assert await notifications_of(client, team.bob) == []
