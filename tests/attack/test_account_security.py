"""The account pages: ending sessions, and sensitive changes that need a fresh login."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from flask_bastion import state_for
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import form_token

EMAIL = "owner@example.org"
NEW_PASSWORD = "copper-lantern-meadow-83-sail"
SESSION_COOKIE = "__Host-session"


@pytest.fixture
def owner_app(app: Flask) -> Flask:
    create_user(app, EMAIL)
    return app


def browser(app: Flask, email: str = EMAIL, **extra: str) -> Any:
    client = app.test_client()
    assert login(client, email, **extra).status_code == 302
    return client


def logged_in(client: Any) -> bool:
    return bool(client.get("/notes").status_code == 200)


def post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": form_token(client, "/account"), **data})


def age_logins(app: Flask, by: timedelta) -> None:
    manager = state_for(app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + by


def test_sessions_page_lists_each_login_and_marks_this_one(owner_app: Flask) -> None:
    """Two logins appear; only the viewing one is marked as the current session."""
    laptop = browser(owner_app)
    browser(owner_app)
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert page.count("This session") == 1
    assert page.count('/end"') == 1


def test_ending_another_session_logs_that_browser_out(owner_app: Flask) -> None:
    """The End button on the sessions page logs the other browser out at once."""
    laptop, phone = browser(owner_app), browser(owner_app)
    page = laptop.get("/account/sessions").get_data(as_text=True)
    (other,) = re.findall(r"/account/sessions/([0-9a-f]+)/end", page)
    assert post(laptop, f"/account/sessions/{other}/end").status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)


def test_end_all_others_keeps_only_this_session(owner_app: Flask) -> None:
    """ "End all other sessions" logs out every other browser and keeps this one."""
    laptop, phone, tablet = browser(owner_app), browser(owner_app), browser(owner_app)
    assert post(laptop, "/account/sessions/end-others").status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    assert not logged_in(tablet)


def test_cannot_end_another_users_session(owner_app: Flask) -> None:
    """A session id of another user is not found (404), and that user stays logged in."""
    create_user(owner_app, "mallory@example.org")
    victim = browser(owner_app)
    mallory = browser(owner_app, "mallory@example.org")
    with owner_app.app_context():
        user = state_for(owner_app).users.find_by_email(EMAIL)  # type: ignore[union-attr]
        record = state_for(owner_app).sessions.live_sessions(user.id)[0]  # type: ignore[union-attr]
    response = post(mallory, f"/account/sessions/{record.public_id}/end")
    assert response.status_code == 404
    assert logged_in(victim)


def test_stale_login_must_confirm_the_password_before_changing_it(owner_app: Flask) -> None:
    """Past the fresh-login window, the password page sends the user to confirm first."""
    client = browser(owner_app)
    age_logins(owner_app, timedelta(minutes=11))
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/account/confirm?next=/account/password" in response.headers["Location"]
    response = post(client, "/account/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert "/account/confirm" in response.headers["Location"]
    fresh = browser(owner_app)  # the old password still works: nothing was changed
    assert logged_in(fresh)


def test_wrong_password_does_not_confirm(owner_app: Flask) -> None:
    """A wrong password on the confirmation page is refused and the login stays stale."""
    client = browser(owner_app)
    age_logins(owner_app, timedelta(minutes=11))
    response = post(client, "/account/confirm", password="not-the-password-at-all")
    assert response.status_code == 400
    assert client.get("/account/password").status_code == 302


def test_confirming_moves_the_session_to_a_new_token(owner_app: Flask) -> None:
    """After the password is confirmed, a copy of the old session cookie is dead."""
    client = browser(owner_app)
    stolen = client.get_cookie(SESSION_COOKIE).value
    age_logins(owner_app, timedelta(minutes=11))
    response = post(client, "/account/confirm?next=/account/password", password=GOOD_PASSWORD)
    assert response.headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200
    thief = owner_app.test_client()
    thief.set_cookie(SESSION_COOKIE, stolen, domain="localhost", secure=True)
    assert not logged_in(thief)


def test_remembered_login_is_never_fresh(owner_app: Flask) -> None:
    """A browser logged in only by its remember cookie must confirm the password first."""
    client = browser(owner_app, remember="y")
    remember = client.get_cookie("__Host-remember_token").value
    returning = owner_app.test_client()
    returning.set_cookie("__Host-remember_token", remember, domain="localhost", secure=True)
    assert logged_in(returning)
    assert returning.get("/account/password").status_code == 302


def test_password_change_ends_every_other_session(owner_app: Flask) -> None:
    """A new password logs out every other browser; the old password stops working."""
    laptop, phone = browser(owner_app), browser(owner_app, remember="y")
    response = post(laptop, "/account/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    assert login(owner_app.test_client(), EMAIL, GOOD_PASSWORD).status_code == 400
    assert login(owner_app.test_client(), EMAIL, NEW_PASSWORD).status_code == 302


def test_weak_new_password_is_refused(owner_app: Flask) -> None:
    """The password policy applies to a change too."""
    client = browser(owner_app)
    response = post(client, "/account/password", password="password1234", confirm="password1234")
    assert response.status_code == 400
    assert login(owner_app.test_client(), EMAIL, GOOD_PASSWORD).status_code == 302
