"""session end index

Revision ID: 85a80c88faf3
Revises: 13cf5d5b0e37
Create Date: 2026-11-26 03:44:32.831565

Each session record gets the moment it ends unless seen again (``dies_at``), indexed with its
user, so a login deletes the user's ended sessions without reading the live ones. Existing
records get their absolute expiry: an idle one among them is refused at once when presented
(the check on each request reads the idle timeout) and deleted at the first login after that.
"""

import sqlalchemy as sa
from alembic import op

revision = "85a80c88faf3"
down_revision = "13cf5d5b0e37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bastion_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dies_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE bastion_session SET dies_at = expires_at")
    with op.batch_alter_table("bastion_session", schema=None) as batch_op:
        batch_op.alter_column("dies_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_index(batch_op.f("ix_bastion_session_user_id"))
        batch_op.create_index(
            "ix_bastion_session_user_id_dies_at", ["user_id", "dies_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("bastion_session", schema=None) as batch_op:
        batch_op.drop_index("ix_bastion_session_user_id_dies_at")
        batch_op.create_index(batch_op.f("ix_bastion_session_user_id"), ["user_id"], unique=False)
        batch_op.drop_column("dies_at")
