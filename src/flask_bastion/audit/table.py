"""The ``bastion_security_event`` table, defined on the app's own database metadata."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table

EVENT_MAX_LENGTH = 64
IP_MAX_LENGTH = 45
USER_AGENT_MAX_LENGTH = 255


def define_table(metadata: MetaData) -> Table:
    """The audit table: one row per security event, kept when its user is deleted."""
    return Table(
        "bastion_security_event",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
        Column("user_id", ForeignKey("bastion_user.id", ondelete="SET NULL"), nullable=True),
        Column("event", String(EVENT_MAX_LENGTH), nullable=False, index=True),
        Column("ip", String(IP_MAX_LENGTH), nullable=True),
        Column("user_agent", String(USER_AGENT_MAX_LENGTH), nullable=True),
        Column("details", JSON, nullable=False),
        # The user's own activity page: their events, newest first. It serves the foreign
        # key's lookups too, so user_id needs no index of its own.
        Index("ix_bastion_security_event_user_time", "user_id", "occurred_at"),
    )
