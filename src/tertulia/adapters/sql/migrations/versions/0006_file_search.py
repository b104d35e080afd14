"""File search: the runs of words of file names, and files of a workspace newest first.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.String(length=26)
_RUN = sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_index(
        "ix_files_workspace_id_created_at_id",
        "files",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "file_name_runs",
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("run", _RUN, nullable=False),
        sa.Column("file_id", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "run", "file_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_file_name_runs_file_id", "file_name_runs", ["file_id"], unique=False)
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, workspace_id, search_name, created_at FROM files WHERE deleted_at IS NULL"
        )
    )
    runs = []
    for file_id, ws, key, at in rows:
        words = key.split()  # the name's folded words (name_key)
        for run in dict.fromkeys(" ".join(words[i:])[:100] for i in range(len(words))):
            runs.append({"workspace_id": ws, "run": run, "file_id": file_id, "created_at": at})
    if runs:
        conn.execute(
            sa.text(
                "INSERT INTO file_name_runs (workspace_id, run, file_id, created_at)"
                " VALUES (:workspace_id, :run, :file_id, :created_at)"
            ),
            runs,
        )


def downgrade() -> None:
    op.drop_index("ix_file_name_runs_file_id", table_name="file_name_runs")
    op.drop_table("file_name_runs")
    op.drop_index("ix_files_workspace_id_created_at_id", table_name="files")
