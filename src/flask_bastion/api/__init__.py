"""JSON APIs: endpoints that speak JSON only and accept personal access tokens.

Mark a blueprint (or a single view) with :func:`json_api`. Its endpoints then answer every
failure as JSON in one shape, send anonymous clients a 401 rather than a login page, and accept
``Authorization: Bearer`` personal access tokens; a request that comes with the session cookie
instead keeps full CSRF protection.
"""

from __future__ import annotations

from typing import Final, TypeVar

from flask import Flask, current_app, request

from flask_bastion.authz import endpoint_marked

Marked = TypeVar("Marked")

#: Attribute that marks a view or a blueprint as a JSON API (:func:`json_api`).
API_MARK: Final = "_bastion_json_api"


def json_api(target: Marked) -> Marked:
    """Mark a blueprint, or one view, as a JSON API."""
    setattr(target, API_MARK, True)
    return target


def is_json_api(app: Flask, endpoint: str | None) -> bool:
    """Whether ``endpoint`` is part of a JSON API."""
    return endpoint is not None and endpoint_marked(app, endpoint, API_MARK)


def is_api_request() -> bool:
    """Whether the current request was routed to a JSON API endpoint."""
    return is_json_api(current_app, request.endpoint)
