"""The ceiling of fan-out: the same server stack as Tertulia (uvicorn, wsproto, FastAPI) with
no application logic. Sockets authenticate with any first frame and get a hello; a POST to
/broadcast encodes its text once (padded to `size` bytes, the size of Tertulia's frames) and
writes the same frame to every socket.

    .venv/bin/python -m uvicorn bare_ws:app --app-dir bench --ws wsproto --port 8001
"""

from __future__ import annotations

import itertools

import orjson
from fastapi import FastAPI, Request, Response, WebSocket, WebSocketDisconnect

app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
sockets: set[WebSocket] = set()
ids = itertools.count(1)


@app.websocket("/api/v1/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()
    await websocket.send_text('{"type":"hello","last_event_id":0}')
    sockets.add(websocket)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except WebSocketDisconnect:
        return
    finally:
        sockets.discard(websocket)


@app.post("/broadcast")
async def broadcast(request: Request) -> Response:
    body = orjson.loads(await request.body())
    text, size = body["text"], body.get("size", 0)
    frame = orjson.dumps(
        {"type": "message.created", "id": next(ids), "data": {"text": text, "pad": ""}}
    ).decode()
    frame = frame.replace('"pad":""', '"pad":"' + "x" * max(0, size - len(frame)) + '"')
    for socket in list(sockets):
        try:
            await socket.send_text(frame)
        except Exception:
            sockets.discard(socket)
    return Response(status_code=201)
