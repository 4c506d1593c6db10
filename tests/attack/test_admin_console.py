"""The admin console: only fresh admins act, by CSRF-protected POST, every action audited."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from flask_bastion import state_for
from flask_bastion.audit import events
from tests.support.accounts import create_user, login
from tests.support.audit import stored_events
from tests.support.client import csrf_token_in
from tests.support.mailbox import Mailbox
from tests.support.two_factor import login_admin

ADMIN = "root@example.org"
EMAIL = "ada@example.org"
EXTERNAL_URL = "https://notes.example.org"
PAGES = ["/admin/accounts", "/admin/accounts/1"]
ACTIONS = ["lock", "unlock", "roles/grant", "roles/remove", "sessions/end", "password-reset"]


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return int(state_for(app).users.find_by_email(email).id)  # type: ignore[union-attr]


def admin_client(app: Flask) -> Any:
    client = app.test_client()
    login_admin(app, client, ADMIN)
    return client


def user_client(app: Flask, email: str = EMAIL) -> Any:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def act(client: Any, target: int, action: str, **data: str) -> Any:
    """Post ``action`` on user ``target`` with the CSRF token of the user's console page."""
    token = csrf_token_in(client.get(f"/admin/accounts/{target}").get_data(as_text=True))
    return client.post(f"/admin/accounts/{target}/{action}", data={"csrf_token": token, **data})


def is_active(app: Flask, email: str) -> bool:
    with app.app_context():
        return bool(state_for(app).users.find_by_email(email).active)  # type: ignore[union-attr]


def roles(app: Flask, email: str) -> frozenset[str]:
    with app.app_context():
        user = state_for(app).users.find_by_email(email)  # type: ignore[union-attr]
        return frozenset(user.role_names)


@pytest.fixture
def console_app(app: Flask) -> Flask:
    """The app with one ordinary user."""
    create_user(app, EMAIL)
    return app


@pytest.mark.parametrize("path", PAGES + [f"/admin/accounts/1/{a}" for a in ACTIONS])
def test_anonymous_visitor_is_sent_to_login(console_app: Flask, path: str) -> None:
    """Every console URL sends an anonymous visitor to log in (a token-less POST: 400)."""
    client = console_app.test_client()
    response = client.get(path) if path in PAGES else client.post(path, data={})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES + [f"/admin/accounts/1/{a}" for a in ACTIONS])
def test_user_without_admin_role_is_forbidden(console_app: Flask, path: str) -> None:
    """Every console URL answers 403 to a logged-in user without the admin role."""
    client = user_client(console_app)
    token = csrf_token_in(client.get("/account").get_data(as_text=True))
    if path in PAGES:
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token, "role": "admin"})
    assert response.status_code == 403


def test_anonymous_post_with_a_token_goes_to_login(console_app: Flask) -> None:
    """An anonymous POST with a valid CSRF token is still sent to log in."""
    client = console_app.test_client()
    token = csrf_token_in(client.get("/login").get_data(as_text=True))
    response = client.post("/admin/accounts/1/lock", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert is_active(console_app, EMAIL)


def test_admin_lists_and_searches_users_a_page_at_a_time(console_app: Flask) -> None:
    """The list filters by part of the email and caps the page size."""
    for n in range(3):
        create_user(console_app, f"bob{n}@example.org")
    admin = admin_client(console_app)
    assert "bob1@example.org" in admin.get("/admin/accounts").text
    found = admin.get("/admin/accounts", query_string={"q": "ADA@"}).text
    assert EMAIL in found and "bob1@" not in found
    first = admin.get("/admin/accounts", query_string={"per_page": 2}).text
    assert len(re.findall(r"/admin/accounts/\d+\"", first)) == 2
    assert "page=2" in first
    capped = admin.get("/admin/accounts", query_string={"per_page": 10**6})
    assert capped.status_code == 200


def test_stale_login_is_sent_to_confirm_the_password(console_app: Flask) -> None:
    """Without a fresh login, an action goes to the password confirmation and does nothing."""
    admin = admin_client(console_app)
    target = user_id(console_app, EMAIL)
    token = csrf_token_in(admin.get(f"/admin/accounts/{target}").text)
    manager = state_for(console_app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + timedelta(minutes=11)
    response = admin.post(f"/admin/accounts/{target}/lock", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm?next=")
    assert f"/admin/accounts/{target}" in response.headers["Location"]
    assert is_active(console_app, EMAIL)


def test_post_without_csrf_token_is_refused(console_app: Flask) -> None:
    """A POST without the CSRF token is refused and changes nothing."""
    admin = admin_client(console_app)
    target = user_id(console_app, EMAIL)
    response = admin.post(f"/admin/accounts/{target}/lock", data={})
    assert response.status_code == 400
    assert is_active(console_app, EMAIL)


def test_lock_ends_sessions_and_bars_login_then_unlock(console_app: Flask) -> None:
    """A locked user's session dies and they cannot log in; unlock lets them back in."""
    victim = user_client(console_app)
    admin = admin_client(console_app)
    target = user_id(console_app, EMAIL)
    assert act(admin, target, "lock").status_code == 303
    assert not is_active(console_app, EMAIL)
    assert victim.get("/notes").status_code == 302
    assert login(console_app.test_client(), EMAIL).status_code != 302
    (locked,) = stored_events(console_app, events.ACCOUNT_DEACTIVATED)
    assert locked["user_id"] == target and locked["details"]["sessions_ended"] == 1
    assert act(admin, target, "unlock").status_code == 303
    assert login(console_app.test_client(), EMAIL).status_code == 302
    (unlocked,) = stored_events(console_app, events.ACCOUNT_UNLOCKED)
    assert unlocked["details"]["via"] == "admin"


def test_unlock_clears_the_login_throttle(console_app: Flask) -> None:
    """Unlocking lifts a lock left by failed logins."""
    with console_app.app_context():
        throttle = state_for(console_app).throttle
        while not throttle.failed(EMAIL):
            pass
        assert throttle.is_locked(EMAIL)
    admin = admin_client(console_app)
    act(admin, user_id(console_app, EMAIL), "unlock")
    assert not state_for(console_app).throttle.is_locked(EMAIL)


def test_grant_and_remove_roles_are_audited(console_app: Flask) -> None:
    """Granting and removing a role change the user's roles and are both audited."""
    admin = admin_client(console_app)
    target = user_id(console_app, EMAIL)
    assert act(admin, target, "roles/grant", role="admin").status_code == 303
    assert roles(console_app, EMAIL) == {"admin"}
    assert act(admin, target, "roles/remove", role="admin").status_code == 303
    assert roles(console_app, EMAIL) == frozenset()
    assert [e["details"]["role"] for e in stored_events(console_app, events.ROLE_GRANTED)][
        -1
    ] == "admin"
    assert stored_events(console_app, events.ROLE_REVOKED)[0]["user_id"] == target


def test_granting_an_unknown_role_is_refused(console_app: Flask) -> None:
    """Only an existing role can be granted from the console."""
    admin = admin_client(console_app)
    response = act(admin, user_id(console_app, EMAIL), "roles/grant", role="superuser")
    assert response.status_code == 400
    assert roles(console_app, EMAIL) == frozenset()


def test_last_admin_cannot_be_demoted_or_locked(console_app: Flask) -> None:
    """The last active admin keeps the role and stays active, with a message saying why."""
    admin = admin_client(console_app)
    me = user_id(console_app, ADMIN)
    demoted = act(admin, me, "roles/remove", role="admin")
    assert demoted.status_code == 409
    assert "last active admin" in demoted.text
    assert act(admin, me, "lock").status_code == 409
    assert roles(console_app, ADMIN) == {"admin"} and is_active(console_app, ADMIN)
    assert not stored_events(console_app, events.ROLE_REVOKED)


def test_an_admin_can_be_demoted_while_another_remains(console_app: Flask) -> None:
    """With a second active admin, removing the role from one is allowed."""
    create_user(console_app, "second@example.org", roles=("admin",))
    admin = admin_client(console_app)
    assert act(admin, user_id(console_app, "second@example.org"), "lock").status_code == 303
    assert act(admin, user_id(console_app, ADMIN), "lock").status_code == 409


def test_end_sessions_logs_the_user_out(console_app: Flask) -> None:
    """Ending a user's sessions logs every one of their browsers out."""
    laptop, phone = user_client(console_app), user_client(console_app)
    admin = admin_client(console_app)
    assert act(admin, user_id(console_app, EMAIL), "sessions/end").status_code == 303
    assert laptop.get("/notes").status_code == 302
    assert phone.get("/notes").status_code == 302
    (ended,) = stored_events(console_app, events.SESSIONS_ENDED_BY_ADMIN)
    assert ended["details"]["sessions_ended"] == 2


def test_require_reset_without_mail_says_so(console_app: Flask) -> None:
    """With mail off, the sessions end and the page says no link was sent."""
    victim = user_client(console_app)
    admin = admin_client(console_app)
    response = act(admin, user_id(console_app, EMAIL), "password-reset")
    assert victim.get("/notes").status_code == 302
    assert "no reset link was sent" in admin.get(response.headers["Location"]).text
    (required,) = stored_events(console_app, events.PASSWORD_RESET_REQUIRED)
    assert required["details"]["mailed"] is False


def test_require_reset_mails_a_link(app_factory: Any, smtp_server: Mailbox) -> None:
    """With mail on, the user is logged out and mailed a reset link."""
    app = app_factory(BASTION_EXTERNAL_URL=EXTERNAL_URL, **smtp_server.settings)
    create_user(app, EMAIL)
    victim = user_client(app)
    admin = admin_client(app)
    response = act(admin, user_id(app, EMAIL), "password-reset")
    assert "mailed a password-reset link" in admin.get(response.headers["Location"]).text
    assert victim.get("/notes").status_code == 302
    assert smtp_server.link_to(EMAIL).startswith(EXTERNAL_URL + "/reset/")
    assert stored_events(app, events.PASSWORD_RESET_REQUIRED)[0]["details"]["mailed"] is True


def test_two_admins_demoting_each_other_at_once_leave_one(console_app: Flask) -> None:
    """The last-admin count waits for a concurrent demotion to commit, then counts again.

    Admin one has counted two admins and is about to demote admin two; admin two's count,
    made meanwhile, must not see two admins as well (both would go, leaving none).
    """
    create_user(console_app, ADMIN, roles=("admin",))
    create_user(console_app, "second@example.org", roles=("admin",))
    counted = threading.Event()
    seen_by_second: list[int] = []

    def first_admin() -> None:
        with console_app.app_context():
            users = state_for(console_app).users
            assert users is not None and users.count_active_holders("admin") == 2
            counted.set()
            time.sleep(0.5)  # admin two's count starts meanwhile
            users.revoke(users.find_by_email("second@example.org"), "admin")
            users.db.session.commit()

    def second_admin() -> None:
        counted.wait(timeout=10)
        with console_app.app_context():
            users = state_for(console_app).users
            assert users is not None
            seen_by_second.append(users.count_active_holders("admin"))
            users.db.session.rollback()

    threads = [threading.Thread(target=first_admin), threading.Thread(target=second_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen_by_second == [1]
