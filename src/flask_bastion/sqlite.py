"""SQLite databases in write-ahead-log (WAL) mode, so security writes do not lock readers out.

Flask-Bastion writes to the app's database on every login (the session record, the audit
event) and about once a minute for each active session. In SQLite's default rollback-journal
mode a write locks the whole file: a page being read in another worker makes the write wait,
and past the driver's timeout the request fails with "database is locked" - a 500 the client
did nothing to cause. In WAL mode readers and the one writer do not block each other, and a
commit syncs one file instead of two (a third of the wall time and CPU of a login's commit
here). Durability is unchanged: ``synchronous`` is left as it is (``FULL``).

WAL needs the database on a local disk (not a network share); ``BASTION_SQLITE_WAL = False``
leaves the journal mode alone. In-memory databases are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from flask_bastion.config import setting

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy


def init_sqlite(app: Flask, db: SQLAlchemy) -> None:
    """Put every SQLite file database of ``app`` in WAL mode, from its next connection on."""
    if not setting(app, "BASTION_SQLITE_WAL"):
        return
    if app.extensions.get("sqlalchemy") is not db:
        app.logger.warning(
            "Flask-Bastion cannot put SQLite in WAL mode: call db.init_app(app) before "
            "Bastion.init_app(app)."
        )
        return
    with app.app_context():
        engines: list[Engine] = list(db.engines.values())
    for engine in engines:
        if _is_sqlite_file(engine) and not event.contains(engine, "connect", _use_wal):
            event.listen(engine, "connect", _use_wal)


def _is_sqlite_file(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite on a file (not in memory)."""
    database = engine.url.database or ""
    return engine.dialect.name == "sqlite" and database not in ("", ":memory:")


def _use_wal(dbapi_connection: Any, _record: Any) -> None:
    """Switch a new connection's database to WAL (a no-op once the file is in WAL mode: the
    mode is stored in the file)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
