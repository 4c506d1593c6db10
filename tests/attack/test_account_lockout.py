"""Brute force and password spraying against accounts: growing delays, then a temporary lock.

The throttle counts failures per account tried, from any IP, and answers alike for accounts
that exist and accounts that do not, so it never tells an attacker which emails are real.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.services import REDIS_URL, require_redis

VICTIM = "victim@example.org"
GHOST = "nobody-here@example.org"
WRONG = "definitely-not-the-password"


def attempt(app: Flask, email: str, password: str = WRONG, ip: str = "198.51.100.7") -> Any:
    """One login attempt from a fresh browser at ``ip``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return login(client, email, password)


def many_ips() -> Any:
    """A different client address for every attempt, like a botnet."""
    n = 0
    while True:
        n += 1
        yield f"203.0.113.{n % 250 + 1}"


def without_tokens(page: str) -> str:
    """The page without its per-request CSRF token, which differs on every answer."""
    return re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', "", page)


@pytest.fixture
def guarded_app(app_factory: Any) -> Flask:
    """Delays after 2 failures, a lock after 4; per-IP and per-account limits out of the way."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=2,
        BASTION_LOCKOUT_AFTER=4,
        BASTION_LOGIN_LIMIT="1000 per minute",
        BASTION_LOGIN_ACCOUNT_LIMIT="1000 per minute",
    )
    create_user(app, VICTIM)
    return app


def test_failures_on_one_account_make_the_next_attempt_wait(guarded_app: Flask) -> None:
    """After the delay threshold, an immediate retry on the account gets 429 with Retry-After,
    whatever IP it comes from."""
    ips = many_ips()
    for _ in range(2):
        assert attempt(guarded_app, VICTIM, ip=next(ips)).status_code == 400
    response = attempt(guarded_app, VICTIM, GOOD_PASSWORD, ip=next(ips))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Wait" in response.get_data(as_text=True)


def test_delay_grows_and_then_lets_the_owner_in(app_factory: Any) -> None:
    """The wait doubles with each failure; once it has passed, the right password works."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=1, BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute"
    )
    create_user(app, VICTIM)
    assert attempt(app, VICTIM).status_code == 400
    first_wait = int(attempt(app, VICTIM).headers["Retry-After"])
    time.sleep(first_wait + 0.1)
    assert attempt(app, VICTIM).status_code == 400
    second_wait = int(attempt(app, VICTIM).headers["Retry-After"])
    assert second_wait > first_wait
    time.sleep(second_wait + 0.1)
    assert attempt(app, VICTIM, GOOD_PASSWORD).status_code == 302


def test_many_failures_lock_the_account_even_for_the_right_password(app_factory: Any) -> None:
    """A brute force from many IPs locks the account: even the right password is refused."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=100,
        BASTION_LOCKOUT_AFTER=3,
        BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute",
    )
    create_user(app, VICTIM)
    ips = many_ips()
    for _ in range(3):
        assert attempt(app, VICTIM, ip=next(ips)).status_code == 400
    response = attempt(app, VICTIM, GOOD_PASSWORD, ip=next(ips))
    assert response.status_code == 429
    assert "locked" in response.get_data(as_text=True)
    assert "reset your password" in response.get_data(as_text=True)


def test_lock_answers_alike_for_real_and_unknown_accounts(app_factory: Any) -> None:
    """An attacker cannot tell a real account from an unknown one by locking both."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=100,
        BASTION_LOCKOUT_AFTER=2,
        BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute",
    )
    create_user(app, VICTIM)
    answers = {}
    for email in (VICTIM, GHOST):
        statuses = [attempt(app, email).status_code for _ in range(3)]
        answers[email] = (statuses, without_tokens(attempt(app, email).get_data(as_text=True)))
    assert answers[VICTIM] == answers[GHOST]
    assert answers[VICTIM][0] == [400, 400, 429]


def test_lock_expires_on_its_own(app_factory: Any) -> None:
    """A lock ends after BASTION_LOCKOUT_DURATION, so it cannot shut the owner out for good."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=100,
        BASTION_LOCKOUT_AFTER=2,
        BASTION_LOCKOUT_DURATION=1,
        BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute",
    )
    create_user(app, VICTIM)
    for _ in range(2):
        attempt(app, VICTIM)
    assert attempt(app, VICTIM, GOOD_PASSWORD).status_code == 429
    time.sleep(1.2)
    assert attempt(app, VICTIM, GOOD_PASSWORD).status_code == 302


def test_admin_can_lift_a_lock(app_factory: Any) -> None:
    """`flask bastion users unlock` lets the owner in at once."""
    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=100,
        BASTION_LOCKOUT_AFTER=2,
        BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute",
    )
    create_user(app, VICTIM)
    attempt(app, VICTIM)
    attempt(app, VICTIM)
    assert attempt(app, VICTIM, GOOD_PASSWORD).status_code == 429
    result = app.test_cli_runner().invoke(args=["bastion", "users", "unlock", VICTIM])
    assert result.exit_code == 0, result.output
    assert attempt(app, VICTIM, GOOD_PASSWORD).status_code == 302


def test_throttle_store_never_holds_the_email(guarded_app: Flask) -> None:
    """The counters are keyed by a hash of the email, so the shared store holds no address."""
    attempt(guarded_app, VICTIM)
    throttle = guarded_app.extensions["bastion"].throttle
    digest = hashlib.sha256(VICTIM.encode()).hexdigest()
    assert throttle.storage.get(throttle.namespace + "bastion-login-failures:" + digest) == 1
    assert throttle.storage.get(throttle.namespace + "bastion-login-failures:" + VICTIM) == 0


def test_success_clears_the_failure_count(guarded_app: Flask) -> None:
    """After the owner logs in, earlier failures no longer count towards a delay or lock."""
    attempt(guarded_app, VICTIM)
    assert attempt(guarded_app, VICTIM, GOOD_PASSWORD).status_code == 302
    assert attempt(guarded_app, VICTIM).status_code == 400
    assert attempt(guarded_app, VICTIM, GOOD_PASSWORD).status_code == 302


def test_password_spray_from_one_ip_over_many_accounts_is_stopped(app_factory: Any) -> None:
    """One password tried on many accounts from one IP hits the per-IP login limit (429)."""
    app: Flask = app_factory(BASTION_LOGIN_LIMIT="5 per minute")
    statuses = [attempt(app, f"user{n}@example.org", "Spring2026!").status_code for n in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]


def test_lock_is_shared_by_app_instances_on_one_redis(app_factory: Any) -> None:
    """Failures counted by one instance lock the account on another that shares Redis."""
    require_redis()
    shared = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"test-{uuid.uuid4().hex}"},
        "BASTION_LOGIN_DELAY_AFTER": 100,
        "BASTION_LOCKOUT_AFTER": 2,
        "BASTION_LOGIN_ACCOUNT_LIMIT": "99 per minute",
    }
    first: Flask = app_factory(**shared)
    create_user(first, VICTIM)
    second: Flask = app_factory(fresh_schema=False, SECRET_KEY=first.config["SECRET_KEY"], **shared)
    attempt(first, VICTIM)
    attempt(first, VICTIM)
    assert attempt(second, VICTIM, GOOD_PASSWORD).status_code == 429


def test_lock_and_refusals_are_recorded(app_factory: Any) -> None:
    """Locking, each refused attempt while locked, and the admin's unlock reach the audit log."""
    from sqlalchemy import select

    from reference_app.extensions import bastion, db

    app: Flask = app_factory(
        BASTION_LOGIN_DELAY_AFTER=100,
        BASTION_LOCKOUT_AFTER=2,
        BASTION_LOGIN_ACCOUNT_LIMIT="99 per minute",
    )
    create_user(app, VICTIM)
    for _ in range(3):
        attempt(app, VICTIM)
    app.test_cli_runner().invoke(args=["bastion", "users", "unlock", VICTIM])
    table = bastion.models.security_events
    with app.app_context():
        rows = db.session.execute(select(table.c.event, table.c.details)).all()
    names = [event for event, _ in rows]
    assert names.count("account.locked") == 1
    assert names.count("account.unlocked") == 1
    assert any(
        event == "login.failed" and (details or {}).get("reason") == "locked"
        for event, details in rows
    )
