"""Two-factor helpers: a clock to move, enrolment through the pages or directly, codes, and
the second login step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from flask_bastion import state_for
from flask_bastion.two_factor.factor import TwoFactor
from tests.support.accounts import create_user, login
from tests.support.client import form_token

SECOND_STEP = "/login/two-factor"
ENROLMENT = "/account/two-factor"


class Clock:
    """A clock the tests move; it starts 10 s into a 30-second time step."""

    def __init__(self) -> None:
        now = int(datetime.now(UTC).timestamp())
        self.now = datetime.fromtimestamp(now - now % 30 + 10, UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by

    def drive(self, app: Flask) -> Clock:
        """Make this the clock of ``app``'s sessions and code checks; returns it."""
        state_for(app).sessions.clock = self  # type: ignore[union-attr]
        return self


def enable_two_factor(app: Flask, user_id: int) -> tuple[str, list[str]]:
    """Turn two-factor on for a stored user (no HTTP); returns its secret and recovery codes."""
    secret = pyotp.random_base32()
    with app.app_context():
        factor = TwoFactor.of(app)
        user = state_for(app).users.get(user_id)  # type: ignore[union-attr]
        user.totp_secret = factor.sealer.seal(secret)
        user.totp_enabled_at = factor.clock()
        codes = factor.new_recovery_codes(user)
    return secret, codes


def enrolment_page(client: FlaskClient) -> str:
    """The enrolment page of a logged-in user, which shows the candidate secret."""
    response = client.get(ENROLMENT)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def enrol(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    """Turn two-factor on through the pages; returns the secret and the codes shown."""
    page = enrolment_page(client)
    match = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert match is not None
    secret = match.group(1).replace(" ", "")
    token = form_token(client, ENROLMENT)
    data = {"code": pyotp.TOTP(secret).at(clock()), "csrf_token": token}
    response = client.post(ENROLMENT, data=data)
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.get_data(as_text=True))
    return secret, codes


def code_at(secret: str, when: datetime, steps: int = 0) -> str:
    """The code of ``secret`` for the time step ``steps`` away from the one of ``when``."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(when) + steps)


def send_code(client: FlaskClient, code: str, query: str = "") -> Any:
    """Post ``code`` to the second login step; returns the response."""
    token = form_token(client, SECOND_STEP + query)
    return client.post(SECOND_STEP + query, data={"code": code, "csrf_token": token})


def login_admin(app: Flask, client: FlaskClient, email: str) -> int:
    """Store an admin with two-factor on (the reference app requires it for admins) and log
    them in with both factors; returns the user's id."""
    user_id = int(create_user(app, email, roles=("admin",)))
    secret, _ = enable_two_factor(app, user_id)
    login(client, email)
    send_code(client, pyotp.TOTP(secret).now())
    return user_id
