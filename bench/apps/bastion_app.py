"""Bastion: Flask-Bastion with every default protection on, in production mode.

Behind Nginx (``BASTION_PROXY_HOPS = 1``); the driver sends the proxy's
``X-Forwarded-Proto: https``. Rate limits are raised, not disabled, and counted in
``BENCH_STORAGE``: ``memory://``, or Redis for the shared variant, which then keeps the
server-side sessions in Redis too (where the extension has them; otherwise in the database).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_login import current_user, login_required
from flask_sqlalchemy import SQLAlchemy

from bench.apps.common import EMAIL, PASSWORD, RAISED_LIMIT, base_config, env, new_app, render_page
from flask_bastion import Bastion
from flask_bastion.authz import public
from flask_bastion.config import BASTION_DEFAULTS
from flask_bastion.extension import state_for

db = SQLAlchemy()
bastion = Bastion(db=db)


def create_app() -> Flask:
    """The app with Flask-Bastion's defaults; only the limits and the proxy hops are set."""
    app = new_app(__name__)
    base_config(app)
    storage, prefix = env("BENCH_STORAGE"), f"bastion-bench-{env('BENCH_RUN_ID')}"
    app.config.update(
        BASTION_PROXY_HOPS=1,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_DEFAULT=RAISED_LIMIT,
        BASTION_LOGIN_LIMIT=RAISED_LIMIT,
        BASTION_LOGIN_ACCOUNT_LIMIT=RAISED_LIMIT,
    )
    if storage.startswith("redis://") and "BASTION_SESSION_STORE" in BASTION_DEFAULTS:
        app.config["BASTION_SESSION_STORE"] = storage
        app.config["BASTION_SESSION_REDIS_PREFIX"] = f"{prefix}:"
    db.init_app(app)
    bastion.init_app(app)

    @app.route("/page", methods=["GET", "POST"])
    @public  # deny-by-default: the page is for anonymous visitors too
    def page() -> str:
        return render_page("Hello, visitor.", request.form.get("title", ""))

    @app.get("/private")
    @login_required
    def private() -> str:
        return render_page(f"Hello again, {current_user.email}.")

    return app


def init_db(app: Flask) -> None:
    """Create the tables and the benchmark account."""
    with app.app_context():
        db.create_all()
        users = state_for(app).users
        assert users is not None
        users.create_user(EMAIL, state_for(app).hasher.hash(PASSWORD))
        db.session.commit()


def password_verifier(app: Flask) -> Callable[[], None]:
    """One verification of the benchmark password with Bastion's default (Argon2id, OWASP)."""
    hasher = state_for(app).hasher
    stored = hasher.hash(PASSWORD)

    def verify() -> None:
        hasher.verify(stored, PASSWORD)

    return verify
