"""The BlobStore contract: every adapter (the local directory now; S3 with issue 6's next
slice) passes the same suite."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.usecases.ports import BlobStore, BlobTooLarge

MIB = 1024 * 1024


@pytest.fixture(params=["local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return LocalBlobStore(tmp_path / "files")


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, end)])


async def test_bytes_come_back_as_they_went_in_under_their_sha256(store: BlobStore) -> None:
    data = bytes(range(256)) * 4099  # ~1 MiB, not a multiple of any chunk size
    blob = await store.put(chunks_of(data), max_bytes=2 * MIB)
    assert blob.key == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert await store.size(blob.key) == len(data)
    assert await read_all(store, blob.key) == data


async def test_an_empty_file_is_a_blob_too(store: BlobStore) -> None:
    blob = await store.put(chunks_of(b""), max_bytes=MIB)
    assert (blob.key, blob.size) == (hashlib.sha256(b"").hexdigest(), 0)
    assert await read_all(store, blob.key) == b""


async def test_ranges_read_exactly_the_bytes_asked_for(store: BlobStore) -> None:
    data = bytes(range(256)) * 3000
    blob = await store.put(chunks_of(data), max_bytes=MIB)
    for start, end in [(0, 1), (10, 20), (255, 70_000), (700_000, None), (767_999, None)]:
        assert await read_all(store, blob.key, start, end) == data[start:end], (start, end)
    assert await read_all(store, blob.key, len(data), None) == b""


async def test_the_same_bytes_are_kept_once(store: BlobStore, tmp_path: Path) -> None:
    data = b"informe trimestral" * 1000
    first, second = await asyncio.gather(
        store.put(chunks_of(data, 100), MIB), store.put(chunks_of(data, 333), MIB)
    )
    assert first == second
    third = await store.put(chunks_of(data), MIB)
    assert third == first
    if isinstance(store, LocalBlobStore):
        kept = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
        assert [p.name for p in kept] == [first.key]


async def test_past_the_limit_nothing_is_kept(store: BlobStore, tmp_path: Path) -> None:
    data = b"x" * (MIB + 1)
    with pytest.raises(BlobTooLarge):
        await store.put(chunks_of(data), max_bytes=MIB)
    assert await store.size(hashlib.sha256(data).hexdigest()) is None
    assert await store.size(hashlib.sha256(data[:MIB]).hexdigest()) is None
    if isinstance(store, LocalBlobStore):
        assert not [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


async def test_a_source_that_fails_midway_leaves_nothing(store: BlobStore, tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * 1000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(broken(), max_bytes=MIB)
    assert await store.size(hashlib.sha256(b"a" * 1000).hexdigest()) is None
    if isinstance(store, LocalBlobStore):
        assert not [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


async def test_deleting_removes_the_blob_and_is_idempotent(store: BlobStore) -> None:
    blob = await store.put(chunks_of(b"borrar"), MIB)
    await store.delete(blob.key)
    assert await store.size(blob.key) is None
    with pytest.raises(KeyError):
        await read_all(store, blob.key)
    await store.delete(blob.key)


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "a" * 63,
        "A" * 64,  # keys are lowercase hex
        "g" * 64,
        "0" * 64 + "/x",
        "",
    ],
)
async def test_keys_that_are_not_a_sha256_name_nothing(store: BlobStore, key: str) -> None:
    assert await store.size(key) is None
    with pytest.raises(KeyError):
        await read_all(store, key)
    await store.delete(key)


def test_a_restart_sweeps_what_interrupted_writes_left(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "files")
    (tmp_path / "files" / "tmp").mkdir(parents=True)
    (tmp_path / "files" / "tmp" / "half-written").write_bytes(b"x")
    assert store.sweep() == 1
    assert not list((tmp_path / "files" / "tmp").iterdir())
