"""CSRF: Flask-WTF's token on every unsafe request, plus a strict Origin check.

The token stops a forged form that cannot read the victim's page. The Origin check is the
second, independent lock: a browser always names the site that sent a cross-site request
(``Origin``), so a request from another origin is refused even if a token ever leaked. On HTTPS
(with ``WTF_CSRF_SSL_STRICT``) a ``Referer`` from the app's own or a trusted origin is required
as well, as Flask-WTF does for its own host only.
"""

from __future__ import annotations

import logging
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from wtforms import ValidationError

from flask_bastion.config import setting

security_log = logging.getLogger("flask_bastion.security")

#: Attribute that marks a view function or blueprint as exempt (set by :func:`exempt`).
EXEMPT_MARK = "_bastion_csrf_exempt"
V = TypeVar("V")


class BastionCSRF(CSRFProtect):
    """Flask-WTF's CSRF token check, followed by checks of where the request came from.

    Flask-WTF's own Referer check (on HTTPS) accepts the app's host only, which would refuse
    every origin of ``BASTION_TRUSTED_ORIGINS``; this one accepts those as well.
    """

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate the token (Flask-WTF), then the Origin and Referer, of the request."""
        if apply_exemptions and (not request.endpoint or self._is_exempt() or _is_marked_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            _reject(str(error.args[0]))
        _check_origin(request.headers.get("Origin"))
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            _check_referrer(request.referrer)
        g.csrf_valid = True


def init_csrf(app: Flask) -> BastionCSRF:
    """Protect every POST, PUT, PATCH and DELETE of the app."""
    return BastionCSRF(app)


def exempt(view: V) -> V:
    """Exempt a view function or a blueprint from CSRF checks; usable at import time.

    Warning: an exempt view that uses the session or remember cookie can be driven by any site
    the user visits. Exempt only views authenticated by something a browser does not send on
    its own, such as an ``Authorization`` header.
    """
    setattr(view, EXEMPT_MARK, True)
    return view


def _is_marked_exempt() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, EXEMPT_MARK, False):
        return True
    return any(
        getattr(current_app.blueprints.get(name), EXEMPT_MARK, False) for name in request.blueprints
    )


def _check_origin(origin: str | None) -> None:
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        _reject("The request was sent by another site (Sec-Fetch-Site: cross-site).")
    if origin is None:
        return
    if not _is_allowed(origin):
        _reject(f"The request came from another origin ({origin[:100]}).")


def _check_referrer(referrer: str | None) -> None:
    """On HTTPS, require the page that sent the request to be on an allowed origin."""
    if not referrer:
        _reject("The Referer header is missing.")
    parts = urlsplit(referrer)
    if not _is_allowed(f"{parts.scheme}://{parts.netloc}"):
        _reject("The Referer is on another origin.")


def _is_allowed(origin: str) -> bool:
    own = f"{request.scheme}://{request.host}"
    return origin == own or origin in setting(current_app, "BASTION_TRUSTED_ORIGINS")


def _reject(reason: str) -> NoReturn:
    security_log.warning("CSRF check failed: %s", reason)
    raise CSRFError(reason)
