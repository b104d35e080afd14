"""The one job worker: a job is done by the handler of its kind, when it is due; one that
fails is tried again later, then, after as many attempts as its kind allows, it is dead until
an operator revives it; kinds this node has no handler for are left to the nodes that have
one; periodic steps run on their own schedule and survive their failures."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from tertulia.domain.errors import Invalid
from tertulia.domain.jobs import Job
from tertulia.usecases import jobs
from tertulia.usecases.core import Tertulia
from tertulia.usecases.jobs import Handler, Jobs, Periodic
from tertulia.usecases.ports import UnitOfWork
from tests.conftest import Clock


class Recorder:
    """A handler that records what it was given, and fails its first `failing` calls."""

    def __init__(self, failing: int = 0) -> None:
        self.done: list[str] = []
        self.failing = failing
        self.buried: list[str] = []

    async def run(self, job: Job) -> None:
        if self.failing:
            self.failing -= 1
            raise RuntimeError(f"{job.subject} could not be done")
        self.done.append(job.subject)

    async def on_dead(self, uow: UnitOfWork, job: Job) -> None:
        self.buried.append(job.subject)


def worker(core: Tertulia, recorder: Recorder, max_attempts: int = 3) -> Jobs:
    return replace(
        core.jobs,
        handlers=[Handler("test.echo", recorder.run, max_attempts, on_dead=recorder.on_dead)],
        periodic=[],
    )


async def enqueue(core: Tertulia, clock: Clock, subject: str, kind: str = "test.echo") -> None:
    async with core.jobs.uow() as uow:
        await jobs.enqueue(uow, kind, subject, clock())
        await uow.commit()


async def run_all(work: Jobs) -> int:
    ran = 0
    while await work.run_once():
        ran += 1
    return ran


async def test_a_job_is_done_by_the_handler_of_its_kind(core: Tertulia, clock: Clock) -> None:
    recorder = Recorder()
    work = worker(core, recorder)
    await enqueue(core, clock, "uno")
    await enqueue(core, clock, "dos")

    assert await run_all(work) == 2
    assert recorder.done == ["uno", "dos"]
    assert await work.pending() == 0


async def test_a_failed_job_is_tried_again_after_a_growing_wait(
    core: Tertulia, clock: Clock
) -> None:
    """2 seconds after the first failure, 4 after the second: not before."""
    recorder = Recorder(failing=2)
    work = worker(core, recorder)
    await enqueue(core, clock, "uno")

    assert await run_all(work) == 1  # failed once
    clock.advance(seconds=1.9)
    assert await run_all(work) == 0
    clock.advance(seconds=0.2)
    assert await run_all(work) == 1  # failed twice
    clock.advance(seconds=3.9)
    assert await run_all(work) == 0
    clock.advance(seconds=0.2)
    assert await run_all(work) == 1
    assert recorder.done == ["uno"]
    assert await work.pending() == 0
    assert jobs.backoff(20) == jobs.BACKOFF_CAP  # never more than five minutes


async def test_a_job_that_keeps_failing_dies_and_an_operator_revives_it(
    core: Tertulia, clock: Clock
) -> None:
    recorder = Recorder(failing=3)
    work = worker(core, recorder, max_attempts=3)
    await enqueue(core, clock, "uno")
    for _ in range(3):
        await run_all(work)
        clock.advance(minutes=10)

    dead = await work.dead()
    assert [(j.kind, j.subject, j.attempts) for j in dead] == [("test.echo", "uno", 3)]
    assert "uno could not be done" in (dead[0].error or "")
    assert dead[0].created_at == clock() - timedelta(minutes=30)
    assert recorder.buried == ["uno"]  # what dying means for its subject, said once
    assert await work.pending() == 0  # the dead wait for no one
    clock.advance(days=365 * 100)
    assert await run_all(work) == 0  # not even in a hundred years

    assert await work.retry(dead[0].id) == 1
    assert await run_all(work) == 1
    assert recorder.done == ["uno"]
    assert await work.dead() == []


async def test_reviving_needs_a_dead_job(core: Tertulia, clock: Clock) -> None:
    """Every dead job comes back with --all; a job that is not dead is refused by id."""
    recorder = Recorder(failing=2)
    work = worker(core, recorder, max_attempts=1)
    await enqueue(core, clock, "uno")
    await enqueue(core, clock, "dos")
    await run_all(work)
    await enqueue(core, clock, "tres")  # alive, waiting

    with pytest.raises(Invalid) as refused:
        await work.retry(10**9)
    assert refused.value.code == "job.not_dead"
    assert await work.retry(None) == 2
    assert await run_all(work) == 3
    assert sorted(recorder.done) == ["dos", "tres", "uno"]


async def test_a_job_waits_for_its_time(core: Tertulia, clock: Clock) -> None:
    """Scheduled work ("post this at 09:00") runs when its time comes, not before."""
    recorder = Recorder()
    work = worker(core, recorder)
    async with core.jobs.uow() as uow:
        await jobs.schedule(uow, "test.echo", "later", clock() + timedelta(hours=9), clock())
        await uow.commit()

    assert await run_all(work) == 0
    clock.advance(hours=8, minutes=59)
    assert await run_all(work) == 0
    clock.advance(minutes=1)
    assert await run_all(work) == 1
    assert recorder.done == ["later"]


async def test_kinds_without_a_handler_here_are_left_for_other_nodes(
    core: Tertulia, clock: Clock
) -> None:
    """A node that does not know a kind (an older one, in a rolling upgrade) leaves its
    jobs alone for the nodes that do, rather than failing them to death."""
    recorder = Recorder()
    await enqueue(core, clock, "nuevo", kind="test.newer")

    assert await run_all(worker(core, recorder)) == 0
    assert await core.jobs.pending("test.newer") == 1
    newer = replace(core.jobs, handlers=[Handler("test.newer", recorder.run)])
    assert await run_all(newer) == 1
    assert recorder.done == ["nuevo"]


async def test_periodic_steps_run_on_their_own_and_survive_failures(core: Tertulia) -> None:
    """A step runs every `every` seconds; one with more to do runs again at once; one that
    fails is tried again when next due, and the others go on."""
    calls = {"busy": 0, "broken": 0}

    async def busy() -> bool:
        calls["busy"] += 1
        return calls["busy"] < 3  # three rounds back to back, then every 10 s

    async def broken() -> bool:
        calls["broken"] += 1
        raise RuntimeError("cannot step")

    work = replace(
        core.jobs,
        handlers=[],
        periodic=[Periodic("busy", 10.0, busy), Periodic("broken", 0.05, broken)],
        poll_seconds=0.05,
    )
    running = asyncio.create_task(work.run())
    try:
        await asyncio.sleep(0.5)
    finally:
        running.cancel()
    assert calls["busy"] == 3
    assert calls["broken"] >= 3


async def test_a_handler_that_forgets_to_say_it_is_done_is_not_run_twice(
    core: Tertulia, clock: Clock
) -> None:
    recorder = Recorder()
    work = worker(core, recorder)
    await enqueue(core, clock, "uno")

    assert await run_all(work) == 1
    clock.advance(hours=1)  # well past any lease
    assert await run_all(work) == 0
    assert recorder.done == ["uno"]
