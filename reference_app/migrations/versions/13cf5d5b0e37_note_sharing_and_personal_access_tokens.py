"""note sharing and personal access tokens

Revision ID: 13cf5d5b0e37
Revises: e68486971f6a
Create Date: 2026-11-26 01:40:24.533949
"""

import sqlalchemy as sa
from alembic import op

revision = "13cf5d5b0e37"
down_revision = "e68486971f6a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bastion_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["bastion_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bastion_access_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bastion_access_token_token_hash"), ["token_hash"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_bastion_access_token_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "note_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("access", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("access IN ('read', 'write')", name="ck_note_share_access"),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["bastion_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("note_id", "user_id", name="uq_note_share_note_id_user_id"),
    )
    with op.batch_alter_table("note_share", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_share_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("note_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_share_user_id"))

    op.drop_table("note_share")
    with op.batch_alter_table("bastion_access_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bastion_access_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_bastion_access_token_token_hash"))

    op.drop_table("bastion_access_token")
