"""Where session records live: the app's database (default) or Redis.

Every app instance reads the same store on every authenticated request, so ending a session
anywhere ends it everywhere at once.
"""

from __future__ import annotations

from typing import Protocol

from flask_bastion.sessions.records import SessionRecord


class SessionStore(Protocol):
    """The operations the session manager needs from a store."""

    def add(self, record: SessionRecord) -> None:
        """Store a new record, and delete the user's dead ones in the same go: those past their
        lifetime, and the unremembered ones idle for longer than the idle timeout, at the new
        record's start."""

    def get(self, key: str) -> SessionRecord | None:
        """The record stored under ``key``, or ``None``."""

    def touch(self, record: SessionRecord) -> None:
        """Record activity on a stored session: ``record`` is it, last seen now. A session
        that has ended meanwhile stays ended."""

    def delete(self, key: str) -> None:
        """Forget the session ``key``; a missing one is not an error."""

    def for_user(self, user_id: int) -> list[SessionRecord]:
        """Every stored session of the user, live or not."""

    def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        """End every session of the user but ``keep``; returns how many ended."""
