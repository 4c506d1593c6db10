"""Creating users and logging them in, through the real forms."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from flask_bastion import state_for
from tests.support.client import form_token

#: A password the policy accepts (long, not guessable).
GOOD_PASSWORD = "violet-harbor-tundra-59-quill"


def create_user(
    app: Flask, email: str, password: str = GOOD_PASSWORD, roles: tuple[str, ...] = ()
) -> Any:
    """Store a user directly (no HTTP) and return its id."""
    state = state_for(app)
    with app.app_context():
        assert state.users is not None
        user = state.users.create_user(email, state.hasher.hash(password), roles)
        state.users.db.session.commit()
        return user.id


def login(client: FlaskClient, email: str, password: str = GOOD_PASSWORD, **extra: Any) -> Any:
    """Log in through the login form; returns the response."""
    token = form_token(client, "/login")
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def register(client: FlaskClient, email: str, password: str = GOOD_PASSWORD) -> Any:
    """Register through the registration form; returns the response."""
    token = form_token(client, "/register")
    data = {"email": email, "password": password, "confirm": password, "csrf_token": token}
    return client.post("/register", data=data)


def as_user(app: Flask, email: str) -> Any:
    """A new browser, logged in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client
