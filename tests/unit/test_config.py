"""The settings table: secure defaults, kept explicit choices, and the strict accessor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from flask_bastion.config import BASTION_DEFAULTS, apply_defaults, is_development, setting
from flask_bastion.exceptions import ConfigurationError


def configured(**settings: Any) -> Flask:
    """A bare Flask app with ``settings``, after ``apply_defaults``."""
    app = Flask(__name__)
    app.config.update(settings)
    apply_defaults(app)
    return app


EXPLICIT_UNSAFE = {
    "https-off": ("BASTION_FORCE_HTTPS", False),
    "hsts-off": ("BASTION_HSTS_MAX_AGE", 0),
    "samesite-none": ("SESSION_COOKIE_SAMESITE", "None"),
    "huge-body": ("MAX_CONTENT_LENGTH", 10**9),
    "long-session": ("PERMANENT_SESSION_LIFETIME", timedelta(days=90)),
    "csrf-off": ("WTF_CSRF_ENABLED", False),
    "any-proxy": ("BASTION_PROXY_HOPS", 5),
}


@pytest.mark.parametrize(("key", "value"), EXPLICIT_UNSAFE.values(), ids=EXPLICIT_UNSAFE.keys())
def test_explicit_unsafe_value_is_kept(key, value):
    """A value the app set itself is kept, even an unsafe one (the checks report it)."""
    assert configured(**{key: value}).config[key] == value


FLASK_PREFILLED = {
    "secure": ("SESSION_COOKIE_SECURE", True),
    "name": ("SESSION_COOKIE_NAME", "__Host-session"),
    "samesite": ("SESSION_COOKIE_SAMESITE", "Lax"),
    "lifetime": ("PERMANENT_SESSION_LIFETIME", timedelta(hours=12)),
    "body-limit": ("MAX_CONTENT_LENGTH", 1024 * 1024),
}


@pytest.mark.parametrize(("key", "secure"), FLASK_PREFILLED.values(), ids=FLASK_PREFILLED.keys())
def test_flask_prefilled_default_is_replaced(key, secure):
    """A key still holding Flask's own (unsafe) default gets Flask-Bastion's secure one."""
    app = Flask(__name__)
    assert app.config[key] == Flask.default_config[key] != secure
    apply_defaults(app)
    assert app.config[key] == secure


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("REMEMBER_COOKIE_DURATION", timedelta(days=7)),
        ("REMEMBER_COOKIE_SECURE", True),
        ("REMEMBER_COOKIE_NAME", "__Host-remember_token"),
        ("BASTION_FORCE_HTTPS", True),
        ("BASTION_HSTS_MAX_AGE", 31_536_000),
        ("BASTION_PROXY_HOPS", 0),
        ("RATELIMIT_DEFAULT", "100 per minute"),
    ],
)
def test_production_defaults(key, value):
    """Without settings, production mode gets the secure value for each key."""
    assert configured().config[key] == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BASTION_FORCE_HTTPS", False),
        ("BASTION_HSTS_MAX_AGE", 0),
        ("SESSION_COOKIE_SECURE", False),
        ("SESSION_COOKIE_NAME", "bastion_session"),
        ("REMEMBER_COOKIE_NAME", "bastion_remember_token"),
    ],
)
def test_development_defaults(key, value):
    """Development mode only changes the transport defaults, for use over http on loopback."""
    app = configured(BASTION_MODE="development")
    assert is_development(app)
    assert app.config[key] == value


def test_development_mode_keeps_explicit_values():
    """An explicit setting wins over the development mode's defaults too."""
    app = configured(BASTION_MODE="development", BASTION_FORCE_HTTPS=True)
    assert app.config["BASTION_FORCE_HTTPS"] is True


@pytest.mark.parametrize("mode", ["staging", "Production", "prod", "", None], ids=repr)
def test_unknown_mode_raises(mode):
    """A ``BASTION_MODE`` other than production or development refuses, naming both."""
    with pytest.raises(ConfigurationError, match="'production' or 'development'"):
        configured(BASTION_MODE=mode)


@pytest.mark.parametrize(
    "key", ["BASTION_FORCE_HTTP", "bastion_force_https", "SECRET_KEY", "WTF_CSRF_ENABLED"]
)
def test_setting_refuses_unknown_keys(key):
    """``setting()`` raises on a name that is not a Flask-Bastion setting, typos included."""
    with pytest.raises(ConfigurationError, match="not a Flask-Bastion setting"):
        setting(configured(), key)


def test_setting_reads_known_keys():
    """``setting()`` returns the app's value of a known key (control)."""
    assert setting(configured(BASTION_PROXY_HOPS=1), "BASTION_PROXY_HOPS") == 1


def test_mutable_defaults_are_not_shared():
    """Changing one app's CSP or trusted origins changes no other app and no default."""
    first = configured()
    first.config["BASTION_CSP"]["script-src"] = "'unsafe-inline'"
    first.config["BASTION_TRUSTED_ORIGINS"].append("https://evil.example")
    second = configured()
    assert second.config["BASTION_CSP"]["script-src"] == "'self'"
    assert second.config["BASTION_TRUSTED_ORIGINS"] == []
    assert BASTION_DEFAULTS["BASTION_CSP"]["script-src"] == "'self'"
    assert BASTION_DEFAULTS["BASTION_TRUSTED_ORIGINS"] == []
