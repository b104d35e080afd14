"""The BlobStore contract: the local directory and S3 (a real server: SeaweedFS, see
tests/s3.py) pass the same suite."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.blobs.s3 import S3BlobStore, S3Location
from tertulia.usecases.ports.files import BlobStore, BlobTooLarge

MIB = 1024 * 1024


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "files")
        return
    location: S3Location = request.getfixturevalue("s3_location")
    async with S3BlobStore(replace(location, prefix=f"test-{uuid.uuid4().hex}/")) as s3:
        yield s3


async def kept(store: BlobStore) -> list[str]:
    """Every object or file the store holds (finished or not)."""
    if isinstance(store, LocalBlobStore):
        return sorted(p.name for p in store.root.rglob("*") if p.is_file())
    assert isinstance(store, S3BlobStore)
    client, where = store._client, store.location
    listed = await client.list_objects_v2(Bucket=where.bucket, Prefix=where.prefix)
    uploads = await client.list_multipart_uploads(Bucket=where.bucket, Prefix=where.prefix)
    return sorted(
        [o["Key"].removeprefix(where.prefix) for o in listed.get("Contents", [])]
        + [u["Key"] for u in uploads.get("Uploads", [])]
    )


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


async def test_the_same_bytes_are_kept_once(store: BlobStore) -> None:
    data = b"informe trimestral" * 1000
    first, second = await asyncio.gather(
        store.put(chunks_of(data, 100), MIB), store.put(chunks_of(data, 333), MIB)
    )
    assert first == second
    third = await store.put(chunks_of(data), MIB)
    assert third == first
    assert await kept(store) == [first.key]


@pytest.mark.parametrize("limit", [MIB, 20 * MIB])  # one request; several parts (S3)
async def test_past_the_limit_nothing_is_kept(store: BlobStore, limit: int) -> None:
    data = b"x" * (limit + 1)
    with pytest.raises(BlobTooLarge):
        await store.put(chunks_of(data, MIB), max_bytes=limit)
    assert await store.size(hashlib.sha256(data).hexdigest()) is None
    assert await store.size(hashlib.sha256(data[:limit]).hexdigest()) is None
    assert await kept(store) == []


async def test_large_files_go_up_in_parts_and_come_back_whole(store: BlobStore) -> None:
    data = bytes(range(256)) * (19 * 4096)  # 19 MiB: three parts of 8 MiB on S3
    blob = await store.put(chunks_of(data, MIB), max_bytes=20 * MIB)
    assert blob.key == hashlib.sha256(data).hexdigest()
    assert await read_all(store, blob.key, 9 * MIB, 9 * MIB + 10) == data[9 * MIB : 9 * MIB + 10]
    assert hashlib.sha256(await read_all(store, blob.key)).hexdigest() == blob.key
    assert await kept(store) == [blob.key]  # no temporary object, no unfinished upload


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


@pytest.mark.s3
async def test_the_s3_server_checks_signatures(s3_location: S3Location) -> None:
    """The suite's server is a real one: a wrong secret is refused, nothing is stored."""
    wrong = replace(s3_location, secret_key="not-the-secret", prefix=f"t-{uuid.uuid4().hex}/")
    async with S3BlobStore(wrong) as impostor:
        with pytest.raises(ClientError) as refused:
            await impostor.put(chunks_of(b"intruso"), MIB)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    async with S3BlobStore(replace(wrong, secret_key=s3_location.secret_key)) as honest:
        assert await kept(honest) == []


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("s3://files?endpoint=https://s3.example.com", ("files", "blobs/", "k", "s", "us-east-1")),
        (
            "s3://ana:clave@files/tertulia/prod?endpoint=http://127.0.0.1:8333&region=eu-west-1",
            ("files", "tertulia/prod/", "ana", "clave", "eu-west-1"),
        ),
    ],
)
def test_an_s3_url_names_its_bucket_prefix_keys_and_region(
    url: str, found: tuple[str, str, str, str, str]
) -> None:
    """The keys in the URL win over the ones given; the prefix defaults to blobs/."""
    where = S3Location.of_url(url, "k", "s")
    assert (where.bucket, where.prefix, where.access_key, where.secret_key, where.region) == found


@pytest.mark.parametrize(
    ("url", "keys", "said"),
    [
        ("s3://files", ("k", "s"), "endpoint"),
        ("s3://files?endpoint=ftp://s3.example.com", ("k", "s"), "endpoint"),
        ("s3://?endpoint=https://s3.example.com", ("k", "s"), "endpoint"),
        ("s3://files?endpoint=https://s3.example.com", ("", ""), "access key"),
    ],
)
def test_an_s3_url_that_cannot_work_says_why(url: str, keys: tuple[str, str], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        S3Location.of_url(url, *keys)


def test_a_presigned_urls_origin_is_the_endpoints_without_credentials() -> None:
    where = S3Location.of_url("s3://f?endpoint=https://u:p@s3.example.com:9000/x", "k", "s")
    assert where.origin == "https://s3.example.com:9000"
