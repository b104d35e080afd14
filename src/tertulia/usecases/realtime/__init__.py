"""Real time: committed events, from the log to the sockets of the people who may see them.

The database is the truth and the socket its replica. A unit of work appends its events to the
log and commits; only then are they published to the broker (in-process, or Redis across
nodes). Every node's `Hub` takes them back in log order, fills any gap from the log itself (a
publish lost to a crash or a dropped connection costs latency, never an event), and offers
each one, encoded once, to the local connections whose scopes its audience names. An event
the broker brings that the log does not hold is dropped: only the log moves the hub's cursor.

A connection that resumes from the last id it saw is sent the log from there up to the hub's
watermark, then whatever the hub dispatched after it registered: no gap, no duplicate at the
seam; a hub behind the client's id reads the log up to it first. Ephemeral events (typing,
presence) carry id 0, skip the log, and are the first thing a slow connection loses; typing
is throttled per person and channel (`throttle.py`), and a person may hold a bounded number
of sockets, every node counted.

Modules: `envelopes` (events encoded once, and their scopes), `feeds` (a connection's
bounded queue), `hub`, `throttle`, and `live` (the use case the web layer calls). Its ports
(the envelope, broker, event log and presence) are in `usecases/ports/realtime.py`.
"""

from tertulia.usecases.realtime.envelopes import envelope, frame, watchers
from tertulia.usecases.realtime.feeds import Feed
from tertulia.usecases.realtime.hub import Attached, Hub
from tertulia.usecases.realtime.live import SUBSCRIBE_MAX, Live

__all__ = ["SUBSCRIBE_MAX", "Attached", "Feed", "Hub", "Live", "envelope", "frame", "watchers"]
