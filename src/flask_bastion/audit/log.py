"""Recording security events: one database row, one JSON log line and one signal each.

The row is written on its own connection and committed at once, independently of the request's
ORM session: an event must stay recorded when the request later fails, and recording it must
never commit the app's half-done work.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

from flask_bastion.audit.table import EVENT_MAX_LENGTH, IP_MAX_LENGTH, USER_AGENT_MAX_LENGTH
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.signals import security_event
from flask_bastion.sql import committed

audit_log = logging.getLogger("flask_bastion.audit")

Detail = str | int | bool | None

#: Detail names that would put a secret in the log; recording one is a programming error.
FORBIDDEN_DETAILS = frozenset(
    {"password", "password_hash", "hash", "token", "code", "secret", "otp", "recovery_code"}
)
MAX_DETAILS = 8
#: Where events that wait for the end of the app context are kept, in ``flask.g``.
PENDING_KEY = "_bastion_pending_security_events"
DETAIL_MAX_LENGTH = 200


@dataclass(frozen=True)
class SecurityEvent:
    """One security event, as stored, logged and sent to subscribers."""

    event: str
    occurred_at: datetime
    user_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None
    details: dict[str, Detail] = field(default_factory=dict)

    def as_log_line(self) -> str:
        """The event as one line of JSON."""
        return json.dumps(
            {
                "time": self.occurred_at.isoformat(),
                "event": self.event,
                "user_id": self.user_id,
                "ip": self.ip,
                "user_agent": self.user_agent,
                "details": self.details,
            },
            sort_keys=True,
        )


class AuditLog:
    """Where one app's security events are stored: the ``bastion_security_event`` table."""

    def __init__(self, db: Any, table: Table, users: Table) -> None:
        self.db = db
        self.table = table
        #: The ``bastion_user`` table, for the users' emails on the admin page.
        self.users = users
        #: The current time; tests replace it.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def engine(self) -> Engine:
        engine: Engine = self.db.engine
        return engine

    def add(self, event: SecurityEvent) -> None:
        """Store ``event`` and commit it, on a connection of its own.

        SQLite locks the whole file for the request's uncommitted writes, so a second
        connection cannot write until they end: the row then waits for the end of the app
        context (see ``write_pending``), when the request's session is over either way.
        """
        if self._sqlite_file_locked_by_request():
            g.setdefault(PENDING_KEY, []).append(event)
        else:
            self._insert([event])

    def write_pending(self, _error: BaseException | None = None) -> None:
        """At the end of an app context: end its ORM session, then store the waiting events."""
        pending: list[SecurityEvent] | None = g.pop(PENDING_KEY, None)
        if pending:
            self.db.session.remove()  # what Flask-SQLAlchemy does next anyway: a rollback
            self._insert(pending)

    def _insert(self, recorded: list[SecurityEvent]) -> None:
        rows = [
            {
                "occurred_at": event.occurred_at,
                "user_id": event.user_id,
                "event": event.event,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "details": event.details,
            }
            for event in recorded
        ]
        with committed(self.engine) as connection:
            connection.execute(insert(self.table), rows)

    def _sqlite_file_locked_by_request(self) -> bool:
        """Whether this context's ORM session holds SQLite's write lock (uncommitted writes)."""
        session = self.db.session()  # this context's session, out of the scoped registry
        if self.engine.dialect.name != "sqlite" or session.get_transaction() is None:
            return False
        dbapi_connection = session.connection().connection.dbapi_connection
        return bool(getattr(dbapi_connection, "in_transaction", False))


def record_event(event: str, *, user_id: int | None = None, **details: Detail) -> None:
    """Record a security event: stored, logged as one JSON line, then signalled.

    The client's IP and user agent come from the current request, if any (none from the CLI).
    ``details`` are small values that say what happened (``reason="wrong_password"``,
    ``role="admin"``); a detail named like a secret (``password``, ``token``, ``code``...) is
    refused, so that no secret ever reaches the log.
    """
    audit: AuditLog | None = getattr(current_app.extensions.get("bastion"), "audit", None)
    clock = audit.clock if audit is not None else (lambda: datetime.now(UTC))
    ip, user_agent = _client()
    recorded = SecurityEvent(
        event=_checked_name(event),
        occurred_at=clock(),
        user_id=user_id,
        ip=ip,
        user_agent=user_agent,
        details=_checked_details(details),
    )
    if audit_log.isEnabledFor(logging.INFO):  # the JSON line is built only to be written
        audit_log.info(recorded.as_log_line())
    if audit is not None:
        audit.add(recorded)
    security_event.send(current_app._get_current_object(), event=recorded)  # type: ignore[attr-defined]


def _client() -> tuple[str | None, str | None]:
    """The IP address and user agent of the current request, or ``None`` outside one."""
    if not has_request_context():
        return None, None
    ip = (request.remote_addr or "")[:IP_MAX_LENGTH] or None
    user_agent = request.user_agent.string[:USER_AGENT_MAX_LENGTH] or None
    return ip, user_agent


def _checked_name(event: str) -> str:
    if not event or len(event) > EVENT_MAX_LENGTH:
        raise ConfigurationError(
            f"Security event names are 1 to {EVENT_MAX_LENGTH} characters, such as "
            "'login.failed'; see flask_bastion.audit.events."
        )
    return event


def _checked_details(details: dict[str, Detail]) -> dict[str, Detail]:
    """The details, refused if one could hold a secret, with long strings cut short."""
    secret = FORBIDDEN_DETAILS.intersection(name.lower() for name in details)
    if secret:
        raise ConfigurationError(
            f"Security event details {sorted(secret)} would put a secret in the audit log; "
            "record what happened (reason, role) rather than the secret itself."
        )
    if len(details) > MAX_DETAILS:
        raise ConfigurationError(f"Record at most {MAX_DETAILS} details per security event.")
    return {
        name: value[:DETAIL_MAX_LENGTH] if isinstance(value, str) else value
        for name, value in details.items()
    }
