"""What a server-side session record holds, and how a session token maps to its record."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

#: Longest user agent kept; the rest is noise and would let a client bloat the store.
USER_AGENT_MAX_LENGTH = 255


def new_token() -> str:
    """A session token: 256 random bits, the only copy of which lives in the user's cookies."""
    return secrets.token_urlsafe(32)


def token_key(token: str) -> str:
    """The key a token is stored under: its SHA-256, so a leaked store holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    """One login: who, from where, since when, and until when at the latest."""

    key: str
    public_id: str
    user_id: int
    remember: bool
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str

    @classmethod
    def start(
        cls,
        token: str,
        user_id: int,
        *,
        remember: bool,
        now: datetime,
        lifetime: timedelta,
        ip: str,
        user_agent: str,
    ) -> SessionRecord:
        """The record of a session that starts ``now`` and lasts at most ``lifetime``."""
        return cls(
            key=token_key(token),
            public_id=secrets.token_hex(8),
            user_id=user_id,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            ip=ip,
            user_agent=user_agent[:USER_AGENT_MAX_LENGTH],
        )

    def is_alive(self, now: datetime, idle_timeout: timedelta) -> bool:
        """Within its absolute lifetime and, unless remembered, not idle for too long."""
        return now < self.dies_at(idle_timeout)

    def dies_at(self, idle_timeout: timedelta) -> datetime:
        """When the session ends unless it is seen again: at the end of its absolute lifetime
        or, unless remembered, ``idle_timeout`` after it was last seen.

        A remembered session is meant to outlive idleness (that is what "remember me" asks
        for), so only its absolute lifetime bounds it.
        """
        if self.remember:
            return self.expires_at
        return min(self.expires_at, self.last_seen_at + idle_timeout)

    def as_row(self) -> dict[str, object]:
        """The record's fields by name, as a store writes them."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    def seen_at(self, now: datetime) -> SessionRecord:
        """The same record, last seen ``now``."""
        return replace(self, last_seen_at=now)


#: The names of a record's fields, in order.
FIELD_NAMES = tuple(field.name for field in fields(SessionRecord))
