"""Which databases ``init_sqlite`` puts in WAL mode, and what it says when it cannot."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from flask_bastion.sqlite import _use_wal, init_sqlite


def app_on(url: str, **config: object) -> tuple[Flask, SQLAlchemy]:
    app = Flask(__name__)
    app.config.update({"SQLALCHEMY_DATABASE_URI": url, "BASTION_SQLITE_WAL": True, **config})
    db = SQLAlchemy()
    db.init_app(app)
    return app, db


def listens(app: Flask, db: SQLAlchemy) -> bool:
    with app.app_context():
        return event.contains(db.engine, "connect", _use_wal)


def test_a_file_database_is_switched_once(tmp_path: Path) -> None:
    app, db = app_on(f"sqlite:///{tmp_path / 'app.db'}")
    init_sqlite(app, db)
    init_sqlite(app, db)  # a second call adds no second listener
    assert listens(app, db)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_left_alone(url: str) -> None:
    app, db = app_on(url)
    init_sqlite(app, db)
    assert not listens(app, db)


def test_the_opt_out_leaves_the_journal_mode(tmp_path: Path) -> None:
    app, db = app_on(f"sqlite:///{tmp_path / 'app.db'}", BASTION_SQLITE_WAL=False)
    init_sqlite(app, db)
    assert not listens(app, db)


def test_a_database_set_up_after_bastion_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``db.init_app`` after ``Bastion.init_app``: no engine to reach yet, and the log says
    which order works."""
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.db'}")
    app.config["BASTION_SQLITE_WAL"] = True
    with caplog.at_level(logging.WARNING):
        init_sqlite(app, SQLAlchemy())
    assert "call db.init_app(app) before Bastion.init_app(app)" in caplog.text
