"""Jobs: work on the durable queue, run by the one worker (`usecases/jobs.py`).

A job is a kind (which handler does it) and a subject (what it is about: a file id, a blob
key, a message id), due at `run_after` (seconds since the epoch). A job that failed as often
as its handler allows is dead: it stays, with its last error, until an operator revives it
(`tertulia jobs retry`). A dead job waits for a time that never comes (`NEVER`), so the queue
needs no column of its own to tell it apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NEVER = 1e15  # the run_after of a dead job: about the year 31,700, past any clock


@dataclass(frozen=True, slots=True)
class Job:
    """Work taken from the durable queue, leased to this worker until done or retried."""

    id: int
    kind: str  # which handler does it: image, collect…
    subject: str  # what it is about: a file id, a blob key…
    attempts: int  # including this one
    error: str | None = None  # why the last attempt failed (listings only)
    created_at: datetime | None = None  # when it was enqueued (listings only)
