"""permissions granted by roles

Revision ID: e68486971f6a
Revises: ceb6fc3ab640
Create Date: 2026-11-25 23:41:17.335591
"""

import sqlalchemy as sa
from alembic import op

revision = "e68486971f6a"
down_revision = "ceb6fc3ab640"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bastion_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "bastion_role_permission",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["permission_id"], ["bastion_permission.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["role_id"], ["bastion_role.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("role_id", "permission_id"),
    )


def downgrade():
    op.drop_table("bastion_role_permission")
    op.drop_table("bastion_permission")
