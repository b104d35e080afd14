"""Settings, read once at start from `TERTULIA_*` environment variables and an optional `.env`."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError


class Settings(BaseSettings):
    """Everything configurable. URLs choose adapters: SQLite or PostgreSQL by `database_url`."""

    model_config = SettingsConfigDict(env_prefix="TERTULIA_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        "development", description="production refuses to start without a JWT secret."
    )
    data_dir: Path = Field(Path("var"), description="Where the embedded database and keys live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: an SQLite file in data_dir."
    )
    db_pool_size: int = Field(10, ge=1, le=200)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    public_url: str | None = Field(
        None, description="The URL clients reach us at (invitation links); default from host:port."
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="Proxies trusted to set X-Forwarded-For (uvicorn's option)."
    )
    cors_origins: list[str] = []

    jwt_secret: SecretStr | None = Field(
        None, description="HS256 signing secret, 32+ bytes; generated under data_dir if absent."
    )
    jwt_issuer: str = "tertulia"
    access_token_minutes: int = Field(15, ge=1, le=1440)
    refresh_token_days: int = Field(30, ge=1, le=365)
    session_max_days: int = Field(90, ge=1, le=3650)
    session_check_seconds: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="How long a process trusts a session it found live; a logout on another"
        " process or node reaches it within this time.",
    )

    max_body_bytes: int = Field(256 * 1024, ge=1024)
    max_message_length: int = Field(
        16_000, ge=1, le=100_000, description="Longest message text, in characters."
    )
    login_attempts_per_account: int = Field(
        10, ge=1, description="Password guesses at one account from one address, per window."
    )
    login_attempts_per_account_total: int = Field(
        100, ge=1, description="Password guesses at one account from anywhere, per window."
    )
    login_attempts_per_address: int = Field(100, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    registrations_per_address_per_hour: int = Field(20, ge=1)
    rate_limits: dict[str, str] = Field(
        default_factory=dict,
        description="Changes to the limits on what one person may do (and one channel take),"
        ' as JSON: {"message.post": "60/60", "search": "off"}, each COUNT/SECONDS or off.'
        " The actions and their defaults are in the README.",
    )

    argon2_memory_kib: int = Field(19_456, ge=8)
    argon2_time_cost: int = Field(2, ge=1)
    password_hash_concurrency: int = Field(4, ge=1)

    broker_url: str = Field(
        "memory://",
        description="memory:// (one process) or redis://host:port/db (many processes or nodes).",
    )
    broker_channel: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The Redis pub/sub channel (and prefix of the presence keys); default: "
        "tertulia:events:<id of the deployment's database>, so that deployments sharing a "
        "Redis server never hear each other.",
    )
    event_retention_hours: float = Field(
        24, gt=0, le=24 * 365, description="How long the event log keeps events for resuming."
    )
    replay_max_events: int = Field(
        50_000,
        ge=1,
        description="A client further behind than this many events is told to resync by REST.",
    )
    ws_queue_events: int = Field(
        1024, ge=8, le=1_000_000, description="Events queued per connection before it is cut."
    )
    ws_max_frame_bytes: int = Field(
        16 * 1024, ge=256, le=1024 * 1024, description="Largest frame a client may send."
    )
    ws_commands_per_second: float = Field(
        10, gt=0, description="Commands a connection may send per second (sustained)."
    )
    ws_commands_burst: int = Field(30, ge=1, description="Commands a connection may send at once.")
    ws_auth_seconds: float = Field(
        10, gt=0, le=300, description="Time a new connection has to send its auth frame."
    )
    offline_after_seconds: float = Field(
        10, ge=0, le=600, description="How long after their last socket closes a person is offline."
    )
    ws_ping_seconds: float = Field(
        20,
        gt=0,
        le=600,
        description="The server pings each socket this often and closes one whose pong does "
        "not come within as long again with 4000 (a dead peer, or one that stopped reading).",
    )
    ws_sockets_per_person: int = Field(
        50,
        ge=1,
        le=10_000,
        description="Sockets one person may have open at once (every device and tab, on "
        "every node); one more is closed with 4409.",
    )
    ws_compression: bool = Field(
        False, description="permessage-deflate: less traffic, much more memory per connection."
    )

    blobs_url: str | None = Field(
        None,
        description="Where file bytes live: file://PATH (default: files/ under data_dir) or "
        "s3://BUCKET/PREFIX?endpoint=https://HOST&region=REGION (credentials in "
        "s3_access_key/s3_secret_key, or as s3://KEY:SECRET@BUCKET).",
    )
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    file_max_bytes: int = Field(
        100 * 1024 * 1024, ge=1024, le=1 << 40, description="Largest file one may upload."
    )
    file_user_quota_bytes: int | None = Field(
        None,
        ge=0,
        description="Bytes of files one person may keep per workspace, counting the length of"
        " their resumable uploads under way; no limit if unset.",
    )
    file_workspace_quota_bytes: int | None = Field(
        None,
        ge=0,
        description="Bytes of files a workspace may keep, counting the length of resumable"
        " uploads under way; no limit if unset.",
    )
    clamav_url: str | None = Field(
        None,
        description="ClamAV's clamd, which checks every upload for viruses: tcp://HOST:PORT or "
        "unix:///PATH (e.g. unix:///run/clamav/clamd.ctl). Unset: uploads are not scanned. "
        "While it is down, uploads are refused (503); files over its StreamMaxLength too (413).",
    )
    file_types_denied: str | None = Field(
        None,
        description="Comma-separated MIME types (or family/*) refused; default: executables, "
        "scripts and HTML.",
    )
    file_types_allowed: str | None = Field(
        None, description="If set, only these MIME types (or family/*) are accepted."
    )
    file_url_seconds: int = Field(
        300, ge=10, le=7 * 24 * 3600, description="How long a signed download URL works."
    )
    image_workers: int = Field(2, ge=1, le=64, description="Processes making thumbnails.")
    image_max_pixels: int = Field(
        50_000_000, ge=1_000_000, description="Larger images are kept as plain attachments."
    )
    image_seconds: float = Field(
        60,
        gt=0,
        le=3600,
        description="Longest one image's processing may take; past it, its worker process is "
        "killed and replaced, and the image is kept as a plain attachment (image.too_slow).",
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    metrics_token: SecretStr | None = Field(
        None,
        min_length=16,
        description="A bearer token that may read /metrics from anywhere (16+ characters);"
        " without it, only loopback clients may.",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if url.startswith("sqlite+aiosqlite:///"):
            return url  # (an in-memory one is refused, saying so, when it is opened)
        if url.startswith("postgresql+asyncpg://") and urlsplit(url).hostname:
            return url
        raise ValueError("not a database URL Tertulia can use")

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, url: str) -> str:
        scheme, sep, rest = url.partition("://")
        if sep and (scheme == "memory" or (scheme in ("redis", "rediss", "unix") and rest)):
            return url
        raise ValueError("not a broker URL")

    @field_validator("blobs_url")
    @classmethod
    def _blobs_url(cls, url: str | None) -> str | None:
        scheme, sep, rest = (url or "").partition("://")
        if url is None or (sep and scheme in ("file", "s3") and rest):
            return url
        raise ValueError("not a storage URL")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        if url is None or (url.startswith(("http://", "https://")) and urlsplit(url).hostname):
            return url
        raise ValueError("not an http(s) URL")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir}/tertulia.db"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


# the forms of the settings that plain types do not say
URL_FORMS: dict[str, str] = {
    "database_url": "sqlite+aiosqlite:///PATH/TO/FILE.db or postgresql+asyncpg://USER:PASSWORD@HOST/DB",
    "broker_url": "memory:// or redis://HOST:PORT/DB",
    "blobs_url": "file://PATH or s3://BUCKET/PREFIX?endpoint=https://HOST",
    "public_url": "http(s)://HOST[:PORT], the address clients use",
    "cors_origins": 'a JSON list of origins, e.g. ["https://chat.example.com"]',
    "rate_limits": 'a JSON object of limits, e.g. {"message.post": "120/60", "search": "off"}',
}
SECRET = ("jwt_secret", "s3_access_key", "s3_secret_key", "metrics_token")


class SettingsInvalid(ValueError):
    """Some settings cannot be read; one line per setting, naming its variable and the form
    it takes (never a secret's value, never a password in a URL)."""


def load_settings(**values: Any) -> Settings:
    """The settings from the environment (and `.env`), with `values` over them; raises
    SettingsInvalid."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        lines = dict.fromkeys(
            _line(str(error["loc"][0]) if error["loc"] else "", error.get("input"))
            for error in exc.errors()
        )
        raise SettingsInvalid("\n".join(lines)) from None
    except SettingsError as exc:  # a list setting that is not JSON
        name = next((n for n in Settings.model_fields if f'"{n}"' in str(exc)), "")
        raise SettingsInvalid(_line(name, None)) from None


def _line(name: str, given: object) -> str:
    variable = f"TERTULIA_{name.upper()}"
    shown = ""
    if isinstance(given, str) and name not in SECRET:
        shown = f"={without_password(given)!r}"
    return f"{variable}{shown} is not valid: expected {expected_form(name)}."


def without_password(url: str) -> str:
    """The URL with any password replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.split("@")[-1] if "@" in url else url
    if not password:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


def expected_form(name: str) -> str:
    """What a setting takes, in words: "a whole number from 1 to 65535", "one of json, text"."""
    if name in URL_FORMS:
        return URL_FORMS[name]
    field = Settings.model_fields.get(name)
    if field is None:
        return "a valid value"
    kind: Any = field.annotation
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(str(choice) for choice in typing.get_args(kind))
    if kind is bool:
        return "true or false"
    if typing.get_origin(kind) in (dict, list):
        return "a JSON object" if typing.get_origin(kind) is dict else "a JSON list"
    if kind in (int, float):
        words = ["a whole number" if kind is int else "a number"]
        for limit in field.metadata:  # annotated-types' Ge, Gt, Le, MinLen…
            if (low := getattr(limit, "ge", None)) is not None:
                words.append(f"from {low}")
            elif (low := getattr(limit, "gt", None)) is not None:
                words.append(f"over {low}")
            elif (high := getattr(limit, "le", None)) is not None:
                words.append(f"to {high}" if len(words) > 1 else f"up to {high}")
        return " ".join(words)
    if kind is Path:
        return "a directory path"
    if kind is SecretStr:
        shortest = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), 1)
        return f"a secret of at least {shortest} characters"
    return "text"
