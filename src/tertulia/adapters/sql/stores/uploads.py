"""The store of resumable uploads and their parts. Apart from the store of files because
files.py with both would be over 500 lines, along the seam of their tables: an upload under way
is its own row and parts until it becomes a file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import AnyRow
from tertulia.domain.ids import FileId, UploadId, UserId, WorkspaceId
from tertulia.domain.uploads import Upload, UploadPart

u = t.uploads
p = t.upload_parts


def _upload(row: AnyRow) -> Upload:
    return Upload(
        id=UploadId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        uploader_id=UserId(row.uploader_id),
        name=row.name,
        length=int(row.length),
        offset=int(row.received),
        created_at=row.created_at,
        expires_at=row.expires_at,
        file_id=FileId(row.file_id) if row.file_id else None,
    )


class SqlUploadStore:
    def __init__(self, conn: Executor) -> None:
        self._conn = conn

    async def add(self, upload: Upload) -> None:
        await self._conn.execute(
            insert(u).values(
                id=upload.id,
                workspace_id=upload.workspace_id,
                uploader_id=upload.uploader_id,
                name=upload.name,
                length=upload.length,
                received=upload.offset,
                file_id=upload.file_id,
                created_at=upload.created_at,
                expires_at=upload.expires_at,
            )
        )

    async def find(self, upload_id: UploadId, lock: bool = False) -> Upload | None:
        query = select(u).where(u.c.id == upload_id)
        row = (await self._conn.execute(query.with_for_update() if lock else query)).first()
        return _upload(row) if row is not None else None

    async def save(self, upload: Upload) -> None:
        await self._conn.execute(
            update(u)
            .where(u.c.id == upload.id)
            .values(received=upload.offset, expires_at=upload.expires_at, file_id=upload.file_id)
        )

    async def add_part(self, upload_id: UploadId, part: UploadPart) -> None:
        await self._conn.execute(
            insert(p).values(
                upload_id=upload_id, start=part.start, blob_key=part.blob_key, size=part.size
            )
        )

    async def parts(self, upload_id: UploadId) -> list[UploadPart]:
        rows = await self._conn.execute(
            select(p.c.start, p.c.blob_key, p.c.size)
            .where(p.c.upload_id == upload_id)
            .order_by(p.c.start)
        )
        return [UploadPart(int(r.start), r.blob_key, int(r.size)) for r in rows]

    async def part_count(self, upload_id: UploadId) -> int:
        query = select(func.count()).select_from(p).where(p.c.upload_id == upload_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def drop_parts(self, upload_id: UploadId) -> list[str]:
        keys = [part.blob_key for part in await self.parts(upload_id)]
        await self._conn.execute(delete(p).where(p.c.upload_id == upload_id))
        return sorted(set(keys))

    async def delete(self, upload_id: UploadId) -> list[str]:
        keys = await self.drop_parts(upload_id)
        await self._conn.execute(delete(u).where(u.c.id == upload_id))
        return keys

    async def reserved(
        self,
        workspace_id: WorkspaceId,
        uploader_id: UserId,
        now: datetime,
        excluding: UploadId | None = None,
    ) -> tuple[int, int]:
        under_way = [u.c.workspace_id == workspace_id, u.c.file_id.is_(None), u.c.expires_at > now]
        if excluding is not None:
            under_way.append(u.c.id != excluding)
        result = await self._conn.execute(
            select(
                func.coalesce(func.sum(u.c.length).filter(u.c.uploader_id == uploader_id), 0),
                func.coalesce(func.sum(u.c.length), 0),
            ).where(*under_way)
        )
        mine, everyone = tuple(result.one())
        return int(mine), int(everyone)

    async def delete_expired(self, now: datetime, limit: int) -> tuple[int, list[str]]:
        """Oldest expiry first, locked until the transaction ends; rows another transaction
        holds (another node's sweep, a request on that upload) are left for the next sweep."""
        expired = (
            select(u.c.id)
            .where(u.c.expires_at <= now)
            .order_by(u.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._conn.scalars(expired)).all())
        if not ids:
            return 0, []
        held = select(p.c.blob_key).where(p.c.upload_id.in_(ids)).distinct()
        keys = sorted(str(k) for k in (await self._conn.scalars(held)).all())
        await self._conn.execute(delete(u).where(u.c.id.in_(ids)))  # parts: ON DELETE CASCADE
        return len(ids), keys
