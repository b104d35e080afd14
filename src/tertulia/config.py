"""Settings, read once at start from `TERTULIA_*` environment variables and an optional `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir}/tertulia.db"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
