"""`--url`: the live checks against real servers on 127.0.0.1, started and stopped here.

Each app is served twice by Werkzeug: over HTTPS (a throwaway CA from trustme) and over plain
HTTP, so both the redirect and the headers of the HTTPS pages are seen as a browser sees them.
"""

from __future__ import annotations

import secrets
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from flask_bastion.check import live
from reference_app import create_app
from tests.check.twins.config_apps import debugging_unsafe_app, unsafe_app

Serve = Callable[..., tuple[str, str]]


class QuietHandler(WSGIRequestHandler):
    """No access log, and a Server header without a version (as Gunicorn behind Nginx)."""

    server_version = "test-server"
    sys_version = ""

    def log(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def serve(ca: trustme.CA, tmp_path: Path) -> Iterator[tuple[Serve, str]]:
    """Start an app on HTTPS and HTTP ports of 127.0.0.1; every server stops at teardown."""
    servers: list[BaseWSGIServer] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))

    def start(app: Any, handler: type[WSGIRequestHandler] = QuietHandler) -> tuple[str, str]:
        urls = []
        for ssl_context in (context, None):
            server = make_server(
                "127.0.0.1", 0, app, request_handler=handler, ssl_context=ssl_context
            )
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            scheme = "https" if ssl_context else "http"
            urls.append(f"{scheme}://127.0.0.1:{server.server_port}/")
        return urls[0], urls[1]

    yield start, str(cafile)
    for server in servers:
        server.shutdown()
        server.server_close()


def ids(url: str, http_url: str, cafile: str) -> list[str]:
    findings, errors = live.check_url(url, http_url, cafile)
    assert errors == []
    return sorted(f.id for f in findings)


def test_reference_app_passes_every_live_check(serve: tuple[Serve, str], tmp_path: Path) -> None:
    """Redirect, HSTS, CSP, nosniff, Referrer-Policy and the error page are all sound."""
    start, cafile = serve
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
        }
    )
    assert ids(*start(app), cafile) == []


def test_unsafe_app_reports_each_missing_protection(serve: tuple[Serve, str]) -> None:
    """A plain Flask app on Werkzeug's default banner misses every header."""
    start, cafile = serve
    url, http_url = start(unsafe_app(), WSGIRequestHandler)
    assert ids(url, http_url, cafile) == [
        "BST-URL-001", "BST-URL-002", "BST-URL-003", "BST-URL-004", "BST-URL-005",
        "BST-URL-007", "BST-URL-007",
    ]  # fmt: skip


def test_debugger_on_the_error_page_is_critical(serve: tuple[Serve, str]) -> None:
    """The Werkzeug debugger in a 404 page means anyone can reach a console."""
    start, cafile = serve
    app = debugging_unsafe_app()
    app.config["TRAP_HTTP_EXCEPTIONS"] = True  # the 404 becomes an error the debugger shows
    findings, _ = live.check_url(*start(DebuggedApplication(app)), cafile)
    leaks = [f for f in findings if f.id == live.ERROR_LEAK]
    assert leaks and leaks[0].severity.value == "critical"


def test_plain_http_url_without_redirect_is_reported(serve: tuple[Serve, str]) -> None:
    """An http:// URL that answers instead of redirecting is the first finding."""
    start, _ = serve
    _, http_url = start(unsafe_app())
    findings, errors = live.check_url(http_url)
    assert errors == [] and findings[0].id == live.HTTP_SERVED


def test_insecure_cookie_is_reported(serve: tuple[Serve, str]) -> None:
    start, cafile = serve
    app = unsafe_app()
    app.after_request(lambda r: (r.set_cookie("sid", "1"), r)[1])
    assert "BST-URL-006" in ids(*start(app), cafile)


def test_unreachable_server_is_an_error_not_a_pass() -> None:
    """A URL that does not answer is reported as not checked."""
    findings, errors = live.check_url("http://127.0.0.1:9/")
    assert findings == [] and "127.0.0.1:9" in errors[0]
