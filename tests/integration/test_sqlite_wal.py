"""SQLite in WAL mode: a reader in the middle of a transaction does not make a login fail.

The attack is mundane: one worker is reading (a long page, a report, a backup with
``sqlite3 .backup``) while another logs a user in. In rollback-journal mode the login's commit
waits for the reader's lock, then fails with "database is locked": a 500 for a correct
password. The driver's timeout is shortened here so that failure shows in a second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from reference_app import db
from tests.conftest import app_settings, build_app
from tests.support.accounts import create_user, login

EMAIL = "reader@example.org"
#: Seconds the app's driver waits for a lock before "database is locked".
LOCK_TIMEOUT = 0.5


def sqlite_app(tmp_path: Path, **overrides: Any) -> Flask:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    options = {"connect_args": {"timeout": LOCK_TIMEOUT}}
    return build_app(app_settings(tmp_path, url, SQLALCHEMY_ENGINE_OPTIONS=options, **overrides))


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Another process's connection, holding a read transaction open meanwhile."""
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM bastion_user").fetchone()
        yield
    finally:
        reader.execute("ROLLBACK")
        reader.close()


def journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def wal_app(tmp_path: Path) -> Iterator[Flask]:
    app = sqlite_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_login_succeeds_while_another_connection_reads(wal_app: Flask, tmp_path: Path) -> None:
    create_user(wal_app, EMAIL)
    assert journal_mode(tmp_path / "wal.db") == "wal"
    with reading(tmp_path / "wal.db"):
        response = login(wal_app.test_client(), EMAIL)
    assert response.status_code == 302, response.status_code


def test_without_wal_the_same_login_fails_with_a_locked_database(tmp_path: Path) -> None:
    """The opt-out shows what WAL prevents (and that the journal mode is left alone)."""
    app = sqlite_app(tmp_path, BASTION_SQLITE_WAL=False)
    try:
        create_user(app, EMAIL)
        assert journal_mode(tmp_path / "wal.db") == "delete"
        with reading(tmp_path / "wal.db"):
            response = login(app.test_client(), EMAIL)
        assert response.status_code == 500
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
