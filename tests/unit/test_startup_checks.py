"""Tests for flask_bastion.check: which findings stop a production start, and which warn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_bastion import Bastion
from flask_bastion.check import Severity, refuse_unsafe_start, run_checks
from flask_bastion.check import settings as checks
from flask_bastion.config import apply_defaults
from flask_bastion.exceptions import UnsafeConfigurationError
from flask_bastion.secret_key import generate_key


def _app(tmp_path: Path, **config: Any) -> Flask:
    """A bare Flask app (no database) with a strong key unless the test sets its own."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update({"SECRET_KEY": generate_key(), **config})
    return app


def _finding_ids(app: Flask) -> set[str]:
    return {finding.id for finding in run_checks(app)}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        pytest.param({"SECRET_KEY": None}, "SECRET_KEY", id="key-missing"),
        pytest.param({"SECRET_KEY": "k3y-" * 5}, "SECRET_KEY", id="key-short"),
        pytest.param({"SECRET_KEY": "dev"}, "SECRET_KEY", id="key-dev"),
        pytest.param({"SECRET_KEY": "changeme"}, "SECRET_KEY", id="key-changeme"),
        pytest.param({"SECRET_KEY": "a" * 64}, "SECRET_KEY", id="key-low-entropy"),
        pytest.param({"DEBUG": True}, "DEBUG", id="debug-on"),
        pytest.param({"DEBUG": "1"}, "DEBUG", id="debug-truthy-string"),
    ],
)
def test_production_start_is_refused(tmp_path: Path, config: dict[str, Any], named: str) -> None:
    """Bastion(app) in production raises, naming the setting to fix."""
    app = _app(tmp_path, **config)
    with pytest.raises(UnsafeConfigurationError, match=named) as raised:
        Bastion(app)
    assert "Refusing to start in production mode" in str(raised.value)
    assert "bastion" not in app.extensions


def test_refusal_lists_every_critical_finding(tmp_path: Path) -> None:
    """A weak key and debug on are both reported in the one refusal."""
    app = _app(tmp_path, SECRET_KEY="dev", DEBUG=True)
    with pytest.raises(UnsafeConfigurationError) as raised:
        Bastion(app)
    assert checks.SECRET_KEY_WEAK in str(raised.value)
    assert checks.DEBUG_ON in str(raised.value)


def test_production_start_with_safe_settings_passes(tmp_path: Path) -> None:
    """A strong key with debug off starts, and no finding is critical."""
    app = _app(tmp_path)
    Bastion(app)
    assert "bastion" in app.extensions
    assert not [f for f in run_checks(app) if f.severity is Severity.CRITICAL]


@pytest.mark.parametrize(
    ("config", "finding"),
    [
        pytest.param({"TESTING": True}, checks.TESTING_ON, id="testing-on"),
        pytest.param(
            {"BASTION_PASSWORD_HASHING": "fast-insecure-for-tests"},
            checks.FAST_HASHING,
            id="fast-hashing",
        ),
        pytest.param({"WTF_CSRF_ENABLED": False}, checks.CSRF_OFF, id="csrf-off"),
        pytest.param({"WTF_CSRF_ENABLED": 1}, checks.CSRF_OFF, id="csrf-truthy-not-true"),
        pytest.param({"REMEMBER_COOKIE_SECURE": False}, checks.INSECURE_COOKIE, id="cookie"),
        pytest.param(
            {"SESSION_COOKIE_SECURE": 1}, checks.INSECURE_COOKIE, id="cookie-truthy-not-true"
        ),
        pytest.param({"BASTION_FORCE_HTTPS": False}, checks.HTTPS_OFF, id="https-off"),
        pytest.param({"BASTION_DENY_BY_DEFAULT": False}, checks.DENY_BY_DEFAULT_OFF, id="deny-off"),
    ],
)
def test_lesser_finding_warns_without_refusing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, config: dict[str, Any], finding: str
) -> None:
    """A high finding is logged as a warning at start, and the app still starts."""
    app = _app(tmp_path, **config)
    with caplog.at_level(logging.WARNING):
        Bastion(app)
    assert finding in caplog.text
    assert finding in _finding_ids(app)


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"SECRET_KEY": "dev"}, id="weak-key"),
        pytest.param({"DEBUG": True}, id="debug-on"),
    ],
)
def test_development_mode_refuses_nothing(tmp_path: Path, config: dict[str, Any]) -> None:
    """Development mode starts despite critical findings, since it serves this machine only."""
    app = _app(tmp_path, BASTION_MODE="development", **config)
    Bastion(app)
    assert "bastion" in app.extensions


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(checks.check_cookie_flags, id="cookie-flags"),
        pytest.param(checks.check_https, id="https"),
    ],
)
def test_transport_checks_do_not_apply_in_development(tmp_path: Path, check: Any) -> None:
    """Checks of HTTPS-only settings report nothing in development mode, where they are off."""
    app = _app(tmp_path, BASTION_MODE="development")
    Bastion(app)
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert list(check(app)) == []


def test_refuse_unsafe_start_runs_the_registered_checks(tmp_path: Path) -> None:
    """The start refusal uses the same registry as the audit: a weak key found by one is fatal."""
    app = _app(tmp_path, SECRET_KEY="changeme")
    apply_defaults(app)
    assert checks.SECRET_KEY_WEAK in _finding_ids(app)
    with pytest.raises(UnsafeConfigurationError, match=checks.SECRET_KEY_WEAK):
        refuse_unsafe_start(app)
