"""Tests for flask_bastion.password_policy: length limits and zxcvbn strength."""

from __future__ import annotations

from typing import Any

import pytest

from flask_bastion.config import BASTION_DEFAULTS
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.password_policy import PasswordPolicy

STRONG = "glacier mosaic lantern orbit"
EMAIL = "alice.smith@example.com"
EMAIL_INPUTS = (EMAIL, "alice.smith")


@pytest.fixture
def policy() -> PasswordPolicy:
    """The policy with its production defaults."""
    return PasswordPolicy()


def test_strong_passphrase_is_accepted(policy: PasswordPolicy) -> None:
    """A random four-word passphrase has no problems."""
    assert policy.problems(STRONG, EMAIL_INPUTS) == []


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("password1234", id="password1234"),
        pytest.param("qwertyuiop123", id="keyboard-row"),
        pytest.param("123456789012", id="digit-sequence"),
        pytest.param("iloveyou2024", id="common-phrase-and-year"),
        pytest.param("Password1234!", id="capitalised-with-symbol"),
    ],
)
def test_common_password_is_rejected(policy: PasswordPolicy, password: str) -> None:
    """A long but common password is refused as too easy to guess."""
    problems = policy.problems(password)
    assert problems[0] == "This password is too easy to guess."


def test_rejection_includes_zxcvbn_advice(policy: PasswordPolicy) -> None:
    """A refusal carries zxcvbn's warning and suggestions after the verdict."""
    problems = policy.problems("password1234")
    assert "This is a very common password." in problems
    assert len(problems) >= 2
    assert len(problems) == len(set(problems))


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(EMAIL, id="whole-email"),
        pytest.param("alice.smith1234", id="local-part-and-digits"),
    ],
)
def test_email_derived_password_is_rejected(policy: PasswordPolicy, password: str) -> None:
    """A password built from the user's own email is refused when the email is passed."""
    assert policy.problems(password) == []
    assert policy.problems(password, EMAIL_INPUTS)[0] == "This password is too easy to guess."


@pytest.mark.parametrize(
    ("password", "message"),
    [
        pytest.param("", "Use at least 12 characters.", id="empty"),
        pytest.param("Xq7#vL2p!9z", "Use at least 12 characters.", id="eleven-chars"),
        pytest.param("x" * 129, "Use at most 128 characters.", id="129-chars"),
        pytest.param("x" * 100_000, "Use at most 128 characters.", id="100k-chars"),
    ],
)
def test_length_limits(policy: PasswordPolicy, password: str, message: str) -> None:
    """A password outside the length range gets only the length message."""
    assert policy.problems(password) == [message]


@pytest.mark.parametrize(
    "length",
    [pytest.param(12, id="min"), pytest.param(128, id="max")],
)
def test_length_bounds_are_inclusive(policy: PasswordPolicy, length: int) -> None:
    """Passwords exactly at the minimum or maximum length pass the length rule."""
    password = (STRONG + " quartz fennel")[:length].ljust(length, "q")
    assert all("characters" not in problem for problem in policy.problems(password))


def test_from_config_reads_the_settings() -> None:
    """from_config takes its limits from the BASTION_PASSWORD_* settings."""
    config = {
        "BASTION_PASSWORD_MIN_LENGTH": 16,
        "BASTION_PASSWORD_MAX_LENGTH": 64,
        "BASTION_PASSWORD_MIN_SCORE": 4,
    }
    assert PasswordPolicy.from_config(config) == PasswordPolicy(16, 64, 4)
    assert PasswordPolicy(16).problems("x" * 15) == ["Use at least 16 characters."]


def test_from_config_defaults_match_the_config_table() -> None:
    """Missing settings fall back to the defaults declared in flask_bastion.config."""
    policy = PasswordPolicy.from_config({})
    assert policy == PasswordPolicy()
    assert policy.min_length == BASTION_DEFAULTS["BASTION_PASSWORD_MIN_LENGTH"]
    assert policy.max_length == BASTION_DEFAULTS["BASTION_PASSWORD_MAX_LENGTH"]
    assert policy.min_score == BASTION_DEFAULTS["BASTION_PASSWORD_MIN_SCORE"]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"min_length": 0}, id="min-length-zero"),
        pytest.param({"min_length": 20, "max_length": 10}, id="max-below-min"),
        pytest.param({"min_score": 5}, id="score-above-4"),
        pytest.param({"min_score": -1}, id="negative-score"),
    ],
)
def test_impossible_settings_raise(options: dict[str, Any]) -> None:
    """Settings no password could satisfy, or that make no sense, raise ConfigurationError."""
    with pytest.raises(ConfigurationError):
        PasswordPolicy(**options)
