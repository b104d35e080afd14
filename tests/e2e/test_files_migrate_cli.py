"""`tertulia files migrate`: an installation that kept its files on local disk moves them to a
real S3 server, checked by content, resumably, and then serves every file from there."""

from __future__ import annotations

import asyncio
import io
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.blobs.s3 import S3BlobStore, S3Location
from tertulia.adapters.images import PillowImages
from tertulia.adapters.sql.database import open_database
from tertulia.bootstrap import assemble
from tertulia.setup import FileSetup
from tertulia.usecases.accounts import AuthPolicy, Registration
from tests.conftest import Clock
from tests.e2e.server import TERTULIA, environment
from tests.twins import FastHasher

pytestmark = [pytest.mark.slow, pytest.mark.s3]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _files(url: str, root: Path) -> dict[str, bytes]:
    """A workspace with a PDF and a processed photo, kept under `root`; what each served
    rendition (by blob key) holds."""
    database = open_database(url)
    images = PillowImages(workers=1)
    try:
        setup = FileSetup(blobs=LocalBlobStore(root), images=images)
        core = await assemble(database, FastHasher(), Clock(), AuthPolicy(), files=setup)
        ana = await core.accounts.register(
            Registration("ana", "ana@example.com", "violeta-azul-42!")
        )
        workspace, _ = await core.workspaces.create(ana.id, "Equipo")
        picture = io.BytesIO()
        Image.linear_gradient("L").resize((500, 300)).save(picture, "PNG")
        kept = {}
        for name, data in (("a.pdf", PDF), ("b.png", picture.getvalue())):
            file = await core.files.upload(ana.id, workspace.id, name, _chunks(data))
            while await core.jobs.run_once():
                pass
            file = await core.files.get(ana.id, file.id)
            for size in (None, *(t.size for t in file.thumbnails)):
                served = core.files.rendition(file, size)
                kept[served.key] = b"".join([c async for c in core.blobs.read(served.key)])
        return kept
    finally:
        await images.aclose()
        await database.close()


async def _in_s3(location: S3Location, keys: list[str]) -> dict[str, bytes]:
    async with S3BlobStore(location) as store:
        return {k: b"".join([c async for c in store.read(k)]) for k in keys}


async def _drop(location: S3Location, key: str) -> None:
    async with S3BlobStore(location) as store:
        await store.delete(key)


def test_files_move_to_s3_checked_and_resumable(tmp_path: Path, s3_location: S3Location) -> None:
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    kept = asyncio.run(_files(env["TERTULIA_DATABASE_URL"], tmp_path / "files"))
    assert len(kept) == 5  # a PDF; a cleaned PNG and its three thumbnails
    location = replace(s3_location, prefix=f"moved-{uuid.uuid4().hex}/")
    target = (
        f"s3://{quote(location.access_key)}:{quote(location.secret_key)}@{location.bucket}"
        f"/{location.prefix.rstrip('/')}?endpoint={location.endpoint}&region={location.region}"
    )
    command = [*TERTULIA, "files", "migrate", "--to", target]
    first = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "5 blobs copied, 0 already there" in first.stdout
    assert asyncio.run(_in_s3(location, list(kept))) == kept
    # interrupted after all but one: running again copies only what is missing
    asyncio.run(_drop(location, sorted(kept)[2]))
    again = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "1 blobs copied, 4 already there" in again.stdout
    assert asyncio.run(_in_s3(location, list(kept))) == kept


def test_a_bad_target_is_refused_clearly(tmp_path: Path) -> None:
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    refused = subprocess.run(
        [*TERTULIA, "files", "migrate", "--to", "ftp://somewhere"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1
    assert "TERTULIA_BLOBS_URL" in refused.stderr
