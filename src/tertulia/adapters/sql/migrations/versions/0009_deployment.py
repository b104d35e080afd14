"""The deployment's id: one row made here, at migration, shared by every node that uses this
database. Real time names its Redis channel after it and keys its broker messages with it, so
that two deployments sharing one Redis server never act on each other's events.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tertulia.domain.ids import new_id

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "deployment",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_deployment")),
    )
    op.bulk_insert(table, [{"slot": 1, "id": new_id()}])


def downgrade() -> None:
    op.drop_table("deployment")
