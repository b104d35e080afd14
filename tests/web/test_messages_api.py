"""The messaging API over HTTP, on both databases: one happy path and every error per endpoint
(posting, history, editing, deleting, threads, reactions, pins, read state, muting and
notifications)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient

from tertulia.domain.ids import new_id
from tests.conftest import serve
from tests.web.api import Account, channel, join, ok, problem, signup, workspace

# the team and how it talks ------------------------------------------------------------------


@dataclass
class Team:
    """Ana (owner) and Bob (member) in #dev; Carla in the workspace but not in #dev; Eve in a
    workspace of her own."""

    ana: Account
    bob: Account
    carla: Account
    eve: Account
    ws: dict[str, Any]
    dev: dict[str, Any]
    general: dict[str, Any]


@pytest.fixture
async def team(client: AsyncClient) -> Team:
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    carla, eve = await signup(client, "carla"), await signup(client, "eve")
    ws = await workspace(client, ana, "Equipo")
    await join(client, ws["id"], ana, bob)
    await join(client, ws["id"], ana, carla)
    await workspace(client, eve, "Otra Casa")
    dev = await channel(client, ws["id"], ana, "dev")
    ok(await client.post(f"/api/v1/channels/{dev['id']}/members", json={"user_id": bob.id},
                         headers=bob.headers), 201)  # fmt: skip
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    return Team(ana, bob, carla, eve, ws, dev, general)


async def post(
    client: AsyncClient, who: Account, channel_id: str, text: str, status: int = 201, **fields: Any
) -> dict[str, Any]:
    """Post a message and return what the API answered."""
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/channels/{channel_id}/messages",
            json={"text": text, **fields},
            headers=who.headers,
        ),
        status,
    )
    return body


async def message(client: AsyncClient, who: Account, message_id: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.get(f"/api/v1/messages/{message_id}", headers=who.headers)
    )
    return body


async def history(
    client: AsyncClient, who: Account, channel_id: str, **params: Any
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.get(
            f"/api/v1/channels/{channel_id}/messages", params=params, headers=who.headers
        )
    )
    return body


async def delete(client: AsyncClient, who: Account, message_id: str) -> None:
    """Delete a message, which answers 204 with no body."""
    response = await client.delete(f"/api/v1/messages/{message_id}", headers=who.headers)
    assert response.status_code == 204, (response.status_code, response.text)


def texts(page: dict[str, Any]) -> list[str]:
    return [m["text"] for m in page["items"]]


async def unreads_of(client: AsyncClient, who: Account, team: Team) -> dict[str, dict[str, Any]]:
    """Per channel id, what /unreads says for this person."""
    body = ok(await client.get(f"/api/v1/workspaces/{team.ws['id']}/unreads", headers=who.headers))
    return {c["channel_id"]: c for c in body["channels"]}


async def notifications_of(client: AsyncClient, who: Account, **params: Any) -> list[Any]:
    body = ok(await client.get("/api/v1/notifications", params=params, headers=who.headers))
    items: list[Any] = body["items"]
    return items


def field_error(body: dict[str, Any], field: str, code: str | None = None) -> None:
    """The problem names the field (with that code)."""
    errors = {e["field"]: e["code"] for e in body.get("errors") or []}
    assert field in errors, body
    if code is not None:
        assert errors[field] == code, body


# posting ------------------------------------------------------------------------------------


async def test_a_member_posts_markdown_and_sees_it_rendered(
    client: AsyncClient, team: Team
) -> None:
    """A posted message comes back 201 with the source text kept and its Markdown as HTML, and
    it is the newest in the channel's history."""
    posted = await post(client, team.ana, team.dev["id"], "Hola **equipo**, ~~no~~ `code`")
    assert posted["text"] == "Hola **equipo**, ~~no~~ `code`"
    assert "<strong>equipo</strong>" in posted["html"]
    assert "<s>no</s>" in posted["html"] or "<del>no</del>" in posted["html"]
    assert "<code>code</code>" in posted["html"]
    assert posted["author_id"] == team.ana.id
    assert posted["channel_id"] == team.dev["id"]
    assert posted["workspace_id"] == team.ws["id"]
    assert posted["version"] == 1
    assert posted["deleted"] is False
    assert posted["not_notified"] == []
    assert posted["seq"] > 0
    assert await message(client, team.bob, posted["id"]) == {**posted, "not_notified": []}
    latest = await history(client, team.bob, team.dev["id"])
    assert [m["id"] for m in latest["items"]] == [posted["id"]]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<script>alert('xss')</script> hola", id="script"),
        pytest.param('<img src=x onerror="alert(1)"> hola', id="onerror"),
        pytest.param("[clic](javascript:alert(1)) hola", id="javascript-link"),
    ],
)
async def test_html_in_a_message_is_never_executable(
    client: AsyncClient, team: Team, text: str
) -> None:
    """A script tag, an event handler or a javascript: link in the text comes back as harmless
    text in `html` (the source text is kept as typed)."""
    posted = await post(client, team.ana, team.dev["id"], text)
    assert posted["text"] == text
    html = posted["html"].lower()
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert "hola" in html


async def test_links_are_autolinked_with_safe_attributes(client: AsyncClient, team: Team) -> None:
    """A bare URL becomes a link that opens in a new tab without handing over the opener."""
    posted = await post(client, team.ana, team.dev["id"], "mira https://example.com/x")
    assert 'href="https://example.com/x"' in posted["html"]
    assert "noopener" in posted["html"]


async def test_the_configured_maximum_length_is_enforced(database_url: str, tmp_path: Path) -> None:
    """With max_message_length=50, a 50-character message is posted and a 51-character one (or
    an edit to one) gets 422 message.too_long naming `text`."""
    async with serve(
        database_url, tmp_path, raise_app_exceptions=False, max_message_length=50
    ) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        dev = await channel(http, ws["id"], ana, "dev")
        fits = await post(http, ana, dev["id"], "a" * 50)
        assert len(fits["text"]) == 50
        too_long = problem(
            await http.post(
                f"/api/v1/channels/{dev['id']}/messages",
                json={"text": "a" * 51},
                headers=ana.headers,
            ),
            422,
            "message.too_long",
        )
        field_error(too_long, "text", "message.too_long")
        edited = problem(
            await http.patch(
                f"/api/v1/messages/{fits['id']}",
                json={"text": "b" * 51, "version": 1},
                headers=ana.headers,
            ),
            422,
            "message.too_long",
        )
        field_error(edited, "text", "message.too_long")
        assert texts(await history(http, ana, dev["id"])) == ["a" * 50]


async def test_the_default_maximum_is_16000_characters(client: AsyncClient, team: Team) -> None:
    """Without configuration a message holds 16,000 characters, and one more is refused."""
    await post(client, team.ana, team.dev["id"], "x" * 16_000)
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "x" * 16_001},
            headers=team.ana.headers,
        ),
        422,
        "message.too_long",
    )


async def test_a_retry_with_the_same_client_msg_id_returns_the_first_message(
    client: AsyncClient, team: Team
) -> None:
    """Sending the same message again with its client_msg_id answers 200 with the message posted
    the first time, and the channel shows it once."""
    first = await post(client, team.ana, team.dev["id"], "una vez", client_msg_id="c0ffee-1")
    again = await post(client, team.ana, team.dev["id"], "una vez", 200, client_msg_id="c0ffee-1")
    assert again["id"] == first["id"]
    assert again["client_msg_id"] == "c0ffee-1"
    assert texts(await history(client, team.ana, team.dev["id"])) == ["una vez"]


async def test_the_same_client_msg_id_with_another_body_is_a_409(
    client: AsyncClient, team: Team
) -> None:
    """Reusing a client_msg_id for different text is a 409, not a silent replay, and nothing
    new is posted."""
    await post(client, team.ana, team.dev["id"], "primera", client_msg_id="k-1")
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "otra cosa", "client_msg_id": "k-1"},
            headers=team.ana.headers,
        ),
        409,
        "message.client_msg_id_reused",
    )
    assert texts(await history(client, team.ana, team.dev["id"])) == ["primera"]


async def test_two_people_may_use_the_same_client_msg_id(client: AsyncClient, team: Team) -> None:
    """A client_msg_id is the sender's own key: Bob using the one Ana used posts his message."""
    mine = await post(client, team.ana, team.dev["id"], "de Ana", client_msg_id="k-1")
    his = await post(client, team.bob, team.dev["id"], "de Bob", client_msg_id="k-1")
    assert his["id"] != mine["id"]
    assert texts(await history(client, team.ana, team.dev["id"])) == ["de Ana", "de Bob"]


async def test_posting_to_a_channel_one_cannot_see_is_a_404(
    client: AsyncClient, team: Team
) -> None:
    """Posting to another workspace's channel, a private channel one is not in, or an id naming
    nothing all read as 404 channel.not_found."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    for who, channel_id in (
        (team.eve, team.dev["id"]),
        (team.bob, secret["id"]),
        (team.ana, new_id()),
    ):
        problem(
            await client.post(
                f"/api/v1/channels/{channel_id}/messages",
                json={"text": "hola"},
                headers=who.headers,
            ),
            404,
            "channel.not_found",
        )
    assert texts(await history(client, team.ana, secret["id"])) == []
    assert texts(await history(client, team.ana, team.dev["id"])) == []


async def test_non_members_of_a_public_channel_read_but_cannot_post(
    client: AsyncClient, team: Team
) -> None:
    """Carla, outside #dev, may preview its history and a message, but posting gets 403
    channel.not_member and stores nothing."""
    posted = await post(client, team.ana, team.dev["id"], "público")
    assert texts(await history(client, team.carla, team.dev["id"])) == ["público"]
    assert (await message(client, team.carla, posted["id"]))["text"] == "público"
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "me cuelo"},
            headers=team.carla.headers,
        ),
        403,
        "channel.not_member",
    )
    assert texts(await history(client, team.ana, team.dev["id"])) == ["público"]


async def test_an_archived_channel_is_read_only(client: AsyncClient, team: Team) -> None:
    """Posting to an archived channel gets 409 channel.archived; its history is still there."""
    await post(client, team.ana, team.dev["id"], "antes")
    ok(await client.delete(f"/api/v1/channels/{team.dev['id']}", headers=team.ana.headers))
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "después"},
            headers=team.ana.headers,
        ),
        409,
        "channel.archived",
    )
    assert texts(await history(client, team.ana, team.dev["id"])) == ["antes"]


# mentions and notifications -----------------------------------------------------------------


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


# history ------------------------------------------------------------------------------------


async def test_history_pages_before_after_and_around(client: AsyncClient, team: Team) -> None:
    """Five messages read two or three at a time: the latest, before, after and around a
    message each give the right run, oldest first, with has_older/has_newer telling the truth."""
    ids = [(await post(client, team.ana, team.dev["id"], f"m{n}"))["id"] for n in range(1, 6)]
    ch = team.dev["id"]

    latest = await history(client, team.bob, ch, limit=2)
    assert (texts(latest), latest["has_older"], latest["has_newer"]) == (["m4", "m5"], True, False)
    older = await history(client, team.bob, ch, limit=2, before=ids[3])
    assert (texts(older), older["has_older"], older["has_newer"]) == (["m2", "m3"], True, True)
    oldest = await history(client, team.bob, ch, limit=2, before=ids[1])
    assert (texts(oldest), oldest["has_older"], oldest["has_newer"]) == (["m1"], False, True)
    newer = await history(client, team.bob, ch, limit=2, after=ids[1])
    assert (texts(newer), newer["has_older"], newer["has_newer"]) == (["m3", "m4"], True, True)
    newest = await history(client, team.bob, ch, limit=2, after=ids[3])
    assert (texts(newest), newest["has_older"], newest["has_newer"]) == (["m5"], True, False)
    around = await history(client, team.bob, ch, limit=3, around=ids[2])
    assert (texts(around), around["has_older"], around["has_newer"]) == (
        ["m2", "m3", "m4"],
        True,
        True,
    )
    edge = await history(client, team.bob, ch, limit=3, around=ids[0])
    assert (texts(edge), edge["has_older"], edge["has_newer"]) == (["m1", "m2"], False, True)
    everything = await history(client, team.bob, ch)
    assert (texts(everything), everything["has_older"], everything["has_newer"]) == (
        ["m1", "m2", "m3", "m4", "m5"],
        False,
        False,
    )
    seqs = [m["seq"] for m in everything["items"]]
    assert seqs == sorted(seqs)


async def test_a_history_cursor_from_elsewhere_is_a_422(client: AsyncClient, team: Team) -> None:
    """A cursor naming a message of another channel, a thread reply, or nothing at all gets 422
    naming the cursor; it never returns another channel's messages."""
    elsewhere = await post(client, team.ana, team.general["id"], "en general")
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.ana, team.dev["id"], "respuesta", thread_root_id=root["id"])
    for name in ("before", "after", "around"):
        for cursor in (elsewhere["id"], reply["id"], new_id()):
            body = problem(
                await client.get(
                    f"/api/v1/channels/{team.dev['id']}/messages",
                    params={name: cursor},
                    headers=team.ana.headers,
                ),
                422,
            )
            field_error(body, name)
            assert "en general" not in str(body)


async def test_two_history_cursors_at_once_are_a_422(client: AsyncClient, team: Team) -> None:
    """Asking for messages before one and after another at once gets 422 naming the second."""
    a = await post(client, team.ana, team.dev["id"], "a")
    b = await post(client, team.ana, team.dev["id"], "b")
    body = problem(
        await client.get(
            f"/api/v1/channels/{team.dev['id']}/messages",
            params={"before": b["id"], "after": a["id"]},
            headers=team.ana.headers,
        ),
        422,
    )
    field_error(body, "after", "cursor.conflict")
    body = problem(
        await client.get(
            f"/api/v1/channels/{team.dev['id']}/messages",
            params={"after": a["id"], "around": b["id"]},
            headers=team.ana.headers,
        ),
        422,
    )
    field_error(body, "around", "cursor.conflict")


async def test_history_of_a_channel_one_cannot_see_is_a_404(
    client: AsyncClient, team: Team
) -> None:
    """Eve (another workspace) and Bob (outside a private channel) get 404 for its history."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    await post(client, team.ana, secret["id"], "confidencial")
    for who, ch in ((team.eve, team.dev["id"]), (team.bob, secret["id"])):
        body = problem(
            await client.get(f"/api/v1/channels/{ch}/messages", headers=who.headers),
            404,
            "channel.not_found",
        )
        assert "confidencial" not in str(body)


async def test_a_history_limit_out_of_range_is_a_422(client: AsyncClient, team: Team) -> None:
    """limit=0 and limit=201 are refused naming `limit`; 200 is allowed."""
    for limit in (0, 201):
        field_error(
            problem(
                await client.get(
                    f"/api/v1/channels/{team.dev['id']}/messages",
                    params={"limit": limit},
                    headers=team.ana.headers,
                ),
                422,
            ),
            "limit",
        )
    await history(client, team.ana, team.dev["id"], limit=200)


# one message: read, edit, delete ------------------------------------------------------------


async def test_a_message_one_cannot_see_is_a_404(client: AsyncClient, team: Team) -> None:
    """A message of a private channel one is not in, of another workspace, or that does not
    exist reads as 404 message.not_found."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    hidden = await post(client, team.ana, secret["id"], "confidencial")
    public = await post(client, team.ana, team.dev["id"], "hola")
    for who, message_id in (
        (team.bob, hidden["id"]),
        (team.eve, public["id"]),
        (team.ana, new_id()),
    ):
        body = problem(
            await client.get(f"/api/v1/messages/{message_id}", headers=who.headers),
            404,
            "message.not_found",
        )
        assert "confidencial" not in str(body)


async def test_the_author_edits_and_the_history_is_kept(client: AsyncClient, team: Team) -> None:
    """Editing bumps the version, sets edited_at, renders the new text, and GET /edits lists
    the earlier text."""
    posted = await post(client, team.ana, team.dev["id"], "primera versión")
    assert posted["edited_at"] is None
    edited = ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "segunda *versión*", "version": 1},
            headers=team.ana.headers,
        )
    )
    assert edited["version"] == 2
    assert edited["edited_at"] is not None
    assert edited["text"] == "segunda *versión*"
    assert "<em>versión</em>" in edited["html"]
    assert (await message(client, team.bob, posted["id"]))["text"] == "segunda *versión*"
    edits = ok(await client.get(f"/api/v1/messages/{posted['id']}/edits", headers=team.bob.headers))
    assert [(e["version"], e["text"]) for e in edits["items"]] == [(1, "primera versión")]


async def test_the_edit_history_pages_with_a_cursor(client: AsyncClient, team: Team) -> None:
    """Three earlier versions with limit=2: two, then the third via `next_cursor`; a cursor
    the server did not make is a 422 naming `after`."""
    posted = await post(client, team.ana, team.dev["id"], "v1")
    for version in (1, 2, 3):
        ok(
            await client.patch(
                f"/api/v1/messages/{posted['id']}",
                json={"text": f"v{version + 1}", "version": version},
                headers=team.ana.headers,
            )
        )
    path = f"/api/v1/messages/{posted['id']}/edits"

    first = ok(await client.get(path, params={"limit": 2}, headers=team.bob.headers))
    second = ok(
        await client.get(
            path, params={"limit": 2, "after": first["next_cursor"]}, headers=team.bob.headers
        )
    )

    assert [e["text"] for e in first["items"]] == ["v1", "v2"]
    assert [e["text"] for e in second["items"]] == ["v3"]
    assert second["next_cursor"] is None
    forged = await client.get(path, params={"after": "Zm9v!!"}, headers=team.bob.headers)
    field_error(problem(forged, 422), "after", "cursor.invalid")


async def test_a_stale_edit_gets_409_with_the_current_message(
    client: AsyncClient, team: Team
) -> None:
    """Editing with a version someone already replaced gets 409 message.stale_version whose
    `current` is the message as it is now; the text is not overwritten."""
    posted = await post(client, team.ana, team.dev["id"], "v1")
    ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "v2", "version": 1},
            headers=team.ana.headers,
        )
    )
    body = problem(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "v2 bis", "version": 1},
            headers=team.ana.headers,
        ),
        409,
        "message.stale_version",
    )
    current = body["current"]
    assert (current["id"], current["text"], current["version"]) == (posted["id"], "v2", 2)
    assert (await message(client, team.ana, posted["id"]))["text"] == "v2"


async def test_only_the_author_edits(client: AsyncClient, team: Team) -> None:
    """Bob editing Ana's message gets 403 message.not_author (even Ana, the owner, may not edit
    Bob's), and the text stays."""
    mine = await post(client, team.ana, team.dev["id"], "de Ana")
    his = await post(client, team.bob, team.dev["id"], "de Bob")
    for who, target in ((team.bob, mine), (team.ana, his)):
        problem(
            await client.patch(
                f"/api/v1/messages/{target['id']}",
                json={"text": "pisado", "version": 1},
                headers=who.headers,
            ),
            403,
            "message.not_author",
        )
    assert texts(await history(client, team.ana, team.dev["id"])) == ["de Ana", "de Bob"]


async def test_editing_a_message_one_cannot_see_is_a_404(client: AsyncClient, team: Team) -> None:
    """Eve editing a message of a workspace she is not in gets 404, and it is unchanged."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    problem(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "pisado", "version": 1},
            headers=team.eve.headers,
        ),
        404,
        "message.not_found",
    )
    assert (await message(client, team.ana, posted["id"]))["text"] == "hola"


async def test_deleting_leaves_a_tombstone(client: AsyncClient, team: Team) -> None:
    """DELETE answers 204; the message keeps its id and place but reads as deleted with empty
    text and html, for everyone, its edits are gone, and deleting again is still 204."""
    before = await post(client, team.ana, team.dev["id"], "antes")
    posted = await post(client, team.ana, team.dev["id"], "borrame")
    ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "borrame ya", "version": 1},
            headers=team.ana.headers,
        )
    )
    response = await client.delete(f"/api/v1/messages/{posted['id']}", headers=team.ana.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    for who in (team.ana, team.bob):
        tomb = await message(client, who, posted["id"])
        assert (tomb["deleted"], tomb["text"], tomb["html"]) == (True, "", "")
        assert tomb["deleted_at"] is not None
        assert tomb["seq"] == posted["seq"]
    listed = await history(client, team.bob, team.dev["id"])
    assert [(m["id"], m["deleted"], m["text"]) for m in listed["items"]] == [
        (before["id"], False, "antes"),
        (posted["id"], True, ""),
    ]
    edits = ok(await client.get(f"/api/v1/messages/{posted['id']}/edits", headers=team.ana.headers))
    assert edits["items"] == []
    again = await client.delete(f"/api/v1/messages/{posted['id']}", headers=team.ana.headers)
    assert again.status_code == 204, again.text


async def test_a_deleted_message_cannot_be_edited(client: AsyncClient, team: Team) -> None:
    """Editing a tombstone gets 409 message.deleted and it stays empty."""
    posted = await post(client, team.ana, team.dev["id"], "borrame")
    await delete(client, team.ana, posted["id"])
    problem(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "resucito", "version": 1},
            headers=team.ana.headers,
        ),
        409,
        "message.deleted",
    )
    assert (await message(client, team.ana, posted["id"]))["text"] == ""


async def test_only_the_author_or_a_manager_deletes(client: AsyncClient, team: Team) -> None:
    """Bob deleting Ana's message gets 403 message.not_author and it stays; Ana (owner and the
    channel's creator) deletes Bob's."""
    mine = await post(client, team.ana, team.dev["id"], "de Ana")
    his = await post(client, team.bob, team.dev["id"], "de Bob")
    problem(
        await client.delete(f"/api/v1/messages/{mine['id']}", headers=team.bob.headers),
        403,
        "message.not_author",
    )
    assert (await message(client, team.bob, mine["id"]))["text"] == "de Ana"
    await delete(client, team.ana, his["id"])
    assert (await message(client, team.bob, his["id"]))["deleted"] is True


async def test_deleting_a_message_one_cannot_see_is_a_404(client: AsyncClient, team: Team) -> None:
    """Eve deleting a message of a workspace she is not in gets 404, and it stays."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    problem(
        await client.delete(f"/api/v1/messages/{posted['id']}", headers=team.eve.headers),
        404,
        "message.not_found",
    )
    assert (await message(client, team.ana, posted["id"]))["deleted"] is False


async def test_edits_of_a_message_one_cannot_see_are_a_404(client: AsyncClient, team: Team) -> None:
    """Eve asking for a message's edit history gets 404 and no old text."""
    posted = await post(client, team.ana, team.dev["id"], "viejo")
    ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "nuevo", "version": 1},
            headers=team.ana.headers,
        )
    )
    body = problem(
        await client.get(f"/api/v1/messages/{posted['id']}/edits", headers=team.eve.headers),
        404,
        "message.not_found",
    )
    assert "viejo" not in str(body)


# threads ------------------------------------------------------------------------------------


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


async def test_a_reply_to_a_reply_is_a_422(client: AsyncClient, team: Team) -> None:
    """Threads are one level deep: replying to a reply gets 422 naming thread_root_id."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    reply = await post(client, team.ana, team.dev["id"], "r", thread_root_id=root["id"])
    body = problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "anidada", "thread_root_id": reply["id"]},
            headers=team.ana.headers,
        ),
        422,
    )
    field_error(body, "thread_root_id", "message.nested_thread")
    assert (await message(client, team.ana, root["id"]))["thread"]["reply_count"] == 1


async def test_a_reply_to_another_channels_message_is_a_404(
    client: AsyncClient, team: Team
) -> None:
    """A thread_root_id from another channel (or naming nothing) gets 404 message.not_found,
    and that message grows no reply."""
    elsewhere = await post(client, team.ana, team.general["id"], "en general")
    for root_id in (elsewhere["id"], new_id()):
        problem(
            await client.post(
                f"/api/v1/channels/{team.dev['id']}/messages",
                json={"text": "cruzada", "thread_root_id": root_id},
                headers=team.ana.headers,
            ),
            404,
            "message.not_found",
        )
    assert (await message(client, team.ana, elsewhere["id"]))["thread"]["reply_count"] == 0
    assert texts(await history(client, team.ana, team.dev["id"])) == []


async def test_a_reply_to_a_deleted_root_is_a_409(client: AsyncClient, team: Team) -> None:
    """Replying to a deleted message gets 409 message.deleted."""
    root = await post(client, team.ana, team.dev["id"], "raíz")
    await delete(client, team.ana, root["id"])
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/messages",
            json={"text": "tarde", "thread_root_id": root["id"]},
            headers=team.ana.headers,
        ),
        409,
        "message.deleted",
    )


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


# reactions ----------------------------------------------------------------------------------


async def test_reactions_by_unicode_emoji_and_shortcode(client: AsyncClient, team: Team) -> None:
    """👍 sent percent-encoded and :+1: are the same reaction: counted once per person, with
    `me` true for whoever looks who reacted; removing it takes it away."""
    posted = await post(client, team.ana, team.dev["id"], "¿vamos?")
    path = f"/api/v1/messages/{posted['id']}/reactions"
    encoded = quote("👍", safe="")
    assert encoded.startswith("%F0")
    first = ok(await client.put(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in first["reactions"]] == [("👍", 1, True)]
    again = ok(await client.put(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"]) for r in again["reactions"]] == [("👍", 1)]
    by_code = ok(await client.put(f"{path}/:+1:", headers=team.bob.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in by_code["reactions"]] == [("👍", 2, True)]
    assert sorted(by_code["reactions"][0]["user_ids"]) == sorted([team.ana.id, team.bob.id])
    seen = await message(client, team.carla, posted["id"])
    assert [(r["emoji"], r["count"], r["me"]) for r in seen["reactions"]] == [("👍", 2, False)]
    heart = ok(await client.put(f"{path}/{quote('❤️', safe='')}", headers=team.bob.headers))
    assert [r["emoji"] for r in heart["reactions"]] == ["👍", "❤️"]
    removed = ok(await client.delete(f"{path}/{encoded}", headers=team.ana.headers))
    assert [(r["emoji"], r["count"], r["me"]) for r in removed["reactions"]] == [
        ("👍", 1, False),
        ("❤️", 1, False),
    ]
    twice = ok(await client.delete(f"{path}/:+1:", headers=team.ana.headers))
    assert [(r["emoji"], r["count"]) for r in twice["reactions"]] == [("👍", 1), ("❤️", 1)]


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param(":no_existe_esto:", id="unknown-shortcode"),
        pytest.param("hola", id="word"),
        pytest.param("a", id="letter"),
        pytest.param("👍👍", id="two-emoji"),
    ],
)
async def test_an_unknown_emoji_is_a_422(client: AsyncClient, team: Team, emoji: str) -> None:
    """Reacting with something that is not one emoji or a known shortcode gets 422 naming
    `emoji`, and no reaction appears."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    body = problem(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/{quote(emoji, safe='')}",
            headers=team.ana.headers,
        ),
        422,
    )
    field_error(body, "emoji")
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []


async def test_reacting_needs_membership_and_a_live_message(
    client: AsyncClient, team: Team
) -> None:
    """Carla (outside #dev) reacting gets 403 channel.not_member; Eve gets 404; reacting to a
    deleted message gets 409 message.deleted. No reaction appears."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    path = f"/api/v1/messages/{posted['id']}/reactions/:+1:"
    for method in ("PUT", "DELETE"):
        problem(
            await client.request(method, path, headers=team.carla.headers),
            403,
            "channel.not_member",
        )
        problem(
            await client.request(method, path, headers=team.eve.headers), 404, "message.not_found"
        )
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []
    await delete(client, team.ana, posted["id"])
    problem(await client.put(path, headers=team.ana.headers), 409, "message.deleted")
    assert (await message(client, team.ana, posted["id"]))["reactions"] == []


async def test_deleting_a_message_removes_its_reactions(client: AsyncClient, team: Team) -> None:
    """A tombstone shows no reactions."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    ok(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/:+1:", headers=team.bob.headers
        )
    )
    await delete(client, team.ana, posted["id"])
    assert (await message(client, team.bob, posted["id"]))["reactions"] == []


# pins ---------------------------------------------------------------------------------------


async def test_pinning_and_unpinning(client: AsyncClient, team: Team) -> None:
    """A member pins a message (shown with pinned_at/pinned_by, listed in /pins, most recently
    pinned first; pinning twice changes nothing) and unpins it."""
    first = await post(client, team.ana, team.dev["id"], "primero")
    second = await post(client, team.ana, team.dev["id"], "segundo")
    pinned = ok(await client.put(f"/api/v1/messages/{first['id']}/pin", headers=team.bob.headers))
    assert pinned["pinned_by"] == team.bob.id
    assert pinned["pinned_at"] is not None
    again = ok(await client.put(f"/api/v1/messages/{first['id']}/pin", headers=team.ana.headers))
    assert again["pinned_by"] == team.bob.id
    ok(await client.put(f"/api/v1/messages/{second['id']}/pin", headers=team.bob.headers))
    pins_path = f"/api/v1/channels/{team.dev['id']}/pins"
    listed = ok(await client.get(pins_path, headers=team.carla.headers))
    assert [m["text"] for m in listed["items"]] == ["segundo", "primero"]
    unpinned = ok(
        await client.delete(f"/api/v1/messages/{first['id']}/pin", headers=team.ana.headers)
    )
    assert unpinned["pinned_at"] is None
    assert [
        m["id"] for m in ok(await client.get(pins_path, headers=team.ana.headers))["items"]
    ] == [second["id"]]


async def test_pinning_needs_membership_and_a_live_message(client: AsyncClient, team: Team) -> None:
    """Carla (outside #dev) pinning gets 403 channel.not_member, Eve 404, and pinning a deleted
    message 409 message.deleted; nothing is pinned."""
    posted = await post(client, team.ana, team.dev["id"], "hola")
    path = f"/api/v1/messages/{posted['id']}/pin"
    for method in ("PUT", "DELETE"):
        problem(
            await client.request(method, path, headers=team.carla.headers),
            403,
            "channel.not_member",
        )
        problem(
            await client.request(method, path, headers=team.eve.headers), 404, "message.not_found"
        )
    await delete(client, team.ana, posted["id"])
    problem(await client.put(path, headers=team.ana.headers), 409, "message.deleted")
    pins = ok(await client.get(f"/api/v1/channels/{team.dev['id']}/pins", headers=team.ana.headers))
    assert pins["items"] == []


async def test_pins_of_a_channel_one_cannot_see_are_a_404(client: AsyncClient, team: Team) -> None:
    """Bob asking for a private channel's pins, or Eve for #dev's, gets 404 channel.not_found."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    hidden = await post(client, team.ana, secret["id"], "confidencial")
    ok(await client.put(f"/api/v1/messages/{hidden['id']}/pin", headers=team.ana.headers))
    for who, ch in ((team.bob, secret["id"]), (team.eve, team.dev["id"])):
        body = problem(
            await client.get(f"/api/v1/channels/{ch}/pins", headers=who.headers),
            404,
            "channel.not_found",
        )
        assert "confidencial" not in str(body)


# read state, unreads, muting ----------------------------------------------------------------


async def test_marking_a_channel_read_changes_the_unread_counts(
    client: AsyncClient, team: Team
) -> None:
    """Two messages by Ana (one mentioning Bob) are unread for Bob with one mention; marking up
    to the first leaves one; marking the channel read leaves none; Ana's own do not count."""
    first = await post(client, team.ana, team.dev["id"], "uno")
    second = await post(client, team.ana, team.dev["id"], "dos @bob")
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"], dev["muted"]) == (2, 1, False)
    assert dev["latest_seq"] == second["seq"]
    assert (await unreads_of(client, team.ana, team))[team.dev["id"]]["unread_messages"] == 0

    read_path = f"/api/v1/channels/{team.dev['id']}/read"
    marked = ok(
        await client.post(read_path, json={"message_id": first["id"]}, headers=team.bob.headers)
    )
    assert marked == {"last_read_seq": first["seq"]}
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"], dev["last_read_seq"]) == (1, 1, first["seq"])
    assert ok(await client.post(read_path, headers=team.bob.headers)) == {
        "last_read_seq": second["seq"]
    }
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"]) == (0, 0)
    ok(await client.post(read_path, json={"message_id": first["id"]}, headers=team.bob.headers))
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["unread_messages"], dev["mentions"]) == (1, 1)


async def test_unreads_list_only_ones_own_channels(client: AsyncClient, team: Team) -> None:
    """Carla's unreads list #general only, not #dev nor a private channel she is not in."""
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    await post(client, team.ana, secret["id"], "confidencial")
    await post(client, team.ana, team.dev["id"], "hola")
    await post(client, team.ana, team.general["id"], "hola a todos")
    unread = await unreads_of(client, team.carla, team)
    assert list(unread) == [team.general["id"]]
    assert unread[team.general["id"]]["unread_messages"] == 1


async def test_marking_read_needs_membership_and_a_message_of_the_channel(
    client: AsyncClient, team: Team
) -> None:
    """Carla (outside #dev) gets 403 channel.not_member; a message of another channel gets 404
    message.not_found; a private channel one is not in 404 channel.not_found."""
    await post(client, team.ana, team.dev["id"], "hola")
    elsewhere = await post(client, team.ana, team.general["id"], "en general")
    secret = await channel(client, team.ws["id"], team.ana, "secreto", "private")
    problem(
        await client.post(f"/api/v1/channels/{team.dev['id']}/read", headers=team.carla.headers),
        403,
        "channel.not_member",
    )
    problem(
        await client.post(
            f"/api/v1/channels/{team.dev['id']}/read",
            json={"message_id": elsewhere["id"]},
            headers=team.bob.headers,
        ),
        404,
        "message.not_found",
    )
    problem(
        await client.post(f"/api/v1/channels/{secret['id']}/read", headers=team.bob.headers),
        404,
        "channel.not_found",
    )
    assert (await unreads_of(client, team.bob, team))[team.dev["id"]]["unread_messages"] == 1


async def test_a_muted_channel_counts_mentions_only(client: AsyncClient, team: Team) -> None:
    """Bob mutes #dev (204): its plain messages no longer count as unread, mentions still do;
    unmuting brings the count back."""
    member_path = f"/api/v1/channels/{team.dev['id']}/members/{team.bob.id}"
    response = await client.patch(member_path, json={"muted": True}, headers=team.bob.headers)
    assert response.status_code == 204, response.text
    await post(client, team.ana, team.dev["id"], "uno")
    await post(client, team.ana, team.dev["id"], "dos @bob")
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["muted"], dev["unread_messages"], dev["mentions"]) == (True, 0, 1)
    response = await client.patch(member_path, json={"muted": False}, headers=team.bob.headers)
    assert response.status_code == 204, response.text
    dev = (await unreads_of(client, team.bob, team))[team.dev["id"]]
    assert (dev["muted"], dev["unread_messages"], dev["mentions"]) == (False, 2, 1)


async def test_muting_is_for_ones_own_membership(client: AsyncClient, team: Team) -> None:
    """Ana (the owner) muting #dev for Bob gets 403 channel.not_yours; Carla (outside #dev)
    muting it for herself gets 403 channel.not_member; Bob's #dev stays unmuted."""
    problem(
        await client.patch(
            f"/api/v1/channels/{team.dev['id']}/members/{team.bob.id}",
            json={"muted": True},
            headers=team.ana.headers,
        ),
        403,
        "channel.not_yours",
    )
    problem(
        await client.patch(
            f"/api/v1/channels/{team.dev['id']}/members/{team.carla.id}",
            json={"muted": True},
            headers=team.carla.headers,
        ),
        403,
        "channel.not_member",
    )
    assert (await unreads_of(client, team.bob, team))[team.dev["id"]]["muted"] is False


# a few more promises --------------------------------------------------------------------------


async def test_a_client_msg_id_reused_in_another_channel_is_not_a_retry(
    client: AsyncClient, team: Team
) -> None:
    """The same key and text sent to another channel is not a retry of the first post: it gets
    409 message.client_msg_id_reused, never the message of the first channel, and nothing is
    posted there."""
    await post(client, team.ana, team.dev["id"], "hola", client_msg_id="k-1")
    problem(
        await client.post(
            f"/api/v1/channels/{team.general['id']}/messages",
            json={"text": "hola", "client_msg_id": "k-1"},
            headers=team.ana.headers,
        ),
        409,
        "message.client_msg_id_reused",
    )
    assert texts(await history(client, team.ana, team.general["id"])) == []


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


async def test_a_direct_message_is_for_its_people_only(client: AsyncClient, team: Team) -> None:
    """Ana writes to Bob in a DM; Bob reads and reacts; Carla, in the same workspace, gets 404
    for the DM's history, the message and its reactions."""
    dm = ok(
        await client.post(
            f"/api/v1/workspaces/{team.ws['id']}/dms",
            json={"user_ids": [team.bob.id]},
            headers=team.ana.headers,
        ),
        201,
    )
    posted = await post(client, team.ana, dm["id"], "solo para ti")
    assert texts(await history(client, team.bob, dm["id"])) == ["solo para ti"]
    ok(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/:+1:", headers=team.bob.headers
        )
    )
    problem(
        await client.get(f"/api/v1/channels/{dm['id']}/messages", headers=team.carla.headers),
        404,
        "channel.not_found",
    )
    for method, path in (
        ("GET", f"/api/v1/messages/{posted['id']}"),
        ("PUT", f"/api/v1/messages/{posted['id']}/reactions/:+1:"),
        ("PUT", f"/api/v1/messages/{posted['id']}/pin"),
    ):
        body = problem(
            await client.request(method, path, headers=team.carla.headers),
            404,
            "message.not_found",
        )
        assert "solo para ti" not in str(body)
    assert [r["count"] for r in (await message(client, team.ana, posted["id"]))["reactions"]] == [1]


async def test_concurrent_retries_post_one_message(client: AsyncClient, team: Team) -> None:
    """Five copies of one post sent at once with the same client_msg_id give one 201 and four
    200s, all with the same message, and the channel shows it once."""
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/channels/{team.dev['id']}/messages",
                json={"text": "a la vez", "client_msg_id": "race-1"},
                headers=team.ana.headers,
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201], [
        r.text for r in responses
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert texts(await history(client, team.ana, team.dev["id"])) == ["a la vez"]


async def test_a_stale_edit_shows_the_current_message_whole(
    client: AsyncClient, team: Team
) -> None:
    """The `current` of a stale edit's 409 is the message exactly as GET shows it, reactions
    included, so a client can replace its copy with it."""
    posted = await post(client, team.ana, team.dev["id"], "v1")
    ok(
        await client.put(
            f"/api/v1/messages/{posted['id']}/reactions/:+1:", headers=team.bob.headers
        )
    )
    ok(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "v2", "version": 1},
            headers=team.ana.headers,
        )
    )
    body = problem(
        await client.patch(
            f"/api/v1/messages/{posted['id']}",
            json={"text": "v2 bis", "version": 1},
            headers=team.ana.headers,
        ),
        409,
        "message.stale_version",
    )
    assert body["current"] == await message(client, team.ana, posted["id"])
