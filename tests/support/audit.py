"""Read the security events an app stored, straight from its audit table."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from flask_bastion import state_for


def stored_events(app: Flask, event: str | None = None) -> list[dict[str, Any]]:
    """Every stored event (only those named ``event``, when given), oldest first."""
    audit = state_for(app).audit
    assert audit is not None
    query = select(audit.table).order_by(audit.table.c.id)
    if event is not None:
        query = query.where(audit.table.c.event == event)
    with app.app_context(), audit.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
