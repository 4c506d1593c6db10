"""audit log, two-factor, email confirmation

Revision ID: ceb6fc3ab640
Revises: f62b7a462ce0
Create Date: 2026-11-25 23:34:42.101844
"""

import sqlalchemy as sa
from alembic import op

revision = "ceb6fc3ab640"
down_revision = "f62b7a462ce0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bastion_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["bastion_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bastion_recovery_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bastion_recovery_code_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "bastion_security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["bastion_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bastion_security_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bastion_security_event_event"), ["event"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bastion_security_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_bastion_security_event_user_time", ["user_id", "occurred_at"], unique=False
        )

    with op.batch_alter_table("bastion_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_counter", sa.BigInteger(), nullable=True))

    # Accounts that existed before confirmation could be asked for are confirmed: otherwise,
    # once mail is on, every existing user would have to confirm before logging in again.
    op.execute("UPDATE bastion_user SET confirmed_at = created_at WHERE confirmed_at IS NULL")


def downgrade():
    with op.batch_alter_table("bastion_user", schema=None) as batch_op:
        batch_op.drop_column("totp_last_counter")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("confirmed_at")

    with op.batch_alter_table("bastion_security_event", schema=None) as batch_op:
        batch_op.drop_index("ix_bastion_security_event_user_time")
        batch_op.drop_index(batch_op.f("ix_bastion_security_event_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_bastion_security_event_event"))

    op.drop_table("bastion_security_event")
    with op.batch_alter_table("bastion_recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bastion_recovery_code_user_id"))

    op.drop_table("bastion_recovery_code")
