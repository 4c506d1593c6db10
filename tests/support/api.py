"""Calling the JSON API in tests: users with notes and shares, and a logged-in API client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jsonschema
from flask import Flask
from flask.testing import FlaskClient

from flask_bastion import state_for
from flask_bastion.api.openapi import Error
from reference_app.extensions import db
from reference_app.models import Note, NoteShare
from tests.support.accounts import create_user, login
from tests.support.client import form_token

#: The schema every error answer of the API must match (the one the OpenAPI document states).
ERROR_SCHEMA = Error.model_json_schema()


def add_note(app: Flask, owner_id: int, title: str, body: str = "") -> int:
    """Store a note directly (no HTTP); returns its id."""
    with app.app_context():
        note = Note(owner_id=owner_id, title=title, body=body)
        db.session.add(note)
        db.session.commit()
        return note.id


def share(app: Flask, note_id: int, user_id: int, access: str) -> None:
    """Share a note directly (no HTTP), "read" or "write"."""
    with app.app_context():
        db.session.add(NoteShare(note_id=note_id, user_id=user_id, access=access))
        db.session.commit()


def stored_note(app: Flask, note_id: int) -> tuple[str, str] | None:
    """Title and body of a note as the database holds it now, or ``None``."""
    with app.app_context():
        note = db.session.get(Note, note_id)
        return None if note is None else (note.title, note.body)


def note_count(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Note).count()


def cookie_client(app: Flask, email: str) -> tuple[FlaskClient, dict[str, str]]:
    """A new user ``email``, logged in: see :func:`api_login`."""
    create_user(app, email)
    return api_login(app, email)


def api_login(app: Flask, email: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client logged in through the login form as ``email``, and the header that carries
    its session's CSRF token, as a page's script would send it."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client, {"X-CSRFToken": form_token(client, "/notes/new")}


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    """The answer is the API's JSON error for ``status``, with no page and no internals."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    for leak in ("<html", "<!doctype", "Traceback", ".py", "Exception"):
        assert leak not in text
    body = response.get_json()
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["error"]["status"] == status
    return dict(body["error"])


def issue_token(app: Flask, user_id: int, scopes: tuple[str, ...] = ("read", "write")) -> str:
    """A personal access token of ``user_id`` with ``scopes``; returns the secret to send."""
    with app.app_context():
        store = state_for(app).tokens
        assert store is not None
        return str(store.issue(user_id, "test", scopes, timedelta(days=1)).secret)


def bearer(secret: str) -> dict[str, str]:
    """The header that authenticates a request with the token ``secret``."""
    return {"Authorization": f"Bearer {secret}"}
