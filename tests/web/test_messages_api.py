"""Messages over HTTP, on both databases: one happy path and every error per endpoint
(posting, retries by client_msg_id, replying in a thread, a channel's history, one message and
who may read it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from httpx import AsyncClient

from tertulia.domain.ids import new_id
from tests.conftest import serve
from tests.web.api import channel, ok, problem, signup, workspace
from tests.web.talk import Team, delete, field_error, history, message, post, team, texts

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


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


# retries by client_msg_id -------------------------------------------------------------------


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


# replying: a post with thread_root_id -------------------------------------------------------


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


# one message --------------------------------------------------------------------------------


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
