"""Reading the audit log a page at a time: a user's own events, or everyone's for admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping

from flask_bastion.audit.events import label
from flask_bastion.audit.log import SecurityEvent
from flask_bastion.auth.store import normalize_email
from flask_bastion.sql import LIKE_ESCAPE, escape_like

if TYPE_CHECKING:
    from flask_bastion.audit.log import AuditLog

#: The last page anyone may ask for: deeper offsets only cost the database work.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class ListedEvent:
    """An event as a page lists it, with its user's email when the page shows one."""

    record: SecurityEvent
    email: str | None = None

    @property
    def label(self) -> str:
        """The readable name of the event."""
        return label(self.record.event)


@dataclass(frozen=True)
class Page:
    """One page of events, newest first."""

    items: list[ListedEvent]
    number: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1


def user_events(audit: AuditLog, user_id: int, number: int, per_page: int) -> Page:
    """The events of one user."""
    query = select(audit.table).where(audit.table.c.user_id == user_id)
    return _page(audit, query, number, per_page)


def search_events(audit: AuditLog, *, email: str, event: str, number: int, per_page: int) -> Page:
    """Everyone's events, with the user's email, filtered by part of an email and an event."""
    events, users = audit.table, audit.users
    query = select(events, users.c.email).select_from(
        events.outerjoin(users, events.c.user_id == users.c.id)
    )
    if email:
        pattern = f"%{escape_like(normalize_email(email))}%"
        query = query.where(users.c.email.like(pattern, escape=LIKE_ESCAPE))
    if event:
        query = query.where(events.c.event == event)
    return _page(audit, query, number, per_page)


def _page(audit: AuditLog, query: Select[tuple[object, ...]], number: int, per_page: int) -> Page:
    number = min(max(number, 1), MAX_PAGE)
    query = (
        query.order_by(audit.table.c.occurred_at.desc(), audit.table.c.id.desc())
        .limit(per_page + 1)
        .offset((number - 1) * per_page)
    )
    with audit.engine.connect() as connection:
        rows = list(connection.execute(query).mappings())
    items = [_listed(row) for row in rows[:per_page]]
    return Page(items=items, number=number, has_next=len(rows) > per_page)


def _listed(row: RowMapping) -> ListedEvent:
    occurred_at: datetime = row["occurred_at"]
    if occurred_at.tzinfo is None:  # SQLite returns naive datetimes, which are UTC here
        occurred_at = occurred_at.replace(tzinfo=UTC)
    record = SecurityEvent(
        event=row["event"],
        occurred_at=occurred_at,
        user_id=row["user_id"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        details=dict(row["details"] or {}),
    )
    return ListedEvent(record=record, email=row.get("email"))
