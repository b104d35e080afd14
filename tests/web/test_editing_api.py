"""Changing a message over HTTP, on both databases: one happy path and every error per
endpoint of web/messages.py that changes one (editing, a message's edit history, deleting)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.web.api import ok, problem
from tests.web.talk import Team, delete, field_error, history, message, post, team, texts

__all__ = ["team"]  # the fixture, from the messaging tests' helpers


# editing ------------------------------------------------------------------------------------


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


# deleting -----------------------------------------------------------------------------------


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
