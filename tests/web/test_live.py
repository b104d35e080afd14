"""The WebSocket of real time, with a real uvicorn and real clients, on SQLite and PostgreSQL:
who hears what, resuming without loss or duplicate, typing, and what bad frames get."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live import Node, node, opened, raw_socket
from tests.web.api import Account, channel, done, join, login, ok, signup, workspace


@dataclass
class Team:
    """Ana owns a workspace where Bruno and Olga are members; #secreto is private to Ana and
    Bruno. Carla has a workspace of her own."""

    ana: Account
    bruno: Account
    olga: Account
    carla: Account
    ws: str
    general: str
    secreto: str


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[Node]:
    async with node(database_url, tmp_path) as running:
        yield running


@pytest.fixture
async def team(server: Node) -> Team:
    http = server.http
    ana, bruno, olga, carla = [await signup(http, n) for n in ("ana", "bruno", "olga", "carla")]
    ws = await workspace(http, ana)
    await join(http, ws["id"], ana, bruno)
    await join(http, ws["id"], ana, olga)
    await workspace(http, carla, "Otro")
    secreto = await channel(http, ws["id"], ana, "secreto", "private")
    await add(server, ana, secreto["id"], bruno)
    channels = ok(await http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c["id"] for c in channels["items"] if c["name"] == "general")
    return Team(ana, bruno, olga, carla, ws["id"], general, secreto["id"])


async def add(server: Node, who: Account, channel_id: str, person: Account) -> None:
    ok(
        await server.http.post(
            f"/api/v1/channels/{channel_id}/members",
            json={"user_id": person.id},
            headers=who.headers,
        ),
        201,
    )


async def post(server: Node, who: Account, channel_id: str, text: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await server.http.post(
            f"/api/v1/channels/{channel_id}/messages", json={"text": text}, headers=who.headers
        ),
        201,
    )
    return body


def texts(frames: list[dict[str, Any]]) -> list[str]:
    return [f["data"]["text"] for f in frames if f["type"] == "message.created"]


# who hears what ----------------------------------------------------------------------------------


async def test_members_hear_a_private_channel_in_order_and_nobody_else_does(
    server: Node, team: Team
) -> None:
    """Ana posts five messages in #secreto: Bruno hears all five, in order, with rising ids;
    Olga (same workspace, not in it) and Carla (another workspace) hear nothing."""
    async with (
        opened(server, team.bruno) as bruno,
        opened(server, team.olga) as olga,
        opened(server, team.carla) as carla,
    ):
        for i in range(5):
            await post(server, team.ana, team.secreto, f"secreto {i}")

        heard = await bruno.events(5)

        assert texts(heard) == [f"secreto {i}" for i in range(5)]
        ids = [f["id"] for f in heard]
        assert ids == sorted(set(ids))
        assert len(ids) == 5
        assert ids[0] > bruno.hello["last_event_id"]
        assert await olga.quiet() == []
        assert await carla.quiet() == []


async def test_every_kind_of_change_reaches_the_channel_as_an_event(
    server: Node, team: Team
) -> None:
    """Edit, reaction, pin, thread reply, deletion and a mention: Bruno hears each one as
    the same event whoever made it, and his mention as a notification."""
    async with opened(server, team.bruno) as bruno:
        root = await post(server, team.ana, team.secreto, "hola")
        mid = root["id"]
        http, headers = server.http, team.ana.headers
        ok(
            await http.patch(
                f"/api/v1/messages/{mid}", json={"text": "hola!", "version": 1}, headers=headers
            )
        )
        ok(await http.put(f"/api/v1/messages/{mid}/reactions/:tada:", headers=headers))
        ok(await http.put(f"/api/v1/messages/{mid}/pin", headers=headers))
        ok(
            await http.post(
                f"/api/v1/channels/{team.secreto}/messages",
                json={"text": "@bruno mira", "thread_root_id": mid},
                headers=headers,
            ),
            201,
        )
        done(await http.delete(f"/api/v1/messages/{mid}", headers=headers))

        kinds = []
        while "message.deleted" not in kinds:
            kinds.append((await bruno.next_event())["type"])

    assert kinds[:4] == ["message.created", "message.updated", "reaction.added", "message.pinned"]
    assert {"message.created", "thread.updated", "notification.created"} <= set(kinds[4:])


async def test_someone_removed_stops_hearing_at_once_and_someone_added_starts(
    server: Node, team: Team
) -> None:
    """Ana removes Bruno from #secreto and adds Olga: Bruno hears his removal and nothing
    after it; Olga, already connected, hears she was added and the next message."""
    async with opened(server, team.bruno) as bruno, opened(server, team.olga) as olga:
        done(
            await server.http.delete(
                f"/api/v1/channels/{team.secreto}/members/{team.bruno.id}",
                headers=team.ana.headers,
            )
        )
        await add(server, team.ana, team.secreto, team.olga)
        await post(server, team.ana, team.secreto, "ya sin Bruno")

        left = await bruno.next_event("channel.member_left")
        joined = await olga.next_event("channel.member_joined")
        message = await olga.next_event("message.created")

        assert left["data"]["user_id"] == team.bruno.id
        assert joined["data"]["user_id"] == team.olga.id
        assert message["data"]["text"] == "ya sin Bruno"
        assert texts(await bruno.quiet()) == []


async def test_a_public_channel_is_heard_by_its_members_only(server: Node, team: Team) -> None:
    """#general's messages reach its members; Carla, of another workspace, hears nothing."""
    async with opened(server, team.olga) as olga, opened(server, team.carla) as carla:
        await post(server, team.bruno, team.general, "buenos días")

        assert (await olga.next_event("message.created"))["data"]["text"] == "buenos días"
        assert await carla.quiet() == []


# resuming ----------------------------------------------------------------------------------------


async def test_a_client_that_reconnects_gets_what_it_missed_once_then_live(
    server: Node, team: Team
) -> None:
    """Bruno's socket drops after a message; three are posted while he is away. He resumes
    from the last id he saw: the three come once, in order, then a live one."""
    async with opened(server, team.bruno) as bruno:
        await post(server, team.ana, team.secreto, "antes")
        last = (await bruno.next_event())["id"]

    for i in range(3):
        await post(server, team.ana, team.secreto, f"mientras {i}")

    async with opened(server, team.bruno, last_event_id=last) as bruno:
        assert bruno.hello["resumed"] is True
        missed = await bruno.events(3)
        await post(server, team.ana, team.secreto, "después")
        live = await bruno.next_event()
        rest = await bruno.quiet()

    assert texts(missed) == ["mientras 0", "mientras 1", "mientras 2"]
    assert live["data"]["text"] == "después"
    assert rest == []
    ids = [f["id"] for f in [*missed, live]]
    assert ids == sorted(set(ids))


async def test_resuming_while_others_post_leaves_no_gap_and_no_duplicate(
    server: Node, team: Team
) -> None:
    """Bruno resumes from the start of a burst while Ana keeps posting: he ends with every
    message exactly once, in the order of their ids."""
    async with opened(server, team.bruno) as bruno:
        start = bruno.hello["last_event_id"]

    for i in range(20):
        await post(server, team.ana, team.secreto, f"antes {i}")

    async def burst() -> None:
        for i in range(20):
            await post(server, team.ana, team.secreto, f"durante {i}")

    async with opened(server, team.bruno, last_event_id=start) as bruno:
        sending = asyncio.create_task(burst())
        heard = await bruno.events(40)
        await sending
        assert await bruno.quiet() == []

    assert texts(heard) == [f"antes {i}" for i in range(20)] + [f"durante {i}" for i in range(20)]
    ids = [f["id"] for f in heard]
    assert ids == sorted(set(ids))


async def test_resuming_from_further_back_than_kept_asks_for_a_resync(
    database_url: str, tmp_path: Path
) -> None:
    """A server that replays at most 3 events: a client 5 events behind is told
    resync_required (and then hears live events); one 2 behind gets them."""
    async with node(database_url, tmp_path, replay_max_events=3) as server:
        ana = await signup(server.http, "ana")
        ws = await workspace(server.http, ana)
        dev = await channel(server.http, ws["id"], ana, "dev")
        async with opened(server, ana) as socket:
            start = socket.hello["last_event_id"]
        for i in range(5):
            await post(server, ana, dev["id"], f"m{i}")

        async with opened(server, ana, last_event_id=start) as socket:
            told = await socket.next()
            await post(server, ana, dev["id"], "live")
            live = await socket.next_event()
        async with opened(server, ana, last_event_id=live["id"] - 2) as socket:
            caught_up = await socket.events(2)

    assert told == {"type": "resync_required", "last_event_id": start + 5}
    assert live["data"]["text"] == "live"
    assert [f["id"] for f in caught_up] == [live["id"] - 1, live["id"]]


async def test_an_id_from_the_future_asks_for_a_resync(server: Node, team: Team) -> None:
    """A last_event_id the server never handed out (a restored database, a forged value) is
    answered with resync_required, not with silence."""
    async with opened(server, team.bruno, last_event_id=10**12) as bruno:
        assert (await bruno.next())["type"] == "resync_required"


# typing ------------------------------------------------------------------------------------------


async def test_typing_reaches_the_other_members_of_the_channel(server: Node, team: Team) -> None:
    """Bruno types in #secreto: Ana hears typing.started naming him, once although he sent
    it three times; Olga hears nothing; typing.stop ends it at once."""
    async with (
        opened(server, team.ana) as ana,
        opened(server, team.bruno) as bruno,
        opened(server, team.olga) as olga,
    ):
        for _ in range(3):
            await bruno.send({"type": "typing.start", "channel_id": team.secreto})
        await bruno.send({"type": "typing.stop", "channel_id": team.secreto})

        started = await ana.next()
        stopped = await ana.next()
        more = await ana.quiet()

        assert started["type"] == "typing.started"
        assert started["channel_id"] == team.secreto
        assert started["data"]["user_id"] == team.bruno.id
        assert started["data"]["expires_in"] > 0
        assert "id" not in started  # ephemeral: never in the log
        assert stopped["type"] == "typing.stopped"
        assert more == []
        assert await olga.quiet() == []


async def test_alternating_typing_start_and_stop_reaches_the_channel_once(
    server: Node, team: Team
) -> None:
    """Bruno's client (or a script) alternates typing.start and typing.stop ten times on each
    of two sockets: Ana hears him start once and stop once, not forty times."""
    async with (
        opened(server, team.ana) as ana,
        opened(server, team.bruno) as laptop,
        opened(server, team.bruno) as phone,
    ):
        for _ in range(10):
            for socket in (laptop, phone):
                await socket.send({"type": "typing.start", "channel_id": team.secreto})
                await socket.send({"type": "typing.stop", "channel_id": team.secreto})

        heard = [f["type"] for f in await ana.quiet(0.5)]

    assert heard == ["typing.started", "typing.stopped"]


async def test_typing_where_one_is_not_a_member_is_an_error(server: Node, team: Team) -> None:
    """Olga says she types in #secreto: she gets an error, Ana hears nothing."""
    async with opened(server, team.ana) as ana, opened(server, team.olga) as olga:
        await olga.send({"type": "typing.start", "channel_id": team.secreto})

        assert (await olga.next())["code"] == "typing.not_member"
        assert await ana.quiet() == []


async def test_a_socket_viewing_a_channel_hears_typing_only_there(server: Node, team: Team) -> None:
    """Ana's phone shows #general: Bruno typing in #secreto is not sent to it, typing in
    #general is; her laptop, which named no channel, hears both. Viewing none again (null)
    restores everything. Messages are never filtered by view."""
    async with (
        opened(server, team.ana) as phone,
        opened(server, team.ana) as laptop,
        opened(server, team.bruno) as bruno,
    ):
        await phone.send({"type": "view", "channel_id": team.general})
        await phone.send({"type": "ping"})
        assert (await phone.next())["type"] == "pong"  # the view is in place

        await bruno.send({"type": "typing.start", "channel_id": team.secreto})
        await bruno.send({"type": "typing.start", "channel_id": team.general})
        await post(server, team.bruno, team.secreto, "esto sí llega")

        heard = [(e["type"], e["channel_id"]) for e in [await phone.next() for _ in range(2)]]
        assert heard == [("typing.started", team.general), ("message.created", team.secreto)]
        assert [(e["type"], e["channel_id"]) for e in [await laptop.next() for _ in range(3)]] == [
            ("typing.started", team.secreto),
            ("typing.started", team.general),
            ("message.created", team.secreto),
        ]

        await phone.send({"type": "view", "channel_id": None})
        await bruno.send({"type": "typing.stop", "channel_id": team.secreto})
        assert (await phone.next())["type"] == "typing.stopped"


async def test_viewing_a_channel_one_is_not_in_is_an_error(server: Node, team: Team) -> None:
    async with opened(server, team.olga) as olga:
        await olga.send({"type": "view", "channel_id": team.secreto})
        assert (await olga.next())["code"] == "view.not_member"


# sessions ----------------------------------------------------------------------------------------


async def test_logging_out_closes_that_sessions_socket_only(server: Node, team: Team) -> None:
    """Bruno logs out on his laptop: its socket is closed with 4403 session.ended; his
    phone's socket (another session) keeps hearing the channel."""
    phone = await login(server.http, "bruno")
    async with opened(server, team.bruno) as laptop, opened(server, phone) as mobile:
        done(await server.http.post("/api/v1/auth/logout", headers=team.bruno.headers))

        assert await laptop.closed() == (4403, "session.ended")
        await post(server, team.ana, team.secreto, "sigues ahí")
        assert (await mobile.next_event("message.created"))["data"]["text"] == "sigues ahí"


# bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        pytest.param({"type": "auth", "token": "not-a-jwt"}, "auth.token_invalid", id="bad-token"),
        pytest.param({"type": "auth"}, "auth.missing_token", id="no-token"),
        pytest.param({"type": "typing.start"}, "auth.expected", id="not-auth-first"),
        pytest.param("{not json", "auth.expected", id="malformed"),
        pytest.param(b"\x00\x01", "auth.expected", id="binary"),
        pytest.param("[]", "auth.expected", id="array"),
    ],
)
async def test_a_socket_that_does_not_authenticate_is_closed_4401(
    server: Node, team: Team, first: Any, reason: str
) -> None:
    """Whatever comes first that is not a valid auth frame closes the socket with 4401 and
    a reason naming the problem; the server keeps serving others."""
    async with raw_socket(server) as socket:
        await socket.send(first)
        assert await socket.closed() == (4401, reason)
    async with opened(server, team.ana) as ana:
        assert ana.hello["type"] == "hello"


@pytest.mark.parametrize(
    "last_event_id", [-1, "12", 1.5, True, 2**63, [1]], ids=lambda v: repr(v)[:12]
)
async def test_a_bad_last_event_id_is_refused(server: Node, team: Team, last_event_id: Any) -> None:
    """A last_event_id that is not a whole number a log id could be: 4401, named."""
    async with raw_socket(server) as socket:
        await socket.send({"type": "auth", "token": team.ana.token, "last_event_id": last_event_id})
        assert await socket.closed() == (4401, "auth.bad_last_event_id")


async def test_a_revoked_session_cannot_open_a_socket(server: Node, team: Team) -> None:
    """The access token of a logged-out session is refused: 4401 auth.session_ended."""
    done(await server.http.post("/api/v1/auth/logout", headers=team.olga.headers))
    async with raw_socket(server) as socket:
        await socket.send({"type": "auth", "token": team.olga.token})
        assert await socket.closed() == (4401, "auth.session_ended")


async def test_a_socket_that_says_nothing_is_closed(database_url: str, tmp_path: Path) -> None:
    """No auth frame within the configured time: 4401 auth.timeout."""
    async with (
        node(database_url, tmp_path, ws_auth_seconds=0.2) as server,
        raw_socket(server) as socket,
    ):
        assert await socket.closed() == (4401, "auth.timeout")


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param("{oops", "frame.malformed", id="malformed-json"),
        pytest.param("42", "frame.malformed", id="not-an-object"),
        pytest.param('{"type": 7}', "frame.malformed", id="type-not-a-string"),
        pytest.param('{"type": "fly"}', "command.unknown", id="unknown-command"),
        pytest.param('{"type": "typing.start"}', "typing.channel_id", id="typing-no-channel"),
        pytest.param(
            '{"type": "typing.start", "channel_id": "../../etc"}',
            "typing.channel_id",
            id="typing-bad-channel",
        ),
        pytest.param(
            '{"type": "typing.start", "channel_id": "01JD5ZB0CHANNE10000000000A",'
            ' "thread_root_id": 5}',
            "typing.thread_root_id",
            id="typing-bad-root",
        ),
        pytest.param('{"type": "view", "channel_id": 7}', "view.channel_id", id="view-bad-channel"),
        pytest.param('{"type": "\\u0000"}', "command.unknown", id="nul-type"),
    ],
)
async def test_a_bad_command_gets_an_error_and_the_socket_stays(
    server: Node, team: Team, frame: str, code: str
) -> None:
    """A frame that is not a command we know gets an error event naming what was wrong; the
    socket stays open and keeps hearing the channel."""
    async with opened(server, team.bruno) as bruno:
        await bruno.send(frame)

        error = await bruno.next()
        await post(server, team.ana, team.secreto, "sigo aquí")

        assert error["type"] == "error"
        assert error["code"] == code
        assert (await bruno.next_event())["data"]["text"] == "sigo aquí"


async def test_a_binary_frame_closes_with_1003(server: Node, team: Team) -> None:
    async with opened(server, team.bruno) as bruno:
        await bruno.send(b"\x89PNG")
        assert await bruno.closed() == (1003, "frame.not_text")


async def test_a_frame_over_the_limit_closes_with_1009(database_url: str, tmp_path: Path) -> None:
    """A server that takes frames of up to 1 KiB closes a 2 KiB one with 1009."""
    async with node(database_url, tmp_path, ws_max_frame_bytes=1024) as server:
        ana = await signup(server.http, "ana")
        async with opened(server, ana) as socket:
            await socket.send({"type": "ping", "pad": "x" * 2048})
            assert await socket.closed() == (1009, "frame.too_large")


async def test_a_flood_of_commands_is_slowed_then_cut(database_url: str, tmp_path: Path) -> None:
    """Past its burst a connection gets commands.rate_limited errors; if it keeps going it
    is closed with 4429; the server goes on serving."""
    async with node(
        database_url, tmp_path, ws_commands_burst=5, ws_commands_per_second=1
    ) as server:
        ana = await signup(server.http, "ana")
        async with opened(server, ana) as socket:
            for _ in range(30):
                await socket.send({"type": "ping"})
            code = await socket.closed()
            kinds = [f["type"] for f in socket.received if f["type"] != "presence.changed"]
        async with opened(server, ana) as again:
            await again.send({"type": "ping"})
            assert (await again.next())["type"] == "pong"

    assert kinds[:5] == ["pong"] * 5
    assert "error" in kinds
    assert code == (4429, "commands.too_many")


# heartbeats --------------------------------------------------------------------------------------


async def test_a_dead_peer_is_found_by_its_missing_pong_and_let_go(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Ana's laptop vanishes without closing (its process froze, its network went): the
    server's heartbeat gets no pong and lets the connection go, so she is no longer counted
    as connected and her queue stops growing. A live socket answers and stays."""
    async with node(sqlite_url, tmp_path, ping=0.2) as server:
        ana, bruno = await signup(server.http, "ana"), await signup(server.http, "bruno")
        hub = server.app.state.core.live.hub
        async with opened(server, ana) as frozen, opened(server, bruno) as alive:
            frozen.connection.transport.pause_reading()  # reads nothing: never answers a ping
            for _ in range(40):
                if hub.connections == 1:
                    break
                await asyncio.sleep(0.05)
            assert hub.connections == 1
            assert hub.feeds_of(ana.id) == set()
            await alive.send({"type": "ping"})
            assert (await alive.next())["type"] == "pong"
            frozen.connection.transport.resume_reading()
            # told to resume, the documented code (uvicorn's own heartbeat said 1011)
            assert await frozen.closed() == (4000, "resume")


# sockets per person ------------------------------------------------------------------------------


async def test_one_socket_more_than_a_person_may_open_is_closed_4409(
    database_url: str, tmp_path: Path
) -> None:
    """A server that allows two sockets per person: Ana's third is closed with 4409
    (sockets.too_many) while her two others keep hearing; Bruno's socket is not hers to
    count; once she closes one, she may open another."""
    async with node(database_url, tmp_path, ws_sockets_per_person=2) as server:
        ana, bruno = await signup(server.http, "ana"), await signup(server.http, "bruno")
        await workspace(server.http, ana)
        async with opened(server, ana) as laptop:
            async with opened(server, ana) as phone, raw_socket(server) as third:
                await third.send({"type": "auth", "token": ana.token})
                refused = await third.closed()
                async with opened(server, bruno) as his:
                    assert his.hello["type"] == "hello"
                await phone.send({"type": "ping"})
                assert (await phone.next())["type"] == "pong"
            async with opened(server, ana) as again:
                await again.send({"type": "ping"})
                assert (await again.next())["type"] == "pong"
            await laptop.send({"type": "ping"})
            assert (await laptop.next())["type"] == "pong"

    assert refused == (4409, "sockets.too_many")


# slow consumers --------------------------------------------------------------------------------


async def test_a_socket_whose_queue_fills_is_told_to_resume_and_loses_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Ana's socket may hold 8 events. Bruno accepts an invitation to #general and ten more
    channels: twelve events for her arrive at once, more than it may hold. The socket is
    closed with 4000 ("resume") instead of queueing without bound; resuming from the last
    id she saw, she gets all twelve, in order."""
    async with node(sqlite_url, tmp_path, ws_queue_events=8) as server:
        http = server.http
        ana, bruno = await signup(http, "ana"), await signup(http, "bruno")
        ws = await workspace(http, ana)
        rooms = [(await channel(http, ws["id"], ana, f"sala-{n}"))["id"] for n in range(10)]
        invitation = ok(
            await http.post(
                f"/api/v1/workspaces/{ws['id']}/invitations",
                json={"role": "member", "channel_ids": rooms},
                headers=ana.headers,
            ),
            201,
        )
        async with opened(server, ana) as socket:
            last_seen = socket.hello["last_event_id"]
            accept = f"/api/v1/invitations/{invitation['token']}/accept"
            ok(await http.post(accept, headers=bruno.headers))
            code = await socket.closed()
            last_seen = max([last_seen, *(f["id"] for f in socket.received if "id" in f)])

        async with opened(server, ana, last_event_id=last_seen) as again:
            caught_up = [await again.next_event() for _ in range(12 - len(socket.received))]
            more = await again.quiet()

    assert code == (4000, "resume")
    everything = [f for f in socket.received if "id" in f] + caught_up
    assert [f["type"] for f in everything] == ["workspace.member_joined"] + [
        "channel.member_joined"
    ] * 11
    assert [f["id"] for f in everything] == sorted({f["id"] for f in everything})
    assert more == []


# when the server's own dependencies fail -----------------------------------------------------


async def test_a_replay_the_database_cannot_serve_closes_with_resume(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The log cannot be read while Ana resumes: her socket is closed with 4000 (come back
    and resume) instead of staying open and silent; the next attempt works."""
    async with node(sqlite_url, tmp_path) as server:
        ana = await signup(server.http, "ana")
        await workspace(server.http, ana)
        hub = server.app.state.core.live.hub
        working = hub.replay

        async def broken(*_: Any) -> Any:
            raise TimeoutError("the database did not answer")

        hub.replay = broken
        async with opened(server, ana, last_event_id=0) as failing:
            code = await failing.closed()
        hub.replay = working
        async with opened(server, ana, last_event_id=0) as again:
            first = await again.next_event()

    assert code == (4000, "resume")
    assert first["type"] == "workspace.created"


async def test_a_presence_subscription_the_server_cannot_serve_is_an_error(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with node(sqlite_url, tmp_path) as server:
        ana = await signup(server.http, "ana")
        await workspace(server.http, ana)
        store = server.app.state.core.live.presence

        async def broken(*_: Any) -> Any:
            raise ConnectionError("Redis went away")

        async with opened(server, ana) as socket:
            store.get = broken
            try:
                await socket.send({"type": "presence.subscribe", "user_ids": [ana.id]})
                error = await socket.next()
            finally:
                del store.get
            await socket.send({"type": "ping"})
            pong = await socket.next()

    assert (error["type"], error["code"]) == ("error", "presence.unavailable")
    assert pong["type"] == "pong"
