"""JSON APIs: endpoints that speak JSON only and accept personal access tokens.

Mark a blueprint (or a single view) with :func:`json_api`. Its endpoints then answer every
failure as JSON in one shape, send anonymous clients a 401 rather than a login page, and accept
``Authorization: Bearer`` personal access tokens; a request that comes with the session cookie
instead keeps full CSRF protection. A URL under a marked blueprint's ``url_prefix`` that no
route serves answers its 404 or 405 in JSON too.

The rest of the package: :mod:`~flask_bastion.api.validation` (request bodies and query
strings through pydantic), :mod:`~flask_bastion.api.operation` (the ``@operation`` decorator
that validates, serialises and describes a view), :mod:`~flask_bastion.api.openapi` (the
OpenAPI document built from those descriptions) and :mod:`~flask_bastion.api.cors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar

from flask import Blueprint, Flask, current_app, request

from flask_bastion.authz import endpoint_marked

if TYPE_CHECKING:
    from flask.blueprints import BlueprintSetupState

Marked = TypeVar("Marked")

#: Attribute that marks a view or a blueprint as a JSON API (:func:`json_api`).
API_MARK: Final = "_bastion_json_api"
#: Key in ``app.extensions`` of the URL prefixes of the JSON API blueprints registered on it.
API_PREFIXES: Final = "bastion.api_prefixes"


def json_api(target: Marked) -> Marked:
    """Mark a blueprint, or one view, as a JSON API (a blueprint before it is registered)."""
    setattr(target, API_MARK, True)
    if isinstance(target, Blueprint):
        target.record(_remember_prefix)
    return target


def is_json_api(app: Flask, endpoint: str | None) -> bool:
    """Whether ``endpoint`` is part of a JSON API."""
    return endpoint is not None and endpoint_marked(app, endpoint, API_MARK)


def is_api_request() -> bool:
    """Whether the current request was routed to a JSON API endpoint."""
    return is_json_api(current_app, request.endpoint)


def within_json_api() -> bool:
    """Whether the request is for a JSON API: routed to one of its endpoints, or for a URL
    under a JSON API blueprint's prefix that no route serves (a 404 or 405 has no endpoint)."""
    if is_api_request():
        return True
    path = request.path
    prefixes: set[str] = current_app.extensions.get(API_PREFIXES, set())
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def _remember_prefix(state: BlueprintSetupState) -> None:
    """Keep the prefix a JSON API blueprint is registered under (a root blueprint has none:
    the whole site is not an API because of it)."""
    prefix = (state.url_prefix or "").rstrip("/")
    if prefix:
        state.app.extensions.setdefault(API_PREFIXES, set()).add(prefix)
