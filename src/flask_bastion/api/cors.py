"""CORS for the JSON API: off by default, an exact allowlist of origins, never credentials.

Without ``BASTION_CORS_ORIGINS`` no answer carries an ``Access-Control-*`` header, so browsers
keep every other site's scripts from reading the API (the same-origin policy). With it, the
listed origins may read the API's answers and send it any method with the ``Authorization`` and
``Content-Type`` headers, which is how a front-end on another origin calls the API with a
personal access token. ``Access-Control-Allow-Credentials`` is never sent: a browser then never
lets another origin's script read an answer to a request that carried the user's cookies, so a
listed origin cannot act with the user's session (and the CSRF check still refuses cookie
requests from other origins that are not in ``BASTION_TRUSTED_ORIGINS``). The pages of the site
never get CORS headers, only JSON API endpoints and URLs under their prefix.

A ``"*"`` entry is refused at start: an allowlist with a wildcard is no allowlist, and an
origin that a front-end really uses can always be listed. Origins are compared exactly
(scheme, host and port), never as patterns, so ``https://app.example.com`` does not admit
``https://app.example.com.evil.example``.

Why not Flask-CORS: it decides by URL pattern when it is set up, before the app registers the
API blueprints and without knowing views marked one by one; it reads an origin containing
``*``, ``?`` or ``[`` as a regular expression matched at the start only (a prefix match);
without an ``Origin`` it still sends the allowed origins; it answers preflights with a 200 and
sends ``Vary: Origin`` only when several origins are listed. Overriding each of those would be
longer than the few lines below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Final

from flask import Flask, Response, request

from flask_bastion.api import within_json_api
from flask_bastion.authz import answered_by_flask
from flask_bastion.config import setting
from flask_bastion.exceptions import ConfigurationError

#: How long a browser may reuse a preflight answer, in seconds (Chromium caps it at 7200).
PREFLIGHT_MAX_AGE: Final = 600
#: The request headers another origin may send: a bearer token, and a JSON body.
ALLOWED_HEADERS: Final = "Authorization, Content-Type"
#: The answer headers another origin's script may read besides the basic ones.
EXPOSED_HEADERS: Final = "Location, Retry-After"
#: An origin as a browser sends it: scheme, ASCII host name or IP address, optional port.
ORIGIN: Final = re.compile(r"https?://([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?")
WILDCARD_REFUSED: Final = (
    "BASTION_CORS_ORIGINS holds '*', which would let every website read the API's answers; "
    "list the exact origins of your front-ends instead, such as ['https://app.example.com']."
)


def init_cors(app: Flask) -> None:
    """Answer cross-origin requests from the configured origins on JSON API endpoints."""
    origins = allowed_origins(setting(app, "BASTION_CORS_ORIGINS"))
    if origins:
        app.after_request(partial(add_cors_headers, origins))


def allowed_origins(value: object) -> frozenset[str]:
    """The configured origins, checked and lower-cased; refuses a wildcard or a non-origin."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"BASTION_CORS_ORIGINS is {value!r}; set it to a list of origins, such as "
            "['https://app.example.com'] (an empty list, the default, turns CORS off)."
        )
    return frozenset(_origin(str(entry)) for entry in value)


def _origin(entry: str) -> str:
    if entry.strip() == "*":
        raise ConfigurationError(WILDCARD_REFUSED)
    origin = entry.lower()
    if not ORIGIN.fullmatch(origin):
        raise ConfigurationError(
            f"BASTION_CORS_ORIGINS holds {entry!r}, which is not an origin; write "
            "scheme://host[:port], such as 'https://app.example.com', with no path or final "
            "slash (a browser sends host names in ASCII, punycode for others)."
        )
    return origin


def add_cors_headers(origins: frozenset[str], response: Response) -> Response:
    """Let an allowed origin read this JSON API answer; answer its preflight with a 204."""
    if not within_json_api():
        return response
    response.vary.add("Origin")  # the answer depends on it: caches must not mix origins
    origin = request.headers.get("Origin")
    if origin is None or origin.lower() not in origins:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if _is_preflight(response):
        response.status_code = 204
        response.set_data(b"")
        response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(response.allow))
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    else:
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def _is_preflight(response: Response) -> bool:
    """A browser's preflight, which Flask answered itself with the route's methods."""
    return (
        answered_by_flask()
        and "Access-Control-Request-Method" in request.headers
        and response.status_code == 200
    )
