"""The ``bastion_recovery_code`` table, defined on the app's own database metadata."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String, Table

#: Length of a stored code hash: HMAC-SHA256 in hexadecimal.
CODE_HASH_LENGTH = 64


def define_table(metadata: MetaData) -> Table:
    """One row per recovery code: its keyed hash, and when it was used (once, at most)."""
    return Table(
        "bastion_recovery_code",
        metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "user_id",
            ForeignKey("bastion_user.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("code_hash", String(CODE_HASH_LENGTH), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("used_at", DateTime(timezone=True), nullable=True),
    )
