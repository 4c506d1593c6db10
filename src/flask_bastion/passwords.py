"""Password hashing with Argon2id, and verification of the hashes an app migrates from.

Hashing is argon2-cffi's; this module only picks the parameters, refuses to answer ``False``
and reads the older formats (Werkzeug's ``scrypt:``/``pbkdf2:`` and bcrypt) that an existing
user table may hold, so each user moves to Argon2id at their next login.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final, Literal

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from flask_bastion.exceptions import ConfigurationError, InvalidPassword

_ARGON2ID_PREFIX: Final = "$argon2id$"
_ARGON2_PREFIX: Final = "$argon2"
_WERKZEUG_PREFIXES: Final = ("scrypt:", "pbkdf2:")
_BCRYPT_PREFIXES: Final = ("$2a$", "$2b$", "$2y$")
#: bcrypt reads only this many bytes of a password; older releases silently dropped the rest.
_BCRYPT_MAX_BYTES: Final = 72
#: The password behind the dummy hash. It never matches: verification against it always fails.
_DUMMY_PASSWORD: Final = "flask-bastion dummy password for unknown accounts"  # noqa: S105


@dataclass(frozen=True)
class HashingProfile:
    """Argon2id cost parameters: passes, memory in KiB, and lanes."""

    time_cost: int
    memory_cost: int
    parallelism: int


#: Named parameter sets, each named after its source.
PROFILES: Final[dict[str, HashingProfile]] = {
    # OWASP Password Storage Cheat Sheet, the minimum it recommends for Argon2id.
    "owasp": HashingProfile(time_cost=2, memory_cost=19_456, parallelism=1),
    # RFC 9106, section 4, the second recommended option (for memory-constrained servers).
    "rfc9106-low-memory": HashingProfile(time_cost=3, memory_cost=65_536, parallelism=4),
    # The smallest parameters Argon2 accepts: fast test suites only, never production.
    "fast-insecure-for-tests": HashingProfile(time_cost=1, memory_cost=8, parallelism=1),
}


def profile_named(name: str) -> HashingProfile:
    """Return the profile called ``name`` (the value of ``BASTION_PASSWORD_HASHING``).

    An unknown name is an error rather than a fallback, so a typo cannot silently pick
    weaker parameters than the ones intended.
    """
    try:
        return PROFILES[name]
    except KeyError:
        valid = ", ".join(repr(known) for known in PROFILES)
        raise ConfigurationError(
            f"BASTION_PASSWORD_HASHING is {name!r}; set it to one of {valid}."
        ) from None


class PasswordHasher:
    """Hash passwords with Argon2id and verify them, failing closed.

    :meth:`verify` returns ``True`` or raises :class:`~flask_bastion.exceptions.InvalidPassword`,
    so a forgotten ``if`` can never let a wrong password in. It takes as long for an account
    that does not exist as for a wrong password, so response times do not reveal which email
    addresses are registered.
    """

    def __init__(self, profile: HashingProfile) -> None:
        self.profile = profile
        self._argon2 = argon2.PasswordHasher(
            time_cost=profile.time_cost,
            memory_cost=profile.memory_cost,
            parallelism=profile.parallelism,
            type=argon2.Type.ID,
        )
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(profile={self.profile!r})"

    def hash(self, password: str) -> str:
        """Return an Argon2id hash of ``password`` with a fresh random salt.

        An empty password is refused: storing its hash would create an account anyone can
        enter.
        """
        _refuse_empty(password)
        return self._argon2.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> Literal[True]:
        """Return ``True`` if ``password`` matches ``stored_hash``; raise otherwise.

        Pass ``stored_hash=None`` when there is no such account: a dummy hash with the same
        parameters is verified instead, so an unknown email costs the same time as a wrong
        password. Argon2 hashes of any variant, Werkzeug's ``scrypt:``/``pbkdf2:`` hashes and
        bcrypt hashes are accepted; any other or damaged format raises, never crashes.
        """
        _refuse_empty(password)
        if stored_hash is None:
            self._verify_argon2(self._get_dummy_hash(), password)
            raise InvalidPassword("No account matches these credentials.")
        if stored_hash.startswith(_ARGON2_PREFIX):
            return self._verify_argon2(stored_hash, password)
        if stored_hash.startswith(_WERKZEUG_PREFIXES):
            return _verify_werkzeug(stored_hash, password)
        if stored_hash.startswith(_BCRYPT_PREFIXES):
            return _verify_bcrypt(stored_hash, password)
        raise InvalidPassword("The stored password hash is in a format Flask-Bastion cannot read.")

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` should be replaced by a fresh :meth:`hash` after login.

        True for every legacy format and for Argon2 hashes made with other parameters, so
        raising the profile upgrades each user the next time they log in.
        """
        if not stored_hash.startswith(_ARGON2ID_PREFIX):
            return True
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def _verify_argon2(self, stored_hash: str, password: str) -> Literal[True]:
        """Verify an Argon2 hash, turning every argon2-cffi failure into InvalidPassword."""
        try:
            self._argon2.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            raise InvalidPassword("The password does not match.") from None
        return True

    def _get_dummy_hash(self) -> str:
        """Make the dummy hash on first use, once, even under concurrent requests."""
        with self._dummy_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._argon2.hash(_DUMMY_PASSWORD)
            return self._dummy_hash


def _refuse_empty(password: str) -> None:
    """Raise for an empty password, which must never hash or match."""
    if not password:
        raise InvalidPassword("The password is empty.")


def _verify_werkzeug(stored_hash: str, password: str) -> Literal[True]:
    """Verify a Werkzeug ``scrypt:`` or ``pbkdf2:`` hash; damaged parameters raise too."""
    try:
        matches = check_password_hash(stored_hash, password)
    except (ValueError, OverflowError):
        matches = False
    if not matches:
        raise InvalidPassword("The password does not match.")
    return True


def _verify_bcrypt(stored_hash: str, password: str) -> Literal[True]:
    """Verify a bcrypt hash, reading only the first 72 bytes as bcrypt always has.

    bcrypt 5 raises for longer passwords where older releases silently truncated them, so
    truncating here accepts exactly what those releases stored.
    """
    import bcrypt  # only legacy hashes need it: imported by the first one

    secret = password.encode("utf-8")[:_BCRYPT_MAX_BYTES]
    try:
        matches = bcrypt.checkpw(secret, stored_hash.encode("ascii"))
    except ValueError:
        matches = False
    if not matches:
        raise InvalidPassword("The password does not match.")
    return True
