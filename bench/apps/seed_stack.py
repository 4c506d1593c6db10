"""B: the seed's stack wired by hand: Flask-WTF, Flask-Login, Flask-Limiter, Flask-Talisman.

What the seed article shows: ``CSRFProtect``, Flask-Login with a login view, Werkzeug password
hashes, Flask-Limiter with ``default_limits`` in memory, secure cookie settings, and HTTPS (here
Flask-Talisman, which also sends the security headers). Behind Nginx, so Werkzeug's ``ProxyFix``
trusts one proxy. The default limit is raised so that no benchmark request is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask, redirect, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from bench.apps.common import (
    EMAIL,
    PASSWORD,
    RAISED_LIMIT,
    base_config,
    env,
    new_app,
    render_page,
    werkzeug_verifier,
)

db = SQLAlchemy()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """An account: email and Werkzeug password hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


def create_app() -> Flask:
    """The seed's stack."""
    app = new_app(__name__)
    base_config(app)
    app.config.update(
        WTF_CSRF_ENABLED=True,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_DURATION=timedelta(days=7),
    )
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    db.init_app(app)
    CSRFProtect(app)
    Limiter(
        get_remote_address,
        app=app,
        default_limits=[RAISED_LIMIT],
        storage_uri=env("BENCH_STORAGE"),
    )
    Talisman(app)
    manager = LoginManager(app)
    manager.login_view = "login"
    manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))
    _routes(app)
    return app


def _routes(app: Flask) -> None:
    @app.route("/page", methods=["GET", "POST"])
    def page() -> str:
        return render_page("Hello, visitor.", request.form.get("title", ""))

    @app.get("/private")
    @login_required
    def private() -> str:
        return render_page(f"Hello again, {current_user.email}.")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response | str:
        if request.method == "GET":
            return render_page("Log in.")
        user = db.session.scalar(select(User).where(User.email == request.form["email"]))
        if user is None or not check_password_hash(user.password_hash, request.form["password"]):
            return render_page("Invalid email or password.")
        login_user(user)
        return redirect("/page")


def init_db(app: Flask) -> None:
    """Create the table and the benchmark account."""
    with app.app_context():
        db.create_all()
        db.session.add(User(email=EMAIL, password_hash=generate_password_hash(PASSWORD)))
        db.session.commit()


def password_verifier(app: Flask) -> Callable[[], None]:
    """One verification of the benchmark password with Werkzeug's default hasher."""
    return werkzeug_verifier()
