"""Revocable server-side sessions behind Flask-Login.

The user's cookies (Flask's session and Flask-Login's remember cookie) carry a session token
as the user id; the user loader accepts it only while its record is alive in the store.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, session
from flask_login import login_user, logout_user
from werkzeug.local import LocalProxy

from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.sessions.database_store import DatabaseSessionStore
from flask_bastion.sessions.manager import SessionManager
from flask_bastion.sessions.records import SessionRecord
from flask_bastion.sessions.store import SessionStore

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore

__all__ = [
    "SessionManager",
    "SessionRecord",
    "init_sessions",
    "is_fresh",
    "log_in",
    "log_out",
    "mark_fresh",
    "renew",
]

#: Session key holding when the user last proved who they are (a POSIX timestamp).
FRESH_KEY = "_bastion_fresh_at"


def init_sessions(app: Flask, db: Any, table: Any) -> SessionManager:
    """The session manager of ``app``, on the store its settings name."""
    return SessionManager(
        _store(app, db, table),
        idle_timeout=duration(app, "BASTION_SESSION_IDLE_TIMEOUT"),
        lifetime=duration(app, "BASTION_SESSION_LIFETIME"),
        remember_lifetime=_as_timedelta(
            app.config["REMEMBER_COOKIE_DURATION"], "REMEMBER_COOKIE_DURATION"
        ),
        touch_interval=duration(app, "BASTION_SESSION_TOUCH_INTERVAL"),
    )


def load_user(manager: SessionManager, users: UserStore, token: str) -> Any | None:
    """Flask-Login's user loader: the user of a live session token, or ``None``."""
    found = manager.resolve_user(token, users)
    if found is None:
        return None
    _, user = found
    if not user.is_active:
        return None
    user.session_token = token
    return user


def log_in(user: Any, *, remember: bool = False) -> None:
    """Log ``user`` in on a brand-new session and a brand-new server-side record.

    Whatever was in the visitor's session before (a value planted by an attacker: session
    fixation) is discarded, and the CSRF token changes with it.
    """
    manager: SessionManager = current_app.extensions["bastion"].sessions
    session.clear()
    user.session_token = manager.start(user.id, remember=remember)
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    mark_fresh()


def renew(user: Any) -> None:
    """Move the logged-in ``user`` to a new session token, as at a change of privilege.

    A token that was exposed before the change (say, before the user confirmed their password)
    does not carry the new privilege: it ends here.
    """
    manager: SessionManager = current_app.extensions["bastion"].sessions
    if isinstance(user, LocalProxy):  # current_user: Flask-Login must keep the real object
        user = user._get_current_object()
    old = user.session_token
    record = manager.resolve(old)
    remember = bool(record and record.remember)
    user.session_token = manager.rotate(old, user.id)
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    mark_fresh()


def mark_fresh() -> None:
    """Record that the user has just proved who they are (password, or second factor)."""
    manager: SessionManager = current_app.extensions["bastion"].sessions
    session[FRESH_KEY] = manager.clock().timestamp()


def is_fresh() -> bool:
    """Whether the user proved who they are within ``BASTION_FRESH_LOGIN_WINDOW``."""
    manager: SessionManager = current_app.extensions["bastion"].sessions
    proved_at = session.get(FRESH_KEY)
    if not isinstance(proved_at, int | float):
        return False
    window = duration(current_app, "BASTION_FRESH_LOGIN_WINDOW").total_seconds()
    return manager.clock().timestamp() - proved_at < window


def log_out(user: Any) -> None:
    """End ``user``'s current session for good, then clear the cookies."""
    token = getattr(user, "session_token", None)
    if token:
        current_app.extensions["bastion"].sessions.end(token)
    logout_user()
    session.clear()


def duration(app: Flask, key: str) -> timedelta:
    """A duration setting, given as a ``timedelta`` or a number of seconds."""
    return _as_timedelta(setting(app, key), key)


def _as_timedelta(value: object, key: str) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    raise ConfigurationError(f"{key} is {value!r}; set it to a timedelta or a number of seconds.")


def _store(app: Flask, db: Any, table: Any) -> SessionStore:
    name = setting(app, "BASTION_SESSION_STORE")
    idle_timeout = duration(app, "BASTION_SESSION_IDLE_TIMEOUT")
    if name == "database":
        return DatabaseSessionStore(db, table, idle_timeout)
    if isinstance(name, str) and name.startswith(("redis://", "rediss://", "unix://")):
        from flask_bastion.sessions.redis_store import RedisSessionStore

        prefix = setting(app, "BASTION_SESSION_REDIS_PREFIX")
        return RedisSessionStore(name, prefix, idle_timeout)
    raise ConfigurationError(
        f"BASTION_SESSION_STORE is {name!r}; set it to 'database' or a redis:// URL."
    )
