"""`/asyncapi.json` documents the socket to the last field: every event the log holds and
every frame a socket exchanges match their documented models exactly (no field more, none
less), every close code is listed, and the document itself hangs together."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import yaml

from tertulia.web import protocol
from tertulia.web.closes import Close
from tests.conftest import serve
from tests.live import node, opened
from tests.web.api import ok, signup, workspace
from tests.web.scenario import every_event


async def test_every_logged_event_matches_its_documented_model(
    sqlite_url: str, tmp_path: Path
) -> None:
    """An afternoon of REST calls makes every kind of logged event happen; each one, as the
    log holds it (and replays it), is documented and fits its model exactly."""
    async with serve(sqlite_url, tmp_path) as http:
        await every_event(http)
    with sqlite3.connect(sqlite_url.split("///", 1)[1]) as db:
        rows = db.execute(
            "SELECT type, workspace_id, channel_id, data FROM events ORDER BY id"
        ).fetchall()

    seen = set()
    for type_, workspace_id, channel_id, data in rows:
        kind = protocol.BY_TYPE.get(type_)
        assert kind is not None, f"{type_} is not in /asyncapi.json"
        type(kind.example).model_validate(orjson.loads(data))  # no unknown or missing field
        assert (workspace_id is not None, channel_id is not None) == (
            kind.in_workspace,
            kind.in_channel,
        ), type_
        seen.add(type_)
    assert seen == {kind.type for kind in protocol.KINDS if kind.logged}


async def test_what_a_socket_exchanges_matches_the_document(
    sqlite_url: str, tmp_path: Path
) -> None:
    """hello, pong, error, resync_required, typing and presence frames, as a real socket
    receives them, fit their documented models."""
    async with node(sqlite_url, tmp_path) as server:
        ana = await signup(server.http, "ana")
        ws = await workspace(server.http, ana)
        general = ok(
            await server.http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers)
        )["items"][0]["id"]
        async with opened(server, ana) as socket:
            protocol.Hello.model_validate(socket.hello)
            await socket.send({"type": "ping"})
            protocol.Pong.model_validate(await socket.next())
            await socket.send({"type": "fly"})
            protocol.Error.model_validate(await socket.next())
            await socket.send({"type": "presence.subscribe", "user_ids": [ana.id]})
            protocol.PresenceSubscribed.model_validate(await socket.next())
            await socket.send({"type": "presence", "status": "away"})
            changed = await socket.next(skip=())
            _event(changed, "presence.changed")
            await socket.send({"type": "typing.start", "channel_id": general})
            _event(await socket.next(), "typing.started")
            await socket.send({"type": "typing.stop", "channel_id": general})
            _event(await socket.next(), "typing.stopped")
        async with opened(server, ana, last_event_id=10**12) as lost:
            protocol.ResyncRequired.model_validate(await lost.next())


def _event(frame: dict[str, Any], type_: str) -> None:
    assert frame["type"] == type_
    kind = protocol.BY_TYPE[type_]
    type(kind.example).model_validate(frame["data"])
    assert ("id" in frame) == kind.logged
    assert (frame["workspace_id"] is not None, frame["channel_id"] is not None) == (
        kind.in_workspace,
        kind.in_channel,
    )


async def test_the_document_names_every_event_and_command_with_an_example(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serve(sqlite_url, tmp_path) as http:
        response = await http.get("/asyncapi.json")
        as_yaml = await http.get("/asyncapi.yaml")
        openapi = ok(await http.get("/openapi.json"))
    document = ok(response)
    assert response.headers["content-type"] == "application/json"
    assert as_yaml.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(as_yaml.text) == document
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["live"]["address"] == "/api/v1/ws"
    assert "/asyncapi.json" in openapi["info"]["description"]

    messages = document["components"]["messages"]
    sent = {m["$ref"].rsplit("/", 1)[1] for m in document["operations"]["sendEvents"]["messages"]}
    taken = {
        m["$ref"].rsplit("/", 1)[1] for m in document["operations"]["receiveCommands"]["messages"]
    }
    assert sent >= {kind.type for kind in protocol.KINDS} | {
        "hello",
        "resync_required",
        "pong",
        "presence.subscribed",
        "error",
    }
    assert taken == {"auth", "ping", "presence", "presence.subscribe", "typing", "view"}
    for name in sent | taken:
        message = messages[name]
        assert message["summary"]
        payload = _resolve(document, message["payload"])
        example = message["examples"][0]["payload"]
        assert set(payload["required"]) <= set(example) <= set(payload["properties"]), name
    for name in sent & set(protocol.BY_TYPE):
        example = messages[name]["examples"][0]["payload"]
        kind = protocol.BY_TYPE[name]
        type(kind.example).model_validate(example["data"])
        data = _resolve(document, messages[name]["payload"]["properties"]["data"])
        assert set(example["data"]) == set(data["properties"]), name
    _every_ref_resolves(document, document)


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _every_ref_resolves(document: dict[str, Any], node: object) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            _resolve(document, node)
        for value in node.values():
            _every_ref_resolves(document, value)
    elif isinstance(node, list):
        for value in node:
            _every_ref_resolves(document, value)


async def test_every_close_code_the_server_sends_is_documented(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Each code the server closes a socket with (ours, uvicorn's restart, wsproto's protocol
    errors) is listed with its meaning in /asyncapi.json (its description and the channel's
    x-close-codes) and in the README."""
    async with serve(sqlite_url, tmp_path) as http:
        document = ok(await http.get("/asyncapi.json"))
    listed = {entry["code"]: entry for entry in document["channels"]["live"]["x-close-codes"]}
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    real_time = readme[readme.index("## Real time") :]

    assert set(listed) == {int(code) for code in Close}
    assert 1011 not in listed  # uvicorn's heartbeat code: ours says 4000 (resume)
    for code, entry in listed.items():
        assert entry["description"], code
        assert f"- {code}" in document["info"]["description"], code
        assert f"`{code}`" in real_time, code
