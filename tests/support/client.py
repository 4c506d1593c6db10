"""A Flask test client that behaves like a browser on the app's own HTTPS origin."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

ORIGIN = "https://localhost"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class BrowserClient(FlaskClient):
    """Requests go to ``https://localhost``; unsafe ones carry the Origin and Referer a browser
    sends for a same-origin form, unless the test passes its own headers."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", ORIGIN)
        method = str(kwargs.get("method", "GET")).upper()
        if method in UNSAFE_METHODS:
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("Origin", ORIGIN)
            headers.setdefault("Referer", ORIGIN + "/")
            kwargs["headers"] = {k: v for k, v in headers.items() if v is not None}
        return super().open(*args, **kwargs)


def csrf_token_in(html: str) -> str:
    """The CSRF token of the first form (or meta tag) in ``html``."""
    match = _TOKEN.search(html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    if match is None:
        raise AssertionError("no CSRF token in the page")
    return next(group for group in match.groups() if group)


def form_token(client: FlaskClient, path: str) -> str:
    """GET ``path`` and return the CSRF token of its form."""
    response = client.get(path)
    return csrf_token_in(response.get_data(as_text=True))


def post_with_token(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> Any:
    """POST ``path`` as the client's own page would: with a valid CSRF token of its session,
    taken from the layout of a logged-in page."""
    token = csrf_token_in(client.get("/notes").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})
