"""Tests for flask_bastion.passwords: Argon2id hashing, fail-closed verification, migration."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import bcrypt
import pytest
from werkzeug.security import generate_password_hash

from flask_bastion.exceptions import ConfigurationError, InvalidPassword
from flask_bastion.passwords import PROFILES, HashingProfile, PasswordHasher, profile_named

PASSWORD = "a correct password for tests"
WRONG = "a wrong password for tests"


@pytest.fixture
def hasher() -> PasswordHasher:
    """A hasher with the fast test profile."""
    return PasswordHasher(PROFILES["fast-insecure-for-tests"])


@pytest.fixture(scope="module")
def owasp_hasher() -> PasswordHasher:
    """A hasher with the production "owasp" profile, for timing and parameter tests."""
    return PasswordHasher(profile_named("owasp"))


def _legacy_hash(kind: str, password: str) -> str:
    """Make a hash the way an app migrating to Flask-Bastion may have stored it."""
    if kind in ("scrypt", "pbkdf2"):
        return generate_password_hash(password, method=kind)
    salt = bcrypt.gensalt(rounds=4, prefix=kind.encode())
    return bcrypt.hashpw(password.encode(), salt).decode()


LEGACY_KINDS = ["scrypt", "pbkdf2", "2a", "2b"]


# Profiles


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("owasp", HashingProfile(2, 19_456, 1), id="owasp"),
        pytest.param("rfc9106-low-memory", HashingProfile(3, 65_536, 4), id="rfc9106"),
        pytest.param("fast-insecure-for-tests", HashingProfile(1, 8, 1), id="fast"),
    ],
)
def test_profile_named_returns_the_documented_parameters(
    name: str, expected: HashingProfile
) -> None:
    """Each profile name maps to the parameters of the source it is named after."""
    assert profile_named(name) == expected


def test_unknown_profile_name_lists_the_valid_ones() -> None:
    """An unknown profile name raises ConfigurationError naming every valid profile."""
    with pytest.raises(ConfigurationError) as excinfo:
        profile_named("owsap")
    for name in PROFILES:
        assert repr(name) in str(excinfo.value)


# Hashing and verification


def test_hash_is_argon2id_and_never_contains_the_password(hasher: PasswordHasher) -> None:
    """The stored hash is Argon2id and does not contain the password."""
    stored = hasher.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_same_password_hashes_differently_each_time(hasher: PasswordHasher) -> None:
    """Each hash has its own salt, so equal passwords do not give equal hashes."""
    assert hasher.hash(PASSWORD) != hasher.hash(PASSWORD)


def test_owasp_profile_hash_carries_its_parameters(owasp_hasher: PasswordHasher) -> None:
    """A hash made with the owasp profile records m=19456,t=2,p=1."""
    assert "$m=19456,t=2,p=1$" in owasp_hasher.hash(PASSWORD)


def test_correct_password_verifies(hasher: PasswordHasher) -> None:
    """The right password returns exactly True."""
    assert hasher.verify(hasher.hash(PASSWORD), PASSWORD) is True


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(WRONG, id="wrong"),
        pytest.param(PASSWORD.upper(), id="case-changed"),
        pytest.param(PASSWORD + " ", id="trailing-space"),
        pytest.param(PASSWORD[:-1], id="prefix"),
    ],
)
def test_wrong_password_raises(hasher: PasswordHasher, attempt: str) -> None:
    """A password that differs in any way raises InvalidPassword."""
    with pytest.raises(InvalidPassword):
        hasher.verify(hasher.hash(PASSWORD), attempt)


def test_unknown_account_raises(hasher: PasswordHasher) -> None:
    """Verifying against no stored hash raises InvalidPassword, whatever the password."""
    with pytest.raises(InvalidPassword):
        hasher.verify(None, PASSWORD)


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(None, id="unknown-account"),
        pytest.param("stored", id="existing-account"),
    ],
)
def test_empty_password_raises(hasher: PasswordHasher, stored: str | None) -> None:
    """An empty password is refused for known and unknown accounts alike."""
    stored_hash = hasher.hash(PASSWORD) if stored else None
    with pytest.raises(InvalidPassword):
        hasher.verify(stored_hash, "")


def test_empty_password_is_never_hashed(hasher: PasswordHasher) -> None:
    """Hashing an empty password raises rather than store a hash anyone could match."""
    with pytest.raises(InvalidPassword):
        hasher.hash("")


def _median_seconds(attempt: Callable[[], object], runs: int = 5) -> float:
    """Median wall time of ``runs`` calls of ``attempt``, each expected to raise."""
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        with pytest.raises(InvalidPassword):
            attempt()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def test_unknown_account_takes_as_long_as_wrong_password(owasp_hasher: PasswordHasher) -> None:
    """An unknown account costs about the same time as a wrong password (no enumeration)."""
    stored = owasp_hasher.hash(PASSWORD)
    wrong = _median_seconds(lambda: owasp_hasher.verify(stored, WRONG))
    unknown = _median_seconds(lambda: owasp_hasher.verify(None, WRONG))
    assert 0.5 <= unknown / wrong <= 2.0


# Rehash


def test_fast_profile_hash_needs_rehash_under_owasp(
    hasher: PasswordHasher, owasp_hasher: PasswordHasher
) -> None:
    """A hash made with weaker parameters is flagged for upgrade."""
    assert owasp_hasher.needs_rehash(hasher.hash(PASSWORD)) is True


def test_current_hash_needs_no_rehash(hasher: PasswordHasher) -> None:
    """A hash made with the current parameters is kept."""
    assert hasher.needs_rehash(hasher.hash(PASSWORD)) is False


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", id="argon2i"),
        pytest.param("$argon2id$garbled", id="garbled-argon2id"),
        pytest.param("not a hash", id="garbage"),
    ],
)
def test_other_formats_need_rehash(hasher: PasswordHasher, stored: str) -> None:
    """Anything but an Argon2id hash with the current parameters is flagged for upgrade."""
    assert hasher.needs_rehash(stored) is True


# Legacy hashes


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_legacy_hash_verifies(hasher: PasswordHasher, kind: str) -> None:
    """Werkzeug and bcrypt hashes from an existing user table verify with the right password."""
    assert hasher.verify(_legacy_hash(kind, PASSWORD), PASSWORD) is True


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_legacy_hash_rejects_wrong_password(hasher: PasswordHasher, kind: str) -> None:
    """Werkzeug and bcrypt hashes raise InvalidPassword for a wrong password."""
    with pytest.raises(InvalidPassword):
        hasher.verify(_legacy_hash(kind, PASSWORD), WRONG)


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_legacy_hash_needs_rehash(hasher: PasswordHasher, kind: str) -> None:
    """Every legacy hash is flagged for upgrade to Argon2id."""
    assert hasher.needs_rehash(_legacy_hash(kind, PASSWORD)) is True


def test_bcrypt_2y_hash_verifies(hasher: PasswordHasher) -> None:
    """A PHP-style $2y$ bcrypt hash verifies with the right password."""
    stored = "$2y$" + _legacy_hash("2b", PASSWORD).removeprefix("$2b$")
    assert hasher.verify(stored, PASSWORD) is True


def test_bcrypt_hash_of_long_password_verifies(hasher: PasswordHasher) -> None:
    """A >72-byte password verifies against the hash old bcrypt made of its first 72 bytes."""
    long_password = "é" * 40  # 80 bytes in UTF-8
    truncated = long_password.encode()[:72]
    stored = bcrypt.hashpw(truncated, bcrypt.gensalt(rounds=4)).decode()
    assert hasher.verify(stored, long_password) is True


# Damaged and hostile hashes


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param(PASSWORD, id="plaintext-password"),
        pytest.param("$argon2id$v=19$m=8,t=1,p=1$!!!$???", id="bad-argon2-base64"),
        pytest.param("$argon2id$", id="truncated-argon2"),
        pytest.param("$2b$04$short", id="truncated-bcrypt"),
        pytest.param("$2b$04$" + "é" * 53, id="non-ascii-bcrypt"),
        pytest.param("scrypt:abc:8:1$salt$00", id="bad-scrypt-params"),
        pytest.param("scrypt:3:8:1$salt$00", id="invalid-scrypt-n"),
        pytest.param("pbkdf2:nosuchdigest:1000$salt$00", id="unknown-pbkdf2-digest"),
        pytest.param("pbkdf2:sha256", id="werkzeug-without-salt"),
        pytest.param("plain$$" + PASSWORD, id="werkzeug-plain"),
        pytest.param("$1$salt$hash", id="md5-crypt"),
    ],
)
def test_unreadable_hash_raises_invalid_password(hasher: PasswordHasher, stored: str) -> None:
    """A damaged or unknown hash format raises InvalidPassword, never True or a crash."""
    with pytest.raises(InvalidPassword):
        hasher.verify(stored, PASSWORD)


def test_repr_shows_the_profile_and_no_hash(hasher: PasswordHasher) -> None:
    """The repr names the parameters and leaks no hash, even after the dummy is made."""
    with pytest.raises(InvalidPassword):
        hasher.verify(None, PASSWORD)
    text = repr(hasher)
    assert "memory_cost=8" in text
    assert "$argon2" not in text
