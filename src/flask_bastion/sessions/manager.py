"""Starting, checking and ending server-side sessions.

Flask's session is a signed cookie: on its own, logging out cannot invalidate a copy an
attacker already holds. Here every login gets a random token and a record in a shared store;
the cookies carry only the token, and a request is logged in only while the record lives.
Logging out, changing the password or pressing "end session" deletes the record, and every
copy of the cookies, on every app instance, is anonymous from the next request on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import request

from flask_bastion.sessions.database_store import DatabaseSessionStore
from flask_bastion.sessions.records import SessionRecord, new_token, token_key
from flask_bastion.sessions.store import SessionStore

if TYPE_CHECKING:
    from flask_bastion.auth.store import UserStore

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class SessionManager:
    """The lifecycle of sessions, over a :class:`SessionStore`.

    ``clock`` is read for every decision about time, so tests can move it instead of sleeping.
    """

    def __init__(
        self,
        store: SessionStore,
        *,
        idle_timeout: timedelta,
        lifetime: timedelta,
        remember_lifetime: timedelta,
        touch_interval: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.idle_timeout = idle_timeout
        self.lifetime = lifetime
        self.remember_lifetime = remember_lifetime
        self.touch_interval = touch_interval
        self.clock = clock

    def start(self, user_id: int, *, remember: bool) -> str:
        """Open a session for the user of this request; returns its token.

        The user's ended sessions are deleted at the same time, so the store does not grow
        with every login.
        """
        now = self.clock()
        token = new_token()
        self.store.add(
            SessionRecord.start(
                token,
                user_id,
                remember=remember,
                now=now,
                lifetime=self.remember_lifetime if remember else self.lifetime,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
        )
        return token

    def resolve(self, token: str) -> SessionRecord | None:
        """The live record of ``token``, or ``None`` once it has ended, idled or expired.

        Activity is written at most once per touch interval, so a busy user costs one read per
        request, not a write.
        """
        key = token_key(token)
        return self._alive(key, self.store.get(key))

    def resolve_user(self, token: str, users: UserStore) -> tuple[SessionRecord, Any] | None:
        """The live record of ``token`` and its user, or ``None`` (as :meth:`resolve`).

        With the database store, the record and the user are read in one statement.
        """
        key = token_key(token)
        if isinstance(self.store, DatabaseSessionStore):
            found = self.store.get_with_user(key, users.User)
            if found is None or self._alive(key, found[0]) is None:
                return None
            return found
        record = self._alive(key, self.store.get(key))
        user = users.get(record.user_id) if record is not None else None
        return None if record is None or user is None else (record, user)

    def _alive(self, key: str, record: SessionRecord | None) -> SessionRecord | None:
        """``record`` if it is alive now (touched once per interval), else ``None``; a dead
        record is deleted."""
        if record is None:
            return None
        now = self.clock()
        if not record.is_alive(now, self.idle_timeout):
            self.store.delete(key)
            return None
        if now - record.last_seen_at >= self.touch_interval:
            self.store.touch(record.seen_at(now))
        return record

    def rotate(self, token: str, user_id: int) -> str:
        """Replace the session ``token`` by a new one (at a privilege change)."""
        old = self.store.get(token_key(token))
        new = self.start(user_id, remember=bool(old and old.remember))
        self.store.delete(token_key(token))
        return new

    def end(self, token: str) -> None:
        """End the session ``token``."""
        self.store.delete(token_key(token))

    def end_by_public_id(self, user_id: int, public_id: str) -> bool:
        """End the user's session shown as ``public_id``; ``False`` if there is none."""
        for record in self.store.for_user(user_id):
            if record.public_id == public_id:
                self.store.delete(record.key)
                return True
        return False

    def end_all(self, user_id: int, except_token: str | None = None) -> int:
        """End every session of the user, but ``except_token`` if given; returns how many."""
        keep = token_key(except_token) if except_token else None
        return self.store.delete_for_user(user_id, keep=keep)

    def live_sessions(self, user_id: int) -> list[SessionRecord]:
        """The user's live sessions, most recently active first."""
        now = self.clock()
        return [r for r in self.store.for_user(user_id) if r.is_alive(now, self.idle_timeout)]

    def is_current(self, record: SessionRecord, token: str | None) -> bool:
        """Whether ``record`` is the session of ``token``."""
        return token is not None and record.key == token_key(token)
