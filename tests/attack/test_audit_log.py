"""The audit log: every security event stored and logged as JSON, with no secret in either."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from flask_bastion import public, state_for
from flask_bastion.audit import SecurityEvent, events, record_event
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.signals import security_event
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.audit import stored_events
from tests.support.client import form_token
from tests.support.two_factor import login_admin

EMAIL = "owner@example.org"
OTHER = "other@example.org"
ADMIN = "admin@example.org"
IP = "203.0.113.7"
USER_AGENT = "AuditTest/1.0 (attack suite)"
NEW_PASSWORD = "copper-lantern-meadow-83-sail"
AUDIT_LOGGER = "flask_bastion.audit"


@pytest.fixture
def audit_app(app: Flask, caplog: pytest.LogCaptureFixture) -> Flask:
    """The app with one user, capturing the audit logger."""
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    create_user(app, EMAIL)
    return app


def browser(app: Flask, ip: str = IP, user_agent: str = USER_AGENT) -> Any:
    """A client that comes from ``ip`` with ``user_agent``."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": user_agent})
    return client


def logged_in(
    app: Flask, email: str = EMAIL, *, ip: str = IP, user_agent: str = USER_AGENT, **form: str
) -> Any:
    """A client logged in as ``email``, from ``ip`` with ``user_agent``."""
    user = browser(app, ip, user_agent)
    assert login(user, email, **form).status_code == 302
    return user


def post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": form_token(client, "/account"), **data})


def logged(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Every audit log line, parsed: each must be one JSON object on one line."""
    records = [r for r in caplog.records if r.name == AUDIT_LOGGER]
    assert all("\n" not in r.getMessage() for r in records)
    return [json.loads(r.getMessage()) for r in records]


def user_id(app: Flask, email: str = EMAIL) -> int:
    with app.app_context():
        user = state_for(app).users.find_by_email(email)  # type: ignore[union-attr]
        return int(user.id)


def deactivate(app: Flask, email: str) -> None:
    users = state_for(app).users
    assert users is not None
    with app.app_context():
        users.db.session.execute(
            update(users.User).where(users.User.email == email).values(active=False)
        )
        users.db.session.commit()


def wrong_password(app: Flask) -> None:
    login(browser(app), EMAIL, "not-the-password-at-all-42")


def unknown_account(app: Flask) -> None:
    login(browser(app), "nobody@example.org")


def inactive_account(app: Flask) -> None:
    deactivate(app, EMAIL)
    login(browser(app), EMAIL)


def log_out(app: Flask) -> None:
    post(logged_in(app), "/logout")


def end_one_session(app: Flask) -> None:
    laptop, _ = logged_in(app), logged_in(app)
    (other,) = re.findall(
        r"/account/sessions/([0-9a-f]+)/end", laptop.get("/account/sessions").text
    )
    assert post(laptop, f"/account/sessions/{other}/end").status_code == 302


def end_other_sessions(app: Flask) -> None:
    laptop, _ = logged_in(app), logged_in(app)
    assert post(laptop, "/account/sessions/end-others").status_code == 302


def change_password(app: Flask) -> None:
    client = logged_in(app)
    response = post(client, "/account/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302


def confirm_password(app: Flask) -> None:
    assert post(logged_in(app), "/account/confirm", password=GOOD_PASSWORD).status_code == 302


# (action, event, details expected, whether the event belongs to the known user)
WIRED: list[Any] = [
    pytest.param(lambda app: logged_in(app), events.LOGIN_SUCCEEDED, {}, True, id="login"),
    pytest.param(
        wrong_password, events.LOGIN_FAILED, {"reason": "wrong_password"}, True, id="wrong-pw"
    ),
    pytest.param(
        unknown_account, events.LOGIN_FAILED, {"reason": "unknown_account"}, False, id="unknown"
    ),
    pytest.param(
        inactive_account, events.LOGIN_FAILED, {"reason": "inactive"}, True, id="inactive"
    ),
    pytest.param(log_out, events.LOGOUT, {}, True, id="logout"),
    pytest.param(end_one_session, events.SESSION_ENDED, {}, True, id="end-session"),
    pytest.param(
        end_other_sessions, events.SESSIONS_ENDED_OTHERS, {"count": 1}, True, id="end-others"
    ),
    pytest.param(change_password, events.PASSWORD_CHANGED, {}, True, id="password"),
    pytest.param(confirm_password, events.FRESH_LOGIN_CONFIRMED, {}, True, id="fresh-login"),
]


@pytest.mark.parametrize(("action", "event", "details", "known"), WIRED)
def test_event_is_stored_and_logged_with_user_ip_and_device(
    audit_app: Flask,
    caplog: pytest.LogCaptureFixture,
    action: Callable[[Flask], None],
    event: str,
    details: dict[str, Any],
    known: bool,
) -> None:
    """The event is stored once and logged as one JSON line, with its user, IP and user agent."""
    action(audit_app)
    expected = {
        "user_id": user_id(audit_app) if known else None,
        "ip": IP,
        "user_agent": USER_AGENT,
    }
    (row,) = [row for row in stored_events(audit_app) if row["event"] == event]
    (line,) = [line for line in logged(caplog) if line["event"] == event]
    for record in (row, line):
        assert {key: record[key] for key in expected} == expected
        assert details.items() <= record["details"].items()
    assert set(line) == {"time", "event", "user_id", "ip", "user_agent", "details"}


@pytest.mark.parametrize(
    ("command", "event"),
    [
        pytest.param(("roles", "grant", EMAIL, "editor"), events.ROLE_GRANTED, id="grant"),
        pytest.param(("roles", "revoke", EMAIL, "editor"), events.ROLE_REVOKED, id="revoke"),
    ],
)
def test_role_change_from_the_cli_is_recorded_with_the_role(
    audit_app: Flask, caplog: pytest.LogCaptureFixture, command: tuple[str, ...], event: str
) -> None:
    """A role granted or removed with ``flask bastion roles`` is recorded, with no client."""
    runner = audit_app.test_cli_runner()
    assert runner.invoke(args=["bastion", "roles", "grant", EMAIL, "editor"]).exit_code == 0
    if event == events.ROLE_REVOKED:
        assert runner.invoke(args=["bastion", *command]).exit_code == 0
    (row,) = [row for row in stored_events(audit_app) if row["event"] == event]
    (line,) = [line for line in logged(caplog) if line["event"] == event]
    for record in (row, line):
        assert record["user_id"] == user_id(audit_app)
        assert record["details"] == {"role": "editor", "via": "cli"}
        assert record["ip"] is None and record["user_agent"] is None


def _normalised(response: Any, email: str) -> str:
    """The page without what changes on every render (CSRF token, CSP nonce) or the email."""
    page: str = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'(value|content|nonce)="[^"]{20,}"', r'\1="-"', page)


def test_failed_login_answers_alike_whatever_the_logged_reason(
    audit_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown account and wrong password are told apart in the log only, never in the answer."""
    unknown = login(browser(audit_app), "nobody@example.org")
    wrong = login(browser(audit_app), EMAIL, "not-the-password-at-all-42")
    assert unknown.status_code == wrong.status_code == 400
    assert _normalised(unknown, "nobody@example.org") == _normalised(wrong, EMAIL)
    reasons = [line["details"]["reason"] for line in logged(caplog)]
    assert reasons == ["unknown_account", "wrong_password"]


def test_no_secret_reaches_the_table_or_the_log(
    audit_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Passwords (right, wrong and new), hashes and cookies appear in no row and no log line."""
    wrong = "Zebra-Distinctive-Wrong-Secret-9071"
    login(browser(audit_app), EMAIL, wrong)
    client = logged_in(audit_app, remember="y")
    post(client, "/account/confirm", password=GOOD_PASSWORD)
    post(client, "/account/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    with audit_app.app_context():
        password_hash = state_for(audit_app).users.find_by_email(EMAIL).password_hash  # type: ignore[union-attr]
    cookies = [cookie.value for cookie in client._cookies.values()]
    rows = json.dumps(stored_events(audit_app), default=str)
    assert len(stored_events(audit_app)) >= 4
    for secret in (wrong, GOOD_PASSWORD, NEW_PASSWORD, password_hash, *cookies):
        assert secret not in rows
        assert secret not in caplog.text


@pytest.mark.parametrize("name", ["password", "token", "code", "Password_Hash", "secret"])
def test_a_detail_named_like_a_secret_is_refused(audit_app: Flask, name: str) -> None:
    """Recording a detail called like a secret raises, so the mistake never reaches the log."""
    with audit_app.app_context(), pytest.raises(ConfigurationError, match="secret"):
        record_event(events.PASSWORD_CHANGED, **{name: "hunter2"})
    assert stored_events(audit_app) == []


def test_user_sees_only_their_own_activity(audit_app: Flask) -> None:
    """The activity page lists the user's own events, never another user's or anonymous ones."""
    create_user(audit_app, OTHER)
    logged_in(audit_app, OTHER, user_agent="Intruder-Device/6.6", ip="198.51.100.66")
    login(browser(audit_app, ip="198.51.100.99"), "nobody@example.org")
    owner = logged_in(audit_app)
    page = owner.get("/account/activity")
    assert page.status_code == 200
    assert "Logged in" in page.text and USER_AGENT in page.text
    for foreign in ("Intruder-Device", "198.51.100.66", "198.51.100.99", "Failed login"):
        assert foreign not in page.text


def test_activity_is_paginated_newest_first(audit_app: Flask) -> None:
    """Twenty events per page, newest first; the older ones are on the next page."""
    owner_id = user_id(audit_app)
    with audit_app.app_context():
        for number in range(25):
            record_event(events.ROLE_GRANTED, user_id=owner_id, role=f"role-{number:02d}")
    client = logged_in(audit_app)
    first, second = (
        client.get("/account/activity").text,
        client.get("/account/activity?page=2").text,
    )
    assert first.count("role: role-") == 19  # plus the login, newest of all
    assert first.index("Logged in") < first.index("role-24") < first.index("role-06")
    assert "role-05" in second and "role-00" in second and "role-06" not in second


@pytest.fixture
def admin_app(audit_app: Flask) -> Flask:
    """Two users who logged in from different devices, the other one then out."""
    create_user(audit_app, OTHER)
    logged_in(audit_app, EMAIL, user_agent="Owner-Device/1")
    logged_in(audit_app, OTHER, user_agent="Other-Device/1")
    post(logged_in(audit_app, OTHER, user_agent="Other-Device/1"), "/logout")
    return audit_app


def test_admin_audit_is_refused_to_a_user_without_the_role(admin_app: Flask) -> None:
    """A logged-in user without the admin role gets 403."""
    assert logged_in(admin_app).get("/admin/audit").status_code == 403


def test_admin_audit_sends_anonymous_visitors_to_login(admin_app: Flask) -> None:
    """An anonymous visitor is sent to the login page."""
    response = browser(admin_app).get("/admin/audit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def admin_browser(app: Flask) -> Any:
    """A client logged in, with both factors, as a user with the admin role."""
    admin = browser(app, user_agent="Admin-Device/1")
    login_admin(app, admin, ADMIN)
    return admin


def _events_listed(page: str) -> list[str]:
    """The event names in the audit table's rows."""
    return re.findall(r"<td>([a-z_]+\.[a-z_]+|logout)</td>", page)


def test_admin_sees_everyone_and_filters_by_user(admin_app: Flask) -> None:
    """An admin sees every user's events; ``user`` keeps one user's only."""
    admin = admin_browser(admin_app)
    everyone = admin.get("/admin/audit").text
    assert "Owner-Device/1" in everyone and "Other-Device/1" in everyone
    owner_only = admin.get("/admin/audit", query_string={"user": "OWNER@"}).text
    assert "Owner-Device/1" in owner_only
    assert "Other-Device/1" not in owner_only and OTHER not in owner_only


def test_admin_filters_by_event(admin_app: Flask) -> None:
    """``event`` keeps the events of that name only."""
    admin = admin_browser(admin_app)
    page = admin.get("/admin/audit", query_string={"event": events.LOGOUT}).text
    assert _events_listed(page) == ["logout"]
    assert OTHER in page


def test_admin_page_size_is_capped(admin_app: Flask) -> None:
    """A huge ``per_page`` shows at most 100 events, with a link to the next page."""
    with admin_app.app_context():
        for _ in range(105):
            record_event(events.LOGOUT)
    admin = admin_browser(admin_app)
    page = admin.get("/admin/audit", query_string={"per_page": 100_000}).text
    assert len(_events_listed(page)) == 100
    assert "page=2" in page


@pytest.fixture
def changing_view(audit_app: Flask) -> Flask:
    """A view that writes a change, records an event, then fails or commits."""

    @audit_app.post("/test/record-then/<outcome>")
    @public
    def record_then(outcome: str) -> str:
        users = state_for(audit_app).users
        assert users is not None
        users.create_user("half-done@example.org", "not-a-real-hash")
        users.db.session.flush()  # the change is written, not committed (SQLite: file locked)
        record_event(events.EMAIL_CHANGED, user_id=user_id(audit_app))
        if outcome == "fail":
            raise RuntimeError("the request fails after the event")
        users.db.session.commit()
        return "done"

    return audit_app


@pytest.mark.parametrize(
    ("outcome", "status", "change_kept"),
    [pytest.param("fail", 500, False, id="fails"), pytest.param("commit", 200, True, id="commits")],
)
def test_event_is_committed_on_its_own(
    changing_view: Flask, outcome: str, status: int, change_kept: bool
) -> None:
    """The event is stored whether the request fails or commits; the request's change only if
    the request commits it."""
    client = browser(changing_view)
    token = form_token(client, "/login")
    response = client.post(f"/test/record-then/{outcome}", data={"csrf_token": token})
    assert response.status_code == status
    assert [row["event"] for row in stored_events(changing_view)] == [events.EMAIL_CHANGED]
    users = state_for(changing_view).users
    assert users is not None
    with changing_view.app_context():
        assert (users.find_by_email("half-done@example.org") is not None) is change_kept


@pytest.fixture
def received(audit_app: Flask) -> Iterator[list[SecurityEvent]]:
    """The events a subscriber of the ``security_event`` signal receives."""
    seen: list[SecurityEvent] = []

    def subscriber(sender: Flask, event: SecurityEvent, **extra: Any) -> None:
        seen.append(event)

    with security_event.connected_to(subscriber, audit_app):
        yield seen


def test_signal_subscriber_receives_each_event(
    audit_app: Flask, received: list[SecurityEvent]
) -> None:
    """A subscriber gets the event with its user, IP and details, as stored."""
    wrong_password(audit_app)
    (event,) = received
    assert (event.event, event.user_id, event.ip) == (events.LOGIN_FAILED, user_id(audit_app), IP)
    assert event.details == {"reason": "wrong_password"}
