"""Checks of the app's settings: the ones a production start depends on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from flask import Flask

from flask_bastion.check.registry import SETTINGS, Finding, Severity, register
from flask_bastion.secret_key import key_weakness

SECRET_KEY_WEAK: Final = "BST-CFG-001"  # noqa: S105 - a finding id, not a secret
DEBUG_ON: Final = "BST-CFG-002"
TESTING_ON: Final = "BST-CFG-003"
FAST_HASHING: Final = "BST-CFG-004"
INSECURE_COOKIE: Final = "BST-CFG-005"
CSRF_OFF: Final = "BST-CFG-006"
HTTPS_OFF: Final = "BST-CFG-007"
DENY_BY_DEFAULT_OFF: Final = "BST-CFG-017"


@register(SETTINGS)
def check_secret_key(app: Flask) -> Iterator[Finding]:
    weakness = key_weakness(app.config.get("SECRET_KEY"))
    if weakness:
        yield Finding(
            SECRET_KEY_WEAK,
            Severity.CRITICAL,
            f"{weakness}: anyone who guesses it can forge a session for any user.",
            "Set SECRET_KEY (or the FLASK_SECRET_KEY environment variable) to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`.",
            location="SECRET_KEY",
        )


@register(SETTINGS)
def check_debug(app: Flask) -> Iterator[Finding]:
    if app.debug:
        yield Finding(
            DEBUG_ON,
            Severity.CRITICAL,
            "Debug mode is on: the debugger runs code for whoever triggers an error.",
            "Unset FLASK_DEBUG and DEBUG, and never pass debug=True in production.",
            location="DEBUG",
        )


@register(SETTINGS)
def check_testing(app: Flask) -> Iterator[Finding]:
    if app.testing:
        yield Finding(
            TESTING_ON,
            Severity.HIGH,
            "TESTING is on: errors propagate instead of reaching the error pages.",
            "Leave TESTING unset outside test suites.",
            location="TESTING",
        )


@register(SETTINGS)
def check_hashing_profile(app: Flask) -> Iterator[Finding]:
    if app.config.get("BASTION_PASSWORD_HASHING") == "fast-insecure-for-tests":
        yield Finding(
            FAST_HASHING,
            Severity.HIGH,
            "Passwords are hashed with the fast test profile: a stolen table cracks quickly.",
            "Remove BASTION_PASSWORD_HASHING (the default 'owasp' is safe).",
            location="BASTION_PASSWORD_HASHING",
        )


@register(SETTINGS)
def check_cookie_flags(app: Flask) -> Iterator[Finding]:
    """Session and remember cookies: ``Secure``, ``HttpOnly`` and a ``SameSite`` value.

    The remember cookie is checked only where it exists: Flask-Login or Flask-Bastion in use.
    """
    if app.config.get("BASTION_MODE") == "development":
        return
    prefixes = ["SESSION"]
    if "REMEMBER_COOKIE_SECURE" in app.config or hasattr(app, "login_manager"):
        prefixes.append("REMEMBER")
    for prefix in prefixes:
        for flag in ("SECURE", "HTTPONLY"):
            key = f"{prefix}_COOKIE_{flag}"
            if app.config.get(key, flag == "HTTPONLY") is not True:
                yield _cookie_finding(key, "True")
        samesite = f"{prefix}_COOKIE_SAMESITE"
        if app.config.get(samesite) not in ("Lax", "Strict"):
            yield _cookie_finding(samesite, "'Lax'")


def _cookie_finding(key: str, safe: str) -> Finding:
    return Finding(
        INSECURE_COOKIE,
        Severity.HIGH,
        f"{key} is not {safe}: the cookie can leak to scripts, over plain HTTP or with "
        "cross-site requests.",
        f"Set {key} = {safe} (Flask-Bastion sets it unless the app overrides it).",
        location=key,
    )


@register(SETTINGS)
def check_csrf(app: Flask) -> Iterator[Finding]:
    """CSRF switched off explicitly; whether any protection is registered is a wiring check."""
    if "WTF_CSRF_ENABLED" in app.config and app.config["WTF_CSRF_ENABLED"] is not True:
        yield Finding(
            CSRF_OFF,
            Severity.HIGH,
            "CSRF protection is off: another site can submit forms as your logged-in users.",
            "Remove the WTF_CSRF_ENABLED override.",
            location="WTF_CSRF_ENABLED",
        )


@register(SETTINGS)
def check_https(app: Flask) -> Iterator[Finding]:
    """Flask-Bastion's HTTPS redirect switched off; other apps are probed by a wiring check."""
    if app.config.get("BASTION_MODE") == "development" or "BASTION_FORCE_HTTPS" not in app.config:
        return
    if app.config["BASTION_FORCE_HTTPS"] is not True:
        yield Finding(
            HTTPS_OFF,
            Severity.HIGH,
            "Plain-HTTP requests are served: passwords and cookies can be read on the network.",
            "Remove the BASTION_FORCE_HTTPS override and terminate TLS at the proxy.",
            location="BASTION_FORCE_HTTPS",
        )


@register(SETTINGS)
def check_deny_by_default(app: Flask) -> Iterator[Finding]:
    """Flask-Bastion's login requirement on every non-public endpoint switched off."""
    if app.config.get("BASTION_DENY_BY_DEFAULT", True) is not True:
        yield Finding(
            DENY_BY_DEFAULT_OFF,
            Severity.MEDIUM,
            "Endpoints are open to anonymous visitors unless each view is decorated: one "
            "forgotten decorator exposes its page.",
            "Remove the BASTION_DENY_BY_DEFAULT override, and mark the views meant for "
            "anonymous visitors with @public.",
            location="BASTION_DENY_BY_DEFAULT",
        )
