"""The answers to a refused bearer request, each with the ``WWW-Authenticate`` of RFC 6750.

They reach the client through Flask-Bastion's error pages (JSON for API clients), with their own
description, since each says what to do next.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from flask_bastion.exceptions import ClientFacingError

Headers = list[tuple[str, str]]


class TokenRequired(ClientFacingError, Unauthorized):
    """An anonymous request to a JSON API endpoint: log in, or send a token."""

    description = (
        "Log in, or send a personal access token in the header 'Authorization: Bearer <token>'. "
        "Create one on your account's Access tokens page."
    )
    challenge = "Bearer"

    def get_headers(self, *args: Any, **kwargs: Any) -> Headers:
        """The usual headers and the challenge that tells the client how to authenticate."""
        return [*super().get_headers(*args, **kwargs), ("WWW-Authenticate", self.challenge)]


class InvalidToken(TokenRequired):
    """The ``Authorization`` header holds no valid token: malformed, unknown, expired or
    revoked, or its user is locked. The request is refused; the cookie is never tried."""

    description = (
        "The access token is not valid: it is malformed, unknown, expired or revoked, or its "
        "account is locked. Create a new token on your account's Access tokens page."
    )
    challenge = 'Bearer error="invalid_token"'


class InsufficientScope(ClientFacingError, Forbidden):
    """The token is valid but lacks a scope the endpoint requires."""

    def __init__(self, missing: Collection[str]) -> None:
        self.missing = " ".join(sorted(missing))
        super().__init__(
            f"This access token lacks the scope(s) {self.missing}. Create a token with "
            "that access on your account's Access tokens page."
        )

    def get_headers(self, *args: Any, **kwargs: Any) -> Headers:
        """The usual headers and the scope the client must ask for."""
        challenge = f'Bearer error="insufficient_scope", scope="{self.missing}"'
        return [*super().get_headers(*args, **kwargs), ("WWW-Authenticate", challenge)]


class TokensNotAccepted(ClientFacingError, Forbidden):
    """A valid token sent to an API endpoint that declares no scope (see ``scope_required``)."""

    description = (
        "This endpoint does not accept access tokens: it declares no scope. Use it from the "
        "browser, or ask its developers to guard it with scope_required(...)."
    )


class TokenRateLimited(ClientFacingError, TooManyRequests):
    """The token made more requests than ``BASTION_TOKEN_RATE_LIMIT`` allows."""

    description = "This access token made too many requests. Wait as Retry-After says, then retry."
