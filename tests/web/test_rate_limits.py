"""Rate limits on what people do: a runaway script is refused with 429, `Retry-After` and a
body that says how long to wait; every limited answer says where the caller stands in the
IETF `RateLimit-*` headers; nothing refused is stored; and the counts are the same for every
process sharing the database. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tertulia.setup import ConfigError, rate_limits_of
from tests.conftest import serve, settings_for
from tests.web.api import Account, channel, join, ok, problem, signup, workspace


@dataclass
class Team:
    """Ana's workspace and #dev, with Bruno and Carla in both."""

    ana: Account
    bruno: Account
    carla: Account
    ws: str
    ch: str


async def team_of(http: AsyncClient) -> Team:
    """Ana makes 4 changes (the workspace, two invitations, #dev); Bruno and Carla 2 each
    (accepting, joining #dev)."""
    ana, bruno, carla = [await signup(http, name) for name in ("ana", "bruno", "carla")]
    ws = (await workspace(http, ana))["id"]
    await join(http, ws, ana, bruno)
    await join(http, ws, ana, carla)
    ch = (await channel(http, ws, ana, "dev"))["id"]
    for who in (bruno, carla):
        body = {"user_id": who.id}
        ok(await http.post(f"/api/v1/channels/{ch}/members", headers=who.headers, json=body), 201)
    return Team(ana, bruno, carla, ws, ch)


async def post(http: AsyncClient, who: Account, ch: str, text: str) -> Response:
    return await http.post(
        f"/api/v1/channels/{ch}/messages", json={"text": text}, headers=who.headers
    )


async def texts(http: AsyncClient, who: Account, ch: str) -> list[str]:
    page = ok(await http.get(f"/api/v1/channels/{ch}/messages", headers=who.headers))
    return [m["text"] for m in page["items"]]


def refused(response: Response) -> dict[str, Any]:
    """A 429 that says how long to wait, in its headers and its body."""
    body = problem(response, 429, "rate_limited")
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 3600
    assert body["retry_after"] == wait
    assert f"Try again in {wait} second" in body["detail"]
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["ratelimit-reset"] == str(wait)
    return body


@pytest.fixture
async def limited(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> AsyncIterator[AsyncClient]:
    """The app with small limits on posting: per person and per channel, as the test says."""
    person, channel = request.param
    limits = {"message.post": person, "message.post_in_channel": channel}
    async with serve(database_url, tmp_path, rate_limits=limits) as http:
        yield http


@pytest.mark.parametrize("limited", [("3/60", "100/60")], indirect=True)
async def test_a_person_posting_past_the_limit_is_refused_and_nothing_is_stored(
    limited: AsyncClient,
) -> None:
    """Three messages a minute: the first three pass, each saying what remains; the fourth is
    429 with how long to wait, and is not in the channel."""
    t = await team_of(limited)
    remaining = []
    for n in range(3):
        response = await post(limited, t.ana, t.ch, f"mensaje {n}")
        ok(response, 201)
        assert response.headers["ratelimit-limit"] == "3"
        remaining.append(response.headers["ratelimit-remaining"])
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 60
    assert remaining == ["2", "1", "0"]
    body = refused(await post(limited, t.ana, t.ch, "uno de más"))
    assert "messages" in body["detail"]
    assert await texts(limited, t.ana, t.ch) == ["mensaje 0", "mensaje 1", "mensaje 2"]
    ok(await post(limited, t.bruno, t.ch, "Bruno still may"), 201)


@pytest.mark.parametrize("limited", [("10/60", "5/60")], indirect=True)
async def test_a_channel_takes_so_many_messages_from_everyone_together(
    limited: AsyncClient,
) -> None:
    """Five messages a minute in #dev from Ana and Bruno together; the sixth is refused to
    whoever sends it, and another channel still takes messages."""
    t = await team_of(limited)
    for who, n in ((t.ana, 0), (t.bruno, 1), (t.ana, 2), (t.bruno, 3), (t.ana, 4)):
        ok(await post(limited, who, t.ch, f"m{n}"), 201)
    body = refused(await post(limited, t.bruno, t.ch, "m5"))
    assert "in this channel" in body["detail"]
    other = (await channel(limited, t.ws, t.bruno, "otro"))["id"]
    ok(await post(limited, t.bruno, other, "aquí sí"), 201)
    assert len(await texts(limited, t.ana, t.ch)) == 5


Request = Callable[[AsyncClient, Team], Awaitable[Response]]


async def _edit(http: AsyncClient, t: Team) -> Response:
    msg = ok(await post(http, t.ana, t.ch, "hola"), 201)
    return await http.patch(
        f"/api/v1/messages/{msg['id']}",
        json={"text": "hola!", "version": msg["version"]},
        headers=t.ana.headers,
    )


async def _react(http: AsyncClient, t: Team) -> Response:
    msg = ok(await post(http, t.bruno, t.ch, "hola"), 201)
    return await http.put(f"/api/v1/messages/{msg['id']}/reactions/:+1:", headers=t.ana.headers)


async def _upload(http: AsyncClient, t: Team) -> Response:
    files = {"file": ("nota.txt", b"hola", "text/plain")}
    return await http.post(f"/api/v1/workspaces/{t.ws}/files", files=files, headers=t.ana.headers)


async def _resumable(http: AsyncClient, t: Team) -> Response:
    headers = {**t.ana.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "4"}
    return await http.post(f"/api/v1/workspaces/{t.ws}/uploads", headers=headers)


async def _search(http: AsyncClient, t: Team) -> Response:
    return await http.get(f"/api/v1/workspaces/{t.ws}/search?q=hola", headers=t.ana.headers)


async def _file_search(http: AsyncClient, t: Team) -> Response:
    return await http.get(f"/api/v1/workspaces/{t.ws}/search/files?q=nota", headers=t.ana.headers)


async def _autocomplete(http: AsyncClient, t: Team) -> Response:
    return await http.get(f"/api/v1/workspaces/{t.ws}/autocomplete?q=br", headers=t.ana.headers)


async def _invite(http: AsyncClient, t: Team) -> Response:
    return await http.post(
        f"/api/v1/workspaces/{t.ws}/invitations", json={"role": "member"}, headers=t.ana.headers
    )


async def _create_channel(http: AsyncClient, t: Team) -> Response:
    return await http.post(
        f"/api/v1/workspaces/{t.ws}/channels",
        json={"name": f"nuevo-{t.ana.username}", "kind": "public"},
        headers=t.ana.headers,
    )


async def _open_dm(http: AsyncClient, t: Team) -> Response:
    return await http.post(
        f"/api/v1/workspaces/{t.ws}/dms", json={"user_ids": [t.bruno.id]}, headers=t.ana.headers
    )


async def _follow(http: AsyncClient, t: Team) -> Response:  # any other change: a write
    msg = ok(await post(http, t.bruno, t.ch, "hilo"), 201)
    return await http.put(f"/api/v1/messages/{msg['id']}/follow", headers=t.ana.headers)


LIMITED: dict[str, tuple[str, Request, int, int]] = {
    # what: (the action counted, a request, its status when allowed, how many of that action
    # of Ana's setting the stage took)
    "edit": ("message.edit", _edit, 200, 0),
    "react": ("message.react", _react, 200, 0),
    "upload": ("file.upload", _upload, 201, 0),
    "resumable upload": ("file.upload", _resumable, 201, 0),
    "search": ("search", _search, 200, 0),
    "file search": ("search", _file_search, 200, 0),
    "autocomplete": ("autocomplete", _autocomplete, 200, 0),
    "invite": ("invitation.create", _invite, 201, 2),
    "create a channel": ("channel.create", _create_channel, 201, 1),
    "open a DM": ("dm.open", _open_dm, 201, 0),
    "any other change": ("write", _follow, 204, 4),
}


@pytest.mark.parametrize("kind", LIMITED)
async def test_each_kind_of_action_has_a_limit(
    kind: str, database_url: str, tmp_path: Path
) -> None:
    """With one more allowed than the stage took, Ana's first request passes with its
    RateLimit headers and her second is refused with 429; Carla's count is her own."""
    action, request, status, used = LIMITED[kind]
    async with serve(database_url, tmp_path, rate_limits={action: f"{used + 1}/60"}) as http:
        t = await team_of(http)
        first = await request(http, t)
        assert first.status_code == status, first.text
        assert first.headers["ratelimit-limit"] == str(used + 1)
        assert first.headers["ratelimit-remaining"] == "0"
        refused(await request(http, t))
        t.ana = t.carla
        after = await request(http, t)
        assert after.status_code == status, after.text


async def test_two_processes_on_one_database_count_together(
    database_url: str, tmp_path: Path
) -> None:
    """A script spreading its posts over two servers (processes with their own limiters)
    on one database meets the same limit as on one."""
    limits = {"message.post": "4/60"}
    async with (
        serve(database_url, tmp_path / "one", rate_limits=limits) as one,
        serve(database_url, tmp_path / "two", rate_limits=limits) as two,
    ):
        t = await team_of(one)
        for n, http in enumerate((one, two, one, two)):
            ok(await post(http, t.ana, t.ch, f"m{n}"), 201)
        refused(await post(two, t.ana, t.ch, "m4"))
        refused(await post(one, t.ana, t.ch, "m5"))
        assert len(await texts(one, t.ana, t.ch)) == 4


async def test_limits_can_be_turned_off_one_by_one(database_url: str, tmp_path: Path) -> None:
    """`off` lifts a limit: posting goes on past its default per minute, with no headers
    for it (the write limit still counts)."""
    off = {"message.post": "off", "message.post_in_channel": "off", "write": "100/60"}
    async with serve(database_url, tmp_path, rate_limits=off) as http:
        t = await team_of(http)
        for n in range(70):
            response = await post(http, t.ana, t.ch, f"m{n}")
            ok(response, 201)
        assert response.headers["ratelimit-limit"] == "100"


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        ({"message.posts": "1/60"}, "'message.posts' is not a limited action"),
        ({"message.post": "many"}, "is not COUNT/SECONDS"),
        ({"message.post": "0/60"}, "needs a count and seconds of 1 or more"),
        ({"search": "10/"}, "is not COUNT/SECONDS"),
        ({"search": "²/60"}, "is not COUNT/SECONDS"),
    ],
)
def test_a_limit_that_cannot_be_read_stops_the_server_with_a_clear_message(
    limits: dict[str, str], says: str, tmp_path: Path
) -> None:
    """TERTULIA_RATE_LIMITS is read before anything opens; a mistake names the setting."""
    settings = settings_for("sqlite+aiosqlite:///:memory:", tmp_path, rate_limits=limits)
    with pytest.raises(ConfigError, match="TERTULIA_RATE_LIMITS") as caught:
        rate_limits_of(settings)
    assert says in str(caught.value)


async def test_every_limited_operation_documents_its_429(client: AsyncClient) -> None:
    """Each operation that counts against a limit says so in /openapi.json: a 429 carrying
    `rate_limited`, with its Retry-After and RateLimit headers."""
    spec = ok(await client.get("/openapi.json"))
    ops = spec["paths"]
    for path, method in [
        ("/api/v1/channels/{channel_id}/messages", "post"),
        ("/api/v1/workspaces/{workspace_id}/search", "get"),
        ("/api/v1/messages/{message_id}/pin", "put"),
        ("/api/v1/workspaces/{workspace_id}/files", "post"),
    ]:
        answer = ops[path][method]["responses"]["429"]
        assert answer["x-problem-codes"] == ["rate_limited"], (path, method)
        assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
            answer["headers"]
        )
    assert "429" not in ops["/api/v1/channels/{channel_id}/messages"]["get"]["responses"]
