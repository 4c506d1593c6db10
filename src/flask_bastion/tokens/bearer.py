"""The bearer hook: a JSON API request with an ``Authorization`` header is authenticated by its
token alone.

It runs right after the per-IP rate limits (so a flood of bad tokens is counted like any
request) and before the CSRF check and deny-by-default, which see the token's user. The
browser's cookies are ignored entirely for such a request: the session cookie is neither read
nor set, and the remember cookie is never tried. A bad token is refused with 401, never
answered as the cookie's user, so a script with a revoked token fails loudly instead of acting
as whoever is logged in.

Elsewhere (HTML pages, or an API request without the header) nothing changes: the cookie
authenticates, and CSRF protection applies in full.
"""

from __future__ import annotations

from flask import current_app, request
from flask.globals import request_ctx
from flask.sessions import NullSession
from flask_login import user_loaded_from_request

from flask_bastion.api import is_api_request
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.tokens.context import set_current_token
from flask_bastion.tokens.errors import InvalidToken
from flask_bastion.tokens.limit import TokenRateLimit
from flask_bastion.tokens.scopes import require_declared_scope
from flask_bastion.tokens.store import TokenStore


class RequestOnlySession(NullSession):
    """The session of a bearer request: empty, usable during the request, never saved.

    Flask saves every session but a null one, so this one is null to Flask and no cookie is
    ever set from it; unlike Flask's own null session, writing to it works, so code that keeps
    a value for the request does not fail.
    """

    __setitem__ = dict.__setitem__  # type: ignore[assignment]
    __delitem__ = dict.__delitem__  # type: ignore[assignment]
    clear = dict.clear  # type: ignore[assignment]
    pop = dict.pop
    popitem = dict.popitem  # type: ignore[assignment]
    update = dict.update  # type: ignore[assignment]
    setdefault = dict.setdefault


class BearerAuthentication:
    """The ``run_first`` check that authenticates bearer requests to JSON API endpoints."""

    def __init__(self, store: TokenStore, limit: TokenRateLimit) -> None:
        self.store = store
        self.limit = limit

    def __call__(self) -> None:
        if "Authorization" not in request.headers or not is_api_request():
            return
        ignore_cookies()
        record = self.store.authenticate(presented_secret())
        if record is None:
            raise InvalidToken()
        require_declared_scope(current_app, request.endpoint or "")
        self.limit.hit(record.id)
        set_current_token(record)
        _log_in_for_this_request(record.user)


def presented_secret() -> str:
    """The token of an ``Authorization: Bearer <token>`` header; ``""`` for any other form."""
    credentials = request.authorization
    if credentials is None or credentials.type != "bearer":
        return ""
    return credentials.token or ""


def ignore_cookies() -> None:
    """Make this request anonymous and sessionless, whatever cookies it carries."""
    session = RequestOnlySession()
    if not current_app.session_interface.is_null_session(session):
        raise ConfigurationError(
            "The app's session interface would save a bearer request's session; keep Flask's "
            "null_session_class (NullSession) on it, so a token request never sets a cookie."
        )
    # Flask offers no setter for the request's session: it is opened from the cookie before
    # routing, so before anyone knows this is a bearer request. Being a null session, this one
    # is never saved.
    request_ctx._session = session
    _log_in_for_this_request(None)


def _log_in_for_this_request(user: object | None) -> None:
    """Make ``user`` (``None``: anonymous) the request's ``current_user``, as Flask-Login's own
    loaders do, without Flask-Login's ``login_user``, which would store the user in the
    session and so in a cookie."""
    current_app.login_manager._update_request_context_with_user(user)  # type: ignore[attr-defined]
    if user is not None:
        user_loaded_from_request.send(current_app._get_current_object(), user=user)  # type: ignore[attr-defined]
