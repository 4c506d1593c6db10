"""server-side sessions

Revision ID: f62b7a462ce0
Revises: 1246a6c273d6
Create Date: 2026-11-25 22:56:17.730789

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f62b7a462ce0"
down_revision = "1246a6c273d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bastion_session",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["bastion_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("bastion_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bastion_session_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("bastion_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bastion_session_user_id"))

    op.drop_table("bastion_session")
