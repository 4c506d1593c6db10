"""Attacks that fish for internals in error answers: exception text, tracebacks, the debugger."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.debug import DebuggedApplication
from werkzeug.test import encode_multipart

from flask_bastion import public
from tests.support.client import form_token

#: Exception text that only the server log may see: a secret, a path, an SQL fragment.
SECRET_DETAIL = "db password=hunter2 at /srv/notes/settings.py: SELECT * FROM bastion_user"
INCIDENT = re.compile(r"\b[0-9a-f]{12}\b")
#: Words that betray a traceback, a framework default page or the interactive debugger.
LEAKS = ("hunter2", "Traceback", "RuntimeError", ".py", "Werkzeug", "__debugger__", "/srv/")
JSON = {"Accept": "application/json"}


class _Boom(RuntimeError):
    pass


def _app_with_failing_view(app_factory: Any, **settings: Any) -> Flask:
    """An app with a view that raises an exception carrying internal detail."""
    app: Flask = app_factory(**settings)

    def explode() -> str:
        raise _Boom(SECRET_DETAIL)

    app.add_url_rule("/explode", "explode", public(explode))
    return app


def _assert_nothing_leaks(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} leaked in the error answer"


def test_exception_in_view_gives_generic_page_with_incident(app_factory: Any) -> None:
    """An exception in a view answers a generic 500 page with an incident id and no internals."""
    client = _app_with_failing_view(app_factory).test_client()
    response = client.get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong on our side." in body
    assert INCIDENT.search(body)
    _assert_nothing_leaks(body)


def test_incident_id_is_logged_with_the_traceback(
    app_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The server log holds the traceback under the incident id shown to the client."""
    client = _app_with_failing_view(app_factory).test_client()
    with caplog.at_level(logging.ERROR, logger="flask_bastion.errors"):
        response = client.get("/explode", headers=JSON)
    incident = response.get_json()["error"]["incident"]
    records = [r for r in caplog.records if incident in r.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is _Boom
    assert SECRET_DETAIL in caplog.text


def test_exception_in_view_gives_generic_json_to_api_clients(app_factory: Any) -> None:
    """An API client gets a JSON 500 with an incident id and no internals."""
    client = _app_with_failing_view(app_factory).test_client()
    response = client.get("/explode", headers=JSON)
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["status"] == 500
    assert INCIDENT.fullmatch(error["incident"])
    _assert_nothing_leaks(response.get_data(as_text=True))


def _oversized_upload(client: Any, headers: dict[str, str]) -> Any:
    """A form POST with a file one byte over the default 1 MiB body limit.

    A file part is not bounded by Flask's in-memory form limit, so only MAX_CONTENT_LENGTH
    stands between it and the server's disk.
    """
    token = form_token(client, "/login")
    fields = {"csrf_token": token, "email": "a@example.org", "password": "x"}
    upload = FileStorage(io.BytesIO(b"x" * (1024 * 1024 + 1)), "big.bin")
    boundary, body = encode_multipart({**fields, "file": upload})
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post("/login", data=body, content_type=content_type, headers=headers)


CLIENT_ERRORS = [
    pytest.param(lambda c, h: c.get("/no/such/page", headers=h), 404, "Not found", id="404"),
    pytest.param(lambda c, h: c.get("/logout", headers=h), 405, "Method not allowed", id="405"),
    pytest.param(_oversized_upload, 413, "Too large", id="413"),
]


@pytest.mark.parametrize(("send", "status", "title"), CLIENT_ERRORS)
def test_client_error_gives_generic_page(
    app: Flask, client: Any, send: Any, status: int, title: str
) -> None:
    """A client error answers the generic page, not the framework's default one."""
    response = send(client, {"Accept": "text/html"})
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in body
    assert "<title>" in body and "Bastion Notes" in body
    _assert_nothing_leaks(body)


@pytest.mark.parametrize(("send", "status", "title"), CLIENT_ERRORS)
def test_client_error_gives_generic_json(
    app: Flask, client: Any, send: Any, status: int, title: str
) -> None:
    """A client error answers JSON with the status and a generic message to API clients."""
    response = send(client, JSON)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert (error["status"], error["title"]) == (status, title)
    assert "incident" not in error
    _assert_nothing_leaks(response.get_data(as_text=True))


def test_405_names_the_allowed_methods(client: Any) -> None:
    """A 405 keeps the Allow header, so a client can see what the address accepts."""
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_debug_switched_on_after_setup_refuses_requests(
    app_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A production app whose debug is turned on late answers 500 and never shows the debugger."""
    app = _app_with_failing_view(app_factory)
    app.debug = True
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # type: ignore[method-assign]
    client = app.test_client()
    with caplog.at_level(logging.CRITICAL, logger="flask_bastion.errors"):
        for path in ("/", "/explode"):
            response = client.get(path)
            assert response.status_code == 500
            _assert_nothing_leaks(response.get_data(as_text=True))
    assert "refusing to serve" in caplog.text


def test_failed_database_work_is_rolled_back_and_the_page_renders(app_factory: Any) -> None:
    """After a view breaks the database transaction, the work is rolled back, so the error
    page can still load the logged-in user and render in the app's own layout (on PostgreSQL
    an aborted transaction refuses every further query until it is rolled back)."""
    from sqlalchemy import func, select, text

    from reference_app.extensions import User, db
    from tests.support.accounts import create_user, login

    app: Flask = app_factory()

    def half_write() -> str:
        db.session.add(User(email="half@example.org", password_hash="x"))
        db.session.flush()
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/half-write", "half_write", half_write)
    client = app.test_client()
    create_user(app, "ada@example.org")
    login(client, "ada@example.org")
    response = client.get("/half-write")
    assert response.status_code == 500
    assert "ada@example.org" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
