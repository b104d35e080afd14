"""Blobs in any S3-compatible bucket (AWS S3, MinIO, SeaweedFS, R2…), under
`<prefix><sha256>`. Bytes are streamed up in parts of `PART` bytes (never the whole file in
memory); a blob becomes visible under its key only complete: small ones by one PUT, larger
ones by a multipart upload to a temporary key, then a server-side copy."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

from tertulia.usecases.ports.files import BLOB_KEY, Blob, BlobTooLarge

PART = 8 * 1024 * 1024  # bytes per uploaded part (S3's minimum is 5 MiB)
CHUNK = 256 * 1024  # bytes read at a time when serving a blob
_KEY = re.compile(BLOB_KEY)
_MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True, slots=True)
class S3Location:
    endpoint: str  # https://s3.eu-west-1.amazonaws.com, http://127.0.0.1:8333…
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    prefix: str = "blobs/"

    @classmethod
    def of_url(cls, url: str, access_key: str = "", secret_key: str = "") -> S3Location:
        """s3://[KEY:SECRET@]BUCKET[/PREFIX]?endpoint=URL[&region=REGION]; the keys in the
        URL win over those given. ValueError says what is missing."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        endpoint = query.get("endpoint", [""])[0]
        access = unquote(parts.username or "") or access_key
        secret = unquote(parts.password or "") or secret_key
        if not parts.hostname or not endpoint.startswith(("http://", "https://")):
            raise ValueError("use s3://BUCKET/PREFIX?endpoint=https://HOST (and region=)")
        if not access or not secret:
            raise ValueError("S3 storage needs an access key and a secret key")
        prefix = parts.path.strip("/")
        return cls(
            endpoint=endpoint,
            bucket=parts.hostname,
            access_key=access,
            secret_key=secret,
            region=query.get("region", ["us-east-1"])[0],
            prefix=f"{prefix}/" if prefix else "blobs/",
        )

    @property
    def origin(self) -> str:
        """Where its presigned URLs point (path-style: the endpoint's scheme and host)."""
        endpoint = urlsplit(self.endpoint)
        return f"{endpoint.scheme}://{endpoint.netloc.rpartition('@')[2]}"


class S3BlobStore:
    """Open with `async with S3BlobStore(location) as store` (one client, its connections
    pooled, for the life of the process)."""

    def __init__(self, location: S3Location) -> None:
        self.location = location
        self._stack = AsyncExitStack()
        self._client: Any = None

    async def __aenter__(self) -> S3BlobStore:
        where = self.location
        self._client = await self._stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=where.endpoint,
                region_name=where.region,
                aws_access_key_id=where.access_key,
                aws_secret_access_key=where.secret_key,
                config=Config(
                    s3={"addressing_style": "path"},
                    signature_version="s3v4",  # presigned URLs too (SigV2 is long deprecated)
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=60,
                ),
            )
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def _object(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.location.prefix + key

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Blob:
        bucket, client = self.location.bucket, self._client
        temporary = f"{self.location.prefix}tmp/{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        pending = bytearray()
        upload: str | None = None
        parts: list[dict[str, Any]] = []

        async def send_part() -> None:
            nonlocal upload
            if upload is None:
                created = await client.create_multipart_upload(Bucket=bucket, Key=temporary)
                upload = str(created["UploadId"])
            number = len(parts) + 1
            sent = await client.upload_part(
                Bucket=bucket,
                Key=temporary,
                UploadId=upload,
                PartNumber=number,
                Body=bytes(pending),
            )
            parts.append({"ETag": sent["ETag"], "PartNumber": number})
            pending.clear()

        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(f"more than {max_bytes} bytes")
                digest.update(chunk)
                pending += chunk
                if len(pending) >= PART:
                    await send_part()
            key = digest.hexdigest()
            if await self.size(key) is not None:  # the same bytes are there already
                if upload is not None:
                    await client.abort_multipart_upload(
                        Bucket=bucket, Key=temporary, UploadId=upload
                    )
                return Blob(key, size)
            if upload is None:  # small enough for one request, straight into place
                await client.put_object(Bucket=bucket, Key=self._object(key), Body=bytes(pending))
                return Blob(key, size)
            if pending:
                await send_part()
            await client.complete_multipart_upload(
                Bucket=bucket, Key=temporary, UploadId=upload, MultipartUpload={"Parts": parts}
            )
            upload = None
            await client.copy_object(
                Bucket=bucket,
                Key=self._object(key),
                CopySource={"Bucket": bucket, "Key": temporary},
            )
            await client.delete_object(Bucket=bucket, Key=temporary)
            return Blob(key, size)
        except BaseException:
            if upload is not None:
                await client.abort_multipart_upload(Bucket=bucket, Key=temporary, UploadId=upload)
            raise

    async def size(self, key: str) -> int | None:
        try:
            name = self._object(key)
        except KeyError:
            return None
        try:
            head = await self._client.head_object(Bucket=self.location.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        name = self._object(key)
        if end is not None and end <= start:
            if await self.size(key) is None:
                raise KeyError(key)
            return
        ranged = {} if start == 0 and end is None else {"Range": f"bytes={start}-{_last(end)}"}
        try:
            found = await self._client.get_object(Bucket=self.location.bucket, Key=name, **ranged)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise KeyError(key) from None
            if _code(exc) == "InvalidRange":  # from the end onwards: nothing
                return
            raise
        async with found["Body"] as body:
            while chunk := await body.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        try:
            name = self._object(key)
        except KeyError:
            return
        await self._client.delete_object(Bucket=self.location.bucket, Key=name)

    async def presigned_url(
        self, key: str, seconds: int, content_type: str, disposition: str
    ) -> str | None:
        """A presigned GET that answers with our Content-Type and Content-Disposition (S3
        cannot add nosniff; the type is never one a browser would run)."""
        url: str = await self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self._object(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": f"private, max-age={seconds}",
            },
            ExpiresIn=seconds,
        )
        return url


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _last(end: int | None) -> str:
    return "" if end is None else str(end - 1)
