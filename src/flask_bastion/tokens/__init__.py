"""Personal access tokens: how a script uses the JSON API without a browser session.

A user creates a token on ``/account/tokens`` with a name, scopes and an expiry, copies its
secret (shown once; only its SHA-256 is kept) and sends it as ``Authorization: Bearer <secret>``
to an endpoint of a blueprint marked :func:`flask_bastion.api.json_api`. Such a request is
authenticated by the token alone: the browser's cookies are ignored, so there is no session to
forge a request with, and CSRF checks do not apply to it. A request that comes with the session
cookie instead keeps every CSRF check, on the API too.

Modules: :mod:`.secret` (format and hash), :mod:`.store` (the table), :mod:`.context` (the
token of this request), :mod:`.bearer` (the request hook), :mod:`.scopes`
(``scope_required``), :mod:`.limit` (per-token rate limit), :mod:`.views` and :mod:`.forms`
(the settings page), :mod:`.setup`.
"""

from __future__ import annotations

from flask_bastion.tokens.context import current_token, is_token_request
from flask_bastion.tokens.scopes import scope_required

__all__ = ["current_token", "is_token_request", "scope_required"]
