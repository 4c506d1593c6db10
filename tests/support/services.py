"""Reaching the machine's real services; in CI a missing one fails the test, never skips it."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "BASTION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BASTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Fail (in CI) or skip (elsewhere) when a service the test needs is missing."""
    if available:
        return
    message = f"{what} is not available; `make test` installs and starts it."
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    require(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432")


def require_redis() -> None:
    require(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")


def require_binary(path: str, what: str) -> str:
    """The full path of an executable, or fail/skip."""
    found = shutil.which(path) or (path if os.access(path, os.X_OK) else None)
    require(found is not None, what)
    return str(found)


@contextmanager
def throwaway_database(server_url: str, name: str) -> Iterator[str]:
    """Create database ``name`` on the server of ``server_url``; drop it afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
