"""Presence over real sockets, on SQLite and PostgreSQL: online, away and offline across
devices, who hears of it (the sockets that subscribed to a person they may see), and @here
notifying the members online."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import Node, Socket, node, opened
from tests.web.api import Account, done, join, login, ok, signup, workspace


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[Node]:
    async with node(database_url, tmp_path, offline_after_seconds=0.2) as running:
        yield running


@pytest.fixture
async def people(server: Node) -> dict[str, Any]:
    """Ana's workspace with Bruno and Olga in it; Carla elsewhere."""
    http = server.http
    ana, bruno, olga, carla = [await signup(http, n) for n in ("ana", "bruno", "olga", "carla")]
    ws = await workspace(http, ana)
    await join(http, ws["id"], ana, bruno)
    await join(http, ws["id"], ana, olga)
    await workspace(http, carla, "Otro")
    channels = ok(await http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    return {
        "ana": ana,
        "bruno": bruno,
        "olga": olga,
        "carla": carla,
        "ws": ws["id"],
        "general": channels["items"][0]["id"],
    }


async def watch(socket: Socket, *people: Account) -> dict[str, str]:
    """Subscribe the socket to these people's presence; what it is now, for those it may see."""
    await socket.send({"type": "presence.subscribe", "user_ids": [p.id for p in people]})
    reply = await socket.next()
    assert reply["type"] == "presence.subscribed", reply
    users: dict[str, str] = reply["users"]
    return users


async def presence_of(socket: Socket, user: Account) -> str:
    """The next presence this socket hears about `user`."""
    while True:
        frame = await socket.next(skip=())
        if frame["type"] == "presence.changed" and frame["data"]["user_id"] == user.id:
            status: str = frame["data"]["status"]
            return status


async def test_someone_comes_online_goes_away_and_leaves(
    server: Node, people: dict[str, Any]
) -> None:
    """Ana watches Bruno: he connects (online), says he is away (away), closes his socket
    (offline once the grace period passes). Carla, of another workspace, asks to watch him
    too: she is not told his presence and hears none of it."""
    bruno = people["bruno"]
    async with opened(server, people["ana"]) as ana, opened(server, people["carla"]) as carla:
        assert await watch(ana, bruno) == {bruno.id: "offline"}
        assert await watch(carla, bruno) == {}
        async with opened(server, bruno) as laptop:
            assert await presence_of(ana, bruno) == "online"
            await laptop.send({"type": "presence", "status": "away"})
            assert await presence_of(ana, bruno) == "away"
            await laptop.send({"type": "presence", "status": "active"})
            assert await presence_of(ana, bruno) == "online"
        assert await presence_of(ana, bruno) == "offline"
        heard = await carla.quiet(skip=())
        assert [f for f in heard if f["data"]["user_id"] == bruno.id] == []


async def test_presence_is_the_best_of_every_device(server: Node, people: dict[str, Any]) -> None:
    """Bruno's laptop is away while his phone is active: he is online. The phone closes:
    he is away (the laptop is still there)."""
    bruno = people["bruno"]
    phone_login = await login(server.http, "bruno")
    async with opened(server, people["ana"]) as ana, opened(server, bruno) as laptop:
        assert await watch(ana, bruno) == {bruno.id: "online"}
        async with opened(server, phone_login):
            await laptop.send({"type": "presence", "status": "away"})
            assert await ana.quiet(skip=()) == []
        assert await presence_of(ana, bruno) == "away"


async def test_at_here_notifies_the_members_online_only(
    server: Node, people: dict[str, Any]
) -> None:
    """Ana writes @here in #general: Bruno, online, is notified (kind "here"); Olga, with no
    socket, is not."""
    async with opened(server, people["bruno"]) as bruno:
        ok(
            await server.http.post(
                f"/api/v1/channels/{people['general']}/messages",
                json={"text": "@here reunión en 5"},
                headers=people["ana"].headers,
            ),
            201,
        )
        notified = await bruno.next_event("notification.created")

    assert notified["data"]["kind"] == "here"
    inbox = ok(await server.http.get("/api/v1/notifications", headers=people["olga"].headers))
    assert inbox["items"] == []
    bruno_inbox = ok(
        await server.http.get("/api/v1/notifications", headers=people["bruno"].headers)
    )
    assert [n["kind"] for n in bruno_inbox["items"]] == ["here"]


async def test_at_here_skips_someone_away(server: Node, people: dict[str, Any]) -> None:
    """Bruno is connected but away: @here does not notify him."""
    async with opened(server, people["bruno"]) as bruno:
        await bruno.send({"type": "presence", "status": "away"})
        await bruno.send({"type": "ping"})
        while (await bruno.next())["type"] != "pong":  # the away has been taken
            pass
        ok(
            await server.http.post(
                f"/api/v1/channels/{people['general']}/messages",
                json={"text": "@here ¿alguien?"},
                headers=people["ana"].headers,
            ),
            201,
        )
        await bruno.next_event("message.created")

    inbox = ok(await server.http.get("/api/v1/notifications", headers=people["bruno"].headers))
    assert inbox["items"] == []


async def test_a_socket_hears_only_the_people_it_watches(
    server: Node, people: dict[str, Any]
) -> None:
    """Ana's socket watches Olga, then Bruno instead: Olga's comings and goings reach it
    first, Bruno's after, never the other's. A socket that watches nobody hears no presence
    (so 10,000 people connecting cost nobody 10,000 frames)."""
    bruno, olga = people["bruno"], people["olga"]
    async with opened(server, people["ana"]) as ana, opened(server, people["ana"]) as idle:
        await watch(ana, olga)
        async with opened(server, olga), opened(server, bruno):  # Bruno leaves first
            assert await presence_of(ana, olga) == "online"
        assert await presence_of(ana, olga) == "offline"
        # the server notices each socket's close on its own: Bruno's going offline may still
        # be on its way when Ana's socket asks; then it reaches her, now that she watches him
        if (await watch(ana, bruno)) != {bruno.id: "offline"}:
            assert await presence_of(ana, bruno) == "offline"
        async with opened(server, olga), opened(server, bruno):
            assert await presence_of(ana, bruno) == "online"
            heard = await ana.quiet(skip=())
        assert [f["data"]["user_id"] for f in heard] == []
        assert await idle.quiet(skip=()) == []


async def test_someone_removed_from_the_workspace_stops_hearing_its_people(
    server: Node, people: dict[str, Any]
) -> None:
    """Bruno and Ana both watch Olga. Ana removes Bruno from the workspace: from then on
    Olga's comings and goings reach Ana, not Bruno (whose socket stays, hearing his own
    news)."""
    bruno, olga = people["bruno"], people["olga"]
    async with opened(server, people["ana"]) as ana, opened(server, bruno) as his:
        await watch(ana, olga)
        await watch(his, olga)
        async with opened(server, olga):
            assert await presence_of(his, olga) == "online"  # he heard her, while he could
            assert await presence_of(ana, olga) == "online"
            done(
                await server.http.delete(
                    f"/api/v1/workspaces/{people['ws']}/members/{bruno.id}",
                    headers=people["ana"].headers,
                )
            )
            assert (await his.next_event("workspace.member_left"))["data"]["user_id"] == bruno.id
        assert await presence_of(ana, olga) == "offline"
        heard = await his.quiet(skip=())
    assert [f for f in heard if f["type"] == "presence.changed"] == []


@pytest.mark.parametrize(
    "ids",
    [None, "01JD5ZB0USERANA000000000A0", [7], ["../etc"], ["01JD5ZB0USERANA000000000A0"] * 501],
    ids=["missing", "not-a-list", "not-strings", "not-ids", "too-many"],
)
async def test_a_bad_presence_subscription_is_an_error(
    server: Node, people: dict[str, Any], ids: Any
) -> None:
    async with opened(server, people["bruno"]) as bruno:
        await bruno.send({"type": "presence.subscribe", "user_ids": ids})
        error = await bruno.next()

    assert (error["type"], error["code"]) == ("error", "presence.user_ids")


@pytest.mark.parametrize("status", ["busy", None, 1, ["active"]], ids=repr)
async def test_a_bad_presence_status_is_an_error(
    server: Node, people: dict[str, Any], status: Any
) -> None:
    async with opened(server, people["bruno"]) as bruno:
        await bruno.send({"type": "presence", "status": status})
        error = await bruno.next()

    assert (error["type"], error["code"]) == ("error", "presence.status")


async def test_the_presence_list_shows_who_is_around(server: Node, people: dict[str, Any]) -> None:
    """Bruno is online, Olga away, Ana has no socket: Ana's list names Bruno and Olga. A
    guest added only to #secreto with Bruno sees Bruno, not Olga, and may not watch her."""
    http, ana = server.http, people["ana"]
    secreto = ok(
        await http.post(
            f"/api/v1/workspaces/{people['ws']}/channels",
            json={"name": "secreto", "kind": "private"},
            headers=ana.headers,
        ),
        201,
    )
    ok(
        await http.post(
            f"/api/v1/channels/{secreto['id']}/members",
            json={"user_id": people["bruno"].id},
            headers=ana.headers,
        ),
        201,
    )
    gus = await signup(http, "gus")
    await join(http, people["ws"], ana, gus, role="guest", channel_ids=(secreto["id"],))
    path = f"/api/v1/workspaces/{people['ws']}/presence"

    async with opened(server, people["bruno"]), opened(server, people["olga"]) as olga:
        await olga.send({"type": "presence", "status": "away"})
        await olga.send({"type": "ping"})
        while (await olga.next())["type"] != "pong":
            pass
        seen_by_ana = ok(await http.get(path, headers=ana.headers))["items"]
        seen_by_gus = ok(await http.get(path, headers=gus.headers))["items"]
        async with opened(server, gus) as guest:
            watched_by_gus = await watch(guest, people["bruno"], people["olga"], ana)

    assert sorted((p["user_id"], p["status"]) for p in seen_by_ana) == sorted(
        [(people["bruno"].id, "online"), (people["olga"].id, "away")]
    )
    assert seen_by_gus == [{"user_id": people["bruno"].id, "status": "online"}]
    # a guest watches the people of its channels (Bruno, and Ana who made #secreto), not Olga
    assert watched_by_gus == {people["bruno"].id: "online", ana.id: "offline"}
