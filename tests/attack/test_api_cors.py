"""Cross-origin reads of the JSON API: no CORS unless configured, then an exact allowlist.

Without ``BASTION_CORS_ORIGINS`` no answer carries an ``Access-Control-*`` header, so a
browser keeps every other site from reading the API. With it, only the listed origins are let
in, never with credentials, and only on the API; their preflights are answered (204) even
though deny-by-default guards every API endpoint, and the view never runs for them.
"""

from __future__ import annotations

import pytest

from flask_bastion.exceptions import ConfigurationError
from tests.support.accounts import create_user
from tests.support.api import add_note, api_login, bearer, issue_token

APP_ORIGIN = "https://app.example.com"
EVIL = "https://evil.example"


def cors_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers if name.startswith("Access-Control-")}


def preflight(client, path: str, origin: str, method: str = "PATCH"):
    """What a browser asks before sending ``method`` with a token from ``origin``."""
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    return client.options(path, headers=headers)


@pytest.fixture
def cors_app(app_factory):
    return app_factory(BASTION_CORS_ORIGINS=[APP_ORIGIN])


@pytest.mark.parametrize("origin", [APP_ORIGIN, EVIL])
def test_cors_is_off_by_default(app, origin):
    """By default no API answer, preflight or not, carries any Access-Control-* header."""
    client = app.test_client()
    assert cors_headers(client.get("/api/v1/openapi.json", headers={"Origin": origin})) == {}
    assert cors_headers(preflight(client, "/api/v1/notes/1", origin)) == {}


def test_allowed_origin_reads_the_api_without_credentials(cors_app):
    """A listed origin may read an answer; credentials (cookies) are never allowed."""
    response = cors_app.test_client().get("/api/v1/openapi.json", headers={"Origin": APP_ORIGIN})
    headers = cors_headers(response)
    assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Access-Control-Allow-Credentials" not in headers
    assert "Origin" in response.headers["Vary"]


def test_allowed_origin_reads_errors_too(cors_app):
    """An error answer (401) reaches the allowed origin's script, so it can show it."""
    response = cors_app.test_client().get("/api/v1/notes", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 401
    assert cors_headers(response)["Access-Control-Allow-Origin"] == APP_ORIGIN


@pytest.mark.parametrize(
    "origin",
    [
        EVIL,
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://app.example.com.evil.example",
        "https://sub.app.example.com",
        "null",
    ],
    ids=["other-site", "http", "other-port", "suffix", "subdomain", "null"],
)
def test_other_origins_are_not_let_in(cors_app, origin):
    """An origin not exactly listed gets no CORS header, so its scripts cannot read the API."""
    client = cors_app.test_client()
    response = client.get("/api/v1/openapi.json", headers={"Origin": origin})
    assert cors_headers(response) == {}
    assert "Origin" in response.headers["Vary"]
    assert cors_headers(preflight(client, "/api/v1/notes", origin, "POST")) == {}


def test_preflight_passes_deny_by_default(cors_app):
    """An anonymous preflight to a guarded endpoint is answered 204 with what may be sent."""
    response = preflight(cors_app.test_client(), "/api/v1/notes/1", APP_ORIGIN)
    assert response.status_code == 204
    assert response.get_data() == b""
    headers = cors_headers(response)
    assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "PATCH" in headers["Access-Control-Allow-Methods"].split(", ")
    assert headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in headers


def test_preflight_runs_no_view(cors_app):
    """A preflight changes nothing: the DELETE it asks about is not performed."""
    alice = create_user(cors_app, "alice@example.org")
    note = add_note(cors_app, alice, "kept")
    client, _ = api_login(cors_app, "alice@example.org")
    assert preflight(client, f"/api/v1/notes/{note}", APP_ORIGIN, "DELETE").status_code == 204
    assert client.get(f"/api/v1/notes/{note}").get_json()["title"] == "kept"


def test_pages_never_get_cors(cors_app):
    """Outside the API nothing changes: pages carry no CORS header for a listed origin."""
    client = cors_app.test_client()
    assert cors_headers(client.get("/login", headers={"Origin": APP_ORIGIN})) == {}
    assert cors_headers(preflight(client, "/login", APP_ORIGIN, "POST")) == {}


def test_listed_origin_still_cannot_use_the_cookie(cors_app):
    """A listed origin sending the session cookie is still refused by the CSRF check."""
    create_user(cors_app, "alice@example.org")
    client, csrf = api_login(cors_app, "alice@example.org")
    response = client.post(
        "/api/v1/notes", json={"title": "x"}, headers={**csrf, "Origin": APP_ORIGIN}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "value",
    [
        ["*"],
        "https://app.example.com",
        ["https://app.example.com/"],
        ["https://app.example.com/path"],
        ["app.example.com"],
        ["ftp://app.example.com"],
        ["https://user@app.example.com"],
        [r"https://.*\.example\.com"],
    ],
    ids=["wildcard", "string", "slash", "path", "no-scheme", "ftp", "userinfo", "regex"],
)
def test_unsafe_or_malformed_setting_stops_the_start(app_factory, value):
    """A wildcard, or anything that is not a list of exact origins, is refused at start."""
    with pytest.raises(ConfigurationError, match="BASTION_CORS_ORIGINS"):
        app_factory(BASTION_CORS_ORIGINS=value)


def test_allowed_origin_writes_with_a_token(cors_app):
    """A listed origin's script, sending a bearer token, creates a note and reads the answer."""
    secret = issue_token(cors_app, create_user(cors_app, "alice@example.org"))
    response = cors_app.test_client().post(
        "/api/v1/notes",
        json={"title": "from the SPA"},
        headers={**bearer(secret), "Origin": APP_ORIGIN},
    )
    assert response.status_code == 201
    headers = cors_headers(response)
    assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Location" in headers["Access-Control-Expose-Headers"]
