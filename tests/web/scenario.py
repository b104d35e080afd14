"""One afternoon in a workspace that makes every kind of logged event happen, through the
REST API as a client would (the AsyncAPI tests compare what the log holds with the document)."""

from __future__ import annotations

import asyncio
import io

from httpx import AsyncClient, Response
from PIL import Image

from tests.web.api import Account, channel, join, ok, signup, workspace


def fine(response: Response) -> None:
    assert response.is_success, (response.status_code, response.text)


async def every_event(http: AsyncClient) -> None:
    ana, bruno = await signup(http, "ana"), await signup(http, "bruno")
    ws = await workspace(http, ana)
    wid = ws["id"]
    fine(
        await http.patch(
            f"/api/v1/workspaces/{wid}", json={"description": "Tertulias"}, headers=ana.headers
        )
    )
    await join(http, wid, ana, bruno)
    fine(
        await http.patch(
            f"/api/v1/workspaces/{wid}/members/{bruno.id}",
            json={"role": "admin"},
            headers=ana.headers,
        )
    )
    carla = await signup(http, "carla")
    await join(http, wid, ana, carla)
    fine(  # a group DM: its channel.created carries kind "group_dm"
        await http.post(
            f"/api/v1/workspaces/{wid}/dms",
            json={"user_ids": [bruno.id, carla.id]},
            headers=ana.headers,
        )
    )
    plaza = await channel(http, wid, ana, "plaza")
    cid = plaza["id"]
    fine(
        await http.post(
            f"/api/v1/channels/{cid}/members", json={"user_id": bruno.id}, headers=ana.headers
        )
    )
    fine(await http.patch(f"/api/v1/channels/{cid}", json={"topic": "Todo"}, headers=ana.headers))
    root = ok(
        await http.post(
            f"/api/v1/channels/{cid}/messages", json={"text": "Hola @bruno"}, headers=ana.headers
        ),
        201,
    )
    reply = ok(
        await http.post(
            f"/api/v1/channels/{cid}/messages",
            json={"text": "Respuesta", "thread_root_id": root["id"]},
            headers=bruno.headers,
        ),
        201,
    )
    fine(
        await http.patch(
            f"/api/v1/messages/{root['id']}",
            json={"text": "Hola @bruno :)", "version": root["version"]},
            headers=ana.headers,
        )
    )
    fine(
        await http.put(f"/api/v1/messages/{root['id']}/reactions/:thumbsup:", headers=bruno.headers)
    )
    fine(
        await http.delete(
            f"/api/v1/messages/{root['id']}/reactions/:thumbsup:", headers=bruno.headers
        )
    )
    fine(await http.put(f"/api/v1/messages/{root['id']}/pin", headers=ana.headers))
    fine(await http.delete(f"/api/v1/messages/{root['id']}/pin", headers=ana.headers))
    fine(await http.delete(f"/api/v1/messages/{root['id']}/follow", headers=ana.headers))
    fine(await http.put(f"/api/v1/messages/{root['id']}/follow", headers=ana.headers))
    fine(
        await http.post(
            f"/api/v1/channels/{cid}/read", json={"message_id": root["id"]}, headers=bruno.headers
        )
    )
    fine(
        await http.post(
            f"/api/v1/channels/{cid}/read", json={"thread_root_id": root["id"]}, headers=ana.headers
        )
    )
    fine(
        await http.patch(
            f"/api/v1/channels/{cid}/members/{bruno.id}",
            json={"muted": True},
            headers=bruno.headers,
        )
    )
    fine(
        await http.patch(
            f"/api/v1/channels/{cid}/members/{bruno.id}",
            json={"muted": False},
            headers=bruno.headers,
        )
    )
    fine(await http.post("/api/v1/notifications/read", json={}, headers=bruno.headers))
    await files(http, ana, wid, cid)
    fine(await http.delete(f"/api/v1/messages/{reply['id']}", headers=bruno.headers))
    fine(await http.delete(f"/api/v1/messages/{root['id']}", headers=ana.headers))
    fine(await http.patch(f"/api/v1/channels/{cid}", json={"archived": True}, headers=ana.headers))
    fine(await http.patch(f"/api/v1/channels/{cid}", json={"archived": False}, headers=ana.headers))
    fine(await http.delete(f"/api/v1/channels/{cid}/members/{bruno.id}", headers=ana.headers))
    fine(
        await http.patch(
            "/api/v1/users/me", json={"display_name": "Bruno B."}, headers=bruno.headers
        )
    )
    fine(await http.delete(f"/api/v1/workspaces/{wid}/members/{bruno.id}", headers=ana.headers))
    fine(await http.post("/api/v1/auth/logout", json={}, headers=bruno.headers))


async def _processed(http: AsyncClient, who: Account, file_id: str) -> None:
    for _ in range(300):
        got = ok(await http.get(f"/api/v1/files/{file_id}", headers=who.headers))
        if got["status"] != "processing":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the image was never processed")


async def files(http: AsyncClient, ana: Account, wid: str, cid: str) -> None:
    """A photo shared and made ready, a broken one, and one deleted."""
    picture = io.BytesIO()
    Image.linear_gradient("L").resize((300, 200)).save(picture, "PNG")
    uploads = []
    for name, data in (("plano.png", picture.getvalue()), ("roto.png", picture.getvalue()[:90])):
        uploads.append(
            ok(
                await http.post(
                    f"/api/v1/workspaces/{wid}/files",
                    files={"file": (name, data)},
                    headers=ana.headers,
                ),
                201,
            )
        )
    ok(
        await http.post(
            f"/api/v1/channels/{cid}/messages",
            json={"text": "el plano", "file_ids": [uploads[0]["id"]]},
            headers=ana.headers,
        ),
        201,
    )
    for file in uploads:
        await _processed(http, ana, file["id"])
    fine(await http.delete(f"/api/v1/files/{uploads[1]['id']}", headers=ana.headers))
