"""Blobs in a local directory: `<root>/ab/cd/<sha256>`, written to `<root>/tmp` first and
moved into place once complete and flushed, so a reader never sees half a file and a crash
leaves only a temporary file (swept at start)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from tertulia.usecases.ports.files import BLOB_KEY, Blob, BlobTooLarge

CHUNK = 256 * 1024  # bytes read at a time when serving a blob
_KEY = re.compile(BLOB_KEY)


def _checked(key: str) -> str:
    """A key is a SHA-256 in hex and nothing else: no path can be smuggled through it."""
    if not _KEY.fullmatch(key):
        raise KeyError(key)
    return key


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key[2:4] / key

    def sweep(self) -> int:
        """Remove what interrupted writes left behind; how many files."""
        if not self._tmp.is_dir():
            return 0
        removed = 0
        for leftover in self._tmp.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Blob:
        self._tmp.mkdir(parents=True, exist_ok=True)
        temporary = self._tmp / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        handle: BinaryIO = await asyncio.to_thread(open, temporary, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(f"more than {max_bytes} bytes")
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush, handle)
        except BaseException:
            await asyncio.to_thread(handle.close)
            temporary.unlink(missing_ok=True)
            raise
        await asyncio.to_thread(handle.close)
        key = digest.hexdigest()
        target = self.path(key)
        await asyncio.to_thread(_place, temporary, target)
        return Blob(key, size)

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self.path(key).stat)).st_size
        except (FileNotFoundError, KeyError):
            return None

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            handle: BinaryIO = await asyncio.to_thread(open, self.path(key), "rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    handle.read, CHUNK if left is None else min(CHUNK, left)
                )
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self.path(key).unlink, missing_ok=True)
        except KeyError:
            return

    async def presigned_url(
        self, key: str, seconds: int, content_type: str, disposition: str
    ) -> str | None:
        return None  # served by the application, under its own signed URLs


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _place(temporary: Path, target: Path) -> None:
    """Move a complete blob into place; the same bytes already there win (content address)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        temporary.unlink(missing_ok=True)
        return
    os.replace(temporary, target)  # atomic on one filesystem: readers see all or nothing
