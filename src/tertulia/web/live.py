"""`GET /api/v1/ws`: the WebSocket of real time.

The client's first frame authenticates: `{"type": "auth", "token": "<access token>",
"last_event_id": 123}` (the token never travels in the URL, so no log holds it). The server
answers `hello` and then sends, one JSON text frame each, every event the person may see: first
those after `last_event_id` still in the log, then live ones, with no gap and no duplicate at
the seam. Durable changes go through REST; the socket takes only ephemeral commands (typing,
presence heartbeats). See `/asyncapi.json` for every frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState

from tertulia.domain.errors import DomainError
from tertulia.domain.ids import UserId, is_id
from tertulia.usecases.core import Tertulia
from tertulia.usecases.ports.realtime import Envelope
from tertulia.usecases.realtime import SUBSCRIBE_MAX, Attached, Feed
from tertulia.web.auth import AccessTokens, Principal
from tertulia.web.closes import CLOSE_OF_ERROR, Close

router = APIRouter()
log = logging.getLogger("tertulia.live")


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """What the socket needs from the configuration."""

    queue_events: int = 1024
    max_frame_bytes: int = 16 * 1024
    commands_per_second: float = 10
    commands_burst: int = 30
    auth_seconds: float = 10


class Refused(Exception):
    """Close the connection with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Bucket:
    """A token bucket: `rate` per second, up to `burst` at once."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _frame(kind: str, **fields: Any) -> str:
    return orjson.dumps({"type": kind, **fields}).decode()


def _error(code: str, detail: str) -> str:
    return _frame("error", code=code, detail=detail)


class _Endpoint:
    """The socket as a bare ASGI app, so that events go straight to the server's `send`,
    past Starlette's per-message wrappers and checks (a fifth of the cost of a fan-out)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await live(WebSocket(scope, receive, send), send)


router.routes.append(WebSocketRoute("/api/v1/ws", _Endpoint()))


async def live(websocket: WebSocket, raw_send: Send) -> None:
    """`GET /api/v1/ws`: authenticate, attach, then read commands while a second task
    writes events."""
    core: Tertulia = websocket.app.state.core
    tokens: AccessTokens = websocket.app.state.tokens
    settings: LiveSettings = websocket.app.state.live_settings
    await websocket.accept()
    try:
        principal, last_id = await _authenticate(websocket, core, tokens, settings)
    except Refused as refused:
        await _close(websocket, refused.code, refused.reason)
        return
    except WebSocketDisconnect:
        return
    except Exception:  # the session could not be checked (a database down): try again
        log.warning("could not authenticate a socket; closing it with resume", exc_info=True)
        await _close(websocket, Close.RESUME, "resume")
        return
    feed = Feed(principal.user_id, principal.session_id, settings.queue_events)
    try:
        attached = await core.live.connect(feed, last_id)
    except DomainError as refused:  # the person may not open one more
        await _close(websocket, CLOSE_OF_ERROR.get(refused.code, Close.RESUME), refused.code)
        return
    except Exception:
        log.warning("could not attach a socket; closing it with resume", exc_info=True)
        await core.live.disconnect(feed)
        await _close(websocket, Close.RESUME, "resume")
        return
    # two tasks a connection: this one reads commands, the writer sends events (and closes
    # the socket when it must stop, which ends the reading too)
    writer = asyncio.create_task(_write(websocket, raw_send, feed, attached, core.live.hub.replay))
    try:
        stop = await _read(websocket, core, feed, settings)
    finally:
        await core.live.disconnect(feed)
    if stop is not None:
        writer.cancel()
        await _close(websocket, stop.code, stop.reason)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await writer


async def _authenticate(
    websocket: WebSocket, core: Tertulia, tokens: AccessTokens, settings: LiveSettings
) -> tuple[Principal, int | None]:
    try:
        async with asyncio.timeout(settings.auth_seconds):
            message = await websocket.receive()
    except TimeoutError:
        raise Refused(Close.UNAUTHENTICATED, "auth.timeout") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None or len(text) > settings.max_frame_bytes:
        raise Refused(Close.UNAUTHENTICATED, "auth.expected")
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Refused(Close.UNAUTHENTICATED, "auth.expected") from None
    if not isinstance(body, dict) or body.get("type") != "auth":
        raise Refused(Close.UNAUTHENTICATED, "auth.expected")
    token, last_id = body.get("token"), body.get("last_event_id")
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise Refused(Close.UNAUTHENTICATED, "auth.missing_token")
    if last_id is not None and (
        isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id < 2**63
    ):
        raise Refused(Close.UNAUTHENTICATED, "auth.bad_last_event_id")
    try:
        principal = tokens.verify(token)
        await core.accounts.check_session(principal.user_id, principal.session_id)
    except DomainError as error:
        raise Refused(Close.UNAUTHENTICATED, error.code) from None
    return principal, last_id


async def _write(
    websocket: WebSocket,
    raw_send: Send,
    feed: Feed,
    attached: Attached,
    replay: Callable[[int, int, frozenset[str]], Awaitable[tuple[list[Envelope], int]]],
) -> None:
    """The hello, the replay, then live events until the feed ends; then close the socket:
    "resume" when the connection fell behind or the server is leaving, "session ended"
    when it was logged out."""

    async def send(text: str) -> None:
        await raw_send({"type": "websocket.send", "text": text})

    tally = websocket.app.state.metrics.tally  # counted for /metrics

    try:
        await send(
            _frame(
                "hello",
                last_event_id=attached.up_to,
                resumed=attached.after is not None,
                user_id=feed.user_id,
            )
        )
        if attached.resync:
            await send(_frame("resync_required", last_event_id=attached.up_to))
        elif attached.after is not None:
            after = attached.after
            while True:
                items, after = await replay(after, attached.up_to, attached.scopes)
                if not items:
                    break
                for item in items:
                    await send(item.frame)
                tally.delivered += len(items)
        seam = attached.up_to
        while True:
            items = await feed.take()
            if not items:
                break
            for item in items:
                if item.id and item.id <= seam:
                    continue
                await raw_send({"type": "websocket.send", "text": item.frame})
            tally.delivered += len(items)
    except (WebSocketDisconnect, OSError, RuntimeError):
        pass  # the client is gone (closing below does no harm), or a database timed out
    except Exception:
        # a replay the database could not serve, a send that failed: the client resumes
        # from its last id rather than sit on a socket that hears nothing
        log.warning("a socket's writer failed; closing it with resume", exc_info=True)
    tally.backpressure += feed.overflowed
    if feed.session_ended:
        await _close(websocket, Close.SESSION_ENDED, "session.ended")
    else:
        await _close(websocket, Close.RESUME, "resume")


async def _read(
    websocket: WebSocket, core: Tertulia, feed: Feed, settings: LiveSettings
) -> Refused | None:
    """Take commands until the client leaves or the writer closed the socket (None), or
    the client must be closed (why)."""
    bucket = Bucket(settings.commands_per_second, settings.commands_burst)
    refusals = 0
    while True:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None:
            return Refused(Close.NOT_TEXT, "frame.not_text")
        if len(text) > settings.max_frame_bytes:
            return Refused(Close.TOO_BIG, "frame.too_large")
        if not bucket.take():
            refusals += 1
            if refusals > settings.commands_burst:
                return Refused(Close.TOO_MANY, "commands.too_many")
            reply: str | None = _error("commands.rate_limited", "Slow down: too many commands.")
        else:
            reply = await _command(core, feed, text)
        if reply is not None:
            try:
                await websocket.send_text(reply)
            except (WebSocketDisconnect, OSError, RuntimeError):
                return None


async def _command(core: Tertulia, feed: Feed, text: str) -> str | None:
    """Carry out one command; the frame to answer with, if any."""
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _error("frame.malformed", "Frames are JSON objects with a type.")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _error("frame.malformed", "Frames are JSON objects with a type.")
    kind = body["type"]
    if kind == "ping":
        return _frame("pong")
    if kind == "presence":
        status = body.get("status")
        if status not in ("active", "away"):
            return _error("presence.status", "presence status is 'active' or 'away'.")
        await core.live.set_presence(feed, status == "active")
        return None
    if kind == "presence.subscribe":
        ids = body.get("user_ids")
        if (
            not isinstance(ids, list)
            or len(ids) > SUBSCRIBE_MAX
            or not all(isinstance(i, str) and is_id(i) for i in ids)
        ):
            return _error(
                "presence.user_ids", f"user_ids is a list of at most {SUBSCRIBE_MAX} user ids."
            )
        try:
            people = await core.workspaces.visible_people(feed.user_id, [UserId(i) for i in ids])
            await core.live.subscribe(feed, people)  # its answer follows on the feed
        except Exception:
            log.warning("presence.subscribe failed", exc_info=True)
            return _error("presence.unavailable", "Presence is unavailable; try again later.")
        return None
    if kind == "view":
        channel_id = body.get("channel_id")
        if channel_id is not None and (not isinstance(channel_id, str) or not is_id(channel_id)):
            return _error("view.channel_id", "view needs the channel_id of a channel, or null.")
        if not core.live.view(feed, channel_id):
            return _error("view.not_member", "You can only view channels you are in.")
        return None
    if kind in ("typing.start", "typing.stop"):
        channel_id, root = body.get("channel_id"), body.get("thread_root_id")
        if not isinstance(channel_id, str) or not is_id(channel_id):
            return _error("typing.channel_id", "typing needs the channel_id of a channel.")
        if root is not None and (not isinstance(root, str) or not is_id(root)):
            return _error("typing.thread_root_id", "thread_root_id is a message id or null.")
        if not core.live.typing(feed.user_id, channel_id, root, kind == "typing.stop"):
            return _error("typing.not_member", "You can only type in channels you are in.")
        return None
    return _error("command.unknown", f"Unknown command {kind[:40]!r}.")


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await websocket.close(code, reason)
