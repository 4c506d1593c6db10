"""``--url``: what a live server sends, found with a handful of safe GET requests.

Never an attack: at most four GETs (the plain-HTTP address, the page, one redirect to it, and a
path that does not exist to see the error page), each with a short timeout.
"""

from __future__ import annotations

import http.client
import secrets
import ssl
from dataclasses import dataclass
from email.message import Message
from typing import Final
from urllib.parse import urljoin, urlsplit

from flask_bastion.check import http_rules
from flask_bastion.check.registry import Finding, Severity

HTTP_SERVED: Final = "BST-URL-001"
HSTS_MISSING: Final = "BST-URL-002"
CSP_WEAK: Final = "BST-URL-003"
NOSNIFF_MISSING: Final = "BST-URL-004"
REFERRER_LEAK: Final = "BST-URL-005"
COOKIE_FLAGS: Final = "BST-URL-006"
BANNER: Final = "BST-URL-007"
ERROR_LEAK: Final = "BST-URL-008"

TIMEOUT: Final = 10.0
BODY_LIMIT: Final = 65_536
LEAKY_REFERRER_POLICIES: Final = frozenset({"unsafe-url", "no-referrer-when-downgrade"})


@dataclass(frozen=True)
class Page:
    """One response: where it came from, its status, headers and the start of its body."""

    url: str
    status: int
    headers: Message
    body: str


def check_url(
    url: str, http_url: str | None = None, cafile: str | None = None
) -> tuple[list[Finding], list[str]]:
    """The findings for ``url``, and what could not be checked (a server that did not answer)."""
    context = ssl.create_default_context(cafile=cafile)
    findings: list[Finding] = []
    try:
        page = _fetch(url, context)
        if urlsplit(url).scheme == "http":
            findings += _redirect_findings(page)
            page = _follow_to_https(page, context)
        else:
            findings += _redirect_findings(_fetch(http_url or _plain(url), context))
        findings += header_findings(page)
        missing = urljoin(page.url, f"/bastion-check-{secrets.token_hex(4)}")
        findings += error_page_findings(_fetch(missing, context))
    except (OSError, http.client.HTTPException) as error:
        return findings, [f"{url}: {error}"]
    return findings, []


def header_findings(page: Page) -> list[Finding]:
    """HSTS, CSP, nosniff, Referrer-Policy, cookies and banners of one page."""
    found: list[Finding] = []
    https = urlsplit(page.url).scheme == "https"
    hsts = http_rules.hsts_problem(page.headers.get("Strict-Transport-Security"))
    if https and hsts:
        found.append(
            _finding(
                HSTS_MISSING,
                Severity.MEDIUM,
                page,
                f"HTTPS pages {hsts}: a later visit can be downgraded to plain HTTP.",
                "Send Strict-Transport-Security: max-age=31536000; includeSubDomains.",
            )
        )
    csp = http_rules.csp_problems(page.headers.get("Content-Security-Policy"))
    if csp:
        found.append(
            _finding(
                CSP_WEAK,
                Severity.MEDIUM,
                page,
                "The Content-Security-Policy "
                f"has {', '.join(csp)}: an injected script or plugin can run.",
                "Send a CSP with object-src 'none', base-uri 'none', "
                "frame-ancestors 'none' and nonces instead of 'unsafe-inline'.",
            )
        )
    if page.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        found.append(
            _finding(
                NOSNIFF_MISSING,
                Severity.LOW,
                page,
                "No X-Content-Type-Options: nosniff: a browser may run an uploaded file as script.",
                "Send X-Content-Type-Options: nosniff.",
            )
        )
    found += _referrer_findings(page)
    for cookie in page.headers.get_all("Set-Cookie") or []:
        problems = http_rules.cookie_problems(cookie, https)
        if problems:
            name = http_rules.cookie_name(cookie)
            found.append(
                _finding(
                    COOKIE_FLAGS,
                    Severity.MEDIUM,
                    page,
                    f"The cookie {name} "
                    f"has {', '.join(problems)}: it can be stolen or sent "
                    "cross-site.",
                    "Set Secure, HttpOnly and SameSite=Lax.",
                )
            )
    return found + _banner_findings(page)


def error_page_findings(page: Page) -> list[Finding]:
    """A traceback or debugger in the error page, and any banner it carries."""
    marker = http_rules.leak(page.body)
    found = _banner_findings(page)
    if marker:
        severity = Severity.CRITICAL if "ebugger" in marker else Severity.HIGH
        found.append(
            _finding(
                ERROR_LEAK,
                severity,
                page,
                f"The error page shows internals "
                f"({marker!r}): code, paths or a console for an attacker.",
                "Turn debug off and register an errorhandler with a generic page.",
            )
        )
    return found


def _redirect_findings(page: Page) -> list[Finding]:
    location = page.headers.get("Location", "")
    if page.status in (301, 302, 303, 307, 308) and location.startswith("https://"):
        return []
    return [
        _finding(
            HTTP_SERVED,
            Severity.HIGH,
            page,
            f"Plain HTTP answers {page.status} "
            "instead of redirecting to HTTPS: passwords and cookies travel in clear.",
            "Redirect every plain-HTTP request to https:// (301) at the proxy or app.",
        )
    ]


def _referrer_findings(page: Page) -> list[Finding]:
    policy = page.headers.get("Referrer-Policy", "").strip().lower()
    if policy and policy.split(",")[-1].strip() not in LEAKY_REFERRER_POLICIES:
        return []
    return [
        _finding(
            REFERRER_LEAK,
            Severity.LOW,
            page,
            "No safe Referrer-Policy: full URLs, with their ids and tokens, leak to other sites.",
            "Send Referrer-Policy: same-origin (or strict-origin-when-cross-origin).",
        )
    ]


def _banner_findings(page: Page) -> list[Finding]:
    text = http_rules.banner(page.headers.get("Server"), page.headers.get("X-Powered-By"))
    if text is None:
        return []
    return [
        _finding(
            BANNER,
            Severity.LOW,
            page,
            f"The response names its software ({text}): "
            "attackers look up that version's known holes.",
            "Hide versions (nginx: server_tokens off; no X-Powered-By).",
        )
    ]


def _follow_to_https(page: Page, context: ssl.SSLContext) -> Page:
    location = page.headers.get("Location", "")
    if page.status in (301, 302, 303, 307, 308) and location.startswith("https://"):
        return _fetch(location, context)
    return page


def _plain(url: str) -> str:
    parts = urlsplit(url)
    return f"http://{parts.hostname}{parts.path or '/'}"


def _fetch(url: str, context: ssl.SSLContext) -> Page:
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.netloc, timeout=TIMEOUT, context=context)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=TIMEOUT)
    try:
        path = parts.path or "/"
        connection.request("GET", f"{path}?{parts.query}" if parts.query else path)
        response = connection.getresponse()
        body = response.read(BODY_LIMIT).decode("utf-8", errors="replace")
        return Page(url, response.status, response.msg, body)
    finally:
        connection.close()


def _finding(check_id: str, severity: Severity, page: Page, risk: str, fix: str) -> Finding:
    return Finding(check_id, severity, risk, fix, location=page.url)
