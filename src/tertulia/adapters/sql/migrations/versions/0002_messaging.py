"""Messaging: messages with their place in the log, edits, reactions, notifications,
followed threads, and read markers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("workspace_id", sa.String(length=26), nullable=False),
        sa.Column("channel_id", sa.String(length=26), nullable=False),
        sa.Column("author_id", sa.String(length=26), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("thread_root_id", sa.String(length=26), nullable=True),
        sa.Column("in_channel", sa.Boolean(), nullable=False),
        sa.Column("client_msg_id", sa.String(length=64), nullable=True),
        sa.Column("body_hash", sa.String(length=64), server_default="", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentioned", sa.Text(), server_default="", nullable=False),
        sa.Column("mentions_everyone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mentions_here", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("participants", sa.Text(), server_default="", nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_by", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_messages_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_by"], ["users.id"], name=op.f("fk_messages_pinned_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["thread_root_id"], ["messages.id"], name=op.f("fk_messages_thread_root_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_messages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "author_id", "client_msg_id", name=op.f("uq_messages_author_id_client_msg_id")
        ),
    )
    op.create_index(
        op.f("ix_messages_channel_log"),
        "messages",
        ["channel_id", "in_channel", "seq", "author_id", "deleted_at"],
    )
    op.create_index(
        op.f("ix_messages_channel_id_pinned_at"), "messages", ["channel_id", "pinned_at"]
    )
    op.create_index(
        op.f("ix_messages_thread_log"),
        "messages",
        ["thread_root_id", "seq", "author_id", "deleted_at"],
    )

    op.create_table(
        "message_edits",
        sa.Column("message_id", sa.String(length=26), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_edits_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "version", name=op.f("pk_message_edits")),
    )
    op.create_table(
        "notifications",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("message_id", sa.String(length=26), nullable=False),
        sa.Column("workspace_id", sa.String(length=26), nullable=False),
        sa.Column("channel_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_notifications_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_notifications_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "message_id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_message_id"), "notifications", ["message_id"])
    op.create_index(
        op.f("ix_notifications_user_id_channel_id_seq"),
        "notifications",
        ["user_id", "channel_id", "seq"],
    )
    op.create_index(op.f("ix_notifications_user_id_seq"), "notifications", ["user_id", "seq"])

    op.create_table(
        "reactions",
        sa.Column("message_id", sa.String(length=26), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_reactions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reactions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", "emoji", "user_id", name=op.f("pk_reactions")),
    )
    op.create_table(
        "thread_follows",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("root_id", sa.String(length=26), nullable=False),
        sa.Column("workspace_id", sa.String(length=26), nullable=False),
        sa.Column("channel_id", sa.String(length=26), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=True),
        sa.Column(
            "last_read_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default="0",
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_thread_follows_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_id"],
            ["messages.id"],
            name=op.f("fk_thread_follows_root_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_thread_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_thread_follows_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "root_id", name=op.f("pk_thread_follows")),
    )
    op.create_index(
        op.f("ix_thread_follows_user_id_workspace_id"),
        "thread_follows",
        ["user_id", "workspace_id"],
    )

    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_read_seq",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.drop_column("muted")
        batch_op.drop_column("last_read_seq")

    op.drop_index(op.f("ix_thread_follows_user_id_workspace_id"), table_name="thread_follows")

    op.drop_table("thread_follows")
    op.drop_table("reactions")
    op.drop_index(op.f("ix_notifications_user_id_seq"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_user_id_channel_id_seq"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_message_id"), table_name="notifications")

    op.drop_table("notifications")
    op.drop_table("message_edits")
    op.drop_index(op.f("ix_messages_thread_log"), table_name="messages")
    op.drop_index(op.f("ix_messages_channel_id_pinned_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_channel_log"), table_name="messages")

    op.drop_table("messages")
