"""Two-factor helpers: turn it on for a stored user, compute codes, pass the second step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from flask_bastion import state_for
from flask_bastion.two_factor.factor import TwoFactor
from tests.support.accounts import create_user, login
from tests.support.client import form_token

SECOND_STEP = "/login/two-factor"


def enable_two_factor(app: Flask, user_id: int) -> tuple[str, list[str]]:
    """Turn two-factor on for a stored user (no HTTP); returns its secret and recovery codes."""
    secret = pyotp.random_base32()
    with app.app_context():
        factor = TwoFactor.of(app)
        user = state_for(app).users.get(user_id)  # type: ignore[union-attr]
        user.totp_secret = secret
        user.totp_enabled_at = factor.clock()
        codes = factor.new_recovery_codes(user)
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
