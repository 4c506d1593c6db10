"""A: bare Flask, the same page with no protection at all: the limit the others are held to.

``/private`` does not check anything, and ``/login`` checks the password with Werkzeug's
default hasher and stores the user's id in Flask's session, as the Flask tutorial does.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, redirect, request, session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from bench.apps.common import (
    EMAIL,
    PASSWORD,
    base_config,
    new_app,
    render_page,
    werkzeug_verifier,
)

db = SQLAlchemy()


class User(db.Model):  # type: ignore[name-defined,misc]
    """An account: email and Werkzeug password hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


def create_app() -> Flask:
    """The bare app."""
    app = new_app(__name__)
    base_config(app)
    db.init_app(app)

    @app.route("/page", methods=["GET", "POST"])
    def page() -> str:
        return render_page("Hello, visitor.", request.form.get("title", ""))

    @app.get("/private")
    def private() -> str:
        return render_page("Hello again.")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response | str:
        if request.method == "GET":
            return render_page("Log in.")
        user = db.session.scalar(select(User).where(User.email == request.form["email"]))
        if user is None or not check_password_hash(user.password_hash, request.form["password"]):
            return render_page("Invalid email or password.")
        session.clear()
        session["user_id"] = user.id
        return redirect("/page")

    return app


def init_db(app: Flask) -> None:
    """Create the table and the benchmark account."""
    with app.app_context():
        db.create_all()
        db.session.add(User(email=EMAIL, password_hash=generate_password_hash(PASSWORD)))
        db.session.commit()


def password_verifier(app: Flask) -> Callable[[], None]:
    """One verification of the benchmark password with Werkzeug's default hasher."""
    return werkzeug_verifier()
