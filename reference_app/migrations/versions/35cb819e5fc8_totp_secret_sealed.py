"""totp secret sealed

Revision ID: 35cb819e5fc8
Revises: 85a80c88faf3
Create Date: 2026-11-26 03:55:16.420426

TOTP secrets are stored encrypted (flask_bastion.two_factor.sealing): a sealed secret is
about 150 characters. Secrets stored in clear are still read, and sealed at their next use.
A downgrade needs the sealed values cleared first (they do not fit in 64 characters).
"""

import sqlalchemy as sa
from alembic import op

revision = "35cb819e5fc8"
down_revision = "85a80c88faf3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bastion_user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade():
    with op.batch_alter_table("bastion_user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.VARCHAR(length=64),
            existing_nullable=True,
        )
