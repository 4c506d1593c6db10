"""Attacks on authentication: account probing, session fixation, weak and migrated passwords."""

from __future__ import annotations

import html
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import argon2
import bcrypt
import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from flask_bastion import state_for
from flask_bastion.auth.forms import INVALID_CREDENTIALS
from tests.support.accounts import GOOD_PASSWORD, create_user, login, register
from tests.support.client import form_token

EMAIL = "ada@example.org"
WRONG_PASSWORD = "not-the-right-password-at-all"
#: Generous limits for tests that log in many times: the limits have their own module.
NO_LOGIN_LIMITS = {
    "BASTION_LOGIN_LIMIT": "1000 per minute",
    "BASTION_LOGIN_ACCOUNT_LIMIT": "1000 per minute",
    "BASTION_LOGIN_DELAY_AFTER": 1000,
    "BASTION_LOCKOUT_AFTER": 1000,
}


def _user(app: Flask, email: str = EMAIL) -> Any:
    """The stored user with ``email`` (detached, read-only), or ``None``."""
    with app.app_context():
        return state_for(app).users.find_by_email(email)  # type: ignore[union-attr]


def _user_count(app: Flask) -> int:
    with app.app_context():
        return len(state_for(app).users.list_users())  # type: ignore[union-attr]


def _set_user(app: Flask, email: str = EMAIL, **values: Any) -> None:
    """Change stored columns of a user directly, as a migration or an admin would."""
    with app.app_context():
        users = state_for(app).users
        assert users is not None
        user = users.find_by_email(email)
        for name, value in values.items():
            setattr(user, name, value)
        users.db.session.commit()


def _without_token(body: str) -> str:
    """The page with its per-request CSRF token blanked, so two answers can be compared."""
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:value|content)=")[^"]+', r"\1-", body)


def _is_logged_in(client: Any) -> bool:
    return bool(client.get("/notes").status_code == 200)


def test_unknown_email_and_wrong_password_answer_identically(app: Flask, client: Any) -> None:
    """A failed login looks the same whether the account exists or not."""
    unknown = login(client, EMAIL, WRONG_PASSWORD)
    create_user(app, EMAIL)
    wrong = login(client, EMAIL, WRONG_PASSWORD)
    assert unknown.status_code == wrong.status_code == 400
    assert INVALID_CREDENTIALS in unknown.get_data(as_text=True)
    assert _without_token(unknown.get_data(as_text=True)) == _without_token(
        wrong.get_data(as_text=True)
    )


def test_unknown_email_and_wrong_password_take_comparable_time(app_factory: Any) -> None:
    """With production hashing, an unknown email costs as much time as a wrong password."""
    app = app_factory(BASTION_PASSWORD_HASHING="owasp", **NO_LOGIN_LIMITS)
    create_user(app, EMAIL)
    client = app.test_client()
    token = form_token(client, "/login")

    def attempt(email: str) -> float:
        data = {"email": email, "password": WRONG_PASSWORD, "csrf_token": token}
        start = time.perf_counter()
        assert client.post("/login", data=data).status_code == 400
        return time.perf_counter() - start

    attempt("warm-up@example.org")
    unknown, wrong = [], []
    for _ in range(5):
        unknown.append(attempt("nobody@example.org"))
        wrong.append(attempt(EMAIL))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 <= ratio <= 2, f"unknown/wrong median time ratio {ratio:.2f}"


def test_deactivated_user_cannot_log_in(app: Flask, client: Any) -> None:
    """A deactivated account with the right password gets the generic refusal and no session."""
    create_user(app, EMAIL)
    _set_user(app, active=False)
    response = login(client, EMAIL)
    assert response.status_code == 400
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_login_regenerates_the_session(app: Flask, client: Any) -> None:
    """A value planted in the session before login is gone after it, with the CSRF token."""
    create_user(app, EMAIL)
    old_token = form_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "attacker-chosen"
        old_raw_token = session["csrf_token"]
    assert login(client, EMAIL).status_code == 302
    client.get("/")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"] != old_raw_token
    stale = client.post("/logout", data={"csrf_token": old_token})
    assert stale.status_code == 400
    assert _is_logged_in(client)


def test_remember_me_sets_a_cookie_lasting_seven_days(app: Flask, client: Any) -> None:
    """Login with "remember me" sets a Secure, HttpOnly remember cookie that expires in 7 days."""
    create_user(app, EMAIL)
    response = login(client, EMAIL, remember="y")
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    attributes = {
        part.split("=", 1)[0].strip().lower(): part.partition("=")[2]
        for part in cookies[0].split(";")[1:]
    }
    assert "secure" in attributes
    assert "httponly" in attributes
    expires = parsedate_to_datetime(attributes["expires"])
    lifetime = expires - datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=1) <= lifetime <= timedelta(days=7)


def test_login_without_remember_sets_no_remember_cookie(app: Flask, client: Any) -> None:
    """Without "remember me" the login lasts only as long as the session."""
    create_user(app, EMAIL)
    response = login(client, EMAIL)
    assert response.status_code == 302
    assert not [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        pytest.param(EMAIL, "password1234", "too easy to guess", id="common-password"),
        pytest.param(EMAIL, "123456789012", "too easy to guess", id="digit-sequence"),
        pytest.param(
            "quintessa.marlowe@example.org",
            "quintessa.marlowe",
            "too easy to guess",
            id="email-derived",
        ),
        pytest.param(EMAIL, "short", "Use at least 12 characters.", id="too-short"),
        pytest.param(EMAIL, "x7" * 64 + "q", "Use at most 128 characters.", id="too-long-129"),
    ],
)
def test_weak_password_is_refused_at_registration(
    app: Flask, client: Any, email: str, password: str, message: str
) -> None:
    """A weak password gets a readable reason and creates no account."""
    response = register(client, email, password)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert _user_count(app) == 0


def test_mismatched_confirmation_is_refused(app: Flask, client: Any) -> None:
    """A confirmation that differs from the password creates no account."""
    token = form_token(client, "/register")
    data = {"email": EMAIL, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "x"}
    response = client.post("/register", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert "The passwords do not match." in response.get_data(as_text=True)
    assert _user_count(app) == 0


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(EMAIL, id="same"),
        pytest.param("ADA@example.org", id="upper-local-part"),
        pytest.param("Ada@Example.ORG", id="mixed-case"),
    ],
)
def test_registering_an_existing_email_is_refused(app: Flask, variant: str) -> None:
    """A second registration of the same mailbox, in any capitalisation, adds no row."""
    assert register(app.test_client(), EMAIL).status_code == 302
    response = register(app.test_client(), variant)
    assert response.status_code == 400
    assert "An account with this email exists." in response.get_data(as_text=True)
    assert _user_count(app) == 1


def test_stored_hash_is_argon2id_and_never_holds_the_password(app: Flask, client: Any) -> None:
    """Registration stores an Argon2id hash in which the password does not appear."""
    assert register(client, EMAIL).status_code == 302
    stored = _user(app).password_hash
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored
    assert GOOD_PASSWORD.encode().hex() not in stored
    argon2.PasswordHasher().verify(stored, GOOD_PASSWORD)


def _legacy_hash(kind: str) -> str:
    """A hash as an app migrating to Flask-Bastion may have stored it."""
    if kind in ("scrypt", "pbkdf2"):
        return generate_password_hash(GOOD_PASSWORD, method=kind)
    if kind == "bcrypt":
        return bcrypt.hashpw(GOOD_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    weak = {"argon2id-old-params": argon2.Type.ID, "argon2i": argon2.Type.I}[kind]
    return argon2.PasswordHasher(time_cost=1, memory_cost=16, parallelism=2, type=weak).hash(
        GOOD_PASSWORD
    )


LEGACY_KINDS = ["scrypt", "pbkdf2", "bcrypt", "argon2id-old-params", "argon2i"]


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_legacy_hash_is_upgraded_at_login(app: Flask, client: Any, kind: str) -> None:
    """A user with a legacy or outdated hash logs in and now has an Argon2id hash of today."""
    create_user(app, EMAIL)
    legacy = _legacy_hash(kind)
    _set_user(app, password_hash=legacy)
    assert login(client, EMAIL).status_code == 302
    stored = _user(app).password_hash
    assert stored != legacy
    assert stored.startswith("$argon2id$")
    assert not state_for(app).hasher.needs_rehash(stored)
    argon2.PasswordHasher().verify(stored, GOOD_PASSWORD)


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_legacy_hash_is_kept_after_a_wrong_password(app: Flask, client: Any, kind: str) -> None:
    """A wrong password against a legacy hash is refused and does not touch the stored hash."""
    create_user(app, EMAIL)
    legacy = _legacy_hash(kind)
    _set_user(app, password_hash=legacy)
    assert login(client, EMAIL, WRONG_PASSWORD).status_code == 400
    assert _user(app).password_hash == legacy


def test_registration_can_be_switched_off(app_factory: Any) -> None:
    """With BASTION_REGISTRATION off, /register does not exist for GET or POST."""
    app = app_factory(BASTION_REGISTRATION=False)
    client = app.test_client()
    assert client.get("/register").status_code == 404
    data = {"email": EMAIL, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    # 404 rather than the CSRF refusal (400) that an existing view would give this POST.
    assert client.post("/register", data=data).status_code == 404
    assert _user_count(app) == 0
    login_page = client.get("/login")
    assert login_page.status_code == 200
    assert 'href="/register"' not in login_page.get_data(as_text=True)
