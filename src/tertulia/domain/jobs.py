"""Jobs: work on the durable queue, run by the one worker (usecases/jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Job:
    """Work taken from the durable queue, leased to this worker until done or retried."""

    id: int
    kind: str  # image, collect
    subject: str  # a file id, a blob key
    attempts: int  # including this one
