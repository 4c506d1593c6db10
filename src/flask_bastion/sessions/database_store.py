"""Session records in the app's own database, in the ``bastion_session`` table.

Every write runs on its own connection and commits at once (or with the other security
writes of a :func:`~flask_bastion.sql.one_commit` block), independently of the request's ORM
session: ending a session must stick even if the request later fails. The per-request
lookup reads the record and its user in one statement on the request's ORM session, which
commits nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine, RowMapping

from flask_bastion.sessions.records import FIELD_NAMES, SessionRecord
from flask_bastion.sql import committed


class DatabaseSessionStore:
    """Sessions as rows of ``bastion_session``, looked up by primary key.

    The statements of the frequent operations are built once, with bound parameters: building
    a statement (and its cache key) costs more than running it.
    """

    def __init__(self, db: Any, table: Table, idle_timeout: timedelta) -> None:
        self.db = db
        self.table = table
        self.idle_timeout = idle_timeout
        self._with_user: dict[Any, Select[Any]] = {}
        self._purge = delete(table).where(
            table.c.user_id == bindparam("owner"), table.c.dies_at <= bindparam("now")
        )
        self._insert = insert(table)
        self._touch = (
            update(table)
            .where(table.c.key == bindparam("record_key"))
            .values(last_seen_at=bindparam("seen_at"), dies_at=bindparam("new_dies_at"))
        )

    @property
    def engine(self) -> Engine:
        engine: Engine = self.db.engine
        return engine

    def add(self, record: SessionRecord) -> None:
        """Store ``record`` and delete its user's ended sessions, in one transaction (one
        commit per login); the ``(user_id, dies_at)`` index leads the delete to the ended
        ones only."""
        row = {**record.as_row(), "dies_at": record.dies_at(self.idle_timeout)}
        with committed(self.engine) as connection:
            connection.execute(self._purge, {"owner": record.user_id, "now": record.created_at})
            connection.execute(self._insert, row)

    def get(self, key: str) -> SessionRecord | None:
        with self.engine.connect() as connection:
            row = (
                connection.execute(select(self.table).where(self.table.c.key == key))
                .mappings()
                .first()
            )
        return None if row is None else _record(row)

    def get_with_user(self, key: str, user_model: Any) -> tuple[SessionRecord, Any] | None:
        """The record under ``key`` and its user, read together in one statement.

        The user is loaded on the request's ORM session (like ``db.session.get``), so its
        roles and later changes work as usual; the read commits nothing.
        """
        query = self._with_user.get(user_model)
        if query is None:  # built once: building and hashing a statement costs more than running it
            table = self.table
            query = self._with_user[user_model] = (
                select(user_model, *table.c)
                .join(table, table.c.user_id == user_model.id)
                .where(table.c.key == bindparam("key"))
            )
        row = self.db.session.execute(query, {"key": key}).first()
        return None if row is None else (_record(row._mapping), row[0])

    def touch(self, record: SessionRecord) -> None:
        with committed(self.engine) as connection:
            seen = {
                "record_key": record.key,
                "seen_at": record.last_seen_at,
                "new_dies_at": record.dies_at(self.idle_timeout),
            }
            connection.execute(self._touch, seen)

    def delete(self, key: str) -> None:
        with committed(self.engine) as connection:
            connection.execute(delete(self.table).where(self.table.c.key == key))

    def for_user(self, user_id: int) -> list[SessionRecord]:
        query = (
            select(self.table)
            .where(self.table.c.user_id == user_id)
            .order_by(self.table.c.last_seen_at.desc())
        )
        with self.engine.connect() as connection:
            return [_record(row) for row in connection.execute(query).mappings()]

    def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        statement = delete(self.table).where(self.table.c.user_id == user_id)
        if keep is not None:
            statement = statement.where(self.table.c.key != keep)
        with committed(self.engine) as connection:
            return int(connection.execute(statement).rowcount)


def _record(row: RowMapping) -> SessionRecord:
    """A record from a row; SQLite returns naive datetimes, which are UTC here."""
    values = {name: row[name] for name in FIELD_NAMES}
    for name, value in values.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            values[name] = value.replace(tzinfo=UTC)
    return SessionRecord(**values)
