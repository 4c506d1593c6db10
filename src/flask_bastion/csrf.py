"""CSRF: Flask-WTF's token on every unsafe request, plus a strict Origin check.

The token stops a forged form that cannot read the victim's page. The Origin check is the
second, independent lock: a browser always names the site that sent a cross-site request
(``Origin``), so a request from another origin is refused even if a token ever leaked. On HTTPS
(with ``WTF_CSRF_SSL_STRICT``) a ``Referer`` from the app's own or a trusted origin is required
as well, as Flask-WTF does for its own host only.
"""

from __future__ import annotations

import logging
import secrets
from hmac import compare_digest
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import BadData, SignatureExpired

from flask_bastion.api import is_api_request
from flask_bastion.authz import denies_by_default, is_anonymous_for_guarded_endpoint
from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.signing import ReusableSerializer, serializer_for
from flask_bastion.tokens.context import is_token_request

security_log = logging.getLogger("flask_bastion.security")

#: Attribute that marks a view function or blueprint as exempt (set by :func:`exempt`).
EXEMPT_MARK = "_bastion_csrf_exempt"
#: The salt of Flask-WTF's CSRF token signatures.
TOKEN_SALT = "wtf-csrf-token"  # noqa: S105 - a public salt, not a secret
V = TypeVar("V")


class BastionCSRF(CSRFProtect):
    """Flask-WTF's CSRF token check, followed by checks of where the request came from.

    Flask-WTF's own Referer check (on HTTPS) accepts the app's host only, which would refuse
    every origin of ``BASTION_TRUSTED_ORIGINS``; this one accepts those as well.

    A request authenticated by a valid bearer token is exempt: another site cannot make a
    browser send an ``Authorization`` header, and such a request ignores the cookies (see
    :mod:`flask_bastion.tokens.bearer`). A JSON API request that relies on the session cookie
    instead gets every check below.
    """

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate the token (Flask-WTF's), then the Origin and Referer, of the request."""
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return  # first: a safe method needs none of the checks below
        if is_token_request() or _refused_as_anonymous_api_request():
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt() or _is_marked_exempt()):
            return
        problem = token_problem(self._get_csrf_token())
        if problem:
            _reject(problem)
        own = f"{request.scheme}://{request.host}"
        _check_origin(request.headers.get("Origin"), own)
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            _check_referrer(request.referrer, own)
        g.csrf_valid = True

    def init_app(self, app: Flask) -> None:
        """Flask-WTF's setup, with :func:`csrf_token` offered to templates as a global.

        Flask-WTF also passes its own to every render through a context processor, which
        would hide the global and cost a call per render: that processor is left out.
        """
        processors = app.template_context_processors[None]
        kept = len(processors)
        super().init_app(app)
        del processors[kept:]
        app.jinja_env.globals["csrf_token"] = csrf_token


def init_csrf(app: Flask) -> BastionCSRF:
    """Protect every POST, PUT, PATCH and DELETE of the app."""
    return BastionCSRF(app)


def csrf_token() -> str:
    """This request's CSRF token, for ``{{ csrf_token() }}`` in a form; made on first use, so
    a page without a form signs nothing.

    It is Flask-WTF's token, kept where Flask-WTF keeps it (the raw value in the session, the
    signed one in ``g`` for the rest of the request), so Flask-WTF's forms and this module
    share one token per request and accept each other's. Only the signer is built once per
    process rather than on every call.
    """
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    token: str | None = g.get(field)
    if token is None:
        raw = session.get(field)
        if not isinstance(raw, str):
            raw = session[field] = secrets.token_hex(20)
        token = _token_serializer().dumps(raw)
        setattr(g, field, token)
    return token


def token_problem(token: str | None) -> str | None:
    """Why ``token`` is not a valid CSRF token of this session, or ``None`` if it is one:
    signed with the app's key for the session's raw token, within ``WTF_CSRF_TIME_LIMIT``
    seconds (the checks and messages of Flask-WTF's ``validate_csrf``)."""
    config = current_app.config
    raw = session.get(config["WTF_CSRF_FIELD_NAME"])
    if not token:
        return "The CSRF token is missing."
    if raw is None:
        return "The CSRF session token is missing."
    try:
        signed = _token_serializer().loads(token, max_age=config["WTF_CSRF_TIME_LIMIT"])
    except SignatureExpired:
        return "The CSRF token has expired."
    except BadData:
        return "The CSRF token is invalid."
    if not (isinstance(signed, str) and isinstance(raw, str) and compare_digest(raw, signed)):
        return "The CSRF tokens do not match."
    return None


def _token_serializer() -> ReusableSerializer:
    """Flask-WTF's token serializer for the app's CSRF key (``WTF_CSRF_SECRET_KEY``, by
    default ``SECRET_KEY``)."""
    key = current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    if not key:
        raise ConfigurationError("CSRF tokens are signed with SECRET_KEY; set one.")
    return serializer_for((key,), TOKEN_SALT)


def exempt(view: V) -> V:
    """Exempt a view function or a blueprint from CSRF checks; usable at import time.

    Warning: an exempt view that uses the session or remember cookie can be driven by any site
    the user visits. Exempt only views authenticated by something a browser does not send on
    its own, such as an ``Authorization`` header.
    """
    setattr(view, EXEMPT_MARK, True)
    return view


def _refused_as_anonymous_api_request() -> bool:
    """An anonymous request to a guarded JSON API endpoint, which deny-by-default refuses
    next with a 401 that tells an API client to send a token; a CSRF error would send it
    looking for a form. It carries no credentials, so there is nothing to forge, and the
    401 starts no session. Pages keep the CSRF error first (see ``authz.init_authz``)."""
    return (
        is_api_request() and denies_by_default(current_app) and is_anonymous_for_guarded_endpoint()
    )


def _is_marked_exempt() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, EXEMPT_MARK, False):
        return True
    return any(
        getattr(current_app.blueprints.get(name), EXEMPT_MARK, False) for name in request.blueprints
    )


def _check_origin(origin: str | None, own: str) -> None:
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        _reject("The request was sent by another site (Sec-Fetch-Site: cross-site).")
    if origin is None:
        return
    if not _is_allowed(origin, own):
        _reject(f"The request came from another origin ({origin[:100]}).")


def _check_referrer(referrer: str | None, own: str) -> None:
    """On HTTPS, require the page that sent the request to be on an allowed origin."""
    if not referrer:
        _reject("The Referer header is missing.")
    parts = urlsplit(referrer)
    if not _is_allowed(f"{parts.scheme}://{parts.netloc}", own):
        _reject("The Referer is on another origin.")


def _is_allowed(origin: str, own: str) -> bool:
    """``origin`` is the app's own (``own``) or one of ``BASTION_TRUSTED_ORIGINS``."""
    return origin == own or origin in setting(current_app, "BASTION_TRUSTED_ORIGINS")


def _reject(reason: str) -> NoReturn:
    security_log.warning("CSRF check failed: %s", reason)
    raise CSRFError(reason)
