"""CSRF: Flask-WTF's token on every unsafe request, plus a strict Origin check.

The token stops a forged form that cannot read the victim's page. The Origin check is the
second, independent lock: a browser always names the site that sent a cross-site request
(``Origin``), so a request from another origin is refused even if a token ever leaked. On HTTPS,
Flask-WTF also requires a same-origin ``Referer`` when no Origin is sent.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from flask_bastion.config import setting

security_log = logging.getLogger("flask_bastion.security")


class BastionCSRF(CSRFProtect):
    """Flask-WTF's CSRF protection with the Origin check added after the token check."""

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate the token (Flask-WTF), then the Origin, of the current request."""
        super().protect(apply_exemptions=apply_exemptions)
        if g.get("csrf_valid"):
            _check_origin(request.headers.get("Origin"))


def init_csrf(app: Flask) -> BastionCSRF:
    """Protect every POST, PUT, PATCH and DELETE of the app."""
    return BastionCSRF(app)


def exempt(view: Any) -> Any:
    """Exempt a view or blueprint from CSRF checks; only for requests that carry no cookie.

    Warning: an exempt view that uses the session or remember cookie can be driven by any site
    the user visits. Exempt only views authenticated by something a browser does not send on
    its own, such as an ``Authorization`` header.
    """
    csrf: BastionCSRF = current_app.extensions["csrf"]
    return csrf.exempt(view)


def _check_origin(origin: str | None) -> None:
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        _reject("The request was sent by another site (Sec-Fetch-Site: cross-site).")
    if origin is None:
        return
    own = f"{request.scheme}://{request.host}"
    if origin != own and origin not in setting(current_app, "BASTION_TRUSTED_ORIGINS"):
        _reject(f"The request came from another origin ({origin[:100]}).")


def _reject(reason: str) -> None:
    security_log.warning("CSRF check failed: %s", reason)
    raise CSRFError(reason)
