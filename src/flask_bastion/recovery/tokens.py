"""The signed tokens in mailed links, on itsdangerous with the app's ``SECRET_KEY``.

Each purpose has its own salt, so a token made for one flow is worthless in another. A token
carries its time of signing; its age is read from the account system's clock (the session
manager's, which tests move) and checked against the purpose's maximum age.

A reset token also carries a fingerprint of the user's current password hash: once the
password changes (by this reset, or any other way) every earlier reset link dies, which makes
each link single-use without a table of used tokens. A confirmation token names the address it
confirms and the address the account had when it was made, so it cannot confirm another
address, nor apply after the account's address has changed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from flask_bastion.sessions import duration

RESET_SALT = "flask-bastion.password-reset"
CONFIRM_SALT = "flask-bastion.confirm-email"
_FINGERPRINT_CONTEXT = b"flask-bastion.password-fingerprint:"


class _AccountClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer, reading the time from the account system's clock."""

    def get_timestamp(self) -> int:
        now: datetime = current_app.extensions["bastion"].sessions.clock()
        return int(now.timestamp())


@dataclass(frozen=True)
class ConfirmClaim:
    """What a confirmation token says: confirm ``email`` for the user, whose address was
    ``bound_email`` when the link was made."""

    user_id: int
    email: str
    bound_email: str


def reset_token(user: Any) -> str:
    """A password-reset token for ``user``, valid until the password changes."""
    return _serializer(RESET_SALT).dumps([user.id, password_fingerprint(user.password_hash)])


def user_for_reset(users: Any, token: str) -> Any | None:
    """The active user ``token`` resets, or None if it is forged, expired or already used."""
    payload = _load(token, RESET_SALT, "BASTION_RESET_TOKEN_MAX_AGE")
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, fingerprint = payload
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = users.get(user_id)
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(password_fingerprint(user.password_hash), fingerprint):
        return None
    return user


def confirm_token(user: Any, email: str) -> str:
    """A token confirming that the owner of ``email`` wants it on ``user``'s account."""
    return _serializer(CONFIRM_SALT).dumps([user.id, email, user.email])


def read_confirm_token(token: str) -> ConfirmClaim | None:
    """The claim of a genuine, unexpired confirmation token, or None."""
    payload = _load(token, CONFIRM_SALT, "BASTION_CONFIRM_TOKEN_MAX_AGE")
    if not (isinstance(payload, list) and len(payload) == 3):
        return None
    user_id, email, bound_email = payload
    if not isinstance(user_id, int) or not isinstance(email, str):
        return None
    if not isinstance(bound_email, str):
        return None
    return ConfirmClaim(user_id, email, bound_email)


def password_fingerprint(stored_hash: str) -> str:
    """A short keyed digest of the stored hash: it changes with every new password."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, _FINGERPRINT_CONTEXT + stored_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _load(token: str, salt: str, max_age_setting: str) -> Any:
    """The payload of a genuine token younger than the setting's age, or None."""
    max_age = int(duration(current_app, max_age_setting).total_seconds())
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except BadData:
        return None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    """Signs with ``SECRET_KEY``; verifies with it and any of ``SECRET_KEY_FALLBACKS``."""
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=salt, signer=_AccountClockSigner)
