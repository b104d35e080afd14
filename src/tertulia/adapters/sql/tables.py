"""The schema, as SQLAlchemy Core tables. Migrations in `migrations/` create the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = String(26)
# compared byte by byte on both engines, so that a range of them is a range of prefixes
Run = String(100).with_variant(String(100, collation="C"), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity
EventId = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("title", String(100), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # username and display name folded (lowercase, no accents): the quick switcher's prefixes
    Column("search_name", String(200), nullable=False, server_default=""),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("user_agent", String(256), nullable=False, default=""),
    Column("ip", String(64), nullable=False, default=""),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "session_id",
        Id,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("slug", String(40), nullable=False, unique=True),
    Column("description", String(250), nullable=False, default=""),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

workspace_members = Table(
    "workspace_members",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("workspace_id", "user_id"),
    Index("ix_workspace_members_user_id", "user_id"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "workspace_id",
        Id,
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("channel_ids", Text, nullable=False, default=""),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False, default=0),
    Column("revoked_at", UtcDateTime),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    # NULL for direct messages, so that the unique name constraint leaves them alone
    Column("name", String(80)),
    Column("topic", String(250), nullable=False, default=""),
    Column("purpose", String(250), nullable=False, default=""),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
    Column("is_default", Boolean, nullable=False, default=False),
    # the sorted member ids of a direct message: opening the same DM twice finds this row
    Column("dm_key", String(250)),
    Column("search_name", String(200), nullable=False, server_default=""),  # the name, folded
    UniqueConstraint("workspace_id", "name"),
    UniqueConstraint("workspace_id", "dm_key"),
)

channel_members = Table(
    "channel_members",
    metadata,
    Column("channel_id", Id, ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    # read up to this place of the log (a message's seq); unread = later messages
    Column("last_read_seq", EventId, nullable=False, server_default="0"),
    Column("muted", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("channel_id", "user_id"),
    Index("ix_channel_members_user_id_workspace_id", "user_id", "workspace_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Id, ForeignKey("users.id"), nullable=False),
    # the id of its message.created event: commit order, so cursors never skip a late commit
    Column("seq", EventId),
    Column("thread_root_id", Id, ForeignKey("messages.id")),
    Column("in_channel", Boolean, nullable=False),  # roots, and replies also sent to the channel
    Column("client_msg_id", String(64)),
    Column("body_hash", String(64), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime),
    Column("deleted_at", UtcDateTime),
    Column("mentioned", Text, nullable=False, server_default=""),  # space-separated user ids
    Column("mentions_everyone", Boolean, nullable=False, server_default=false()),
    Column("mentions_here", Boolean, nullable=False, server_default=false()),
    Column("reply_count", Integer, nullable=False, server_default="0"),
    Column("last_reply_at", UtcDateTime),
    Column("participants", Text, nullable=False, server_default=""),  # space-separated ids
    Column("pinned_at", UtcDateTime),
    Column("pinned_by", Id, ForeignKey("users.id")),
    Column("file_ids", Text, nullable=False, server_default=""),  # space-separated, in order
    UniqueConstraint("author_id", "client_msg_id"),
    # a channel's and a thread's log, in order; author and deletion ride along so that unread
    # counts (by others, not deleted) are index-only scans
    Index("ix_messages_channel_log", "channel_id", "in_channel", "seq", "author_id", "deleted_at"),
    Index("ix_messages_thread_log", "thread_root_id", "seq", "author_id", "deleted_at"),
    Index("ix_messages_channel_id_pinned_at", "channel_id", "pinned_at"),
)

message_edits = Table(
    "message_edits",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),  # the version this text was
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),  # when this version was written
    PrimaryKeyConstraint("message_id", "version"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("emoji", String(64), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("message_id", "emoji", "user_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # mention, everyone, here
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
    # the message's seq (set when the message is placed, at commit): orders the inbox
    Column("seq", EventId),
    PrimaryKeyConstraint("user_id", "message_id"),
    Index("ix_notifications_user_id_seq", "user_id", "seq"),
    Index("ix_notifications_user_id_channel_id_seq", "user_id", "channel_id", "seq"),
    Index("ix_notifications_message_id", "message_id"),
)

thread_follows = Table(
    "thread_follows",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("root_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    # true: followed; false: unfollowed by hand (activity never overrides); null: no choice
    # yet, the row only keeps a read marker
    Column("following", Boolean),
    Column("last_read_seq", EventId, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "root_id"),
    Index("ix_thread_follows_user_id_workspace_id", "user_id", "workspace_id"),
)

files = Table(
    "files",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("uploader_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("search_name", String(255), nullable=False, server_default=""),  # folded
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("inline", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("blob_key", String(64)),  # what is served; NULL once deleted
    Column("source_key", String(64)),  # the upload, while an image waits for its work
    Column("width", Integer),
    Column("height", Integer),
    Column("animated", Boolean, nullable=False, server_default=false()),
    Column("placeholder", String(100), nullable=False, server_default=""),
    Column("problem", String(64)),
    Column("message_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
    Column("channel_id", Id, ForeignKey("channels.id", ondelete="CASCADE")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),
    Index("ix_files_workspace_id_uploader_id", "workspace_id", "uploader_id"),
    Index("ix_files_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    Index("ix_files_channel_id_created_at", "channel_id", "created_at"),
    Index("ix_files_message_id", "message_id"),
    Index("ix_files_blob_key", "blob_key"),
    Index("ix_files_source_key", "source_key"),
)

# Every live file's name from each of its words to the end, folded as `name_key` makes it
# ("informe anual pdf", "anual pdf", "pdf"): the words someone types, in order, the last one
# begun, are the start of one of them. File search looks a rare one up here rather than read
# every file, newest first, for it.
file_name_runs = Table(
    "file_name_runs",
    metadata,
    Column("workspace_id", Id, nullable=False),
    Column("run", Run, nullable=False),
    Column("file_id", Id, ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),  # the file's: newest first
    PrimaryKeyConstraint("workspace_id", "run", "file_id"),
    Index("ix_file_name_runs_file_id", "file_id"),
    sqlite_with_rowid=False,  # the key holds the rows: a range of runs is read in place
)

file_thumbnails = Table(
    "file_thumbnails",
    metadata,
    Column("file_id", Id, ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
    Column("size", Integer, nullable=False),
    Column("blob_key", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("content_type", String(64), nullable=False),
    PrimaryKeyConstraint("file_id", "size"),
    Index("ix_file_thumbnails_blob_key", "blob_key"),
)

# Work to do off the request, durably: enqueued in the transaction that calls for it, taken
# by any node under a lease, retried when the lease runs out (a crash), deleted when done.
jobs = Table(
    "jobs",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),  # a file id, a blob key
    Column("run_after", Float, nullable=False),  # seconds since the epoch
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("leased_until", Float),
    Column("last_error", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_jobs_run_after", "run_after"),
    sqlite_autoincrement=True,
)

# Resumable uploads (tus): the bytes come in parts, one blob per part, until they make a file.
uploads = Table(
    "uploads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("uploader_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),  # the tus offset
    Column("file_id", Id, ForeignKey("files.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_uploads_uploader_id", "uploader_id"),
    Index("ix_uploads_expires_at", "expires_at"),
    # the space promised to a workspace's uploads under way counts against its quotas
    Index("ix_uploads_workspace_id_expires_at", "workspace_id", "expires_at"),
)

upload_parts = Table(
    "upload_parts",
    metadata,
    Column("upload_id", Id, ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False),
    Column("start", BigInteger, nullable=False),  # where its bytes go in the upload
    Column("blob_key", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    PrimaryKeyConstraint("upload_id", "start"),
    Index("ix_upload_parts_blob_key", "blob_key"),
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_end", Float, nullable=False),  # seconds since the epoch
    Column("count", Integer, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("workspace_id", Id),
    Column("channel_id", Id),
    # space-separated scopes (see domain.events): who may see this event
    Column("audience", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,  # ids are never reused, even after old events are pruned
)

# one row: the id of the deployment this database is the truth of (made by its migration),
# which names its real-time channel and keys its broker messages
deployment = Table(
    "deployment",
    metadata,
    Column("slot", Integer, primary_key=True, autoincrement=False),  # 1, the only row
    Column("id", String(26), nullable=False),
)
