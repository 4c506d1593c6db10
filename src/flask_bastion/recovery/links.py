"""Which mailed-link flows are on, and the links themselves, built from configured settings.

A reset link built from the request's Host header is the classic "password reset poisoning":
an attacker asks for a reset of the victim's account with ``Host: evil.example``, the victim
receives a genuine mail whose link points at the attacker's server, and one click hands over
the token. Here every link starts with ``BASTION_EXTERNAL_URL``; the request's host is never
read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for

from flask_bastion.config import is_development, setting
from flask_bastion.exceptions import ConfigurationError


@dataclass(frozen=True)
class Recovery:
    """The mailed-link flows of one app, as its settings and its mailer decide at start."""

    #: ``scheme://host[:port]`` every link starts with; None when no mail is sent.
    external_url: str | None
    #: Whether a mail backend is configured (email change needs one).
    mail: bool
    #: Whether ``/reset`` exists (``BASTION_PASSWORD_RESET``).
    reset_offered: bool
    #: Whether new accounts confirm their address before they can log in.
    confirm_email: bool

    @property
    def reset_available(self) -> bool:
        """Whether a reset link can actually be sent."""
        return self.reset_offered and self.mail

    @classmethod
    def from_app(cls, app: Flask, *, mail: bool) -> Recovery:
        """Read and check the settings; a missing or wrong one raises ConfigurationError."""
        external_url = parse_external_url(
            setting(app, "BASTION_EXTERNAL_URL"), production=not is_development(app)
        )
        if mail and external_url is None:
            raise ConfigurationError(
                "Mail is on, so password-reset and confirmation links will be sent, but "
                "BASTION_EXTERNAL_URL is not set. Set it to the address users reach the app at, "
                "such as 'https://notes.example.org': links are never built from the request's "
                "Host header, which an attacker chooses."
            )
        return cls(
            external_url=external_url,
            mail=mail,
            reset_offered=bool(setting(app, "BASTION_PASSWORD_RESET")),
            confirm_email=_confirm_email(setting(app, "BASTION_CONFIRM_EMAIL"), mail=mail),
        )


def parse_external_url(value: Any, *, production: bool) -> str | None:
    """``scheme://host[:port]`` of ``value``, or None; anything else raises."""
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigurationError(
            f"BASTION_EXTERNAL_URL is {value!r}: set the scheme and host users reach the app "
            "at, such as 'https://notes.example.org' (no path, query or user name)."
        )
    if production and parts.scheme != "https":
        raise ConfigurationError(
            f"BASTION_EXTERNAL_URL is {value!r}: in production it must start with https://, "
            "or the reset links in mail would send their tokens over plain HTTP."
        )
    return f"{parts.scheme}://{parts.netloc}"


def _confirm_email(value: Any, *, mail: bool) -> bool:
    """``BASTION_CONFIRM_EMAIL`` resolved: None follows the mail backend; True needs one."""
    if value is None:
        return mail
    if value is True and not mail:
        raise ConfigurationError(
            "BASTION_CONFIRM_EMAIL is True but no mail can be sent: set BASTION_MAIL_BACKEND "
            "(with BASTION_MAIL_SERVER and BASTION_MAIL_SENDER for 'smtp'), or set "
            "BASTION_CONFIRM_EMAIL = False to let accounts log in without confirming."
        )
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"BASTION_CONFIRM_EMAIL is {value!r}: set True, False, or None (on with mail)."
        )
    return value


def external_link(endpoint: str, **values: Any) -> str:
    """The full URL of ``endpoint`` on ``BASTION_EXTERNAL_URL``, whatever the request's host."""
    recovery: Recovery | None = current_app.extensions["bastion"].recovery
    if recovery is None or recovery.external_url is None:
        raise ConfigurationError(
            "Set BASTION_EXTERNAL_URL to the app's address to build links for mail."
        )
    return recovery.external_url + url_for(endpoint, **values)
