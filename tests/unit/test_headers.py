"""The Content-Security-Policy renderer and the per-request nonce."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_bastion.config import BASTION_DEFAULTS
from flask_bastion.headers import CspPolicy, csp_nonce

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_default_policy_renders_in_order():
    """The default directives render in their declared order, separated by ``; ``."""
    assert CspPolicy(BASTION_DEFAULTS["BASTION_CSP"]).render(None) == DEFAULT_POLICY


def test_nonce_goes_to_script_and_style_only():
    """A nonce is appended to script-src and style-src and to no other directive."""
    rendered = CspPolicy(BASTION_DEFAULTS["BASTION_CSP"]).render("abc123")
    directives = dict(part.split(" ", 1) for part in rendered.split("; "))
    assert directives["script-src"] == "'self' 'nonce-abc123'"
    assert directives["style-src"] == "'self' 'nonce-abc123'"
    others = {name: value for name, value in directives.items() if not name.endswith("-src")}
    assert all("nonce" not in value for value in others.values())
    assert "nonce" not in directives["default-src"] + directives["img-src"]


def test_valueless_directive_renders_bare():
    """A directive with an empty value renders as its name alone."""
    policy = CspPolicy({"upgrade-insecure-requests": "", "object-src": "'none'"})
    assert policy.render(None) == "upgrade-insecure-requests; object-src 'none'"


def test_nonce_added_to_directive_without_sources():
    """A nonce on an empty script-src makes the nonce its only source."""
    assert CspPolicy({"script-src": ""}).render("n1").split() == ["script-src", "'nonce-n1'"]


def test_policy_is_a_copy_of_its_directives():
    """Changing the mapping after setup does not change the policy sent."""
    directives = {"script-src": "'self'"}
    policy = CspPolicy(directives)
    directives["script-src"] = "'unsafe-inline'"
    assert policy.render(None) == "script-src 'self'"
    assert policy.render("n") == "script-src 'self' 'nonce-n'"


@pytest.fixture
def bare_app() -> Flask:
    return Flask(__name__)


def test_nonce_is_stable_within_a_request(bare_app):
    """Every ``csp_nonce()`` call in one request returns the same unguessable value."""
    with bare_app.test_request_context():
        first = csp_nonce()
        assert csp_nonce() == first
        assert len(first) >= 22


def test_nonce_differs_between_requests(bare_app):
    """Each request gets its own nonce."""
    nonces = set()
    for _ in range(10):
        with bare_app.test_request_context():
            nonces.add(csp_nonce())
    assert len(nonces) == 10


def test_headers_a_view_sets_are_kept_and_the_rest_added():
    """A header the view set itself (any case) is kept as is; every other security header,
    HSTS included on HTTPS, is still added, once."""
    from flask_bastion import Bastion

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "a3c9f1e07b5d4b2a8e6f0c1d9b7a5e3f"
    Bastion(app)

    @app.get("/own")
    def own() -> tuple[str, dict[str, str]]:
        return "", {"x-frame-options": "SAMEORIGIN", "Content-Security-Policy": "default-src *"}

    response = app.test_client().get("/own", base_url="https://localhost")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Content-Security-Policy") == ["default-src *"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert len(response.headers.getlist("Strict-Transport-Security")) == 1
