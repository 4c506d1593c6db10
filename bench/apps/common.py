"""What every benchmark app shares: the page, the account, and the settings from the driver."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, render_template
from werkzeug.security import check_password_hash, generate_password_hash

TEMPLATES = Path(__file__).with_name("templates")
#: The one account each app holds; the driver logs in with it.
EMAIL = "bench@example.org"
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a throwaway benchmark account
#: Limits high enough that no benchmark request is refused, yet every one is still counted.
RAISED_LIMIT = "10000000 per minute"


def env(name: str) -> str:
    """A setting the driver passes to the app's process, with a clear error when missing."""
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"{name} is not set; start the apps with `make bench`.") from None


def new_app(name: str) -> Flask:
    """A Flask app that renders the shared templates."""
    return Flask(name, template_folder=str(TEMPLATES))


def base_config(app: Flask) -> None:
    """Secret key and database from the driver: ``BENCH_DATABASE_URL`` if set (the growth
    check's PostgreSQL), else the SQLite file ``BENCH_DB``."""
    app.config["SECRET_KEY"] = env("BENCH_SECRET_KEY")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{env('BENCH_DB')}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def render_page(greeting: str, title: str = "") -> str:
    """The ~2 KB page with its one form, the same in every app."""
    return render_template("page.html", greeting=greeting, title=title)


def werkzeug_verifier() -> Callable[[], None]:
    """One verification of the benchmark password with Werkzeug's default hasher (A and B)."""
    stored = generate_password_hash(PASSWORD)

    def verify() -> None:
        assert check_password_hash(stored, PASSWORD)

    return verify
