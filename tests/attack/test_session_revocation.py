"""Session hijacking: a copied session or remember cookie dies with its server-side record.

Each test steals the victim's cookies at some point, lets the victim (or time) end the
session, then replays the stolen cookies from a fresh browser and expects to be anonymous.
Every test runs with the records in the database and in the real Redis.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from flask_bastion import state_for
from tests.support.accounts import create_user, login
from tests.support.client import form_token
from tests.support.services import REDIS_URL, require_redis

EMAIL = "victim@example.org"
SESSION_COOKIE = "__Host-session"
REMEMBER_COOKIE = "__Host-remember_token"


@pytest.fixture(params=["database", "redis"])
def session_store(request: pytest.FixtureRequest) -> dict[str, str]:
    """Where the session records live: the app's database, or the machine's Redis (under a
    key prefix of this test's own)."""
    if request.param == "redis":
        require_redis()
        prefix = f"test-{secrets.token_hex(6)}:"
        return {"BASTION_SESSION_STORE": REDIS_URL, "BASTION_SESSION_REDIS_PREFIX": prefix}
    return {"BASTION_SESSION_STORE": "database"}


@pytest.fixture
def victim_app(app_factory: Any, session_store: dict[str, str]) -> Flask:
    """The reference app with sessions in the chosen store and one user."""
    app: Flask = app_factory(**session_store)
    create_user(app, EMAIL)
    return app


def logged_in_client(app: Flask, remember: bool = False) -> Any:
    """A browser that has logged in as the victim."""
    client = app.test_client()
    extra = {"remember": "y"} if remember else {}
    assert login(client, EMAIL, **extra).status_code == 302
    return client


def steal(client: Any, *names: str) -> dict[str, str]:
    """Copy the named cookies out of a browser, as an attacker would."""
    stolen = {}
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            stolen[name] = cookie.value
    assert stolen, "nothing to steal"
    return stolen


def replay(app: Flask, cookies: dict[str, str]) -> Any:
    """A fresh browser carrying only the stolen cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost", secure=True)
    return client


def is_logged_in(client: Any) -> bool:
    return bool(client.get("/notes").status_code == 200)


def move_clock(app: Flask, by: timedelta) -> None:
    """Move the session manager's clock forward, instead of sleeping."""
    manager = state_for(app).sessions
    assert manager is not None
    start = manager.clock()
    manager.clock = lambda: start + by


def test_stolen_cookie_works_while_the_session_lives(victim_app: Flask) -> None:
    """Control: the replayed cookie is logged in before anything ends the session."""
    victim = logged_in_client(victim_app)
    assert is_logged_in(replay(victim_app, steal(victim, SESSION_COOKIE)))


@pytest.mark.parametrize("remember", [False, True], ids=["session-cookie", "remember-cookie"])
def test_cookies_copied_before_logout_are_anonymous_after_it(
    victim_app: Flask, remember: bool
) -> None:
    """After the victim logs out, neither the session nor the remember cookie logs anyone in."""
    victim = logged_in_client(victim_app, remember=remember)
    names = (REMEMBER_COOKIE,) if remember else (SESSION_COOKIE,)
    stolen = steal(victim, *names)
    token = form_token(victim, "/notes")
    assert victim.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not is_logged_in(replay(victim_app, stolen))


def test_ending_all_sessions_logs_out_every_copy(victim_app: Flask) -> None:
    """Ending a user's sessions (as a password change does) logs out every browser of theirs."""
    first, second = logged_in_client(victim_app), logged_in_client(victim_app, remember=True)
    stolen = steal(second, SESSION_COOKIE, REMEMBER_COOKIE)
    with victim_app.app_context():
        user = state_for(victim_app).users.find_by_email(EMAIL)  # type: ignore[union-attr]
        ended = state_for(victim_app).sessions.end_all(user.id)  # type: ignore[union-attr]
    assert ended == 2
    assert not is_logged_in(first)
    assert not is_logged_in(replay(victim_app, stolen))


def test_idle_session_ends(victim_app: Flask) -> None:
    """A session unused for the idle timeout (30 minutes) is over, even with its cookie."""
    victim = logged_in_client(victim_app)
    move_clock(victim_app, timedelta(minutes=29))
    assert is_logged_in(victim)
    move_clock(victim_app, timedelta(minutes=29 + 31))
    assert not is_logged_in(victim)


def test_active_session_ends_at_its_absolute_lifetime(victim_app: Flask) -> None:
    """However active, a session ends 12 hours after login."""
    victim = logged_in_client(victim_app)
    manager = state_for(victim_app).sessions
    assert manager is not None
    start = manager.clock()
    for minutes in range(20, 12 * 60, 20):  # busy every 20 minutes: never idle
        manager.clock = lambda minutes=minutes: start + timedelta(minutes=minutes)
        assert is_logged_in(victim), f"logged out after {minutes} minutes"
    manager.clock = lambda: start + timedelta(hours=12)
    assert not is_logged_in(victim)


def test_remembered_session_survives_idleness_but_not_seven_days(victim_app: Flask) -> None:
    """A "remember me" session outlives the idle timeout and ends after 7 days."""
    victim = logged_in_client(victim_app, remember=True)
    stolen = steal(victim, REMEMBER_COOKIE)
    move_clock(victim_app, timedelta(days=6))
    assert is_logged_in(replay(victim_app, stolen))
    move_clock(victim_app, timedelta(days=7))
    assert not is_logged_in(replay(victim_app, stolen))


def test_each_login_gets_a_new_session_token(victim_app: Flask) -> None:
    """Two logins never share a token, so one cannot be fixed in advance by an attacker."""
    first = steal(logged_in_client(victim_app), SESSION_COOKIE)
    second = steal(logged_in_client(victim_app), SESSION_COOKIE)
    assert first != second


def test_forged_token_is_anonymous(victim_app: Flask) -> None:
    """A session cookie signed with the right key but naming no live session is anonymous."""
    victim = logged_in_client(victim_app)
    with victim.session_transaction() as session:
        session["_user_id"] = secrets.token_urlsafe(32)
    assert not is_logged_in(victim)


def test_revocation_is_seen_by_a_second_app_instance(
    app_factory: Any, victim_app: Flask, session_store: dict[str, str]
) -> None:
    """Two app instances sharing the store: a logout on one ends the session on the other."""
    second: Flask = app_factory(
        fresh_schema=False, SECRET_KEY=victim_app.config["SECRET_KEY"], **session_store
    )
    victim = logged_in_client(victim_app)
    stolen = steal(victim, SESSION_COOKIE)
    assert is_logged_in(replay(second, stolen))
    victim.post("/logout", data={"csrf_token": form_token(victim, "/notes")})
    assert not is_logged_in(replay(second, stolen))


def test_ended_sessions_are_deleted_at_the_next_login(victim_app: Flask) -> None:
    """Idle and expired records go at the user's next login: the store does not grow forever."""
    logged_in_client(victim_app)
    logged_in_client(victim_app, remember=True)
    move_clock(victim_app, timedelta(hours=1))  # the first idles out; the remembered one lives
    logged_in_client(victim_app)
    manager = state_for(victim_app).sessions
    assert manager is not None
    with victim_app.app_context():
        user = state_for(victim_app).users.find_by_email(EMAIL)  # type: ignore[union-attr]
        stored = manager.store.for_user(user.id)
    assert sorted(record.remember for record in stored) == [False, True]


def test_an_active_session_outlives_a_login_after_its_first_idle_timeout(
    victim_app: Flask,
) -> None:
    """A session in use is not taken for an idle one: each touch moves its end, so another
    login's clean-up (which deletes by that end) leaves it alone."""
    victim = logged_in_client(victim_app)
    move_clock(victim_app, timedelta(minutes=20))
    assert is_logged_in(victim)  # seen again: its idle timeout starts over
    move_clock(victim_app, timedelta(minutes=20))  # 40 minutes after login, 20 after use
    logged_in_client(victim_app)
    assert is_logged_in(victim)


def test_database_lookup_reads_session_and_user_in_one_statement(app_factory: Any) -> None:
    """With the database store, an authenticated request's session record and user are read in
    one SQL statement, and the token of an ended session still loads nobody."""
    from sqlalchemy import event

    from flask_bastion.sessions import load_user

    app: Flask = app_factory(BASTION_SESSION_STORE="database")
    user_id = create_user(app, EMAIL)
    state = state_for(app)
    assert state.sessions is not None and state.users is not None
    statements: list[str] = []
    with app.test_request_context("/"):
        token = state.sessions.start(user_id, remember=False)
        engine = state.users.db.engine
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        user = load_user(state.sessions, state.users, token)
        assert user is not None and user.id == user_id and user.session_token == token
        assert len(statements) == 1
        state.sessions.end(token)
        state.users.db.session.expunge_all()
        assert load_user(state.sessions, state.users, token) is None
