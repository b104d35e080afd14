"""The WebSocket server: uvicorn's wsproto protocol, letting go of a peer that stopped reading.

uvicorn's heartbeat closes a socket whose pong does not come within `ws_ping_timeout` with
1011 and `transport.close()`, and its shutdown with 1012 and the same close: a close that
waits for the send buffer to drain, and tells the application nothing until it has. A peer
that stays connected but never reads never drains it: its connection kept megabytes of
buffers, its person showed online, and every graceful shutdown waited its whole timeout for
it. Here the missing pong closes the socket with 4000 (resume) and tells the application at
once (its reader sees the disconnect, so presence sees the person go); then the transport is
aborted if its buffer cannot drain (writing is paused: the peer reads nothing), or once it
has had `LINGER` seconds to. Shutdown lets go the same way after its 1012, and so does a
close of the application's own (a socket cut for falling behind) that the peer has not
answered by the next heartbeat.

`tertulia serve` runs it (`ws=HeartbeatProtocol`), and so do the tests' servers.
"""

from __future__ import annotations

import contextlib
from asyncio import TimerHandle

from uvicorn.protocols.websockets.wsproto_impl import WSProtocol
from wsproto.events import CloseConnection
from wsproto.utilities import LocalProtocolError

from tertulia.web.closes import Close

LINGER = 2.0  # seconds a closing socket that still reads has to take what was sent to it


class HeartbeatProtocol(WSProtocol):
    """uvicorn's wsproto server whose heartbeat and shutdown never wait on a peer that
    does not read."""

    _abort: TimerHandle | None = None

    def send_keepalive_ping(self) -> None:
        if self.close_sent:
            # closed a whole interval ago and still not gone: the peer does not read
            self.ping_timer = None
            self._let_go()
            return
        super().send_keepalive_ping()

    def keepalive_timeout(self) -> None:
        self.pong_timer = None
        self.pending_ping_payload = None
        if self.close_sent:
            self._let_go()
            return
        if self.transport.is_closing():
            return
        self.close_sent = True
        self.queue.put_nowait(
            {"type": "websocket.disconnect", "code": Close.RESUME, "reason": "resume"}
        )
        with contextlib.suppress(LocalProtocolError):
            frame = CloseConnection(code=Close.RESUME, reason="resume")
            self.transport.write(self.conn.send(frame))
        self._let_go()

    def shutdown(self) -> None:
        super().shutdown()
        self._let_go()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._abort is not None:
            self._abort.cancel()
            self._abort = None
        super().connection_lost(exc)

    def _let_go(self) -> None:
        """Close the transport: at once if what it holds cannot drain, else after LINGER."""
        if not self.writable.is_set():  # paused: the peer has not read for a while
            self.transport.abort()
            return
        self.transport.close()
        if self._abort is None:
            self._abort = self.loop.call_later(LINGER, self.transport.abort)
