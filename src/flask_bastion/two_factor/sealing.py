"""TOTP secrets sealed at rest with Fernet, under a key derived from ``SECRET_KEY``.

A TOTP secret must be read back to check codes, so it cannot be hashed; stored in clear, anyone
who reads the table (a leaked backup, an SQL injection elsewhere, a read-only replica) could
compute every user's codes, and the second factor would fall exactly when the password hashes
leak too. Sealed with Fernet (AES-CBC with HMAC-SHA256, from ``cryptography``), the column is
useless without the key, and a value altered in the database is refused rather than used.

The Fernet key is derived by HKDF-SHA256 from ``SECRET_KEY`` with an ``info`` of this purpose
alone, so it is never the raw key and matches no other key derived from it (sessions, CSRF
tokens, recovery codes). ``SECRET_KEY`` seals; it and each of Flask's ``SECRET_KEY_FALLBACKS``
open, so after a rotation the old key kept as a fallback still opens values sealed under it.

Stored values carry :data:`PREFIX`. A value without it was written before secrets were sealed:
it is read as the clear base32 secret, and, like one sealed under a fallback key, reported as
``stale`` so that the caller seals it again under the current key.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from flask import Flask

from flask_bastion.exceptions import BastionError, ConfigurationError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

#: Marks a stored value as a Fernet token rather than a secret stored in clear.
PREFIX: Final = "fernet:"
#: The HKDF ``info``: keys derived for this purpose serve no other.
KEY_PURPOSE: Final = b"flask-bastion totp secret"
#: What a secret stored in clear before sealing looks like (pyotp's base32).
_LEGACY_SECRET = re.compile(r"[A-Z2-7]+=*")
#: What the operator can always do about a secret that cannot be read.
_RESET = "reset the user's two-factor (flask bastion users reset-two-factor EMAIL)"


class UnreadableSecret(BastionError):
    """A stored secret that no current key opens.

    ``SECRET_KEY`` changed without the old key in ``SECRET_KEY_FALLBACKS``, or the stored value
    was altered. The message never contains the value.
    """


@dataclass(frozen=True)
class Opened:
    """A secret read from storage, and whether it should be stored again."""

    secret: str = field(repr=False)
    #: Stored in clear, or sealed under a fallback key: seal it again under ``SECRET_KEY``.
    stale: bool


class Sealer:
    """Seals secrets under the first key and opens those sealed under any of ``keys``."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        from cryptography.fernet import MultiFernet  # see _fernet

        fernets = [_fernet(key) for key in keys]
        self._current = fernets[0]
        self._any = MultiFernet(fernets)

    @classmethod
    def of(cls, app: Flask) -> Sealer:
        """The sealer of ``app``: ``SECRET_KEY`` seals; it and ``SECRET_KEY_FALLBACKS`` open."""
        if not app.secret_key:
            raise ConfigurationError(
                "Two-factor secrets are sealed under SECRET_KEY, which is not set: set it, and "
                "keep any key used before in SECRET_KEY_FALLBACKS."
            )
        return cls([app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ())])

    def seal(self, secret: str) -> str:
        """``secret`` sealed under the current key, as stored."""
        return PREFIX + self._current.encrypt(secret.encode()).decode("ascii")

    def open(self, stored: str) -> Opened:
        """The secret in ``stored``. Raises :class:`UnreadableSecret` if no key opens it."""
        from cryptography.fernet import InvalidToken  # see _fernet

        if not stored.startswith(PREFIX):
            return Opened(_legacy(stored), stale=True)
        token = stored.removeprefix(PREFIX).encode()
        # MultiFernet does not tell which key opened a token: the current one is tried alone
        # first, so that a value under a fallback key is known to be stale.
        try:
            return Opened(self._current.decrypt(token).decode(), stale=False)
        except InvalidToken:
            pass
        try:
            return Opened(self._any.decrypt(token).decode(), stale=True)
        except InvalidToken:
            raise UnreadableSecret(
                "the stored secret opens with neither SECRET_KEY nor any SECRET_KEY_FALLBACKS "
                f"key: put the key it was sealed with back in SECRET_KEY_FALLBACKS, or {_RESET}"
            ) from None


def _legacy(stored: str) -> str:
    """A secret stored in clear before sealing, if it looks like one."""
    if _LEGACY_SECRET.fullmatch(stored) is None:
        raise UnreadableSecret(f"the stored secret is neither sealed nor base32: {_RESET}")
    return stored


@lru_cache(maxsize=64)
def _fernet(key: str | bytes) -> Fernet:
    """The Fernet of ``key``, derived once per process (HKDF is cheap, but not free).

    ``cryptography`` is imported here, when a worker first seals or opens a secret: a worker
    that serves no two-factor page would otherwise hold 7 MiB for nothing.
    """
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = key.encode() if isinstance(key, str) else key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
        material
    )
    return Fernet(base64.urlsafe_b64encode(derived))
