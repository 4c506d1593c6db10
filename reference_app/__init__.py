"""Notes: the reference application, a small multi-user notes app built on Flask-Bastion.

Every protection of the extension is at work here: register and log in, write Markdown notes
that only their owner and the users they share them with can ever see, search them, and (for
admins) list the users.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from reference_app.extensions import bastion, db, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; settings come from ``FLASK_*`` environment variables, then ``overrides``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        BASTION_REGISTRATION=True,
        BASTION_TWO_FACTOR_REQUIRED_ROLES=["admin"],
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'notes.db'}",
    )
    app.config.from_prefixed_env()
    app.config.update(overrides or {})
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(app.config["DATABASE_URL"]))
    if app.instance_path in app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # the embedded SQLite

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    bastion.init_app(app)
    _register_blueprints(app)
    return app


def database_uri(url: str) -> str:
    """The SQLAlchemy URI for ``url``, using the psycopg 3 driver for PostgreSQL URLs."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _register_blueprints(app: Flask) -> None:
    from reference_app.admin import bp as admin_bp
    from reference_app.api import bp as api_bp
    from reference_app.main import bp as main_bp
    from reference_app.notes import bp as notes_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(notes_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp)
