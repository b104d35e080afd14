"""From settings to what the adapters take, checked: the JWT secret, the sign-in policy, rate
limits, file types and limits, where bytes are stored (file:// or s3://) and the database's
schema (the broker's URL is read by bootstrap's `open_live`, which builds real time). Every
refusal is a ConfigError that names the setting to change; `check_settings` runs them all
without connecting to anything."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from tertulia.adapters.blobs import open_blobs as blob_store
from tertulia.adapters.blobs.s3 import S3Location
from tertulia.adapters.clamav import ClamdScanner
from tertulia.adapters.sniff import check_libmagic
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.config import Settings, without_password
from tertulia.domain.files import TypePolicy, parse_type_policy
from tertulia.usecases.accounts import AuthPolicy
from tertulia.usecases.files import FileLimits
from tertulia.usecases.limits import Action, Limit, limits_from
from tertulia.usecases.ports.files import BlobStore, ImageProcessor, VirusScanner


class ConfigError(RuntimeError):
    """The settings cannot work; the message says what to change."""


def signing_secret(settings: Settings) -> str:
    """The JWT secret from the settings; in development, one generated once under data_dir.

    Production refuses to run without an explicit secret: a generated one would differ between
    machines and silently log everyone out on each deploy.
    """
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
        if len(secret.encode()) < 32:
            raise ConfigError("TERTULIA_JWT_SECRET must be at least 32 bytes long.")
        return secret
    if settings.env == "production":
        raise ConfigError(
            "TERTULIA_JWT_SECRET is required in production (32+ random bytes, e.g. the output "
            "of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )
    path = settings.data_dir / "jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds a secret shorter than 32 bytes; delete it to regenerate.")
    return secret


def policy_of(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        refresh_ttl=timedelta(days=settings.refresh_token_days),
        session_max_age=timedelta(days=settings.session_max_days),
        session_check_seconds=settings.session_check_seconds,
        login_per_account=Limit(settings.login_attempts_per_account, settings.login_window_seconds),
        login_per_account_total=Limit(
            settings.login_attempts_per_account_total, settings.login_window_seconds
        ),
        login_per_address=Limit(settings.login_attempts_per_address, settings.login_window_seconds),
        register_per_address=Limit(settings.registrations_per_address_per_hour, 3600),
    )


def rate_limits_of(settings: Settings) -> dict[Action, Limit | None]:
    try:
        return limits_from(settings.rate_limits)
    except ValueError as exc:
        raise ConfigError(f"TERTULIA_RATE_LIMITS: {exc}.") from None


async def check_schema(database: Database) -> None:
    """Refuse to serve a database whose schema is not the one this code expects."""
    current, expected = await migrate.current(database), migrate.head()
    if current != expected:
        raise ConfigError(
            f"The database schema is at {current or 'nothing'}, this code needs {expected}: "
            "run `tertulia migrate` first."
        )


def check_settings(settings: Settings) -> None:
    """What the settings ask for can work, checked without connecting to anything (the
    JWT secret, file types, rate limits, the ClamAV and storage URLs); raises ConfigError."""
    signing_secret(settings)
    file_setup(settings)
    rate_limits_of(settings)
    if (settings.blobs_url or "").startswith("s3://"):
        s3_location(settings, settings.blobs_url or "")


@asynccontextmanager
async def database_errors(settings: Settings) -> AsyncIterator[None]:
    """Turn a database that cannot be reached or read into a ConfigError naming it by its
    URL without the password."""
    where = without_password(settings.db_url)
    try:
        yield
    except TimeoutError as exc:
        raise ConfigError(f"The database at {where} did not answer in time.") from exc
    except (OSError, SQLAlchemyError, ValueError) as exc:
        # asyncpg raises its own classes (no common base of ours); both kinds end up here
        reason = getattr(exc, "orig", None) or exc
        detail = str(reason).strip().splitlines()[0].rstrip(".") if str(reason).strip() else ""
        password = urlsplit(settings.db_url).password if "://" in settings.db_url else None
        if password:
            detail = detail.replace(password, "***")
        raise ConfigError(
            f"Cannot use the database at {where}: {detail or type(reason).__name__}."
        ) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("asyncpg"):  # e.g. InvalidPasswordError
            raise ConfigError(f"Cannot use the database at {where}: {exc}.") from exc
        raise


async def check_database(settings: Settings, within: float = 15.0) -> None:
    """The database answers and holds the schema this code needs; raises ConfigError."""
    async with database_errors(settings):
        database = open_database(settings.db_url, pool_size=1)
        try:
            async with asyncio.timeout(within):
                await check_schema(database)
        finally:
            await database.close()


@dataclass
class FileSetup:
    """How files are kept and checked; defaults suit tests (a shared temporary directory,
    images processed by one worker)."""

    blobs: BlobStore | None = None
    images: ImageProcessor | None = None
    policy: TypePolicy = field(default_factory=TypePolicy)
    limits: FileLimits = field(default_factory=FileLimits)
    scanner: VirusScanner | None = None


def file_setup(settings: Settings) -> FileSetup:
    check_libmagic()
    try:
        policy = parse_type_policy(settings.file_types_denied, settings.file_types_allowed)
    except ValueError as exc:
        raise ConfigError(f"TERTULIA_FILE_TYPES_*: {exc}") from None
    try:
        scanner = ClamdScanner(settings.clamav_url) if settings.clamav_url else None
    except ValueError as exc:
        raise ConfigError(f"TERTULIA_CLAMAV_URL {exc}") from None
    return FileSetup(
        policy=policy,
        scanner=scanner,
        limits=FileLimits(
            max_bytes=settings.file_max_bytes,
            user_quota=settings.file_user_quota_bytes,
            workspace_quota=settings.file_workspace_quota_bytes,
        ),
    )


def s3_location(settings: Settings, url: str) -> S3Location:
    """Where an s3:// URL stores bytes, with the keys the settings give."""
    try:
        return S3Location.of_url(url, *_s3_keys(settings))
    except ValueError as exc:
        keys = " (TERTULIA_S3_ACCESS_KEY and TERTULIA_S3_SECRET_KEY)" if "key" in str(exc) else ""
        raise ConfigError(f"TERTULIA_BLOBS_URL: {exc}{keys}.") from None


def _s3_keys(settings: Settings) -> tuple[str, str]:
    return (
        settings.s3_access_key.get_secret_value() if settings.s3_access_key else "",
        settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else "",
    )


def storage_origin(settings: Settings) -> str | None:
    """The origin an S3 store's presigned URLs point to, where downloads and thumbnails
    redirect; None for local files, which we serve ourselves."""
    url = settings.blobs_url or ""
    return s3_location(settings, url).origin if url.startswith("s3://") else None


@asynccontextmanager
async def open_blobs(settings: Settings) -> AsyncIterator[BlobStore]:
    """The blob store TERTULIA_BLOBS_URL names: a local directory or an S3 bucket."""
    url = settings.blobs_url or f"file://{settings.data_dir / 'files'}"
    if url.startswith("s3://"):
        s3_location(settings, url)  # what is missing, named after the settings
    elif not url.startswith("file://") or url == "file://":
        raise ConfigError(f"TERTULIA_BLOBS_URL {url!r}: use file://PATH or s3://BUCKET?endpoint=…")
    async with blob_store(url, *_s3_keys(settings)) as store:
        yield store
