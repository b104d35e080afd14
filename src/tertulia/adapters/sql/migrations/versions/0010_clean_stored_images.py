"""Files stored before every image lost its metadata: served as uploaded until now (an AVIF or
HEIC photo with where it was taken, a TIFF with its camera and author, an SVG with its
author's paths, and any image whose processing failed), they go back to `processing` with a
job each, so that the file worker serves them as it serves a new upload: cleaned, with
thumbnails, or (if that fails) cleaned as an attachment, or not at all. Until its job is done
a file answers 409 `file.processing`, as a new upload does.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# as they stood at this revision (a migration never follows later changes of the code)
PROCESSED_BEFORE = ("image/jpeg", "image/png", "image/gif", "image/webp")
PROCESSED_NOW = (
    *PROCESSED_BEFORE,
    "image/avif",
    "image/heic",
    "image/heif",
    "image/tiff",
    "image/bmp",
    "image/vnd.microsoft.icon",
)
SVG = "image/svg+xml"
BATCH = 1000

files = sa.table(
    "files",
    sa.column("id", sa.String),
    sa.column("content_type", sa.String),
    sa.column("status", sa.String),
    sa.column("blob_key", sa.String),
    sa.column("source_key", sa.String),
    sa.column("inline", sa.Boolean),
    sa.column("deleted_at", sa.DateTime),
)
jobs = sa.table(
    "jobs",
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("run_after", sa.Float),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    conn = op.get_bind()
    newly_processed = [*PROCESSED_NOW[len(PROCESSED_BEFORE) :], SVG]
    served_as_uploaded = sa.and_(
        files.c.deleted_at.is_(None),
        files.c.blob_key.is_not(None),
        sa.or_(
            sa.and_(files.c.status == "ready", files.c.content_type.in_(newly_processed)),
            sa.and_(files.c.status == "failed", files.c.content_type.in_([*PROCESSED_NOW, SVG])),
        ),
    )
    ids = list(conn.execute(sa.select(files.c.id).where(served_as_uploaded)).scalars())
    now, at = datetime.now(UTC), time.time()
    if conn.dialect.name == "sqlite":  # kept as naive UTC there, as the tables' type does
        now = now.replace(tzinfo=None)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        conn.execute(
            sa.update(files)
            .where(files.c.id.in_(chunk))
            .values(
                status="processing",
                source_key=files.c.blob_key,
                blob_key=None,
                # shown in the page once processed, as a new upload of its type would be
                inline=files.c.content_type.in_(PROCESSED_NOW),
            )
        )
        conn.execute(
            sa.insert(jobs),
            [{"kind": "image", "subject": i, "run_after": at, "created_at": now} for i in chunk],
        )


def downgrade() -> None:
    """Nothing to undo: files still waiting for their job are served when it is done."""
