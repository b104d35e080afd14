"""The socket's close codes: the one table of every code the server closes a socket with, what
it means and what a client does about it. `live.py` and `heartbeat.py` close with these
codes, and `protocol.py` documents them from this table (as the README lists them), so no
code goes out undocumented.

4000 to 4099 mean "reconnect and resume from your last id", 4400 to 4499 "fix something
first", as HTTP's 4xx would; the standard codes keep their standard meanings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Close(IntEnum):
    RESUME = 4000  # fell behind, stopped reading, or the server is going away: resume
    RESTART = 1012  # the server is restarting (sent by uvicorn at shutdown): resume
    UNAUTHENTICATED = 4401  # no auth frame in time, or a token that is not valid
    SESSION_ENDED = 4403  # the session was logged out: log in again
    TOO_MANY_SOCKETS = 4409  # the person has as many sockets open as they may
    TOO_MANY = 4429  # commands faster than allowed, again and again
    TOO_BIG = 1009  # a frame over the limit (the standard code)
    NOT_TEXT = 1003  # binary frames are not part of the protocol (the standard code)
    PROTOCOL_ERROR = 1002  # a frame that breaks the WebSocket protocol (sent by wsproto)
    NOT_UTF8 = 1007  # a text frame that is not UTF-8 (sent by wsproto)


@dataclass(frozen=True, slots=True)
class CloseCode:
    code: Close
    reasons: str  # the close reasons that come with it
    meaning: str  # when the server sends it, and what the client does


CLOSE_CODES = (
    CloseCode(
        Close.RESUME,
        "resume",
        "Reconnect and resume from the last id you received: you lose nothing. Sent when "
        "your socket fell too far behind (its queue filled), when it did not answer the "
        "server's heartbeat ping within TERTULIA_WS_PING_SECONDS (a client that stopped "
        "reading), when the server could not serve your replay or check your session, and "
        "when the server is going away.",
    ),
    CloseCode(
        Close.RESTART,
        "",
        "The server is restarting (a deploy): reconnect, to another node or in a moment, "
        "and resume.",
    ),
    CloseCode(
        Close.UNAUTHENTICATED,
        "auth.timeout, auth.expected, auth.missing_token, auth.bad_last_event_id, "
        "auth.token_expired, auth.session_ended, …",
        "Not authenticated; the reason says why: send the auth frame first, within the "
        "time allowed, with a fresh access token.",
    ),
    CloseCode(Close.SESSION_ENDED, "session.ended", "This session was logged out: log in again."),
    CloseCode(
        Close.TOO_MANY_SOCKETS,
        "sockets.too_many",
        "You have as many sockets open as one person may (TERTULIA_WS_SOCKETS_PER_PERSON, "
        "50 by default, counted on every node): close one of yours before opening another; "
        "do not reconnect in a loop.",
    ),
    CloseCode(
        Close.TOO_MANY,
        "commands.too_many",
        "Commands faster than allowed, again and again (after commands.rate_limited "
        "errors): slow down before reconnecting.",
    ),
    CloseCode(
        Close.TOO_BIG,
        "frame.too_large",
        "A frame over the size limit (TERTULIA_WS_MAX_FRAME_BYTES, 16 KiB by default).",
    ),
    CloseCode(Close.NOT_TEXT, "frame.not_text", "A binary frame: the protocol is JSON text."),
    CloseCode(Close.PROTOCOL_ERROR, "", "A frame that breaks the WebSocket protocol (RFC 6455)."),
    CloseCode(Close.NOT_UTF8, "", "A text frame that is not valid UTF-8."),
)

# the close code of each refusal a use case raises when a socket connects
CLOSE_OF_ERROR = {"sockets.too_many": Close.TOO_MANY_SOCKETS}
