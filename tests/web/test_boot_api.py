"""`GET /api/v1/boot`, over HTTP on both databases: one call gives the first screen, it
agrees with the endpoints of each thing it holds, shows nobody more than they may see, costs
the same whatever the number of channels, and resumes the socket without a gap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from tertulia.web.boot import BootOut
from tests.live import node, opened
from tests.web.api import Account, channel, join, ok, problem, signup, workspace
from tests.web.queries import assert_same_statements, fewest_statements


async def post(client: AsyncClient, who: Account, channel_id: str, text: str, **extra: Any) -> Any:
    return ok(
        await client.post(
            f"/api/v1/channels/{channel_id}/messages",
            json={"text": text, **extra},
            headers=who.headers,
        ),
        201,
    )


async def dm(client: AsyncClient, ws: str, who: Account, *others: Account) -> Any:
    answer = await client.post(
        f"/api/v1/workspaces/{ws}/dms",
        json={"user_ids": [o.id for o in others]},
        headers=who.headers,
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def boot(client: AsyncClient, who: Account, **query: str) -> Any:
    return ok(await client.get("/api/v1/boot", params=query, headers=who.headers))


@pytest.fixture
async def team(client: AsyncClient) -> dict[str, Any]:
    """Ana's workspace "Equipo" (she also has "Zeta"): Bruno and Carla members, Gus a guest
    of #abierto only. Ana's private #diseño, her archived #viejo, #abierto (muted by her);
    a DM between Ana and Bruno, and a group DM with Carla too. Bruno mentions Ana in
    #general, replies to her thread there, writes in the DM and in #abierto."""
    ana, bruno, carla, gus = [await signup(client, n) for n in ("ana", "bruno", "carla", "gus")]
    ws = await workspace(client, ana, "Equipo")
    await workspace(client, ana, "Zeta")
    await join(client, ws["id"], ana, bruno)
    await join(client, ws["id"], ana, carla)
    general = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))[
        "items"
    ][0]
    diseno = await channel(client, ws["id"], ana, "diseño", "private")
    viejo = await channel(client, ws["id"], ana, "viejo", "private")
    ok(await client.delete(f"/api/v1/channels/{viejo['id']}", headers=ana.headers))
    abierto = await channel(client, ws["id"], ana, "abierto")
    await join(client, ws["id"], ana, gus, "guest", (abierto["id"],))
    ok(
        await client.post(
            f"/api/v1/channels/{abierto['id']}/members",
            json={"user_id": bruno.id},
            headers=bruno.headers,
        ),
        201,
    )
    done = await client.patch(
        f"/api/v1/channels/{abierto['id']}/members/{ana.id}",
        json={"muted": True},
        headers=ana.headers,
    )
    assert done.status_code == 204, done.text
    pair = await dm(client, ws["id"], ana, bruno)
    group = await dm(client, ws["id"], ana, bruno, carla)
    root = await post(client, ana, general["id"], "¿Quién viene el viernes?")
    await post(client, bruno, general["id"], "Hola @ana, mira esto")
    await post(client, bruno, general["id"], "Yo voy", thread_root_id=root["id"])
    await post(client, bruno, pair["id"], "¿Qué tal?")
    await post(client, bruno, abierto["id"], "Algo abierto")
    await post(client, ana, diseno["id"], "El plan secreto de diseño")
    return {
        "ana": ana, "bruno": bruno, "carla": carla, "gus": gus, "ws": ws, "general": general,
        "diseño": diseno, "viejo": viejo, "abierto": abierto, "dm": pair, "group": group,
    }  # fmt: skip


async def test_one_call_gives_the_first_screen(client: AsyncClient, team: dict[str, Any]) -> None:
    """Ana's first screen: her account, both workspaces, the first one's channels and DMs
    with what is unread, its people with their roles and presence, and the counts."""
    ana = team["ana"]
    screen = await boot(client, ana)

    # exactly the documented shape: no field more or less, each of its type
    assert BootOut.model_validate(screen).model_dump(mode="json") == screen
    assert screen["me"]["id"] == ana.id
    assert screen["me"]["email"] == "ana@example.com"
    assert [w["name"] for w in screen["workspaces"]] == ["Equipo", "Zeta"]
    assert screen["workspace_id"] == team["ws"]["id"]
    assert not screen["workspaces_truncated"]
    assert not screen["channels_truncated"]
    assert not screen["people_truncated"]
    channels = {c["id"]: c for c in screen["channels"]}
    assert set(channels) == {
        team[k]["id"] for k in ("general", "diseño", "viejo", "abierto", "dm", "group")
    }
    general = channels[team["general"]["id"]]
    assert (general["name"], general["kind"], general["is_default"]) == ("general", "public", True)
    assert (general["unread_messages"], general["mentions"]) == (1, 1)
    assert general["last_read_seq"] < general["latest_seq"]
    assert channels[team["viejo"]["id"]]["archived"]
    assert channels[team["viejo"]["id"]]["archived_at"]
    assert not general["archived"]
    abierto = channels[team["abierto"]["id"]]
    assert abierto["muted"]
    assert abierto["unread_messages"] == 0
    pair = channels[team["dm"]["id"]]
    assert (pair["kind"], pair["unread_messages"]) == ("dm", 1)
    assert sorted(pair["user_ids"]) == sorted([ana.id, team["bruno"].id])
    assert channels[team["group"]["id"]]["kind"] == "group_dm"
    assert channels[team["diseño"]["id"]]["unread_messages"] == 0  # her own message
    people = {p["username"]: p for p in screen["people"]}
    assert sorted(people) == ["ana", "bruno", "carla", "gus"]
    assert (people["ana"]["role"], people["gus"]["role"]) == ("owner", "guest")
    assert "email" not in people["bruno"]
    assert screen["presence"] == dict.fromkeys(sorted(p["id"] for p in screen["people"]), "offline")
    assert screen["unread_threads"] == 1
    assert screen["unread_notifications"] == 1
    assert screen["last_event_id"] > 0


async def test_the_first_screen_agrees_with_each_endpoint(
    client: AsyncClient, team: dict[str, Any]
) -> None:
    """Everything boot says is what the endpoints of each thing say: the channels as the
    channel list (members only, archived too), the counts as /unreads, the people as the
    members list, the workspaces as /workspaces, the notifications as the inbox."""
    ana, ws = team["ana"], team["ws"]["id"]
    screen = await boot(client, ana)

    listed = ok(
        await client.get(
            f"/api/v1/workspaces/{ws}/channels",
            params={
                "member": "true",
                "include_archived": "true",
                "kind": ["public", "private", "dm", "group_dm"],
                "limit": 200,
            },
            headers=ana.headers,
        )
    )["items"]
    unreads = ok(await client.get(f"/api/v1/workspaces/{ws}/unreads", headers=ana.headers))
    counted = {u["channel_id"]: u for u in unreads["channels"]}
    assert [{k: c[k] for k in listed[0]} for c in screen["channels"]] == listed
    for c in screen["channels"]:
        expected = {k: v for k, v in counted[c["id"]].items() if k != "channel_id"}
        assert {k: c[k] for k in expected} == expected
    assert screen["unread_threads"] == len(unreads["threads"])
    members = ok(
        await client.get(f"/api/v1/workspaces/{ws}/members?limit=200", headers=ana.headers)
    )["items"]
    assert screen["people"] == [{**m["user"], "role": m["role"]} for m in members]
    mine = ok(await client.get("/api/v1/workspaces", headers=ana.headers))["items"]
    assert screen["workspaces"] == mine
    inbox = ok(await client.get("/api/v1/notifications?unread=true", headers=ana.headers))
    assert screen["unread_notifications"] == len(inbox["items"])
    me = ok(await client.get("/api/v1/users/me", headers=ana.headers))
    assert screen["me"] == me


async def test_each_person_sees_only_what_they_may(
    client: AsyncClient, team: dict[str, Any]
) -> None:
    """Bruno's screen has no trace of Ana's private channels; Gus, a guest, gets his one
    channel and the people of it only; a workspace asked for by name answers for it."""
    bruno, gus = team["bruno"], team["gus"]
    screen = await client.get("/api/v1/boot", headers=bruno.headers)
    assert "diseño" not in screen.text
    assert "secreto" not in screen.text
    assert team["viejo"]["id"] not in screen.text
    assert {c["name"] for c in screen.json()["channels"] if c["kind"] == "public"} == {
        "general",
        "abierto",
    }

    guest = await boot(client, gus)
    assert [c["name"] for c in guest["channels"]] == ["abierto"]
    assert [p["username"] for p in guest["people"]] == ["ana", "bruno", "gus"]
    assert set(guest["presence"]) == {p["id"] for p in guest["people"]}
    assert team["carla"].id not in str(guest)

    zeta = next(w for w in (await boot(client, team["ana"]))["workspaces"] if w["name"] == "Zeta")
    other = await boot(client, team["ana"], workspace_id=zeta["id"])
    assert other["workspace_id"] == zeta["id"]
    assert [c["name"] for c in other["channels"]] == ["general"]
    assert [p["username"] for p in other["people"]] == ["ana"]


async def test_a_workspace_not_ones_own_is_404_and_a_bad_id_422(
    client: AsyncClient, team: dict[str, Any]
) -> None:
    """Someone outside the workspace gets the 404 every endpoint gives (never a 403); an id
    that cannot be one is 422; without a token, 401."""
    eve = await signup(client, "eve")
    problem(
        await client.get(
            "/api/v1/boot", params={"workspace_id": team["ws"]["id"]}, headers=eve.headers
        ),
        404,
        "workspace.not_found",
    )
    for bad in ("nope", "'; drop table users; --", "0" * 27):
        problem(
            await client.get("/api/v1/boot", params={"workspace_id": bad}, headers=eve.headers),
            422,
            "validation.invalid",
        )
    problem(await client.get("/api/v1/boot"), 401, "auth.missing_token")


async def test_someone_in_no_workspace_yet_gets_an_empty_screen(client: AsyncClient) -> None:
    """A new account: itself, no workspace, nothing else; its own presence."""
    nuevo = await signup(client, "nuevo")
    screen = await boot(client, nuevo)
    assert screen["me"]["username"] == "nuevo"
    assert screen["workspaces"] == []
    assert screen["workspace_id"] is None
    assert (screen["channels"], screen["people"]) == ([], [])
    assert screen["presence"] == {nuevo.id: "offline"}
    assert (screen["unread_threads"], screen["unread_notifications"]) == (0, 0)


async def test_the_first_screen_costs_the_same_whatever_the_number_of_channels(
    client: AsyncClient, team: dict[str, Any]
) -> None:
    """No query per channel, DM or person: with 15 more channels, 10 more DMs and their
    people, boot sends exactly as many statements to the database."""
    ana, ws = team["ana"], team["ws"]["id"]
    await boot(client, ana)
    before = await fewest_statements(lambda: boot(client, ana))
    assert len(before) >= 5, str(before)  # they are counted

    for n in range(15):
        await channel(client, ws, ana, f"canal-{n}")
    for n in range(10):
        other = await signup(client, f"persona{n}")
        await join(client, ws, ana, other)
        await dm(client, ws, ana, other)
    screen = await boot(client, ana)
    assert len(screen["channels"]) == 6 + 15 + 10
    after = await fewest_statements(lambda: boot(client, ana))
    assert_same_statements("GET /api/v1/boot", {"6 channels": before, "31 channels": after})


async def test_the_socket_resumes_from_the_first_screen_without_a_gap(
    database_url: str, tmp_path: Path
) -> None:
    """What happens after the first screen was read reaches a socket that resumes from its
    `last_event_id`: Bruno's message, posted between the two, is replayed first."""
    async with node(database_url, tmp_path) as server:
        http = server.http
        ana, bruno = await signup(http, "ana"), await signup(http, "bruno")
        ws = await workspace(http, ana)
        await join(http, ws["id"], ana, bruno)
        screen = await boot(http, ana)
        general = next(c for c in screen["channels"] if c["is_default"])
        posted = await post(http, bruno, general["id"], "Llegué tarde")
        async with opened(server, ana, last_event_id=screen["last_event_id"]) as socket:
            event = await socket.next_event("message.created")
        assert event["data"]["id"] == posted["id"]
        assert event["id"] > screen["last_event_id"]
