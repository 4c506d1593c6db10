"""Two-factor authentication: a stolen password is not enough, and no code works twice.

Time is controlled through the session clock (``state.sessions.clock``), which the code checks
read too, so the tests move it instead of sleeping.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import text

from reference_app.extensions import db
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import form_token
from tests.support.two_factor import (
    SECOND_STEP,
    Clock,
    code_at,
    enable_two_factor,
    enrol,
    enrolment_page,
    send_code,
)

EMAIL = "owner@example.org"


@pytest.fixture
def clock(app: Flask) -> Clock:
    return Clock().drive(app)


@pytest.fixture
def owner(app: Flask, clock: Clock) -> Iterator[tuple[str, list[str]]]:
    """A user with two-factor on: their secret and recovery codes."""
    user_id = create_user(app, EMAIL)
    yield enable_two_factor(app, user_id)


def logged_in(client: Any) -> bool:
    return bool(client.get("/notes").status_code == 200)


def password_step(app: Flask, ip: str = "127.0.0.1", **extra: str) -> Any:
    """A browser that passed the password step only."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    response = login(client, EMAIL, **extra)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(SECOND_STEP)
    return client


def test_password_alone_does_not_log_in(app: Flask, owner: Any) -> None:
    """After the right password only, protected pages still send the visitor to log in."""
    client = password_step(app)
    response = client.get("/notes")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")
    assert client.get("/account/two-factor").status_code == 302


def test_valid_code_logs_in_and_keeps_the_next_target(app: Flask, owner: Any, clock: Clock) -> None:
    """The current code completes the login and lands on the page first asked for."""
    client = app.test_client()
    token = form_token(client, "/login?next=/notes/new")
    data = {"email": EMAIL, "password": GOOD_PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/notes/new", data=data)
    assert response.headers["Location"] == f"{SECOND_STEP}?next=/notes/new"
    response = send_code(client, code_at(owner[0], clock()), "?next=/notes/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notes/new"
    assert logged_in(client)


@pytest.mark.parametrize(
    ("steps", "accepted"),
    [(-2, False), (-1, True), (0, True), (1, True), (2, False)],
    ids=["2-steps-ago", "1-step-ago", "current", "1-step-ahead", "2-steps-ahead"],
)
def test_codes_are_accepted_one_step_either_side_only(
    app: Flask, owner: Any, clock: Clock, steps: int, accepted: bool
) -> None:
    """A code of the next or previous 30-second step passes; two steps away is refused."""
    client = password_step(app)
    response = send_code(client, code_at(owner[0], clock(), steps))
    assert response.status_code == (302 if accepted else 400)
    assert logged_in(client) is accepted


@pytest.mark.parametrize(
    "code", ["one-digit-off", "12345", "1234567", "abcdef", "' OR 1=1 --"], ids=str
)
def test_wrong_code_is_refused(app: Flask, owner: Any, clock: Clock, code: str) -> None:
    """A wrong or malformed code answers 400 and logs nobody in."""
    if code == "one-digit-off":
        right = code_at(owner[0], clock())
        code = right[:-1] + str((int(right[-1]) + 1) % 10)
    client = password_step(app)
    response = send_code(client, code)
    assert response.status_code == 400
    assert "That code is not valid" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_replayed_code_is_refused(app: Flask, owner: Any, clock: Clock) -> None:
    """A code already used to log in does not log in a second browser in the same step."""
    code = code_at(owner[0], clock())
    assert send_code(password_step(app), code).status_code == 302
    thief = password_step(app)
    assert send_code(thief, code).status_code == 400
    assert not logged_in(thief)


def test_code_older_than_the_last_used_is_refused(app: Flask, owner: Any, clock: Clock) -> None:
    """Once the next step's code was used, the current step's code is dead too."""
    assert send_code(password_step(app), code_at(owner[0], clock(), 1)).status_code == 302
    thief = password_step(app)
    assert send_code(thief, code_at(owner[0], clock())).status_code == 400


def test_recovery_code_works_once(app: Flask, owner: Any) -> None:
    """A recovery code logs in once, typed in any case; its second use is refused."""
    code = owner[1][0]
    first = password_step(app)
    assert send_code(first, code.upper()).status_code == 302
    assert logged_in(first)
    second = password_step(app)
    assert send_code(second, code).status_code == 400
    assert not logged_in(second)
    assert send_code(second, owner[1][1]).status_code == 302


def test_pending_login_expires(app: Flask, owner: Any, clock: Clock) -> None:
    """Five minutes after the password, even a valid code no longer completes the login."""
    client = password_step(app)
    token = form_token(client, SECOND_STEP)
    clock.advance(timedelta(minutes=6))
    data = {"code": code_at(owner[0], clock()), "csrf_token": token}
    response = client.post(SECOND_STEP, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert not logged_in(client)


def test_second_step_without_a_password_goes_to_login(app: Flask, owner: Any) -> None:
    """The code page of a visitor who never gave the password only sends them to log in."""
    client = app.test_client()
    response = client.get(SECOND_STEP)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_guessing_codes_is_rate_limited_per_ip(app: Flask, owner: Any) -> None:
    """The sixth code in a minute from one IP answers 429, even the right one."""
    client = password_step(app)
    for _ in range(5):
        assert send_code(client, "000001").status_code == 400
    response = send_code(client, code_at(owner[0], datetime.now(UTC)))
    assert response.status_code == 429
    assert not logged_in(client)


def test_guessing_codes_is_rate_limited_per_account(app: Flask, owner: Any) -> None:
    """Spreading guesses over many IPs does not help: the account's own limit answers 429."""
    client = password_step(app)
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        assert send_code(client, "000001").status_code == 400
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert send_code(client, "000002").status_code == 429
    again = password_step(app, ip="198.51.100.8")  # a new password step counts as the same
    assert send_code(again, "000003").status_code == 429


@pytest.fixture
def user_client(app: Flask, clock: Clock) -> Any:
    """A logged-in user without two-factor, whose login is fresh."""
    create_user(app, EMAIL)
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    return client


def test_enrolment_page_keeps_the_csp(user_client: Any) -> None:
    """The QR code is a data: SVG image: no inline script or style, and a strict CSP."""
    response = user_client.get("/account/two-factor")
    page = response.get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert "style=" not in page and "<style" not in page
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    match = re.search(r'<img class="qr-code" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert match is not None
    svg = base64.b64decode(match.group(1)).decode()
    assert svg.startswith("<svg") and "<script" not in svg


def test_enrolment_turns_two_factor_on(app: Flask, user_client: Any, clock: Clock) -> None:
    """After enrolment the password alone no longer logs in; a code from the app does."""
    secret, codes = enrol(user_client, clock)
    assert len(codes) == len(set(codes)) == 10
    assert logged_in(user_client)
    clock.advance(timedelta(seconds=30))
    client = password_step(app)
    assert send_code(client, pyotp.TOTP(secret).at(clock())).status_code == 302


def test_enrolment_refuses_a_wrong_code(app: Flask, user_client: Any) -> None:
    """A wrong confirmation code leaves two-factor off."""
    enrolment_page(user_client)
    token = form_token(user_client, "/account/two-factor")
    data = {"code": "000000", "csrf_token": token}
    assert user_client.post("/account/two-factor", data=data).status_code == 400
    assert login(app.test_client(), EMAIL).headers["Location"] == "/"


def test_recovery_codes_are_not_stored_in_clear(app: Flask, user_client: Any, clock: Clock) -> None:
    """No database row holds a recovery code, with or without its dashes."""
    _, codes = enrol(user_client, clock)
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM bastion_recovery_code")).all()
        users = db.session.execute(text("SELECT * FROM bastion_user")).all()
    stored = repr(rows + users).lower()
    assert len(rows) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_secret_never_reaches_the_log(
    app: Flask, user_client: Any, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the TOTP secret nor a recovery code is written to any log."""
    caplog.set_level("DEBUG")
    secret, codes = enrol(user_client, clock)
    send_code(password_step(app), codes[0])
    assert secret not in caplog.text
    assert codes[0] not in caplog.text and codes[0].replace("-", "") not in caplog.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/account/two-factor"),
        ("POST", "/account/two-factor/disable"),
        ("POST", "/account/two-factor/recovery-codes"),
    ],
    ids=["enrol", "disable", "new-recovery-codes"],
)
def test_two_factor_settings_need_a_fresh_login(
    app: Flask, owner: Any, clock: Clock, method: str, path: str
) -> None:
    """Past the fresh-login window, every two-factor setting first asks for the password."""
    client = password_step(app)
    assert send_code(client, code_at(owner[0], clock())).status_code == 302
    token = form_token(client, "/account")
    clock.advance(timedelta(minutes=11))  # past the fresh-login window
    response = client.open(path, method=method, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm?next=")
    assert password_step(app).get("/notes").status_code == 302  # still on: the code is needed


def fresh_owner_client(app: Flask, owner: Any, clock: Clock) -> Any:
    client = password_step(app)
    assert send_code(client, code_at(owner[0], clock())).status_code == 302
    return client


def test_disabling_with_a_fresh_login_turns_it_off(app: Flask, owner: Any, clock: Clock) -> None:
    """Turned off, the password alone logs in again, and the recovery codes are gone."""
    client = fresh_owner_client(app, owner, clock)
    token = form_token(client, "/account/two-factor")
    assert client.post("/account/two-factor/disable", data={"csrf_token": token}).status_code == 302
    assert login(app.test_client(), EMAIL).headers["Location"] == "/"
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM bastion_recovery_code")).scalar() == 0


def test_new_recovery_codes_replace_the_old_ones(app: Flask, owner: Any, clock: Clock) -> None:
    """After new codes are made, an old code is refused and a new one works."""
    client = fresh_owner_client(app, owner, clock)
    token = form_token(client, "/account/two-factor")
    response = client.post("/account/two-factor/recovery-codes", data={"csrf_token": token})
    new = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.get_data(as_text=True))
    assert len(new) == 10
    assert send_code(password_step(app), owner[1][0]).status_code == 400
    assert send_code(password_step(app), new[0]).status_code == 302


@pytest.mark.parametrize("path", ["/notes", "/admin/users", "/account/sessions"], ids=str)
def test_required_role_is_sent_to_enrol(app: Flask, clock: Clock, path: str) -> None:
    """An admin without two-factor reaches no page but enrolment until they turn it on."""
    create_user(app, "root@example.org", roles=("admin",))
    client = app.test_client()
    assert login(client, "root@example.org").status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor"
    enrol(client, clock)
    assert client.get(path).status_code == 200


def test_required_role_does_not_affect_other_users(app: Flask, clock: Clock) -> None:
    """A user without a listed role is never sent to enrol."""
    create_user(app, EMAIL)
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    assert client.get("/notes").status_code == 200
