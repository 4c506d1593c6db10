"""Judgements of one HTTP response's headers and body, shared by the wiring probe and ``--url``.

Each function takes what a response carries and says what is wrong with it, in words that
complete the sentence of a finding; none of them sends a request.
"""

from __future__ import annotations

import re
from http.cookies import CookieError, SimpleCookie
from typing import Final

#: Six months, the least max-age that HSTS preload lists and scanners accept.
MIN_HSTS_MAX_AGE: Final = 15_768_000
#: Directives whose absence a CSP cannot make up for with ``default-src``.
REQUIRED_CSP: Final = ("object-src", "base-uri", "frame-ancestors")
#: The debugger's markers come first: a console is worse than a traceback.
LEAK_MARKERS: Final = (
    "Werkzeug Debugger",
    "__debugger__",
    "Traceback (most recent call last)",
    "sqlalchemy.exc.",
    "jinja2.exceptions.",
)
_VERSION = re.compile(r"\d+\.\d+")


def hsts_problem(value: str | None) -> str | None:
    """What is wrong with a ``Strict-Transport-Security`` value, or ``None``."""
    if not value:
        return "carry no Strict-Transport-Security header"
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    if match is None or int(match.group(1)) < MIN_HSTS_MAX_AGE:
        return "carry HSTS with a max-age under six months"
    return None


def csp_problems(value: str | None) -> list[str]:
    """The weaknesses of a ``Content-Security-Policy`` value (empty when it is sound)."""
    if not value:
        return ["no Content-Security-Policy header"]
    directives = _csp_directives(value)
    problems = [f"no {name}" for name in REQUIRED_CSP if name not in directives]
    scripts = directives.get("script-src", directives.get("default-src", ["*"]))
    if "'unsafe-inline'" in scripts and not any(
        token.startswith(("'nonce-", "'sha")) for token in scripts
    ):
        problems.append("'unsafe-inline' scripts")
    if "*" in scripts or "'unsafe-eval'" in scripts:
        problems.append("scripts from anywhere or eval()")
    return problems


def cookie_problems(set_cookie: str, https: bool) -> list[str]:
    """The missing attributes of one ``Set-Cookie`` header (``Secure`` only over HTTPS)."""
    attributes = {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:]}
    samesite = re.search(r";\s*samesite\s*=\s*(\w+)", set_cookie, re.IGNORECASE)
    problems = []
    if https and "secure" not in attributes:
        problems.append("no Secure")
    if "httponly" not in attributes:
        problems.append("no HttpOnly")
    if samesite is None or samesite.group(1).lower() not in ("lax", "strict"):
        problems.append("no SameSite=Lax or Strict")
    return problems


def cookie_name(set_cookie: str) -> str:
    """The name of the cookie a ``Set-Cookie`` header sets."""
    try:
        parsed = SimpleCookie(set_cookie)
    except CookieError:
        return set_cookie.split("=", 1)[0].strip()
    return next(iter(parsed), set_cookie.split("=", 1)[0].strip())


def banner(server: str | None, powered_by: str | None) -> str | None:
    """A header that names server software with its version, or ``None``."""
    if powered_by:
        return f"X-Powered-By: {powered_by}"
    if server and _VERSION.search(server):
        return f"Server: {server}"
    return None


def leak(body: str) -> str | None:
    """The first sign of a traceback or debugger in an error page, or ``None``."""
    return next((marker for marker in LEAK_MARKERS if marker in body), None)


def _csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [word.lower() for word in words[1:]])
    return directives
