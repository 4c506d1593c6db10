"""Checks of the app's settings: the ones a production start depends on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from flask import Flask

from flask_bastion.checks.registry import Finding, Severity, register
from flask_bastion.secret_key import key_weakness

SECRET_KEY_WEAK: Final = "BST-CFG-001"  # noqa: S105 - a finding id, not a secret
DEBUG_ON: Final = "BST-CFG-002"
TESTING_ON: Final = "BST-CFG-003"
FAST_HASHING: Final = "BST-CFG-004"
INSECURE_COOKIE: Final = "BST-CFG-005"
CSRF_OFF: Final = "BST-CFG-006"
HTTPS_OFF: Final = "BST-CFG-007"


@register
def check_secret_key(app: Flask) -> Iterator[Finding]:
    weakness = key_weakness(app.config.get("SECRET_KEY"))
    if weakness:
        yield Finding(
            SECRET_KEY_WEAK,
            Severity.CRITICAL,
            f"{weakness}: anyone who guesses it can forge a session for any user.",
            "Set SECRET_KEY (or the FLASK_SECRET_KEY environment variable) to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`.",
        )


@register
def check_debug(app: Flask) -> Iterator[Finding]:
    if app.debug:
        yield Finding(
            DEBUG_ON,
            Severity.CRITICAL,
            "Debug mode is on: the debugger runs code for whoever triggers an error.",
            "Unset FLASK_DEBUG and DEBUG, and never pass debug=True in production.",
        )


@register
def check_testing(app: Flask) -> Iterator[Finding]:
    if app.testing:
        yield Finding(
            TESTING_ON,
            Severity.HIGH,
            "TESTING is on: errors propagate instead of reaching the error pages.",
            "Leave TESTING unset outside test suites.",
        )


@register
def check_hashing_profile(app: Flask) -> Iterator[Finding]:
    if app.config.get("BASTION_PASSWORD_HASHING") == "fast-insecure-for-tests":
        yield Finding(
            FAST_HASHING,
            Severity.HIGH,
            "Passwords are hashed with the fast test profile: a stolen table cracks quickly.",
            "Remove BASTION_PASSWORD_HASHING (the default 'owasp' is safe).",
        )


@register
def check_cookie_flags(app: Flask) -> Iterator[Finding]:
    if app.config.get("BASTION_MODE") == "development":
        return
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"):
        if app.config.get(key) is not True:
            yield Finding(
                INSECURE_COOKIE,
                Severity.HIGH,
                f"{key} is not True: the session cookie can leak to scripts or over plain HTTP.",
                f"Remove the {key} override; Flask-Bastion sets it to True.",
            )


@register
def check_csrf(app: Flask) -> Iterator[Finding]:
    if app.config.get("WTF_CSRF_ENABLED") is not True:
        yield Finding(
            CSRF_OFF,
            Severity.HIGH,
            "CSRF protection is off: another site can submit forms as your logged-in users.",
            "Remove the WTF_CSRF_ENABLED override.",
        )


@register
def check_https(app: Flask) -> Iterator[Finding]:
    if app.config.get("BASTION_MODE") == "development":
        return
    if app.config.get("BASTION_FORCE_HTTPS") is not True:
        yield Finding(
            HTTPS_OFF,
            Severity.HIGH,
            "Plain-HTTP requests are served: passwords and cookies can be read on the network.",
            "Remove the BASTION_FORCE_HTTPS override and terminate TLS at the proxy.",
        )
