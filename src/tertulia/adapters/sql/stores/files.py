"""The store of files: file rows with their thumbnails, and the runs of words of their names
that file search looks up (`file_name_runs`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    union,
    update,
)

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import AnyRow
from tertulia.domain.attachments import FileStatus, StoredFile, Thumbnail
from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.usecases.ports.search import FileFilter
from tertulia.usecases.searchtext import name_key

f = t.files
th = t.file_thumbnails
runs = t.file_name_runs
RUN_LENGTH = 100  # characters of a run kept (a longer one is looked up by its start)
RARE = 3000  # a run fewer names have is looked up, rather than read every name for it
FIRST_BATCH, LAST_BATCH = 100, 3200  # files with the rarest run checked at a time
LOOKUPS = 4  # runs of a search counted at most (the longest; longer ones are rarer)


def _run_pattern(run: Sequence[str]) -> str:
    """The LIKE pattern of a run of folded words in a name key (" informe anual pdf")."""
    return f"% {' '.join(run)}%"


def name_runs(name: str) -> list[str]:
    """What `file_name_runs` holds of a name: its folded words from each one to the end."""
    words = name_key(name).split()
    return list(dict.fromkeys(" ".join(words[i:])[:RUN_LENGTH] for i in range(len(words))))


def _starting(run: str) -> tuple[Any, ...]:
    """Runs starting with `run`: a range of the key (both engines compare bytes)."""
    return runs.c.run >= run, runs.c.run < run + "\U0010ffff"


def _conditions(
    where: FileFilter, before: tuple[datetime, str] | None
) -> list[ColumnElement[bool]]:
    """What a file must be to be found: live, of the workspace, the viewer's or shared where
    they may read, and all `where` asks."""
    cm, c = t.channel_members, t.channels
    readable: Any = select(cm.c.channel_id).where(
        cm.c.user_id == where.viewer, cm.c.workspace_id == where.workspace_id
    )
    if where.include_public:
        readable = union(
            readable,
            select(c.c.id).where(
                c.c.workspace_id == where.workspace_id, c.c.kind == ChannelKind.PUBLIC.value
            ),
        )
    shared = and_(f.c.message_id.is_not(None), f.c.channel_id.in_(readable))
    conditions = [
        f.c.workspace_id == where.workspace_id,
        f.c.deleted_at.is_(None),
        or_(f.c.uploader_id == where.viewer, shared),
        *(f.c.search_name.like(_run_pattern(r), escape="\\") for r in where.names),
        *(f.c.search_name.not_like(_run_pattern(r), escape="\\") for r in where.not_names),
    ]
    if where.kinds:
        conditions.append(f.c.kind.in_(list(where.kinds)))
    if where.channel_ids is not None:
        conditions.append(f.c.channel_id.in_(list(where.channel_ids)))
    if where.uploader_ids:
        conditions.append(f.c.uploader_id.in_(list(where.uploader_ids)))
    if where.not_channel_ids:  # a file not shared anywhere is not shared there
        unshared = f.c.channel_id.is_(None)
        conditions.append(or_(unshared, f.c.channel_id.not_in(list(where.not_channel_ids))))
    if where.not_uploader_ids:
        conditions.append(f.c.uploader_id.not_in(list(where.not_uploader_ids)))
    if where.since is not None:
        conditions.append(f.c.created_at >= where.since)
    if where.until is not None:
        conditions.append(f.c.created_at < where.until)
    if before is not None:
        conditions.append(tuple_(f.c.created_at, f.c.id) < tuple_(*before))
    return conditions


def _file(row: AnyRow, thumbnails: Sequence[Thumbnail] = ()) -> StoredFile:
    return StoredFile(
        id=FileId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        uploader_id=UserId(row.uploader_id),
        name=row.name,
        size=row.size,
        content_type=row.content_type,
        kind=row.kind,
        inline=bool(row.inline),
        blob_key=row.blob_key,
        status=FileStatus(row.status),
        created_at=row.created_at,
        source_key=row.source_key,
        width=row.width,
        height=row.height,
        animated=bool(row.animated),
        placeholder=row.placeholder,
        problem=row.problem,
        message_id=MessageId(row.message_id) if row.message_id else None,
        channel_id=ChannelId(row.channel_id) if row.channel_id else None,
        deleted_at=row.deleted_at,
        thumbnails=tuple(sorted(thumbnails, key=lambda x: x.size)),
    )


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row)


def _columns(file: StoredFile) -> dict[str, Any]:
    return {
        "name": file.name,
        "search_name": name_key(file.name),
        "size": file.size,
        "content_type": file.content_type,
        "kind": file.kind,
        "inline": file.inline,
        "status": file.status.value,
        "blob_key": file.blob_key,
        "source_key": file.source_key,
        "width": file.width,
        "height": file.height,
        "animated": file.animated,
        "placeholder": file.placeholder,
        "problem": file.problem,
        "message_id": file.message_id,
        "channel_id": file.channel_id,
        "deleted_at": file.deleted_at,
    }


class SqlFileStore:
    def __init__(self, conn: Executor) -> None:
        self._conn = conn

    async def add(self, file: StoredFile) -> None:
        await self._conn.execute(
            insert(f).values(
                id=file.id,
                workspace_id=file.workspace_id,
                uploader_id=file.uploader_id,
                created_at=file.created_at,
                **_columns(file),
            )
        )
        await self._put_thumbnails(file)
        await self._put_runs(file)

    async def save(self, file: StoredFile) -> None:
        await self._conn.execute(update(f).where(f.c.id == file.id).values(**_columns(file)))
        await self._conn.execute(delete(th).where(th.c.file_id == file.id))
        await self._put_thumbnails(file)
        await self._conn.execute(delete(runs).where(runs.c.file_id == file.id))
        await self._put_runs(file)

    async def _put_runs(self, file: StoredFile) -> None:
        held = name_runs(file.name)
        if held and not file.is_deleted:  # a deleted file is never found again
            await self._conn.execute(
                insert(runs),
                [
                    {
                        "workspace_id": file.workspace_id,
                        "run": run,
                        "file_id": file.id,
                        "created_at": file.created_at,
                    }
                    for run in held
                ],
            )

    async def _put_thumbnails(self, file: StoredFile) -> None:
        if file.thumbnails:
            await self._conn.execute(
                insert(th),
                [
                    {
                        "file_id": file.id,
                        "size": x.size,
                        "blob_key": x.blob_key,
                        "width": x.width,
                        "height": x.height,
                        "bytes": x.bytes,
                        "content_type": x.content_type,
                    }
                    for x in file.thumbnails
                ],
            )

    async def _with_thumbnails(self, rows: Sequence[AnyRow]) -> list[StoredFile]:
        if not rows:
            return []
        found: dict[str, list[Thumbnail]] = {}
        result = await self._conn.execute(select(th).where(th.c.file_id.in_([r.id for r in rows])))
        for x in result:
            found.setdefault(x.file_id, []).append(
                Thumbnail(x.size, x.blob_key, x.width, x.height, x.bytes, x.content_type)
            )
        return [_file(r, found.get(r.id, ())) for r in rows]

    async def find(self, file_id: FileId, lock: bool = False) -> StoredFile | None:
        query = select(f).where(f.c.id == file_id)
        rows = list(await self._conn.execute(query.with_for_update() if lock else query))
        files = await self._with_thumbnails(rows)
        return files[0] if files else None

    async def find_many(self, file_ids: Sequence[FileId]) -> list[StoredFile]:
        if not file_ids:
            return []
        rows = list(await self._conn.execute(select(f).where(f.c.id.in_(list(file_ids)))))
        return await self._with_thumbnails(rows)

    async def of_messages(self, message_ids: Sequence[MessageId]) -> dict[MessageId, list[Any]]:
        """The live files of each message, in upload order."""
        if not message_ids:
            return {}
        rows = list(
            await self._conn.execute(
                select(f)
                .where(f.c.message_id.in_(list(message_ids)), f.c.deleted_at.is_(None))
                .order_by(f.c.id)
            )
        )
        by_message: dict[MessageId, list[Any]] = {}
        for file in await self._with_thumbnails(rows):
            assert file.message_id is not None
            by_message.setdefault(file.message_id, []).append(file)
        return by_message

    async def attach(
        self, file_ids: Sequence[FileId], message_id: MessageId, channel_id: ChannelId
    ) -> None:
        await self._conn.execute(
            update(f)
            .where(f.c.id.in_(list(file_ids)))
            .values(message_id=message_id, channel_id=channel_id)
        )

    async def usage(self, workspace_id: WorkspaceId, uploader_id: UserId) -> tuple[int, int]:
        """Bytes held by live files: the uploader's in the workspace, and the workspace's."""
        live = and_(f.c.workspace_id == workspace_id, f.c.deleted_at.is_(None))
        result = await self._conn.execute(
            select(
                func.coalesce(func.sum(f.c.size).filter(f.c.uploader_id == uploader_id), 0),
                func.coalesce(func.sum(f.c.size), 0),
            ).where(live)
        )
        mine, everyone = _values(result.one())
        return int(mine), int(everyone)

    async def lock_usage(self, workspace_id: WorkspaceId) -> None:
        """Serialise whoever takes room in the workspace's quotas until the transaction ends
        (PostgreSQL; SQLite's single writer already does)."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"usage:{workspace_id}"},
            )

    async def in_channel(
        self, channel_id: ChannelId, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files shared in a channel, newest first, after the (created_at, id) key."""
        query = select(f).where(f.c.channel_id == channel_id, f.c.deleted_at.is_(None))
        if before is not None:
            query = query.where(tuple_(f.c.created_at, f.c.id) < tuple_(*before))
        query = query.order_by(f.c.created_at.desc(), f.c.id.desc()).limit(limit)
        return await self._with_thumbnails(list(await self._conn.execute(query)))

    async def search(
        self, where: FileFilter, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files `where` lets through, newest first, after the (created_at, id) key:
        the viewer's own uploads, and files shared in channels they may read.

        Newest first through the workspace's files fills a page at once when what is asked
        for is common. What few names have would have that read every file: the search then
        starts from the names with the rarest run of words asked for (`file_name_runs`)."""
        typed = sorted({" ".join(run)[:RUN_LENGTH] for run in where.names}, key=len, reverse=True)
        fewest, rarest = RARE, None
        for run in typed[:LOOKUPS]:
            count = await self._count(where.workspace_id, run, fewest)
            if count < fewest:
                fewest, rarest = count, run
        if rarest is not None:
            return await self._starting_with(where, rarest, before, limit)
        query = select(f).where(*_conditions(where, before))
        query = query.order_by(f.c.created_at.desc(), f.c.id.desc()).limit(limit)
        return await self._with_thumbnails(list(await self._conn.execute(query)))

    async def _count(self, workspace_id: WorkspaceId, run: str, most: int) -> int:
        """How many names have a run starting with `run`, counted up to `most`."""
        some = (
            select(runs.c.file_id)
            .where(runs.c.workspace_id == workspace_id, *_starting(run))
            .limit(most)
            .subquery()
        )
        result = await self._conn.execute(select(func.count()).select_from(some))
        return int(result.scalar_one())

    async def _starting_with(
        self, where: FileFilter, run: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The files `where` lets through among the few whose names have a run starting
        with `run`: those newest first, looked up a growing batch at a time (by their ids:
        a join would leave the engine to guess how many there are, and PostgreSQL then reads
        every file)."""
        named = select(runs.c.file_id, runs.c.created_at).where(
            runs.c.workspace_id == where.workspace_id, *_starting(run)
        )
        if where.since is not None:
            named = named.where(runs.c.created_at >= where.since)
        if where.until is not None:
            named = named.where(runs.c.created_at < where.until)
        if before is not None:
            named = named.where(tuple_(runs.c.created_at, runs.c.file_id) < tuple_(*before))
        few = named.distinct().subquery("named")
        newest = select(few.c.file_id).order_by(few.c.created_at.desc(), few.c.file_id.desc())
        candidates = list((await self._conn.execute(newest)).scalars())
        found: list[StoredFile] = []
        start, batch = 0, FIRST_BATCH
        while start < len(candidates) and len(found) < limit:
            ids = candidates[start : start + batch]
            query = (
                select(f)
                .where(f.c.id.in_(ids), *_conditions(where, None))
                .order_by(f.c.created_at.desc(), f.c.id.desc())
                .limit(limit - len(found))
            )
            found += await self._with_thumbnails(list(await self._conn.execute(query)))
            start, batch = start + batch, min(batch * 4, LAST_BATCH)
        return found

    async def referenced(self, key: str) -> bool:
        """Whether any live file still holds the blob (served, source or thumbnail), or a part
        of an upload under way does."""
        held = or_(f.c.blob_key == key, f.c.source_key == key)
        by_file = exists().where(held)
        by_thumbnail = exists().where(th.c.blob_key == key)
        by_upload = exists().where(t.upload_parts.c.blob_key == key)  # a part of an upload
        result = await self._conn.execute(select(by_file, by_thumbnail, by_upload))
        as_file, as_thumbnail, as_part = _values(result.one())
        return bool(as_file or as_thumbnail or as_part)

    def _held(self) -> Any:
        live = f.c.deleted_at.is_(None)
        return union(
            select(f.c.blob_key.label("key")).where(live, f.c.blob_key.is_not(None)),
            select(f.c.source_key.label("key")).where(live, f.c.source_key.is_not(None)),
            select(th.c.blob_key.label("key")),
            select(t.upload_parts.c.blob_key.label("key")),  # resumable uploads in progress
        ).subquery()

    async def held_keys(self, after: str, limit: int) -> list[str]:
        """The blobs live files hold, in key order, after `after`."""
        held = self._held()
        query = select(held.c.key).where(held.c.key > after).order_by(held.c.key).limit(limit)
        return [str(k) for k in (await self._conn.scalars(query)).all()]

    async def count_held_keys(self) -> int:
        held = self._held()
        return int(await self._conn.scalar(select(func.count()).select_from(held)) or 0)

    async def lock_blob(self, key: str) -> None:
        """Serialise whoever takes or frees this blob until the transaction ends (PostgreSQL;
        SQLite's single writer already does)."""
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )
