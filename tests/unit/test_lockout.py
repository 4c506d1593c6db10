"""The login throttle tells the login view whether there is anything to clear."""

from __future__ import annotations

from datetime import timedelta

from flask_bastion.limits import SweepingMemoryStorage
from flask_bastion.lockout import LoginThrottle


def _throttle() -> LoginThrottle:
    return LoginThrottle(
        SweepingMemoryStorage(),
        delay_after=3,
        max_delay=timedelta(minutes=1),
        lock_after=10,
        lock_duration=timedelta(minutes=15),
    )


def test_check_reports_failures_on_record() -> None:
    """An account with no failures has nothing to clear; one with a failure has, until cleared."""
    throttle = _throttle()
    assert throttle.check("Ada@example.org") is False
    throttle.failed("ada@example.org")
    assert throttle.check("ada@example.org") is True
    throttle.clear("ada@example.org")
    assert throttle.check("ada@example.org") is False
