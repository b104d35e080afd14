"""Resumable uploads through the use cases, on SQLite and on PostgreSQL, with a real blob
directory: expired uploads swept with their parts' bytes; the space promised to uploads under
way counted against the quotas."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import replace

import pytest

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.sql.database import Database, open_database
from tertulia.domain.errors import Conflict, NotFound
from tertulia.domain.ids import UploadId, WorkspaceId
from tertulia.domain.uploads import Upload
from tertulia.domain.users import User
from tertulia.usecases import files as file_work
from tertulia.usecases import filework
from tertulia.usecases import uploads as uploads_module
from tertulia.usecases.core import Tertulia
from tertulia.usecases.files import FileLimits
from tertulia.usecases.jobs import Periodic
from tertulia.usecases.uploads import UPLOAD_TTL, Uploads
from tests.conftest import Clock

TEXT = ("Acta de la reunión del lunes.\n" * 400).encode()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """This module's database: SQLite, then PostgreSQL."""
    database = open_database(database_url)
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def collect_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freed bytes go at the next collect job, not a minute later."""
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def work_all(core: Tertulia) -> None:
    while await core.jobs.run_once():
        pass


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(core: Tertulia) -> set[str]:
    assert isinstance(core.blobs, LocalBlobStore)
    return {p.name for p in core.blobs.root.rglob("*") if p.is_file()}


async def row(core: Tertulia, upload_id: UploadId) -> tuple[Upload | None, int]:
    """The upload's row and how many parts rows it has, as the database holds them."""
    async with core.files.uow(read_only=True) as uow:
        return await uow.uploads.find(upload_id), len(await uow.uploads.parts(upload_id))


async def test_an_expired_upload_is_swept_with_its_parts(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """An upload nobody sent a part to for 24 hours disappears with its parts, and its bytes
    leave the store; a live upload and bytes a file shares with it stay."""
    shared, own = TEXT[:1000], TEXT[1000:3000]
    kept = await core.files.upload(bruno.id, ws, "trozo.txt", chunks(shared))
    assert kept.blob_key == key_of(shared)
    old = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await core.uploads.append(ana.id, old.id, 0, chunks(shared))
    await core.uploads.append(ana.id, old.id, len(shared), chunks(own))
    clock.advance(hours=12)
    live = await core.uploads.create(ana.id, ws, "otra.txt", len(TEXT))
    await core.uploads.append(ana.id, live.id, 0, chunks(TEXT[:500]))
    clock.advance(hours=12, seconds=1)  # the old one's last part came 24 h ago

    assert await core.file_work.sweep() == 1
    assert await row(core, old.id) == (None, 0)
    with pytest.raises(NotFound) as gone:
        await core.uploads.get(ana.id, old.id)
    assert gone.value.code == "upload.not_found"
    assert key_of(own) in stored(core)  # freed later, by the collect job
    await work_all(core)
    assert key_of(own) not in stored(core)
    assert key_of(shared) in stored(core)  # bruno's file holds the same bytes
    assert key_of(TEXT[:500]) in stored(core)  # the live upload's part
    assert await core.file_work.sweep() == 0

    finished = await core.uploads.append(ana.id, live.id, 500, chunks(TEXT[500:]))
    assert finished.file_id is not None
    file = await core.files.get(ana.id, finished.file_id)
    assert b"".join([c async for c in core.blobs.read(file.blob_key or "")]) == TEXT


async def test_an_upload_is_swept_only_once_expired(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User
) -> None:
    """Each part pushes the expiry back: an upload a part came to within 24 hours stays."""
    upload = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    clock.advance(hours=20)
    await core.uploads.append(ana.id, upload.id, 0, chunks(TEXT[:100]))
    clock.advance(hours=20)
    assert await core.file_work.sweep() == 0
    assert (await core.uploads.get(ana.id, upload.id)).offset == 100
    clock.advance(hours=4)
    assert await core.file_work.sweep() == 1


async def test_a_finished_upload_is_swept_and_its_file_stays(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User
) -> None:
    """What is left of a finished upload goes once expired; the file it made stays whole."""
    upload = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await core.uploads.append(ana.id, upload.id, 0, chunks(TEXT[:2000]))
    done = await core.uploads.append(ana.id, upload.id, 2000, chunks(TEXT[2000:]))
    assert done.file_id is not None
    clock.advance(seconds=UPLOAD_TTL.total_seconds())
    assert await core.file_work.sweep() == 1
    await work_all(core)
    file = await core.files.get(ana.id, done.file_id)
    assert b"".join([c async for c in core.blobs.read(file.blob_key or "")]) == TEXT
    assert stored(core) == {key_of(TEXT)}  # the parts' bytes went, the file's stayed


async def test_sweeping_goes_a_batch_per_transaction(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep deletes at most a batch; the next takes the rest."""
    monkeypatch.setattr(filework, "SWEEP_BATCH", 2)
    for i in range(5):
        await core.uploads.create(ana.id, ws, f"{i}.txt", 100)
    clock.advance(days=2)
    assert [await core.file_work.sweep() for _ in range(4)] == [2, 2, 1, 0]


async def test_the_worker_sweeps_by_itself(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User
) -> None:
    """The job worker every node runs sweeps expired uploads (a periodic step) and frees their
    bytes (a job), unasked."""
    upload = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await core.uploads.append(ana.id, upload.id, 0, chunks(TEXT[:100]))
    clock.advance(days=1, seconds=1)
    sweeping = Periodic("uploads.sweep", 0.05, core.file_work.sweep_more)
    worker = replace(core.jobs, poll_seconds=0.05, periodic=[sweeping])
    running = asyncio.create_task(worker.run())
    try:
        for _ in range(400):  # up to 20 s
            if not stored(core) and (await row(core, upload.id))[0] is None:
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
    assert await row(core, upload.id) == (None, 0)
    assert stored(core) == set()


async def test_a_part_arriving_as_its_upload_is_swept_is_freed(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User
) -> None:
    """A part still coming in when its upload expires and is swept is not kept: the request
    gets 404 and its bytes leave the store."""
    upload = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))

    async def slow_part() -> AsyncIterator[bytes]:
        yield TEXT[:1000]
        clock.advance(days=1, seconds=1)
        assert await core.file_work.sweep() == 1
        yield TEXT[1000:2000]

    with pytest.raises(NotFound) as gone:
        await core.uploads.append(ana.id, upload.id, 0, slow_part())
    assert gone.value.code == "upload.not_found"
    assert stored(core) == {key_of(TEXT[:2000])}
    await work_all(core)
    assert stored(core) == set()


async def test_nodes_sweeping_at_once_delete_each_upload_once(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several workers sweeping together share the expired uploads out: each is deleted by
    one of them, and its bytes are queued to be freed once."""
    monkeypatch.setattr(filework, "SWEEP_BATCH", 3)
    for i in range(6):
        upload = await core.uploads.create(ana.id, ws, f"{i}.txt", 100)
        await core.uploads.append(ana.id, upload.id, 0, chunks(bytes([i]) * 10))
    clock.advance(days=2)
    workers = [replace(core.file_work) for _ in range(4)]
    swept = await asyncio.gather(*(w.sweep() for w in workers))
    swept += await asyncio.gather(*(w.sweep() for w in workers))
    assert sum(swept) == 6
    async with core.files.uow(read_only=True) as uow:
        assert await uow.jobs.pending(file_work.COLLECT_JOB) == 6


# quotas ----------------------------------------------------------------------------------------


def limited(core: Tertulia, **limits: int) -> Uploads:
    """The uploads use case under these limits (the files use case it ends in too)."""
    return replace(core.uploads, files=replace(core.files, limits=FileLimits(**limits)))


async def refused(uploads: Uploads, user: User, ws: WorkspaceId, length: int) -> str:
    """The code of the refusal to start an upload of `length` bytes."""
    with pytest.raises(Conflict) as refusal:
        await uploads.create(user.id, ws, "grande.bin", length)
    return refusal.value.code


async def test_open_uploads_take_room_in_the_user_quota(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Space promised to one's uploads under way is taken: an upload that would not fit
    beside them is refused at its creation, before a byte is sent; others' quotas are theirs."""
    uploads = limited(core, user_quota=15_000)
    first = await uploads.create(ana.id, ws, "uno.txt", 9_000)
    assert await refused(uploads, ana, ws, 6_001) == "file.quota_user"
    await uploads.create(bruno.id, ws, "suyo.txt", 9_000)  # his own quota
    second = await uploads.create(ana.id, ws, "dos.txt", 6_000)
    assert await refused(uploads, ana, ws, 1) == "file.quota_user"
    with pytest.raises(Conflict) as plain:  # a plain upload counts them too
        await uploads.files.upload(ana.id, ws, "tres.txt", chunks(b"x"), declared=1)
    assert plain.value.code == "file.quota_user"
    await uploads.terminate(ana.id, second.id)  # a cancelled upload gives its room back
    await uploads.create(ana.id, ws, "dos.txt", 6_000)
    clock.advance(seconds=UPLOAD_TTL.total_seconds())  # an expired one too, swept or not
    await uploads.create(ana.id, ws, "cuatro.txt", 15_000)
    with pytest.raises(NotFound):
        await uploads.get(ana.id, first.id)


async def test_open_uploads_take_room_in_the_workspace_quota(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Everyone's uploads under way count against the workspace's quota."""
    uploads = limited(core, workspace_quota=20_000)
    await uploads.create(ana.id, ws, "uno.txt", 12_000)
    assert await refused(uploads, bruno, ws, 8_001) == "file.quota_workspace"
    with pytest.raises(Conflict) as plain:
        await uploads.files.upload(bruno.id, ws, "b.txt", chunks(TEXT[:8_001]))
    assert plain.value.code == "file.quota_workspace"
    await uploads.create(bruno.id, ws, "dos.txt", 8_000)


async def test_a_finished_upload_counts_once(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """An upload that fits finishes even with the quota full of it, and its file then takes
    the room it had: not twice, not less."""
    uploads = limited(core, user_quota=len(TEXT) + 100)
    upload = await uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await uploads.append(ana.id, upload.id, 0, chunks(TEXT[:5000]))
    assert await refused(uploads, ana, ws, 101) == "file.quota_user"
    done = await uploads.append(ana.id, upload.id, 5000, chunks(TEXT[5000:]))
    assert done.file_id is not None
    assert await refused(uploads, ana, ws, 101) == "file.quota_user"
    await uploads.create(ana.id, ws, "resto.txt", 100)


async def test_uploads_started_at_once_cannot_overrun_the_quota(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """Several uploads started at the same moment (from several nodes) are counted one
    after another: only as many as fit are accepted."""
    uploads = limited(core, user_quota=10_000)
    started = await asyncio.gather(
        *(uploads.create(ana.id, ws, f"{i}.txt", 4_000) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(isinstance(s, Upload) for s in started) == 2
    assert all(isinstance(s, Upload | Conflict) for s in started)


class Held:
    """A virus scanner that finds nothing, once let go: it holds a file's last step."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.arrived: asyncio.Queue[None] = asyncio.Queue()

    async def scan(self, chunks: AsyncIterable[bytes]) -> str | None:
        async for _ in chunks:
            pass
        self.arrived.put_nowait(None)
        await self.go.wait()
        return None


async def test_an_upload_finished_by_two_requests_at_once_makes_one_file(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A last part and a repeated empty PATCH finishing the same upload together make one
    file, which both answer with; it counts against the quota once."""
    held = Held()
    uploads = replace(
        core.uploads,
        files=replace(core.files, scanner=held, limits=FileLimits(user_quota=3 * len(TEXT))),
    )
    upload = await uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await uploads.append(ana.id, upload.id, 0, chunks(TEXT[:-10]))
    at_end = len(TEXT) - 10
    last = asyncio.create_task(uploads.append(ana.id, upload.id, at_end, chunks(TEXT[-10:])))
    try:
        async with asyncio.timeout(10):
            await held.arrived.get()  # the last part is in, its file being checked
            again = asyncio.create_task(
                uploads.append(ana.id, upload.id, len(TEXT), chunks(b""), 0)
            )
            await held.arrived.get()
    finally:
        held.go.set()
    one, other = await asyncio.gather(last, again)
    assert one.file_id is not None
    assert one.file_id == other.file_id
    async with core.files.uow(read_only=True) as uow:
        assert await uow.files.usage(ws, ana.id) == (len(TEXT), len(TEXT))
    await uploads.create(ana.id, ws, "resto.txt", 2 * len(TEXT))


async def test_a_part_past_the_most_is_refused_and_freed(
    core: Tertulia, ws: WorkspaceId, ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent without a declared length (so read before it can be refused), a part that would
    be the last one allowed without ending the upload is refused, its bytes freed, the offset
    where it was; the rest in one part ends it."""
    monkeypatch.setattr(uploads_module, "MAX_PARTS", 3)
    upload = await core.uploads.create(ana.id, ws, "acta.txt", len(TEXT))
    await core.uploads.append(ana.id, upload.id, 0, chunks(TEXT[:10]))
    await core.uploads.append(ana.id, upload.id, 10, chunks(TEXT[10:20]))
    with pytest.raises(Conflict) as refused:
        await core.uploads.append(ana.id, upload.id, 20, chunks(TEXT[20:30]))
    assert refused.value.code == "upload.too_many_parts"
    found, parts = await row(core, upload.id)
    assert (found and found.offset, parts) == (20, 2)
    await work_all(core)
    assert key_of(TEXT[20:30]) not in stored(core)
    done = await core.uploads.append(ana.id, upload.id, 20, chunks(TEXT[20:]))
    assert done.file_id is not None
