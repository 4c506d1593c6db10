"""Fixtures for the browser tests: the reference app on a real HTTP server, and Chromium.

The app runs in development mode (plain HTTP, loopback only) in a thread of this process, so a
test can read its database directly. Chromium is the system's ``/usr/bin/chromium``, driven by
Python Playwright; in CI a missing browser fails the tests instead of skipping them.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from reference_app import create_app
from reference_app.extensions import db
from reference_app.models import Note
from tests.support.mailbox import Mailbox
from tests.support.services import require_binary

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Milliseconds any single browser step may take; a local page loads in a few dozen.
TIMEOUT_MS = 5_000

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@contextmanager
def serve(wsgi_app: WSGIApp, host: str = "127.0.0.1") -> Iterator[BaseWSGIServer]:
    """Serve ``wsgi_app`` on a free port of ``host`` from a background thread."""
    server = make_server(host, 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class LiveApp:
    """The reference app being served, and where."""

    app: Flask
    url: str

    def count_notes(self, title: str) -> int:
        """How many notes, of any user, carry ``title``."""
        with self.app.app_context():
            query = select(func.count()).select_from(Note).where(Note.title == title)
            return int(db.session.scalar(query) or 0)


@dataclass
class MailingApp(LiveApp):
    """The reference app sending its mail to a real SMTP server on loopback."""

    mailbox: Mailbox


def build_reference_app(tmp_path: Path, **overrides: Any) -> Flask:
    """The reference app in development mode on a fresh SQLite file, with empty tables."""
    app = create_app(
        {
            "BASTION_MODE": "development",
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.db'}",
            "BASTION_PASSWORD_HASHING": "fast-insecure-for-tests",
            "RATELIMIT_STORAGE_URI": "memory://",
            **overrides,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _close_database(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The reference app on ``http://127.0.0.1:<free port>``, with empty tables."""
    # The journeys register and log in at once; confirmation has its attack tests.
    app = build_reference_app(tmp_path, BASTION_CONFIRM_EMAIL=False)
    with serve(app) as server:
        yield LiveApp(app, f"http://127.0.0.1:{server.server_port}")
    _close_database(app)


@pytest.fixture
def mailing_app(tmp_path: Path, smtp_server: Mailbox) -> Iterator[MailingApp]:
    """The reference app with email confirmation on, mailing through ``smtp_server``; the
    links in its mail point at the served app (``BASTION_EXTERNAL_URL`` is its real port)."""
    with serve(_not_ready) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        app = build_reference_app(
            tmp_path, BASTION_CONFIRM_EMAIL=True, BASTION_EXTERNAL_URL=url, **smtp_server.settings
        )
        server.app = app  # the port is known only once the server is bound
        yield MailingApp(app, url, smtp_server)
    _close_database(app)


def _not_ready(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@dataclass
class AttackerSite:
    """A page server on another site (``localhost``, not ``127.0.0.1``) with no CSP at all."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)

    def publish(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path``; returns the page's full URL."""
        self.pages[path] = html
        return self.url + path


@pytest.fixture
def attacker_site() -> Iterator[AttackerSite]:
    """Another origin, and another site for cookies: ``localhost`` versus ``127.0.0.1``."""
    pages: dict[str, str] = {}

    def attacker_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        html = pages.get(environ.get("PATH_INFO", ""))
        if html is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html.encode()]

    with serve(attacker_wsgi) as server:
        yield AttackerSite(f"http://localhost:{server.server_port}", pages)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless system Chromium for the whole run."""
    require_binary(CHROMIUM, f"Chromium at {CHROMIUM}")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@dataclass
class PageWatch:
    """What a page reported that a person would not see: console errors, CSP reports, dialogs."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.csp_violations.append(text)
        if message.type == "error" and not _is_missing_favicon(message):
            self.console_errors.append(text)

    def on_page_error(self, error: PlaywrightError) -> None:
        self.page_errors.append(str(error))

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def _is_missing_favicon(message: ConsoleMessage) -> bool:
    """Chromium asks every site for ``/favicon.ico``; the app has none, which is harmless."""
    return str(message.location.get("url", "")).endswith("/favicon.ico")


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab of the test's browser context."""
    tab = context.new_page()
    yield tab
    tab.close()


def watch_page(page: Page) -> PageWatch:
    """Record everything ``page`` reports from now on; dialogs are recorded, then dismissed."""
    recorder = PageWatch()
    page.on("console", recorder.on_console)
    page.on("pageerror", recorder.on_page_error)
    page.on("dialog", recorder.on_dialog)
    return recorder


@pytest.fixture
def watch(page: Page) -> PageWatch:
    """Everything ``page`` reports from now on; dialogs are recorded, then dismissed."""
    return watch_page(page)
