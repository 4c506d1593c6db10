"""C: Flask-Security-Too (current release) with its defaults, plus Flask-WTF's ``CSRFProtect``.

Its own SQLAlchemy models (``fsqla_v3``), its own ``/login`` view and default hasher (Argon2
through libpass), ``auth_required`` on the private page. Behind Nginx, so Werkzeug's
``ProxyFix`` trusts one proxy. Flask-Security has no rate limiter of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_security import (
    Security,
    SQLAlchemyUserDatastore,
    auth_required,
    current_user,
    hash_password,
    verify_password,
)
from flask_security.models import fsqla_v3 as fsqla
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from bench.apps.common import EMAIL, PASSWORD, base_config, env, new_app, render_page

db = SQLAlchemy()
fsqla.FsModels.set_db_info(db)


class Role(db.Model, fsqla.FsRoleMixin):  # type: ignore[name-defined,misc]
    """Flask-Security's role model."""


class User(db.Model, fsqla.FsUserMixin):  # type: ignore[name-defined,misc]
    """Flask-Security's user model."""


datastore = SQLAlchemyUserDatastore(db, User, Role)


def create_app() -> Flask:
    """Flask-Security-Too with its defaults."""
    app = new_app(__name__)
    base_config(app)
    app.config["SECURITY_PASSWORD_SALT"] = env("BENCH_SECRET_KEY")[:32]
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    db.init_app(app)
    CSRFProtect(app)
    Security(app, datastore)

    @app.route("/page", methods=["GET", "POST"])
    def page() -> str:
        return render_page("Hello, visitor.", request.form.get("title", ""))

    @app.get("/private")
    @auth_required()
    def private() -> str:
        return render_page(f"Hello again, {current_user.email}.")

    return app


def init_db(app: Flask) -> None:
    """Create the tables and the benchmark account."""
    with app.app_context():
        db.create_all()
        datastore.create_user(email=EMAIL, password=hash_password(PASSWORD))
        db.session.commit()


def password_verifier(app: Flask) -> Callable[[], None]:
    """One verification of the benchmark password with Flask-Security's default hasher."""
    with app.app_context():
        stored = hash_password(PASSWORD)

    def verify() -> None:
        with app.app_context():
            assert verify_password(PASSWORD, stored)

    return verify
