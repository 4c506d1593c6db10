"""Attacks on personal access tokens: revoked, expired, forged and narrow tokens, cookie
fallback, CSRF on the API, per-token limits, leaked secrets, and the settings page.

Until the reference app's own API is complete, each test registers a tiny JSON API on it: a
GET that needs the ``read`` scope, a POST that needs ``write``, and a view without a scope.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify, session
from flask_login import current_user
from sqlalchemy import select

from flask_bastion import login_required, scope_required, state_for
from flask_bastion.api import json_api
from flask_bastion.audit import events
from flask_bastion.routes import describe
from flask_bastion.sessions import is_fresh
from flask_bastion.tokens import current_token
from flask_bastion.tokens.secret import new_secret
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.audit import stored_events
from tests.support.client import form_token
from tests.support.mailbox import Mailbox

EMAIL = "owner@example.org"
OTHER = "mallory@example.org"
NEW_PASSWORD = "copper-lantern-meadow-83-sail"
EXTERNAL_URL = "https://notes.example.org"
#: What a script sends: no cookies of its own, no Origin, no Referer, no CSRF token.
SCRIPT = {"Origin": None, "Referer": None}


def add_test_api(app: Flask) -> None:
    """A JSON API with one view per guard, as a developer of the app would write it."""
    bp = json_api(Blueprint("token_test_api", __name__, url_prefix="/test-api"))

    @bp.get("/whoami")
    @scope_required("read")
    def whoami() -> Any:
        return jsonify(email=current_user.email, by_token=current_token() is not None)

    @bp.post("/items")
    @scope_required("write")
    def create_item() -> Any:
        return jsonify(created=True, by=current_user.email), 201

    @bp.get("/unscoped")
    @login_required
    def unscoped() -> Any:
        return jsonify(ok=True)

    @bp.post("/session")
    @scope_required("write")
    def use_session() -> Any:
        session["written_by_api"] = True
        return jsonify(fresh=is_fresh(), keys=sorted(session))

    app.register_blueprint(bp)


@pytest.fixture
def token_app(app_factory: Any) -> Flask:
    """The reference app with the test API and two users."""
    app: Flask = app_factory()
    add_test_api(app)
    create_user(app, EMAIL)
    create_user(app, OTHER)
    return app


def issue(app: Flask, email: str = EMAIL, *scopes: str, days: int = 30) -> tuple[int, str]:
    """Issue a token through the store, as the settings page does; returns its id and secret."""
    state = state_for(app)
    with app.app_context():
        user = state.users.find_by_email(email)  # type: ignore[union-attr]
        issued = state.tokens.issue(  # type: ignore[union-attr]
            user.id, "script", scopes or ("read",), timedelta(days=days)
        )
        return issued.record.id, issued.secret


def bearer(secret: str) -> dict[str, str | None]:
    return {"Authorization": f"Bearer {secret}", **SCRIPT}


def browser(app: Flask, email: str = EMAIL) -> Any:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def move_token_clock(app: Flask, by: timedelta) -> None:
    store = state_for(app).tokens
    assert store is not None
    start = store.clock()
    store.clock = lambda: start + by


def set_active(app: Flask, email: str, active: bool) -> None:
    state = state_for(app)
    with app.app_context():
        state.users.find_by_email(email).active = active  # type: ignore[union-attr]
        state.users.db.session.commit()  # type: ignore[union-attr]


def assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.get_json()["error"]["status"] == 401
    assert "Set-Cookie" not in response.headers


def token_rows(app: Flask) -> list[dict[str, Any]]:
    table = state_for(app).tokens.model.__table__  # type: ignore[union-attr]
    with app.app_context(), state_for(app).audit.engine.connect() as connection:  # type: ignore[union-attr]
        return [dict(row) for row in connection.execute(select(table)).mappings()]


# The API: what a valid token may do, and nothing more.


def test_token_authenticates_api_request_without_any_cookie(token_app: Flask) -> None:
    """A valid token alone logs the request in as its owner, and no cookie is set."""
    _, secret = issue(token_app)
    response = token_app.test_client().get("/test-api/whoami", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == {"email": EMAIL, "by_token": True}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_bearer_post_needs_no_csrf_token(token_app: Flask) -> None:
    """A write token POSTs without CSRF token, Origin or Referer: no browser sends the header."""
    _, secret = issue(token_app, EMAIL, "read", "write")
    response = token_app.test_client().post("/test-api/items", json={}, headers=bearer(secret))
    assert response.status_code == 201
    assert response.get_json() == {"created": True, "by": EMAIL}


def test_read_only_token_cannot_write(token_app: Flask) -> None:
    """A read-only token on a write endpoint gets 403 naming the missing scope."""
    _, secret = issue(token_app, EMAIL, "read")
    response = token_app.test_client().post("/test-api/items", json={}, headers=bearer(secret))
    assert response.status_code == 403
    assert "write" in response.get_json()["error"]["message"]
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="write"'
    )


def test_write_only_token_cannot_read(token_app: Flask) -> None:
    """Scopes are not ranked: a token without ``read`` cannot read."""
    _, secret = issue(token_app, EMAIL, "write")
    response = token_app.test_client().get("/test-api/whoami", headers=bearer(secret))
    assert response.status_code == 403


def test_endpoint_without_a_scope_refuses_every_token(token_app: Flask) -> None:
    """An API view whose author forgot ``scope_required`` is not open to tokens."""
    _, secret = issue(token_app, EMAIL, "read", "write")
    client = token_app.test_client()
    assert client.get("/test-api/unscoped", headers=bearer(secret)).status_code == 403
    assert browser(token_app).get("/test-api/unscoped").status_code == 200


def test_cookie_request_passes_scope_checks(token_app: Flask) -> None:
    """A logged-in browser acts with the user's full rights, on read and write endpoints."""
    client = browser(token_app)
    assert client.get("/test-api/whoami").get_json() == {"email": EMAIL, "by_token": False}
    headers = {"X-CSRFToken": form_token(client, "/account")}
    assert client.post("/test-api/items", json={}, headers=headers).status_code == 201


def test_anonymous_api_request_gets_a_bearer_challenge(token_app: Flask) -> None:
    """Without cookie or token the API answers 401 JSON with ``WWW-Authenticate: Bearer``."""
    response = token_app.test_client().get("/test-api/whoami")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"]["status"] == 401


def test_routes_command_shows_the_scope(token_app: Flask) -> None:
    """``flask bastion routes`` lists the scopes a view needs."""
    route = describe(token_app, "token_test_api.create_item", ("POST",))
    assert "scopes: write" in route.summary


# Tokens that must not work, and never fall back to the cookie.


def revoke_on_page(app: Flask, token_id: int) -> None:
    client = browser(app)
    response = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": form_token(client, "/account/tokens")},
    )
    assert response.status_code == 303


def test_revoked_token_is_refused(token_app: Flask) -> None:
    """A token revoked on the settings page is refused at once with 401 invalid_token."""
    token_id, secret = issue(token_app)
    client = token_app.test_client()
    assert client.get("/test-api/whoami", headers=bearer(secret)).status_code == 200
    revoke_on_page(token_app, token_id)
    assert_invalid_token(client.get("/test-api/whoami", headers=bearer(secret)))


def test_expired_token_is_refused(token_app: Flask) -> None:
    """A token is refused once its lifetime is over."""
    _, secret = issue(token_app, days=7)
    client = token_app.test_client()
    move_token_clock(token_app, timedelta(days=6, hours=23))
    assert client.get("/test-api/whoami", headers=bearer(secret)).status_code == 200
    move_token_clock(token_app, timedelta(days=7, seconds=1))
    assert_invalid_token(client.get("/test-api/whoami", headers=bearer(secret)))


def test_locked_users_token_is_refused_until_unlocked(token_app: Flask) -> None:
    """An admin lock refuses the user's tokens; unlocking lets them work again."""
    _, secret = issue(token_app)
    client = token_app.test_client()
    set_active(token_app, EMAIL, False)
    assert_invalid_token(client.get("/test-api/whoami", headers=bearer(secret)))
    set_active(token_app, EMAIL, True)
    assert client.get("/test-api/whoami", headers=bearer(secret)).status_code == 200


FORGED = {
    "unknown well-formed": lambda secret: "bst_" + "A" * 43,
    "one character changed": lambda secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"),
    "one character more": lambda secret: secret + "A",
    "the stored hash": lambda secret: hashlib.sha256(secret.encode()).hexdigest(),
    "the display prefix": lambda secret: secret[:10],
    "empty": lambda secret: "",
    "not a token": lambda secret: "not-a-token",
    "sql": lambda secret: "bst_' OR '1'='1",
}


@pytest.mark.parametrize("forge", FORGED.values(), ids=FORGED.keys())
def test_forged_token_is_refused(token_app: Flask, forge: Any) -> None:
    """Anything but the exact secret is refused with 401 invalid_token."""
    _, secret = issue(token_app)
    response = token_app.test_client().get("/test-api/whoami", headers=bearer(forge(secret)))
    assert_invalid_token(response)


@pytest.mark.parametrize(
    "header", ["Basic b3duZXI6cGFzc3dvcmQ=", "Token {secret}", "Bearer", "{secret}", "Bearer a=b"]
)
def test_malformed_authorization_header_is_refused(token_app: Flask, header: str) -> None:
    """Any other form of ``Authorization`` is refused, even around a valid secret."""
    _, secret = issue(token_app)
    headers = {"Authorization": header.format(secret=secret), **SCRIPT}
    assert_invalid_token(token_app.test_client().get("/test-api/whoami", headers=headers))


BAD_TOKEN_CASES = ["revoked", "expired", "forged", "locked user"]


@pytest.mark.parametrize("case", BAD_TOKEN_CASES)
def test_bad_token_never_falls_back_to_the_session_cookie(token_app: Flask, case: str) -> None:
    """A browser logged in as another user sends a bad token: 401, never the cookie's user."""
    token_id, secret = issue(token_app)
    if case == "revoked":
        revoke_on_page(token_app, token_id)
    elif case == "expired":
        move_token_clock(token_app, timedelta(days=31))
    elif case == "forged":
        secret = "bst_" + "B" * 43
    else:
        set_active(token_app, EMAIL, False)
    logged_in = browser(token_app, OTHER)
    assert logged_in.get("/test-api/whoami").status_code == 200
    response = logged_in.get("/test-api/whoami", headers=bearer(secret))
    assert_invalid_token(response)
    assert OTHER not in response.get_data(as_text=True)


def test_token_request_ignores_the_session_cookie(token_app: Flask) -> None:
    """With a token and another user's cookie, the request is the token's user, no cookie is
    set, and the browser's session is left as it was."""
    _, secret = issue(token_app, EMAIL)
    other = browser(token_app, OTHER)
    response = other.get("/test-api/whoami", headers=bearer(secret))
    assert response.get_json() == {"email": EMAIL, "by_token": True}
    assert "Set-Cookie" not in response.headers
    assert other.get("/test-api/whoami").get_json() == {"email": OTHER, "by_token": False}


def test_token_request_neither_reads_nor_saves_the_cookie_session(token_app: Flask) -> None:
    """A token request sees an empty session, not the browser's freshly confirmed login, and
    what it writes there is never sent back as a cookie."""
    _, secret = issue(token_app, EMAIL, "read", "write")
    client = browser(token_app)
    response = client.post("/test-api/session", headers=bearer(secret))
    assert response.get_json() == {"fresh": False, "keys": ["written_by_api"]}
    assert "Set-Cookie" not in response.headers
    headers = {"X-CSRFToken": form_token(client, "/account")}
    by_cookie = client.post("/test-api/session", headers=headers).get_json()
    assert by_cookie["fresh"] is True
    assert "_user_id" in by_cookie["keys"]


def test_token_works_only_on_the_api(token_app: Flask) -> None:
    """A page outside the JSON API ignores the header: an anonymous visitor is sent to log in."""
    _, secret = issue(token_app)
    response = token_app.test_client().get("/notes", headers=bearer(secret))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# CSRF on the API: a request that relies on the cookie keeps every check.


def test_cookie_post_on_api_without_csrf_token_is_refused(token_app: Flask) -> None:
    """A logged-in browser's POST without the CSRF token is refused, on the API too."""
    client = browser(token_app)
    response = client.post("/test-api/items", json={})
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Referer": "https://evil.example/"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["foreign origin", "fetch metadata cross-site"],
)
def test_cross_site_cookie_post_on_api_is_refused(token_app: Flask, headers: Any) -> None:
    """A cross-site request carrying the cookie is refused even with a leaked CSRF token."""
    client = browser(token_app)
    headers = {"X-CSRFToken": form_token(client, "/account"), **headers}
    assert client.post("/test-api/items", json={}, headers=headers).status_code == 400


# The per-token rate limit.


def test_per_token_rate_limit(app_factory: Any) -> None:
    """A token past ``BASTION_TOKEN_RATE_LIMIT`` gets 429 with Retry-After; another token of
    the same user, from the same IP, is counted on its own."""
    app: Flask = app_factory(BASTION_TOKEN_RATE_LIMIT="3 per minute")
    add_test_api(app)
    create_user(app, EMAIL)
    _, busy = issue(app)
    _, other = issue(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/test-api/whoami", headers=bearer(busy)).status_code == 200
    response = client.get("/test-api/whoami", headers=bearer(busy))
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["error"]["status"] == 429
    assert client.get("/test-api/whoami", headers=bearer(other)).status_code == 200


def test_bad_tokens_count_against_the_per_ip_limit(app_factory: Any) -> None:
    """A client trying token after token is stopped by the per-IP limit, like any client."""
    app: Flask = app_factory(RATELIMIT_DEFAULT="3 per minute")
    add_test_api(app)
    client = app.test_client()
    for _ in range(3):
        assert_invalid_token(client.get("/test-api/whoami", headers=bearer(new_secret())))
    response = client.get("/test-api/whoami", headers=bearer(new_secret()))
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_last_use_is_written_at_most_once_a_minute(token_app: Flask) -> None:
    """The first request records the last use; more within a minute write nothing."""
    _, secret = issue(token_app)
    client = token_app.test_client()

    def last_used() -> Any:
        (row,) = token_rows(token_app)
        return row["last_used_at"]

    assert last_used() is None
    client.get("/test-api/whoami", headers=bearer(secret))
    first = last_used()
    assert first is not None
    move_token_clock(token_app, timedelta(seconds=30))
    client.get("/test-api/whoami", headers=bearer(secret))
    assert last_used() == first
    move_token_clock(token_app, timedelta(seconds=61))
    client.get("/test-api/whoami", headers=bearer(secret))
    assert last_used() > first


# The settings page.


def create_on_page(client: Any, **fields: str) -> Any:
    data = {"name": "backup script", "scope": "read-write", "expires_in_days": "30", **fields}
    return client.post(
        "/account/tokens", data={"csrf_token": form_token(client, "/account/tokens"), **data}
    )


def secret_in(page: str) -> str:
    match = re.search(r"bst_[A-Za-z0-9_-]{43}", page)
    assert match is not None, "no secret on the page"
    return match.group(0)


def test_page_creates_a_token_and_shows_the_secret_once(
    token_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """The secret is on the creation page only (never cached), works, and is stored as a hash
    alone: not in the table, the listing, the audit log or the log lines."""
    client = browser(token_app)
    with caplog.at_level(logging.INFO):
        response = create_on_page(client, name="backup script")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = secret_in(response.get_data(as_text=True))
    api = token_app.test_client()
    assert api.post("/test-api/items", json={}, headers=bearer(secret)).status_code == 201
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "backup script" in listing and secret[:10] in listing
    assert secret not in listing
    (row,) = token_rows(token_app)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert row["token_hash"] == digest
    assert secret not in repr(row)
    (created,) = stored_events(token_app, events.TOKEN_CREATED)
    assert created["details"] == {
        "token_id": row["id"],
        "name": "backup script",
        "scopes": "read write",
        "days": 30,
    }
    for text in (repr(stored_events(token_app, events.TOKEN_CREATED)), caplog.text):
        assert secret not in text and digest not in text


def test_page_offers_read_only_tokens(token_app: Flask) -> None:
    """A "Read only" token made on the page reads and cannot write."""
    client = browser(token_app)
    secret = secret_in(create_on_page(client, scope="read").get_data(as_text=True))
    api = token_app.test_client()
    assert api.get("/test-api/whoami", headers=bearer(secret)).status_code == 200
    assert api.post("/test-api/items", json={}, headers=bearer(secret)).status_code == 403


def test_creating_a_token_needs_a_fresh_login(token_app: Flask) -> None:
    """Past the fresh-login window, creating a token sends the user to confirm the password."""
    client = browser(token_app)
    token = form_token(client, "/account/tokens")
    manager = state_for(token_app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + timedelta(minutes=11)
    response = client.post(
        "/account/tokens",
        data={"csrf_token": token, "name": "x", "scope": "read", "expires_in_days": "7"},
    )
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert token_rows(token_app) == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example", "Referer": "https://evil.example/"}],
    ids=["no csrf token", "foreign origin"],
)
def test_creating_a_token_needs_csrf_protection(token_app: Flask, headers: Any) -> None:
    """A forged creation form (no token, or from another site) is refused; nothing is made."""
    client = browser(token_app)
    data = {"name": "x", "scope": "read", "expires_in_days": "7"}
    if headers:
        data["csrf_token"] = form_token(client, "/account/tokens")
    assert client.post("/account/tokens", data=data, headers=headers).status_code == 400
    assert token_rows(token_app) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "n" * 101},
        {"scope": "admin"},
        {"expires_in_days": "1000"},
        {"expires_in_days": "soon"},
        {"expires_in_days": "-7"},
    ],
    ids=["no name", "long name", "unknown scope", "too long", "not a number", "negative"],
)
def test_bad_creation_input_is_refused_with_400(token_app: Flask, fields: dict[str, str]) -> None:
    """Bad form input is answered 400 with the form again, never a 500, and nothing is made."""
    response = create_on_page(browser(token_app), **fields)
    assert response.status_code == 400
    assert "New token" in response.get_data(as_text=True)
    assert token_rows(token_app) == []


def test_live_tokens_per_user_are_capped(token_app: Flask) -> None:
    """Past ``BASTION_TOKEN_MAX_PER_USER`` live tokens, the page refuses another with 400 and
    stores nothing; revoking one, or one expiring, makes room again."""
    token_app.extensions["bastion"].tokens.max_per_user = 2
    first, _ = issue(token_app)
    issue(token_app, days=7)
    client = browser(token_app)
    refused = create_on_page(client, name="one too many")
    assert refused.status_code == 400
    assert "revoke one you no longer use" in refused.get_data(as_text=True)
    assert len(token_rows(token_app)) == 2
    assert issue(token_app, OTHER)  # another user's room is their own
    revoke_on_page(token_app, first)
    assert create_on_page(client, name="after a revocation").status_code == 201
    move_token_clock(token_app, timedelta(days=8))
    assert create_on_page(client, name="after an expiry").status_code == 201


def test_cannot_revoke_another_users_token(token_app: Flask) -> None:
    """Another user's token id answers 404, like a missing one, and the token keeps working."""
    token_id, secret = issue(token_app, EMAIL)
    mallory = browser(token_app, OTHER)
    token = form_token(mallory, "/account/tokens")
    for target in (token_id, token_id + 100):
        response = mallory.post(f"/account/tokens/{target}/revoke", data={"csrf_token": token})
        assert response.status_code == 404
    response = token_app.test_client().get("/test-api/whoami", headers=bearer(secret))
    assert response.status_code == 200


def test_revocation_is_audited_and_listed(token_app: Flask) -> None:
    """The owner's revocation is audited and the listing marks the token revoked."""
    token_id, _ = issue(token_app)
    revoke_on_page(token_app, token_id)
    (revoked,) = stored_events(token_app, events.TOKEN_REVOKED)
    assert revoked["details"] == {"token_id": token_id}
    page = browser(token_app).get("/account/tokens").get_data(as_text=True)
    assert "Revoked" in page and "token-revoked" in page


def test_listing_shows_only_the_users_own_tokens(token_app: Flask) -> None:
    """The page lists the user's tokens and nobody else's."""
    issue(token_app, OTHER)
    page = browser(token_app).get("/account/tokens").get_data(as_text=True)
    assert "You have no access tokens yet." in page


# A password reset: the account may have been taken over.


def test_password_reset_revokes_every_token(app_factory: Any, smtp_server: Mailbox) -> None:
    """After a reset by mailed link, every token of the user is refused."""
    app: Flask = app_factory(BASTION_EXTERNAL_URL=EXTERNAL_URL, **smtp_server.settings)
    add_test_api(app)
    create_user(app, EMAIL)
    _, first = issue(app)
    _, second = issue(app, EMAIL, "read", "write")
    client = app.test_client()
    client.post("/reset", data={"email": EMAIL, "csrf_token": form_token(client, "/reset")})
    path = smtp_server.link_to(EMAIL).removeprefix(EXTERNAL_URL)
    data = {
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "csrf_token": form_token(client, path),
    }
    assert client.post(path, data=data).status_code == 302
    for secret in (first, second):
        assert_invalid_token(app.test_client().get("/test-api/whoami", headers=bearer(secret)))
    (reset,) = stored_events(app, events.PASSWORD_RESET)
    assert reset["details"]["tokens_revoked"] == 2
    assert login(app.test_client(), EMAIL, GOOD_PASSWORD).status_code == 400
