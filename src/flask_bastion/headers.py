"""Security headers: a nonce-based Content-Security-Policy and the browser hardening set.

The CSP is the second line against XSS: even if markup slips past escaping and sanitising, the
browser runs no inline script, loads no plugin, and lets no other site frame the page. The nonce
is made only when a template asks for it (``{{ csp_nonce() }}``), so a page without inline
script gets the stricter policy with no nonce at all, and costs nothing to compute.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask import Flask, Response, g, request

from flask_bastion.config import setting
from flask_bastion.transport import hsts_value

NONCE_DIRECTIVES = ("script-src", "style-src")


def init_headers(app: Flask) -> None:
    """Add the security headers (HSTS too, on HTTPS) to every response in one hook, built once
    from the settings. A header the view set itself is kept."""
    fixed = _lowered(_fixed_headers(app))
    hsts = hsts_value(setting(app, "BASTION_HSTS_MAX_AGE"), app.config)
    on_https = fixed + _lowered([("Strict-Transport-Security", hsts)] if hsts else [])
    policy = CspPolicy(setting(app, "BASTION_CSP"))
    no_store = setting(app, "BASTION_NO_STORE_WHEN_LOGGED_IN")
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        for lowered, name, value in on_https if request.is_secure else fixed:
            if lowered not in present:
                headers.add(name, value)
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", policy.render(g.get("_bastion_csp_nonce")))
        if no_store and _user_is_logged_in():
            headers["Cache-Control"] = "no-store"
        return response


def csp_nonce() -> str:
    """This request's CSP nonce, for ``<script nonce="{{ csp_nonce() }}">``."""
    nonce: str | None = g.get("_bastion_csp_nonce")
    if nonce is None:
        nonce = g._bastion_csp_nonce = secrets.token_urlsafe(16)
    return nonce


class CspPolicy:
    """A Content-Security-Policy rendered from directives, with or without a nonce."""

    def __init__(self, directives: Mapping[str, str]) -> None:
        self.directives = dict(directives)
        self._without_nonce = self._render(None)

    def render(self, nonce: str | None) -> str:
        """The header value; the policy without a nonce is computed once, at setup."""
        return self._without_nonce if nonce is None else self._render(nonce)

    def _render(self, nonce: str | None) -> str:
        parts = []
        for name, value in self.directives.items():
            if nonce is not None and name in NONCE_DIRECTIVES:
                value = f"{value} 'nonce-{nonce}'"
            parts.append(f"{name} {value}".strip())
        return "; ".join(parts)


def _fixed_headers(app: Flask) -> list[tuple[str, str]]:
    return [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", setting(app, "BASTION_REFERRER_POLICY")),
        ("Permissions-Policy", setting(app, "BASTION_PERMISSIONS_POLICY")),
        ("Cross-Origin-Opener-Policy", setting(app, "BASTION_CROSS_ORIGIN_OPENER_POLICY")),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]


def _lowered(headers: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    return [(name.lower(), name, value) for name, value in headers]


def _user_is_logged_in() -> bool:
    """Whether this request loaded a logged-in user, without loading one just to find out."""
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)
