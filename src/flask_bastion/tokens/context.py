"""The access token that authenticated the current request, if one did.

The CSRF check, ``scope_required`` and the API read it here; only the bearer hook
(:mod:`flask_bastion.tokens.bearer`) sets it, after the token was found valid.
"""

from __future__ import annotations

from typing import Any, Final

from flask import g

#: Where the token's record is kept for the request, in ``flask.g``.
G_ATTRIBUTE: Final = "_bastion_access_token"


def current_token() -> Any | None:
    """The record of the token that authenticated this request; ``None`` for a request
    authenticated by the cookie, or anonymous."""
    return g.get(G_ATTRIBUTE)


def is_token_request() -> bool:
    """Whether this request was authenticated by a valid bearer token, not by a cookie."""
    return current_token() is not None


def set_current_token(record: Any) -> None:
    """Record that ``record`` authenticated this request (the bearer hook only)."""
    setattr(g, G_ATTRIBUTE, record)
