"""Deny by default: every endpoint needs a login unless it is explicitly public.

The walk below requests every route of the reference app, with every method it accepts, as an
anonymous client: each answers the login redirect (401 for JSON clients, and for every client
of the JSON API) unless it is in the public list of this module, so a view added without a
decorator fails here until it is protected or listed. A view its author forgot to protect is
protected anyway; a URL that no route serves stays 404. OPTIONS is Flask's own answer (the
allowed methods), which never runs the view.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from flask_bastion import public
from flask_bastion.api import is_json_api
from flask_bastion.check import run_checks
from flask_bastion.exceptions import ConfigurationError
from reference_app import create_app
from tests.support.accounts import create_user, login
from tests.support.client import form_token

#: The endpoints anonymous visitors may reach: reviewed by a person whenever this list changes.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.index",
        "bastion_auth.login",
        "bastion_auth.logout",
        "bastion_auth.register",
        "bastion_auth.two_factor",
        "bastion_auth.reset_request",
        "bastion_auth.reset_password",
        "bastion_auth.confirm_email",
        "api.openapi",
    }
)
SECRET = "forgotten view ran"


@dataclass(frozen=True)
class Route:
    endpoint: str
    path: str
    methods: tuple[str, ...]
    json_api: bool


def reference_routes() -> list[Route]:
    """Every route of the reference app, with a concrete URL built for its arguments."""
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    adapter = app.url_map.bind("localhost", url_scheme="https")
    return [
        Route(
            rule.endpoint,
            adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1)),
            tuple(sorted(rule.methods or ())),
            is_json_api(app, rule.endpoint),
        )
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    ]


ROUTES = reference_routes()


def send(client, method: str, path: str, token: str, **kwargs):
    """Send ``method`` to ``path``; unsafe methods carry a valid anonymous CSRF token."""
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        kwargs["data"] = {"csrf_token": token}
    return client.open(path, method=method, **kwargs)


def is_login_redirect(response) -> bool:
    location = urlsplit(response.headers.get("Location", ""))
    return response.status_code == 302 and (location.netloc, location.path) == ("", "/login")


@pytest.mark.parametrize("route", ROUTES, ids=[f"{route.path}" for route in ROUTES])
def test_every_route_is_public_or_asks_anonymous_visitors_to_log_in(client, route):
    """Each method of each route answers the login redirect or 401 (JSON) unless listed public."""
    token = form_token(client, "/login")
    for method in set(route.methods) - {"OPTIONS"}:
        html = send(client, method, route.path, token)
        json = send(client, method, route.path, token, headers={"Accept": "application/json"})
        if route.endpoint in PUBLIC_ENDPOINTS:
            assert json.status_code != 401, method
        else:
            if route.json_api:
                assert html.status_code == 401, (method, html.status_code)
            else:
                assert is_login_redirect(html), (method, html.status_code)
            assert json.status_code == 401, method
            if method != "HEAD":
                assert json.get_json()["error"]["status"] == 401


@pytest.mark.parametrize("route", ROUTES, ids=[f"{route.path}" for route in ROUTES])
def test_options_is_answered_by_flask_without_running_the_view(client, route):
    """OPTIONS (a CORS preflight) gets Flask's own answer, the allowed methods, never the view."""
    response = client.options(route.path)
    assert response.status_code == 200
    assert response.get_data() == b""
    assert set(response.headers["Allow"].split(", ")) >= set(route.methods)


def test_public_list_names_only_existing_endpoints():
    """Every endpoint of the public list exists, so the list cannot rot into granting nothing."""
    assert {route.endpoint for route in ROUTES} >= PUBLIC_ENDPOINTS


def add_forgotten_views(app):
    """A view and a blueprint added without any decorator, as an author might forget."""
    app.add_url_rule("/forgotten", "forgotten", lambda: SECRET, methods=["GET", "POST"])
    bp = Blueprint("reports", __name__)
    bp.add_url_rule("/reports/<int:number>", "show", lambda number: SECRET)
    app.register_blueprint(bp)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        pytest.param("GET", "/forgotten", {}, id="get"),
        pytest.param("HEAD", "/forgotten", {}, id="head"),
        pytest.param("POST", "/forgotten", {}, id="post-with-token"),
        pytest.param("GET", "/reports/7", {}, id="blueprint"),
        pytest.param("GET", "/forgotten", {"Accept": "application/json"}, id="json"),
    ],
)
def test_view_without_decorator_is_protected(app_factory, method, path, headers):
    """A brand-new view with no decorator sends anonymous visitors to log in; it never runs."""
    app = app_factory()
    add_forgotten_views(app)
    client = app.test_client()
    response = send(client, method, path, form_token(client, "/login"), headers=headers)
    assert SECRET not in response.get_data(as_text=True)
    if headers:
        assert response.status_code == 401
    else:
        assert is_login_redirect(response)


def test_view_without_decorator_serves_logged_in_users(app_factory):
    """Control: the same view answers a logged-in user."""
    app = app_factory()
    add_forgotten_views(app)
    create_user(app, "alice@example.org")
    client = app.test_client()
    login(client, "alice@example.org")
    assert client.get("/reports/7").get_data(as_text=True) == SECRET


def test_view_marked_public_is_reachable(app_factory):
    """A view marked @public answers anonymous visitors."""
    app = app_factory()
    app.add_url_rule("/status", "status", public(lambda: "ok"))
    assert app.test_client().get("/status").get_data(as_text=True) == "ok"


def test_blueprint_marked_public_is_reachable(app_factory):
    """Every view of a blueprint marked public, nested ones included, answers anonymous visitors."""
    app = app_factory()
    docs, api = Blueprint("docs", __name__), Blueprint("api", __name__)
    api.add_url_rule("/ping", "ping", lambda: "pong")
    docs.add_url_rule("/docs", "index", lambda: "docs")
    docs.register_blueprint(api)
    app.register_blueprint(public(docs))
    client = app.test_client()
    assert client.get("/docs").get_data(as_text=True) == "docs"
    assert client.get("/ping").get_data(as_text=True) == "pong"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/no-such-page", 404, id="unknown-path"),
        pytest.param("GET", "/notes/abc", 404, id="bad-argument"),
        pytest.param("GET", "/admin/no-such-page", 404, id="unknown-under-admin"),
        pytest.param("GET", "/logout", 405, id="wrong-method"),
        pytest.param("DELETE", "/notes", 405, id="wrong-method-on-protected"),
    ],
)
def test_unrouted_request_keeps_its_error(client, method, path, status):
    """A URL no route serves answers its 404 or 405, not a login redirect revealing nothing."""
    assert client.open(path, method=method).status_code == status


def test_opt_out_leaves_undecorated_views_open_and_warns(app_factory, caplog):
    """Opting out logs a warning, the audit reports it, and forgotten views are open."""
    with caplog.at_level(logging.WARNING):
        app = app_factory(BASTION_DENY_BY_DEFAULT=False)
    add_forgotten_views(app)
    assert "BST-CFG-017" in caplog.text
    assert "BST-CFG-017" in {finding.id for finding in run_checks(app)}
    assert app.test_client().get("/forgotten").get_data(as_text=True) == SECRET
    assert is_login_redirect(app.test_client().get("/notes"))  # decorated views stay guarded


@pytest.mark.parametrize("value", ["false", 0, None], ids=["string", "zero", "none"])
def test_setting_that_is_not_a_bool_stops_the_start(app_factory, value):
    """A value other than True or False is refused at start rather than guessed."""
    with pytest.raises(ConfigurationError, match="BASTION_DENY_BY_DEFAULT"):
        app_factory(BASTION_DENY_BY_DEFAULT=value)
