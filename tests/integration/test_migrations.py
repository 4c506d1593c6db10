"""The reference app's Alembic migrations build exactly the schema its models declare.

The suite creates tables from the models for speed; `make run` and deployments build them with
the migrations. This test keeps the two from drifting apart, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import secrets
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from reference_app import create_app
from reference_app.extensions import db


def test_migrations_match_the_models(database_url: str) -> None:
    """Upgrading an empty database to head leaves no difference from the models."""
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        _empty_database()
        upgrade()
        with db.engine.connect() as connection:
            differences: list[Any] = compare_metadata(
                MigrationContext.configure(connection), db.metadata
            )
        db.engine.dispose()
    assert differences == []


def _empty_database() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_existing_users_stay_able_to_log_in_after_the_confirmation_migration(
    database_url: str,
) -> None:
    """Users stored before email confirmation existed are marked confirmed by the upgrade."""
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        _empty_database()
        upgrade(revision="f62b7a462ce0")  # the schema before confirmation
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO bastion_user (email, password_hash, active, created_at) "
                "VALUES ('old@example.org', 'x', true, CURRENT_TIMESTAMP)"
            )
        upgrade()
        with db.engine.connect() as connection:
            confirmed = connection.exec_driver_sql(
                "SELECT confirmed_at FROM bastion_user WHERE email = 'old@example.org'"
            ).scalar()
        db.engine.dispose()
    assert confirmed is not None
