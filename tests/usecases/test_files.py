"""Files through the use cases, on a real SQLite database, a real directory and the real image
workers: uploads typed by content, limits and quotas, sharing, who may read, processing,
deletion and freeing stored bytes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import replace

import pytest
from PIL import Image

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.clamav import ClamdScanner
from tertulia.adapters.images import PillowImages
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.bootstrap import background_work
from tertulia.domain.attachments import FileStatus, StoredFile
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unavailable,
    Unsupported,
)
from tertulia.domain.ids import ChannelId, FileId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.usecases import files as file_work
from tertulia.usecases.core import Tertulia
from tertulia.usecases.files import FileLimits
from tests.clamd import EICAR, EICAR_NAME, STREAM_MAX, Daemon
from tests.e2e.server import free_port
from tests.usecases.teams import person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def photo(width: int = 640, height: int = 480) -> bytes:
    """A JPEG from a camera: EXIF orientation 6 (shot rotated), a make and GPS position."""
    image = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "CamaraSecreta"
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 1.0), 3: "W", 4: (3.0, 42.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


async def read_all(core: Tertulia, key: str) -> bytes:
    return b"".join([chunk async for chunk in core.blobs.read(key)])


async def general(core: Tertulia, ws: WorkspaceId, user: User) -> ChannelId:
    page = await core.channels.browse(user.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


async def upload(core: Tertulia, user: User, ws: WorkspaceId, data: bytes, name: str) -> StoredFile:
    return await core.files.upload(user.id, ws, name, chunks(data))


async def work_all(core: Tertulia) -> None:
    while await core.jobs.run_once():
        pass


async def test_a_file_is_typed_by_its_content_and_kept_for_its_uploader(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    file = await upload(core, ana, ws, PDF, "../../etc/Informe\u202egpj.exe")
    assert file.content_type == "application/pdf"  # not what the name says
    assert file.kind == "pdf"
    assert file.name == "Informegpj.exe"  # no path, no right-to-left override
    assert file.status is FileStatus.READY
    assert await core.files.get(ana.id, file.id) == file
    served = await core.files.served(ana.id, file.id)
    assert await read_all(core, served.key) == PDF
    with pytest.raises(NotFound):  # not shared yet: only its uploader knows it
        await core.files.get(bruno.id, file.id)


async def test_sharing_a_file_in_a_message_lets_the_channel_read_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    file = await upload(core, ana, ws, PDF, "plan.pdf")
    channel = await general(core, ws, ana)
    posted = await core.posting.post(ana.id, channel, Draft("", file_ids=(file.id,)))
    assert posted.view.message.file_ids == (file.id,)
    assert [f.id for f in posted.view.files] == [file.id]
    seen = await core.files.get(bruno.id, file.id)
    assert (seen.message_id, seen.channel_id) == (posted.view.message.id, channel)
    history = await core.history.page(bruno.id, channel)
    assert [f.name for f in history.items[-1].files] == ["plan.pdf"]
    listed = await core.files.in_channel(bruno.id, channel, None, 10)
    assert [f.id for f in listed.items] == [file.id]


async def test_a_private_channel_keeps_its_files_from_outsiders(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    secret = (await core.channels.create(ana.id, ws, "secreto", ChannelKind.PRIVATE)).channel
    await core.channels.add_member(ana.id, secret.id, bruno.id)
    file = await upload(core, ana, ws, PDF, "nominas.pdf")
    await core.posting.post(ana.id, secret.id, Draft("nóminas", file_ids=(file.id,)))
    assert (await core.files.get(bruno.id, file.id)).id == file.id
    with pytest.raises(NotFound):
        await core.files.get(carla.id, file.id)
    with pytest.raises(NotFound):
        await core.files.served(carla.id, file.id)
    with pytest.raises(NotFound):
        await core.files.in_channel(carla.id, secret.id, None, 10)
    outsider = await person(core, "olga")
    with pytest.raises(NotFound):
        await core.files.get(outsider.id, file.id)


async def test_only_unshared_files_of_the_author_can_be_attached(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    channel = await general(core, ws, ana)
    anas = await upload(core, ana, ws, PDF, "a.pdf")
    with pytest.raises(Invalid) as not_yours:
        await core.posting.post(bruno.id, channel, Draft("mira", file_ids=(anas.id,)))
    assert not_yours.value.code == "file.not_found"
    await core.posting.post(ana.id, channel, Draft("uno", file_ids=(anas.id,)))
    with pytest.raises(Invalid) as again:
        await core.posting.post(ana.id, channel, Draft("dos", file_ids=(anas.id,)))
    assert again.value.code == "file.already_shared"
    many = [await upload(core, ana, ws, PDF + bytes([i]), f"{i}.pdf") for i in range(11)]
    with pytest.raises(Invalid) as too_many:
        await core.posting.post(ana.id, channel, Draft("", file_ids=tuple(f.id for f in many)))
    assert too_many.value.code == "message.too_many_files"
    with pytest.raises(Invalid) as empty:
        await core.posting.post(ana.id, channel, Draft("   "))
    assert empty.value.code == "message.empty"  # text may be empty only with files


async def test_a_denied_type_is_refused_and_nothing_is_kept(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>" * 200
    with pytest.raises(Unsupported) as refused:
        await upload(core, ana, ws, page, "foto.png")
    assert refused.value.code == "file.type_denied"
    elf = await_bytes("/bin/true")
    with pytest.raises(Unsupported):
        await upload(core, ana, ws, elf, "informe.pdf")
    assert isinstance(core.blobs, LocalBlobStore)
    assert [p for p in core.blobs.root.rglob("*") if p.is_file()] == []
    assert (await core.files.in_channel(ana.id, await general(core, ws, ana), None, 10)).items == []


def await_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


async def test_an_empty_file_is_refused(
    core: Tertulia, ws: WorkspaceId, ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    with pytest.raises(Invalid) as empty:
        await upload(core, ana, ws, b"", "vacío.txt")
    assert empty.value.code == "file.empty"
    await work_all(core)  # whatever was stored of a refused upload is freed
    assert isinstance(core.blobs, LocalBlobStore)
    assert [p for p in core.blobs.root.rglob("*") if p.is_file()] == []


async def test_size_and_quotas_bound_an_upload(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    files = replace(core.files, limits=FileLimits(max_bytes=10_000, user_quota=15_000))
    with pytest.raises(TooLarge) as too_large:
        await files.upload(ana.id, ws, "b.txt", chunks(b"b" * 10_001))
    assert too_large.value.code == "file.too_large"
    await files.upload(ana.id, ws, "a.txt", chunks(b"a" * 9_000))
    with pytest.raises(Conflict) as quota:
        await files.upload(ana.id, ws, "c.txt", chunks(b"c" * 7_000))
    assert quota.value.code == "file.quota_user"
    await files.upload(bruno.id, ws, "d.txt", chunks(b"d" * 7_000))  # his own quota

    read = []

    async def counted() -> AsyncIterator[bytes]:
        read.append(1)
        yield b"x"

    with pytest.raises(Conflict):  # a declared size over the quota: not a byte is read
        await files.upload(ana.id, ws, "e.txt", counted(), declared=9_000)
    assert read == []
    shared = replace(core.files, limits=FileLimits(workspace_quota=20_000))
    with pytest.raises(Conflict) as workspace:
        await shared.upload(bruno.id, ws, "f.txt", chunks(b"f" * 5_000))
    assert workspace.value.code == "file.quota_workspace"


async def test_uploading_needs_membership(core: Tertulia, ws: WorkspaceId) -> None:
    outsider = await person(core, "olga")
    with pytest.raises(NotFound):
        await upload(core, outsider, ws, PDF, "x.pdf")


async def test_an_image_is_cleaned_and_thumbnailed_off_the_request(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    data = photo()
    file = await upload(core, ana, ws, data, "IMG_0001.JPG")
    assert file.status is FileStatus.PROCESSING
    with pytest.raises(Conflict) as not_yet:  # its metadata must not leak before it is clean
        await core.files.served(ana.id, file.id)
    assert not_yet.value.code == "file.processing"
    channel = await general(core, ws, ana)
    await core.posting.post(ana.id, channel, Draft("la foto", file_ids=(file.id,)))
    await work_all(core)
    ready = await core.files.get(bruno.id, file.id)
    assert ready.status is FileStatus.READY
    assert (ready.width, ready.height) == (480, 640)  # turned upright
    assert [t.size for t in ready.thumbnails] == [64, 360, 1280]
    assert [(t.width, t.height) for t in ready.thumbnails] == [(48, 64), (270, 360), (480, 640)]
    assert ready.placeholder
    original = await read_all(core, (await core.files.served(bruno.id, file.id)).key)
    assert b"CamaraSecreta" not in original
    assert b"GPS" not in original
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825) is None
    assert ready.size == len(original)
    small = await core.files.served(bruno.id, file.id, 64)
    thumb = Image.open(io.BytesIO(await read_all(core, small.key)))
    assert (thumb.format, thumb.size) == ("WEBP", (48, 64))
    assert not thumb.getexif()
    # the bytes as uploaded, GPS and all, are freed once nothing holds them
    assert await core.blobs.size(file.source_key or "") is not None
    kinds = [e.type for e in await SqlEventLog(database).after(0, None, 10_000)]
    assert kinds.count("file.ready") == 1


async def test_a_corrupt_image_is_kept_as_a_plain_download(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A photo cut short cannot be shown: it is served as an attachment, as far as it goes,
    and without its camera and GPS position."""
    data = photo()[:2000]  # truncated
    file = await upload(core, ana, ws, data, "roto.jpg")
    await work_all(core)
    failed = await core.files.get(ana.id, file.id)
    assert failed.status is FileStatus.FAILED
    assert failed.problem == "image.corrupt"
    assert failed.thumbnails == ()
    served = await core.files.served(ana.id, file.id)
    assert (served.content_type, served.inline) == ("application/octet-stream", False)
    got = await read_all(core, served.key)
    assert got.startswith(b"\xff\xd8")
    assert got.endswith(b"\xff\xd9")
    assert b"CamaraSecreta" not in got
    assert b"GPS" not in got
    assert failed.size == len(got)
    async with core.files.uow(read_only=True) as uow:  # the bytes as uploaded go
        assert await uow.jobs.pending(file_work.COLLECT_JOB) == 1


async def test_an_image_unreadable_before_its_metadata_is_removed_is_never_served(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A JPEG whose segments are broken before its image starts keeps its metadata where we
    cannot reach it: it fails, and its bytes are never served (409 file.unreadable)."""
    data = photo()
    broken = data[:2] + b"\xff\xe1\xff\xff" + data[6:]  # an APP1 longer than the file
    file = await upload(core, ana, ws, broken, "roto.jpg")
    await work_all(core)
    failed = await core.files.get(ana.id, file.id)
    assert (failed.status, failed.problem) == (FileStatus.FAILED, "image.corrupt")
    with pytest.raises(Conflict) as refused:
        await core.files.served(ana.id, file.id)
    assert refused.value.code == "file.unreadable"


async def test_an_image_that_takes_too_long_is_kept_as_a_plain_download(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """An image whose processing outlasts the time limit ends failed (image.too_slow) and
    downloads as its cleaned original (a PNG with no metadata: the same bytes); the worker
    goes on to the next image."""
    # 144 million pixels take over a second to decode here, the small photo a hundredth: a
    # quarter of a second between them holds on a slow day and on a fast one (36 million
    # pixels, which this test had, were all done within the quarter on a fast day)
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((12000, 12000)).save(buffer, "PNG", compress_level=1)
    data = buffer.getvalue()
    slow = PillowImages(workers=1, seconds=0.25, max_pixels=200_000_000)
    handlers, _ = background_work(replace(core.file_work, images=slow), core.live.hub)
    worker = replace(core.jobs, handlers=handlers)
    try:
        huge = await upload(core, ana, ws, data, "enorme.png")
        small = await upload(core, ana, ws, photo(200, 100), "a.jpg")
        while await worker.run_once():
            pass
    finally:
        await slow.aclose()
    failed = await core.files.get(ana.id, huge.id)
    assert (failed.status, failed.problem) == (FileStatus.FAILED, "image.too_slow")
    served = await core.files.served(ana.id, huge.id)
    assert (served.content_type, served.inline) == ("application/octet-stream", False)
    assert await read_all(core, served.key) == data
    assert (await core.files.get(ana.id, small.id)).status is FileStatus.READY


async def test_a_job_whose_worker_died_is_taken_again(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    file = await upload(core, ana, ws, photo(200, 100), "a.jpg")
    async with core.files.uow() as uow:  # a worker takes the job, then dies
        # its lease has run out at once
        job = await uow.jobs.claim(core.jobs.clock().timestamp(), -1.0, core.jobs.kinds)
        assert job is not None
        await uow.commit()
    await work_all(core)
    assert (await core.files.get(ana.id, file.id)).status is FileStatus.READY
    async with core.files.uow(read_only=True) as uow:
        assert await uow.jobs.pending(file_work.IMAGE_JOB) == 0
        assert await uow.jobs.pending(file_work.COLLECT_JOB) == 1  # the upload's bytes, later
    assert job.attempts == 1


async def test_deleting_frees_the_bytes_once_nothing_holds_them(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    first = await upload(core, ana, ws, PDF, "uno.pdf")
    second = await upload(core, bruno, ws, PDF, "dos.pdf")
    assert first.blob_key == second.blob_key  # the same bytes are kept once
    key = first.blob_key or ""
    with pytest.raises(NotFound):  # bruno may not delete what he cannot see
        await core.files.delete(bruno.id, first.id)
    await core.files.delete(ana.id, first.id)
    await work_all(core)
    with pytest.raises(NotFound):
        await core.files.get(ana.id, first.id)
    assert await core.blobs.size(key) == len(PDF)  # bruno's file still holds them
    await core.files.delete(bruno.id, second.id)
    await work_all(core)
    assert await core.blobs.size(key) is None


async def test_an_admin_deletes_any_shared_file_and_its_message_shows_it_gone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    channel = await general(core, ws, ana)
    file = await upload(core, bruno, ws, PDF, "b.pdf")
    posted = await core.posting.post(bruno.id, channel, Draft("mío", file_ids=(file.id,)))
    with pytest.raises(Forbidden):
        await core.files.delete(carla.id, file.id)
    await core.files.delete(ana.id, file.id)  # the owner is an admin
    view = await core.history.get(carla.id, posted.view.message.id)
    assert view.files == ()
    assert (await core.files.in_channel(carla.id, channel, None, 10)).items == []


async def test_deleting_a_message_deletes_its_files(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    channel = await general(core, ws, ana)
    file = await upload(core, ana, ws, PDF, "a.pdf")
    posted = await core.posting.post(ana.id, channel, Draft("x", file_ids=(file.id,)))
    await core.posting.delete(ana.id, posted.view.message.id)
    with pytest.raises(NotFound):
        await core.files.get(ana.id, file.id)


async def test_channel_files_page_newest_first(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    channel = await general(core, ws, ana)
    ids: list[FileId] = []
    for i in range(5):
        file = await upload(core, ana, ws, PDF + bytes([i]), f"{i}.pdf")
        await core.posting.post(ana.id, channel, Draft(str(i), file_ids=(file.id,)))
        ids.append(file.id)
    first = await core.files.in_channel(bruno.id, channel, None, 3)
    assert first.next_cursor is not None
    rest = await core.files.in_channel(bruno.id, channel, first.next_cursor, 3)
    assert [f.id for f in first.items + rest.items] == ids[::-1]
    assert rest.next_cursor is None
    with pytest.raises(Invalid):
        await core.files.in_channel(bruno.id, channel, "bm90LWEtY3Vyc29y", 3)


# virus scanning --------------------------------------------------------------------------------


def stored_blobs(core: Tertulia) -> list[str]:
    assert isinstance(core.blobs, LocalBlobStore)
    return sorted(p.name for p in core.blobs.root.rglob("*") if p.is_file())


async def usage(core: Tertulia, ws: WorkspaceId, user: User) -> tuple[int, int]:
    async with core.files.uow(read_only=True) as uow:
        return await uow.files.usage(ws, user.id)


class Watched:
    """The real clamd adapter, noting the bytes of each scan it is asked for."""

    def __init__(self, url: str) -> None:
        self.scanner = ClamdScanner(url)
        self.scanned: list[bytes] = []

    async def scan(self, chunks: AsyncIterable[bytes]) -> str | None:
        seen = bytearray()

        async def passing() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                seen.extend(chunk)
                yield chunk

        try:
            return await self.scanner.scan(passing())
        finally:
            self.scanned.append(bytes(seen))


async def test_an_infected_upload_is_refused_and_its_bytes_freed(
    core: Tertulia, ws: WorkspaceId, ana: User, clamd: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploading the EICAR test file gets file.infected naming the threat; no file is made,
    and the stored bytes are collected."""
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    scanner = Watched(clamd.tcp_url)
    files = replace(core.files, scanner=scanner)
    with pytest.raises(Invalid) as infected:
        await files.upload(ana.id, ws, "eicar.txt", chunks(EICAR))
    assert infected.value.code == "file.infected"
    assert infected.value.errors[0].field == "file"
    assert EICAR_NAME in infected.value.detail
    assert scanner.scanned == [EICAR]  # the stored bytes were what clamd read
    assert await usage(core, ws, ana) == (0, 0)
    assert len(stored_blobs(core)) == 1  # kept a while, like any freed bytes
    await work_all(core)
    assert stored_blobs(core) == []


async def test_a_clean_upload_is_scanned_and_kept(
    core: Tertulia, ws: WorkspaceId, ana: User, clamd: Daemon
) -> None:
    """A clean file is scanned once and kept as usual."""
    scanner = Watched(clamd.unix_url)
    file = await replace(core.files, scanner=scanner).upload(ana.id, ws, "informe.pdf", chunks(PDF))
    assert scanner.scanned == [PDF]
    assert file.content_type == "application/pdf"
    assert await read_all(core, file.blob_key or "") == PDF
    assert await usage(core, ws, ana) == (len(PDF), len(PDF))


async def test_uploads_are_refused_while_the_scanner_is_down(
    core: Tertulia, ws: WorkspaceId, ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the scanner unreachable, an upload is refused with a retryable error and its
    bytes are freed; nothing unscanned is ever kept."""
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    files = replace(core.files, scanner=ClamdScanner(f"tcp://127.0.0.1:{free_port()}", timeout=1))
    with pytest.raises(Unavailable) as down:
        await files.upload(ana.id, ws, "informe.pdf", chunks(PDF))
    assert down.value.code == "file.scanner_unavailable"
    assert down.value.retry_after > 0
    assert await usage(core, ws, ana) == (0, 0)
    await work_all(core)
    assert stored_blobs(core) == []


async def test_a_file_too_big_to_scan_is_refused(
    core: Tertulia, ws: WorkspaceId, ana: User, clamd: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the scanner's own limit cannot be checked, so it is not kept: a 413-kind
    refusal with its own code, not a retryable one, and its bytes are freed."""
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    files = replace(core.files, scanner=ClamdScanner(clamd.tcp_url))
    big = PDF + b" " * 3 * STREAM_MAX
    with pytest.raises(TooLarge) as too_big:
        await files.upload(ana.id, ws, "informe.pdf", chunks(big, 64 * 1024))
    assert too_big.value.code == "file.too_large_to_scan"
    assert await usage(core, ws, ana) == (0, 0)
    await work_all(core)
    assert stored_blobs(core) == []


async def test_infected_bytes_another_file_holds_stay_for_it(
    core: Tertulia,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    clamd: Daemon,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bytes kept before scanning was turned on are not pulled from under their file when a
    later upload of them is refused: the collect job frees only what nothing holds."""
    monkeypatch.setattr(file_work, "COLLECT_DELAY", 0.0)
    earlier = await core.files.upload(ana.id, ws, "eicar.txt", chunks(EICAR))
    files = replace(core.files, scanner=ClamdScanner(clamd.tcp_url))
    with pytest.raises(Invalid) as infected:
        await files.upload(bruno.id, ws, "eicar.txt", chunks(EICAR))
    assert infected.value.code == "file.infected"
    await work_all(core)
    assert await read_all(core, earlier.blob_key or "") == EICAR
