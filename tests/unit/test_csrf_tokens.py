"""The CSRF token: made only when a page asks for it, checked as Flask-WTF checks it."""

from __future__ import annotations

import secrets
import time

import pytest
from flask import Flask, g, render_template_string, session
from flask_wtf import FlaskForm
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from flask_bastion import Bastion
from flask_bastion.csrf import TOKEN_SALT, csrf_token, token_problem


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    Bastion(app)
    return app


def _signed(app: Flask, raw: str, age: int = 0) -> str:
    """Flask-WTF's token for ``raw``, signed ``age`` seconds ago."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(app.secret_key, salt=TOKEN_SALT, signer=Signer).dumps(raw)


def test_a_page_without_a_form_signs_no_token(app: Flask) -> None:
    """Rendering a page that never calls csrf_token() leaves the session untouched."""
    with app.test_request_context():
        render_template_string("<p>{{ 1 + 1 }}</p>")
        assert "csrf_token" not in session and "csrf_token" not in g


def test_the_template_global_and_flask_wtf_forms_share_one_token(app: Flask) -> None:
    """``{{ csrf_token() }}`` and a FlaskForm's hidden field carry the same token."""
    with app.test_request_context():
        page_token = render_template_string("{{ csrf_token() }}")
        assert FlaskForm().csrf_token.current_token == page_token == csrf_token()
        assert token_problem(page_token) is None


@pytest.mark.parametrize(
    ("token", "age", "problem"),
    [
        pytest.param("", 0, "The CSRF token is missing.", id="missing"),
        pytest.param("not-a-token", 0, "The CSRF token is invalid.", id="garbage"),
        pytest.param("own", 3601, "The CSRF token has expired.", id="expired"),
        pytest.param("other", 0, "The CSRF tokens do not match.", id="other-session"),
    ],
)
def test_bad_tokens_are_refused_with_flask_wtfs_reason(
    app: Flask, token: str, age: int, problem: str
) -> None:
    """Each bad token is refused for the reason Flask-WTF gives."""
    with app.test_request_context():
        csrf_token()
        raw = session["csrf_token"]
        presented = {"own": _signed(app, raw, age), "other": _signed(app, "f" * 40)}
        assert token_problem(presented.get(token, token)) == problem


def test_a_token_without_a_session_secret_is_refused(app: Flask) -> None:
    """A valid-looking token in a request whose session holds no CSRF secret is refused."""
    with app.test_request_context():
        assert token_problem(_signed(app, "f" * 40)) == "The CSRF session token is missing."
