"""Per-account throttling and temporary lockout of the login form.

Per-IP limits do not stop a password spray spread over thousands of addresses, nor a slow
guesser on one account. Here each account (by the email tried, whether or not it exists, so
the answers never reveal which accounts are real) gets growing delays after a few failures
and a temporary lock after many. The lock cannot shut the owner out for good: it expires on
its own, a successful password reset lifts it, and an admin can lift it
(``flask bastion users unlock EMAIL``).

Counters live in the rate limiter's storage (``RATELIMIT_STORAGE_URI``), so every worker and
host that shares the limits shares the locks.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.exceptions import TooManyRequests

from flask_bastion.config import setting
from flask_bastion.exceptions import ClientFacingError

KEY_PREFIX = "bastion-login-failures:"


class AccountThrottled(ClientFacingError, TooManyRequests):
    """Too many recent failed logins for the account tried; the answer says when to retry."""


class LoginThrottle:
    """Failure counting, growing delays and locks for the accounts a login form targets."""

    def __init__(
        self,
        storage: Any,
        *,
        delay_after: int,
        max_delay: timedelta,
        lock_after: int,
        lock_duration: timedelta,
        namespace: str = "",
    ) -> None:
        self.storage = storage
        self.namespace = namespace
        self.delay_after = delay_after
        self.max_delay = max_delay.total_seconds()
        self.lock_after = lock_after
        self.lock_duration = lock_duration.total_seconds()

    def check(self, email: str) -> bool:
        """Raise :class:`AccountThrottled` if ``email`` may not be tried right now; otherwise
        return whether it has failures on record, which a successful login then clears (an
        account with none costs no clearing)."""
        failures_key, wait_key = self._keys(email)
        failures = self.storage.get(failures_key)
        if failures >= self.lock_after:
            minutes = math.ceil(self._seconds_left(failures_key) / 60)
            raise AccountThrottled(
                description=(
                    "This account is locked for now after too many failed logins. Try again "
                    f"in {minutes} minute(s), or reset your password to unlock it at once."
                ),
                retry_after=max(1, math.ceil(self._seconds_left(failures_key))),
            )
        if self.storage.get(wait_key):
            seconds = max(1, math.ceil(self._seconds_left(wait_key)))
            raise AccountThrottled(
                description=(
                    "Too many failed logins for this account. Wait "
                    f"{seconds} second(s) before trying again."
                ),
                retry_after=seconds,
            )
        return bool(failures > 0)

    def failed(self, email: str) -> bool:
        """Count a failure on ``email``; ``True`` when this failure locked the account."""
        failures_key, wait_key = self._keys(email)
        failures = self.storage.incr(failures_key, math.ceil(self.lock_duration))
        if failures >= self.delay_after:
            self.storage.incr(wait_key, self.delay(failures))
        return bool(failures == self.lock_after)

    def delay(self, failures: int) -> int:
        """Seconds to wait after the given number of failures: 1, 2, 4, ... up to the cap."""
        return int(min(2 ** (failures - self.delay_after), self.max_delay))

    def clear(self, email: str) -> None:
        """Forget the failures of ``email`` (after a success, a reset, or an admin's unlock)."""
        for key in self._keys(email):
            self.storage.clear(key)

    def is_locked(self, email: str) -> bool:
        """Whether ``email`` is locked now."""
        failures_key, _ = self._keys(email)
        return bool(self.storage.get(failures_key) >= self.lock_after)

    def _seconds_left(self, key: str) -> float:
        return float(self.storage.get_expiry(key) - time.time())

    def _keys(self, email: str) -> tuple[str, str]:
        """The storage keys of an account: hashed, so the store never holds email addresses,
        and in the limiter's namespace (``RATELIMIT_KEY_PREFIX``), like the rate limits."""
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        failures = f"{self.namespace}{KEY_PREFIX}{digest}"
        return failures, failures + ":wait"


def init_lockout(app: Flask, limiter: Any) -> LoginThrottle:
    """The login throttle of ``app``, on its limiter's storage."""
    from flask_bastion.sessions import duration

    return LoginThrottle(
        limiter.storage,
        delay_after=setting(app, "BASTION_LOGIN_DELAY_AFTER"),
        max_delay=duration(app, "BASTION_LOGIN_MAX_DELAY"),
        lock_after=setting(app, "BASTION_LOCKOUT_AFTER"),
        lock_duration=duration(app, "BASTION_LOCKOUT_DURATION"),
        namespace=str(app.config.get("RATELIMIT_KEY_PREFIX") or ""),
    )
