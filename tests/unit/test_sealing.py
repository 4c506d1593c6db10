"""Sealed TOTP secrets open under the key that sealed them or a fallback, and under no other."""

from __future__ import annotations

import base64
import secrets

import pyotp
import pytest
from cryptography.fernet import Fernet
from flask import Flask

from flask_bastion.exceptions import ConfigurationError
from flask_bastion.two_factor.sealing import PREFIX, Opened, Sealer, UnreadableSecret


def new_key() -> str:
    return secrets.token_hex(32)


def test_sealed_secret_opens_and_hides_the_secret() -> None:
    """A sealed value is prefixed, holds no trace of the secret, differs each time, and opens."""
    sealer, secret = Sealer([new_key()]), pyotp.random_base32()
    first, second = sealer.seal(secret), sealer.seal(secret)
    assert first.startswith(PREFIX) and first != second
    assert secret.lower() not in first.lower()
    assert sealer.open(first) == Opened(secret, stale=False)


def test_sealed_secret_fits_the_column() -> None:
    """A sealed 32-character secret fits ``String(255)``."""
    assert len(Sealer([new_key()]).seal(pyotp.random_base32())) <= 255


def test_secret_in_clear_is_read_and_stale() -> None:
    """A base32 secret stored before sealing is read as is, and marked to be sealed."""
    secret = pyotp.random_base32()
    assert Sealer([new_key()]).open(secret) == Opened(secret, stale=True)


def test_fallback_key_opens_and_marks_stale() -> None:
    """After a rotation the old key, as a fallback, opens its values; they are to be resealed."""
    old, new = new_key(), new_key()
    secret = pyotp.random_base32()
    sealed = Sealer([old]).seal(secret)
    assert Sealer([new, old]).open(sealed) == Opened(secret, stale=True)


def test_the_raw_secret_key_opens_nothing() -> None:
    """The Fernet key is derived (HKDF), never ``SECRET_KEY`` itself."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32))
    raw = Fernet(key).encrypt(pyotp.random_base32().encode()).decode()
    with pytest.raises(UnreadableSecret):
        Sealer([key]).open(PREFIX + raw)


@pytest.mark.parametrize(
    "stored",
    ["sealed-under-another-key", PREFIX, PREFIX + "gAAAAA-altered", PREFIX + "é", "not base32!"],
    ids=["other-key", "prefix-only", "altered", "non-ascii", "neither"],
)
def test_unreadable_values_are_refused(stored: str) -> None:
    """A value no key opens raises UnreadableSecret, whose message names the fix, not the value."""
    if stored == "sealed-under-another-key":
        stored = Sealer([new_key()]).seal(pyotp.random_base32())
    with pytest.raises(UnreadableSecret, match="reset-two-factor") as raised:
        Sealer([new_key(), new_key()]).open(stored)
    assert stored not in str(raised.value)


def test_opened_secret_is_not_in_its_repr() -> None:
    """An opened secret printed or logged by accident shows no secret."""
    secret = pyotp.random_base32()
    assert secret not in repr(Opened(secret, stale=False))


def test_app_sealer_seals_with_secret_key_and_opens_with_fallbacks() -> None:
    """``SECRET_KEY`` seals; values sealed under a ``SECRET_KEY_FALLBACKS`` key open."""
    old, new = new_key(), new_key()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old])
    secret = pyotp.random_base32()
    assert Sealer([new]).open(Sealer.of(app).seal(secret)) == Opened(secret, stale=False)
    assert Sealer.of(app).open(Sealer([old]).seal(secret)).stale


def test_app_without_secret_key_is_a_configuration_error() -> None:
    """Without ``SECRET_KEY`` nothing is sealed, and the error names the setting."""
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Sealer.of(Flask(__name__))
