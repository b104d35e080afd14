"""Threads over HTTP, on both databases: one happy path and every error per endpoint (a
thread's replies, following and unfollowing, and the threads one follows: by replying, by
being mentioned or by hand)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.web.api import ok, problem
from tests.web.talk import Team, delete, history, message, notifications_of, post, team, texts

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


# replies ------------------------------------------------------------------------------------


async def test_replies_make_a_thread(client: AsyncClient, team: Team) -> None:
    """Replies stay out of the channel (unless also sent there), the root shows the count, last
    reply time and participants, and /replies lists them oldest first."""
    root = await post(client, team.ana, team.dev["id"], "¿dudas?")
    first = await post(client, team.bob, team.dev["id"], "una", thread_root_id=root["id"])
    second = await post(
        client,
        team.ana,
        team.dev["id"],
        "dos",
        thread_root_id=root["id"],
        also_send_to_channel=True,
    )
    assert first["thread_root_id"] == root["id"]
    assert first["in_channel"] is False
    assert second["in_channel"] is True
    shown = await message(client, team.ana, root["id"])
    assert shown["thread"]["reply_count"] == 2
    assert shown["thread"]["last_reply_at"] is not None
    assert shown["thread"]["participants"] == [team.bob.id, team.ana.id]
    assert texts(await history(client, team.ana, team.dev["id"])) == ["¿dudas?", "dos"]
    replies = ok(
        await client.get(f"/api/v1/messages/{root['id']}/replies", headers=team.bob.headers)
    )
    assert (texts(replies), replies["has_older"], replies["has_newer"]) == (
        ["una", "dos"],
        False,
        False,
    )
    page = ok(
        await client.get(
            f"/api/v1/messages/{root['id']}/replies",
            params={"after": first["id"]},
            headers=team.bob.headers,
        )
    )
    assert texts(page) == ["dos"]


async def test_replies_of_a_reply_or_an_unseen_thread_are_a_404(
    client: AsyncClient, team: Team
) -> None:
    """Asking for the replies of a reply gets 404 thread.not_found; of a thread one cannot see,
    404 message.not_found."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.ana, team.dev["id"], "r", thread_root_id=root["id"])
    problem(
        await client.get(f"/api/v1/messages/{reply['id']}/replies", headers=team.ana.headers),
        404,
        "thread.not_found",
    )
    problem(
        await client.get(f"/api/v1/messages/{root['id']}/replies", headers=team.eve.headers),
        404,
        "message.not_found",
    )


async def test_deleting_a_reply_shrinks_the_thread(client: AsyncClient, team: Team) -> None:
    """A deleted reply stays in the thread as a tombstone and no longer counts on the root."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.bob, team.dev["id"], "uno", thread_root_id=root["id"])
    await post(client, team.bob, team.dev["id"], "dos", thread_root_id=root["id"])
    await delete(client, team.bob, reply["id"])
    assert (await message(client, team.ana, root["id"]))["thread"]["reply_count"] == 1
    replies = ok(
        await client.get(f"/api/v1/messages/{root['id']}/replies", headers=team.ana.headers)
    )
    assert [(m["deleted"], m["text"]) for m in replies["items"]] == [(True, ""), (False, "dos")]


# following ----------------------------------------------------------------------------------


async def test_followed_threads_list_unread_replies(client: AsyncClient, team: Team) -> None:
    """Replying follows a thread: Ana's threads view shows it with Bob's reply unread, and
    marking the thread read clears it."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    await post(client, team.bob, team.dev["id"], "respuesta", thread_root_id=root["id"])
    threads = ok(
        await client.get(f"/api/v1/workspaces/{team.ws['id']}/threads", headers=team.ana.headers)
    )
    assert [(t["root"]["id"], t["unread_replies"]) for t in threads["items"]] == [(root["id"], 1)]
    unread = ok(
        await client.get(f"/api/v1/workspaces/{team.ws['id']}/unreads", headers=team.ana.headers)
    )
    assert [(t["root_id"], t["unread_replies"]) for t in unread["threads"]] == [(root["id"], 1)]
    ok(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/read",
            json={"thread_root_id": root["id"]},
            headers=team.ana.headers,
        )
    )
    threads = ok(
        await client.get(f"/api/v1/workspaces/{team.ws['id']}/threads", headers=team.ana.headers)
    )
    assert [(t["root"]["id"], t["unread_replies"]) for t in threads["items"]] == [(root["id"], 0)]


async def test_following_and_unfollowing_by_hand(client: AsyncClient, team: Team) -> None:
    """PUT /follow adds a thread to one's threads view (204); DELETE removes it (204)."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    path = f"/api/v1/messages/{root['id']}/follow"
    threads_path = f"/api/v1/workspaces/{team.ws['id']}/threads"
    assert ok(await client.get(threads_path, headers=team.bob.headers))["items"] == []
    assert (await client.put(path, headers=team.bob.headers)).status_code == 204
    listed = ok(await client.get(threads_path, headers=team.bob.headers))["items"]
    assert [t["root"]["id"] for t in listed] == [root["id"]]
    assert (await client.delete(path, headers=team.bob.headers)).status_code == 204
    assert ok(await client.get(threads_path, headers=team.bob.headers))["items"] == []


async def test_following_is_for_members_and_roots(client: AsyncClient, team: Team) -> None:
    """Carla (outside #dev) following its thread gets 403 channel.not_member; following a reply
    gets 404 thread.not_found; Eve gets 404 message.not_found."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.ana, team.dev["id"], "r", thread_root_id=root["id"])
    for method in ("PUT", "DELETE"):
        problem(
            await client.request(
                method, f"/api/v1/messages/{root['id']}/follow", headers=team.carla.headers
            ),
            403,
            "channel.not_member",
        )
        problem(
            await client.request(
                method, f"/api/v1/messages/{reply['id']}/follow", headers=team.ana.headers
            ),
            404,
            "thread.not_found",
        )
        problem(
            await client.request(
                method, f"/api/v1/messages/{root['id']}/follow", headers=team.eve.headers
            ),
            404,
            "message.not_found",
        )
    assert (
        ok(
            await client.get(
                f"/api/v1/workspaces/{team.ws['id']}/threads", headers=team.carla.headers
            )
        )["items"]
        == []
    )


async def test_threads_of_another_workspace_are_a_404(client: AsyncClient, team: Team) -> None:
    """Eve asking for the threads (or unreads) of a workspace she is not in gets 404."""
    for view in ("threads", "unreads"):
        problem(
            await client.get(
                f"/api/v1/workspaces/{team.ws['id']}/{view}", headers=team.eve.headers
            ),
            404,
        )


async def test_mentioned_people_follow_the_thread(client: AsyncClient, team: Team) -> None:
    """Bob, mentioned in a reply, is notified and finds the thread among those he follows."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.ana, team.dev["id"], "@bob ¿lo ves?", thread_root_id=root["id"])
    assert [n["message_id"] for n in await notifications_of(client, team.bob)] == [reply["id"]]
    threads = ok(
        await client.get(f"/api/v1/workspaces/{team.ws['id']}/threads", headers=team.bob.headers)
    )
    assert [t["root"]["id"] for t in threads["items"]] == [root["id"]]


async def test_replying_after_unfollowing_does_not_follow_again(
    client: AsyncClient, team: Team
) -> None:
    """Bob replies (and so follows), unfollows, replies again: the thread stays out of his
    threads view."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    await post(client, team.bob, team.dev["id"], "uno", thread_root_id=root["id"])
    threads_path = f"/api/v1/workspaces/{team.ws['id']}/threads"
    assert len(ok(await client.get(threads_path, headers=team.bob.headers))["items"]) == 1
    unfollowed = await client.delete(
        f"/api/v1/messages/{root['id']}/follow", headers=team.bob.headers
    )
    assert unfollowed.status_code == 204, unfollowed.text
    await post(client, team.bob, team.dev["id"], "dos", thread_root_id=root["id"])
    assert ok(await client.get(threads_path, headers=team.bob.headers))["items"] == []
