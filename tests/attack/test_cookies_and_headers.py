"""Session theft and browser-side attacks: hardened cookies, bounded sessions, security headers.

Cookie attributes are read from the raw ``Set-Cookie`` headers, exactly as a browser gets them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, render_template_string
from itsdangerous import TimestampSigner
from werkzeug.http import parse_date

from flask_bastion import public
from tests.support.accounts import GOOD_PASSWORD, create_user, login
from tests.support.client import csrf_token_in

EMAIL = "cookie@example.org"
HTTP = "http://localhost"
SESSION, REMEMBER = "__Host-session", "__Host-remember_token"
ANONYMOUS_PATHS = {
    "home": "/",
    "login": "/login",
    "register": "/register",
    "not-found": "/no-such-page",
    "redirect-to-login": "/notes",
    "static": "/static/style.css",
}
HARDENING_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def set_cookies(response) -> dict[str, dict[str, str | None]]:
    """Each cookie set by ``response``, by name, with its attributes (lower-case names)."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *attributes = header.split(";")
        parsed: dict[str, str | None] = {}
        for attribute in attributes:
            name, sep, value = attribute.strip().partition("=")
            parsed[name.lower()] = value if sep else None
        cookies[pair.partition("=")[0].strip()] = parsed
    return cookies


def csp_directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as ``{directive: [sources]}``."""
    policy = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def logged_in(app: Flask, remember: bool = False, base_url: str = "https://localhost"):
    """A client logged in as a fresh user, and the login response."""
    create_user(app, EMAIL)
    client = app.test_client()
    if base_url == HTTP:
        token = csrf_token_in(client.get("/login", base_url=HTTP).get_data(as_text=True))
        data = {"email": EMAIL, "password": GOOD_PASSWORD, "csrf_token": token}
        data |= {"remember": "y"} if remember else {}
        headers = {"Origin": HTTP, "Referer": HTTP + "/login"}
        return client, client.post("/login", data=data, base_url=HTTP, headers=headers)
    return client, login(client, EMAIL, **({"remember": "y"} if remember else {}))


@pytest.mark.parametrize("name", [SESSION, REMEMBER], ids=["session", "remember"])
def test_auth_cookies_are_hardened(app, name):
    """After login the cookie is ``__Host-``, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain."""
    _, response = logged_in(app, remember=True)
    cookie = set_cookies(response)[name]
    assert "secure" in cookie
    assert "httponly" in cookie
    assert (cookie.get("samesite") or "").lower() == "lax"
    assert cookie.get("path") == "/"
    assert "domain" not in cookie


def test_remember_cookie_lasts_seven_days(app):
    """The remember-me cookie expires in seven days, not Flask-Login's default of a year."""
    _, response = logged_in(app, remember=True)
    cookie = set_cookies(response)[REMEMBER]
    if "max-age" in cookie:
        lifetime = timedelta(seconds=int(cookie["max-age"] or 0))
    else:
        lifetime = parse_date(cookie["expires"]) - datetime.now(UTC)
    assert abs(lifetime - timedelta(days=7)) < timedelta(minutes=2)


def test_no_remember_cookie_without_remember_me(app):
    """A login without "remember me" sets no remember cookie."""
    client, response = logged_in(app, remember=False)
    assert response.status_code == 302
    assert REMEMBER not in set_cookies(response)
    assert client.get_cookie(REMEMBER) is None


@pytest.mark.parametrize(
    ("age", "status"),
    [(timedelta(hours=11), 200), (timedelta(hours=12, minutes=1), 302), (timedelta(days=30), 302)],
    ids=["11h-accepted", "12h01-rejected", "30d-rejected"],
)
def test_session_lifetime_is_bounded(app, monkeypatch, age, status):
    """A session cookie signed more than 12 hours ago no longer logs the user in."""
    client, _ = logged_in(app)
    assert client.get("/notes").status_code == 200
    later = int(time.time() + age.total_seconds())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/notes")
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/", "/notes", "/notes/new", "/search?q=x", "/no-such-page"])
def test_logged_in_pages_are_not_stored(app, path):
    """Every page served to a logged-in user carries ``Cache-Control: no-store``."""
    client, _ = logged_in(app)
    assert client.get(path).headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", ANONYMOUS_PATHS.values(), ids=ANONYMOUS_PATHS.keys())
def test_every_response_has_strict_csp(client, path):
    """Every response has a CSP without inline script, plugins, ``<base>`` or framing."""
    with client.get(path) as response:  # closes the static file
        csp = csp_directives(response)
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp["script-src"])
    assert not any(source.startswith("'nonce-") for source in csp["script-src"])


def test_plain_http_redirect_has_csp(client):
    """Even the plain-HTTP redirect carries the CSP."""
    assert csp_directives(client.get("/", base_url=HTTP))["object-src"] == ["'none'"]


NONCE_PAGE = '<script nonce="{{ csp_nonce() }}"></script><style nonce="{{ csp_nonce() }}"></style>'


@pytest.fixture
def nonce_client(app_factory):
    """A client of an app with one page whose template calls ``csp_nonce()``."""
    app = app_factory()
    page = public(lambda: render_template_string(NONCE_PAGE))
    app.add_url_rule("/_nonce", "nonce_page", page)
    return app.test_client()


def test_nonce_is_in_csp_when_template_uses_it(nonce_client):
    """A template's ``csp_nonce()`` is the one nonce allowed by script-src and style-src."""
    response = nonce_client.get("/_nonce")
    nonces = set(re.findall(r'nonce="([^"]+)"', response.get_data(as_text=True)))
    assert len(nonces) == 1
    (nonce,) = nonces
    csp = csp_directives(response)
    for directive in ("script-src", "style-src"):
        assert f"'nonce-{nonce}'" in csp[directive]
    assert "'unsafe-inline'" not in csp["script-src"]


def test_nonce_differs_per_request(nonce_client):
    """Each response has a fresh nonce, so a nonce seen once cannot be reused."""
    seen = {nonce_client.get("/_nonce").headers["Content-Security-Policy"] for _ in range(5)}
    assert len(seen) == 5


@pytest.mark.parametrize("header", HARDENING_HEADERS)
@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"])
def test_hardening_headers_are_present(client, path, header):
    """Every page carries the browser hardening headers with their strict values."""
    assert client.get(path).headers.get(header) == HARDENING_HEADERS[header]


@pytest.mark.parametrize("feature", ["camera", "microphone", "geolocation", "payment", "usb"])
def test_permissions_policy_denies_powerful_features(client, feature):
    """The Permissions-Policy grants the page no camera, microphone, location or payment."""
    assert f"{feature}=()" in client.get("/").headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("name", "remember"), [("bastion_session", False), ("bastion_remember_token", True)]
)
def test_development_cookies_work_over_http(app_factory, name, remember):
    """Development mode uses unprefixed, non-Secure cookies, still HttpOnly and SameSite=Lax."""
    app = app_factory(BASTION_MODE="development")
    _, response = logged_in(app, remember=remember, base_url=HTTP)
    cookies = set_cookies(response)
    assert not any(cookie.startswith("__Host-") for cookie in cookies)
    assert "secure" not in cookies[name]
    assert "httponly" in cookies[name]
    assert (cookies[name].get("samesite") or "").lower() == "lax"


REMOTE = {"public-v4": "203.0.113.9", "private-v4": "10.0.0.5", "mapped-v6": "::ffff:8.8.8.8"}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("address", REMOTE.values(), ids=REMOTE.keys())
def test_development_mode_refuses_other_hosts(app_factory, address, method):
    """Development mode answers 403 to any client that is not on this machine."""
    client = app_factory(BASTION_MODE="development").test_client()
    response = client.open("/login", method=method, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 403


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1"])
def test_development_mode_serves_loopback(app_factory, address):
    """Development mode serves loopback clients (control for the 403)."""
    client = app_factory(BASTION_MODE="development").test_client()
    assert client.get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200


def test_production_mode_serves_other_hosts(client):
    """Production mode serves clients from anywhere (the loopback rule is development only)."""
    assert client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
