"""Where file bytes live: adapters of the BlobStore port (a local directory; S3-compatible),
chosen by URL (TERTULIA_BLOBS_URL): file://PATH or s3://BUCKET/PREFIX?endpoint=URL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.blobs.s3 import S3BlobStore, S3Location
from tertulia.usecases.ports.files import BlobStore


@asynccontextmanager
async def open_blobs(
    url: str, access_key: str = "", secret_key: str = ""
) -> AsyncIterator[BlobStore]:
    """The blob store a URL names, open until the block ends (a local directory is made if
    need be, and swept of what an interrupted write left). ValueError for any other URL."""
    scheme, _, rest = url.partition("://")
    if scheme == "file" and rest:
        store = LocalBlobStore(Path(rest))
        store.root.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(store.sweep)
        yield store
    elif scheme == "s3":
        async with S3BlobStore(S3Location.of_url(url, access_key, secret_key)) as remote:
            yield remote
    else:
        raise ValueError("use file://PATH or s3://BUCKET?endpoint=…")
