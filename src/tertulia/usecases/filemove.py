"""Moving every stored file from one blob store to another (`tertulia files migrate`): a local
directory to S3, one bucket to another. Blobs are content-addressed, so a copy is checked by
its own key (the target hashes what it receives), a blob already there is skipped, and an
interrupted move resumes by running it again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from tertulia.usecases.ports import UnitOfWorkFactory
from tertulia.usecases.ports.files import BlobStore

BATCH = 500


class CopyMismatch(Exception):
    """The target kept other bytes than the source holds under that key."""


@dataclass(frozen=True, slots=True)
class Moved:
    key: str
    copied: bool  # False: the target had it already


@dataclass(frozen=True, slots=True)
class FileMove:
    uow: UnitOfWorkFactory
    source: BlobStore
    target: BlobStore

    async def count(self) -> int:
        async with self.uow(read_only=True) as uow:
            return await uow.files.count_held_keys()

    async def run(self) -> AsyncIterator[Moved]:
        """Copy every blob a live file holds, one at a time, in key order."""
        after = ""
        while True:
            async with self.uow(read_only=True) as uow:
                keys = await uow.files.held_keys(after, BATCH)
            if not keys:
                return
            for key in keys:
                yield await self.copy(key)
            after = keys[-1]

    async def copy(self, key: str) -> Moved:
        size = await self.source.size(key)
        if size is None:
            raise CopyMismatch(f"blob {key} is missing from the source store")
        if await self.target.size(key) == size:
            return Moved(key, copied=False)
        blob = await self.target.put(self.source.read(key), size)
        if blob.key != key:  # the target hashed other bytes: never switch over to it
            raise CopyMismatch(f"blob {key} arrived as {blob.key}")
        return Moved(key, copied=True)
