"""Downgrade to plain HTTP: redirected or refused, HSTS, and proxy headers trusted per hop only.

``base_url="http://localhost"`` plays a client that reached the app over plain HTTP; the
``X-Forwarded-*`` headers play either the reverse proxy or a client forging them.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask, request
from sqlalchemy import func, select

from flask_bastion import ConfigurationError, public
from reference_app.extensions import User, db
from tests.support.accounts import GOOD_PASSWORD, create_user
from tests.support.client import csrf_token_in

HTTP = "http://localhost"
HSTS = "max-age=31536000; includeSubDomains"
PATHS = {
    "root": "/",
    "page": "/login",
    "query": "/search?q=a%20b&page=2",
    "next-param": "/login?next=%2Fnotes%3Fx%3D1%26y%3D2",
    "non-ascii": "/search?q=%E2%9C%93",
    "deep": "/notes/5/edit",
}


def proxied_app(app_factory, hops: object) -> Flask:
    """An app behind ``hops`` trusted proxies, with a route that shows the client address."""
    app: Flask = app_factory(BASTION_PROXY_HOPS=hops)
    app.add_url_rule("/_remote-addr", "remote_addr", public(lambda: request.remote_addr or ""))
    return app


def user_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_plain_http_safe_request_redirects_to_https(client, method, path):
    """A plain-HTTP GET or HEAD answers 301 to the same path and query on https."""
    response = client.open(path, method=method, base_url=HTTP)
    assert response.status_code == 301
    target, asked = urlsplit(response.headers["Location"]), urlsplit(path)
    assert (target.scheme, target.netloc, target.path) == ("https", "localhost", asked.path)
    assert parse_qsl(target.query) == parse_qsl(asked.query)


@pytest.mark.parametrize(
    "origin", ["https://localhost", HTTP], ids=["https-page-origin", "http-page-origin"]
)
def test_plain_http_post_is_refused_not_redirected(app, client, origin):
    """A plain-HTTP registration POST answers 403 (no redirect) and stores nothing."""
    data = {"email": "new@example.org", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    headers = {"Origin": origin, "Referer": origin + "/register"}
    response = client.post("/register", data=data, base_url=HTTP, headers=headers)
    assert response.status_code == 403
    assert "Location" not in response.headers
    assert "HTTPS" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_plain_http_is_answered_before_rate_limits_count(app_factory):
    """Plain-HTTP requests are answered before the rate limiter runs: they use up no limit."""
    app = app_factory(RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    for _ in range(4):
        assert client.post("/login", base_url=HTTP, data={"email": "a@b.c"}).status_code == 403
        assert client.get("/login", base_url=HTTP).status_code == 301
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_unsafe_methods_over_http_are_refused(client, method):
    """PUT, PATCH and DELETE over plain HTTP answer 403, never a redirect."""
    response = client.open("/notes/1", method=method, base_url=HTTP)
    assert response.status_code == 403
    assert "Location" not in response.headers


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"], ids=["home", "login", "404"])
def test_https_responses_carry_hsts(client, path):
    """Every HTTPS response carries HSTS for one year, subdomains included."""
    assert client.get(path).headers["Strict-Transport-Security"] == HSTS


def test_http_redirect_carries_no_hsts(client):
    """The plain-HTTP redirect carries no HSTS, which browsers ignore over HTTP anyway."""
    response = client.get("/", base_url=HTTP)
    assert response.status_code == 301
    assert "Strict-Transport-Security" not in response.headers


def test_proxy_forwarded_https_is_served(app_factory):
    """With one trusted hop, the proxy's ``X-Forwarded-Proto: https`` is served, with HSTS."""
    client = proxied_app(app_factory, 1).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"}
    response = client.get("/", base_url=HTTP, headers=headers)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_proxy_forwarded_for_sets_client_address(app_factory):
    """With one trusted hop, the proxy's ``X-Forwarded-For`` becomes the client address."""
    client = proxied_app(app_factory, 1).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"}
    response = client.get("/_remote-addr", base_url=HTTP, headers=headers)
    assert response.get_data(as_text=True) == "1.2.3.4"


@pytest.mark.parametrize(
    "forwarded_for",
    ["6.6.6.6, 1.2.3.4", "127.0.0.1, 1.2.3.4", "6.6.6.6,5.5.5.5, 1.2.3.4"],
    ids=["forged-ip", "forged-loopback", "forged-chain"],
)
def test_client_forged_forwarded_for_is_ignored(app_factory, forwarded_for):
    """With one trusted hop, only the address the proxy appended (the last) is believed."""
    client = proxied_app(app_factory, 1).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": forwarded_for}
    response = client.get("/_remote-addr", base_url=HTTP, headers=headers)
    assert response.get_data(as_text=True) == "1.2.3.4"


def test_client_forged_proto_before_proxy_value_is_ignored(app_factory):
    """With one trusted hop, a client's ``https`` before the proxy's ``http`` still redirects."""
    client = proxied_app(app_factory, 1).test_client()
    headers = {"X-Forwarded-Proto": "https, http", "X-Forwarded-For": "1.2.3.4"}
    response = client.get("/", base_url=HTTP, headers=headers)
    assert response.status_code == 301


def test_forwarded_proto_untrusted_without_proxy(client):
    """With no trusted hop (the default), a forged ``X-Forwarded-Proto: https`` is redirected."""
    response = client.get("/", base_url=HTTP, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/"


def test_forwarded_for_untrusted_without_proxy(app_factory):
    """With no trusted hop, a forged ``X-Forwarded-For`` does not change the client address."""
    client = proxied_app(app_factory, 0).test_client()
    response = client.get("/_remote-addr", headers={"X-Forwarded-For": "1.2.3.4"})
    assert response.get_data(as_text=True) == "127.0.0.1"


@pytest.mark.parametrize(
    "hops", ["2", -1, True, 1.5, None], ids=["string", "negative", "bool", "float", "none"]
)
def test_invalid_proxy_hops_refuse_setup(app_factory, hops):
    """A ``BASTION_PROXY_HOPS`` that is not a non-negative int raises ConfigurationError."""
    with pytest.raises(ConfigurationError, match="BASTION_PROXY_HOPS"):
        app_factory(BASTION_PROXY_HOPS=hops)


def test_development_mode_serves_plain_http(app_factory):
    """In development mode a loopback client is served over plain HTTP, with no HSTS."""
    client = app_factory(BASTION_MODE="development").test_client()
    response = client.get("/", base_url=HTTP)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_development_mode_accepts_plain_http_login(app_factory):
    """In development mode a same-origin login over plain HTTP works (control for the 403)."""
    app = app_factory(BASTION_MODE="development")
    create_user(app, "dev@example.org")
    client = app.test_client()
    page = client.get("/login", base_url=HTTP).get_data(as_text=True)
    data = {"email": "dev@example.org", "password": GOOD_PASSWORD}
    data["csrf_token"] = csrf_token_in(page)
    headers = {"Origin": HTTP, "Referer": HTTP + "/login"}
    response = client.post("/login", data=data, base_url=HTTP, headers=headers)
    assert response.status_code == 302
