"""Fixtures: the reference app on SQLite and on the real PostgreSQL, with production defaults.

The only speed-up is the named fast hashing profile; every protection stays on. A test that
needs one off turns it off itself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from reference_app import create_app
from reference_app.extensions import db
from tests.support.client import BrowserClient
from tests.support.services import POSTGRES_URL, require_postgres, throwaway_database

BACKENDS = ["sqlite", "postgresql"]
#: Shared fixtures kept beside their helpers: ``smtp_server`` (a real SMTP server on loopback).
pytest_plugins = ["tests.support.mailbox"]


def app_settings(tmp_path: Any, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for a test app: production mode, a strong random key, a fresh database."""
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASTION_PASSWORD_HASHING": "fast-insecure-for-tests",
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }


def build_app(settings: dict[str, Any], *, fresh_schema: bool = True) -> Flask:
    """An app with the browser-like test client and, unless told otherwise, empty tables."""
    app = create_app(settings)
    app.test_client_class = BrowserClient
    if fresh_schema:
        with app.app_context():
            _reset_schema()
    return app


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
    db.create_all()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, dropped at the end."""
    require_postgres()
    with throwaway_database(POSTGRES_URL, f"bastion_test_{os.getpid()}") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Each test that uses the app runs once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_factory(tmp_path: Any, database_url: str) -> Iterator[Any]:
    """Build apps with extra settings; their connections are closed at the end."""
    made: list[Flask] = []

    def make(*, fresh_schema: bool = True, **overrides: Any) -> Flask:
        """An app; ``fresh_schema=False`` makes a second instance on the same database."""
        app = build_app(
            app_settings(tmp_path, database_url, **overrides), fresh_schema=fresh_schema
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    """The reference app with every default protection on."""
    return app_factory()  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> BrowserClient:
    """A browser-like client on https://localhost."""
    return app.test_client()  # type: ignore[return-value]
