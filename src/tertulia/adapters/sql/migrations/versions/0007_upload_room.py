"""Uploads: the space promised to a workspace's uploads under way is summed by workspace.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_uploads_workspace_id_expires_at", "uploads", ["workspace_id", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_uploads_workspace_id_expires_at", table_name="uploads")
