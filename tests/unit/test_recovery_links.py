"""The settings of the mailed-link flows: where links point, and which flows are on."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_bastion import Bastion, state_for
from flask_bastion.config import apply_defaults
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.recovery.links import Recovery, parse_external_url


def recovery(*, mail: bool, **settings: Any) -> Recovery:
    """The flows a bare app with ``settings`` gets, with or without a mail backend."""
    app = Flask(__name__)
    app.config.update(settings)
    apply_defaults(app)
    return Recovery.from_app(app, mail=mail)


ACCEPTED = {
    "https-host": ("https://notes.example.org", "https://notes.example.org"),
    "trailing-slash": ("https://notes.example.org/", "https://notes.example.org"),
    "with-port": ("https://notes.example.org:8443", "https://notes.example.org:8443"),
}


@pytest.mark.parametrize(("value", "expected"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_external_url_keeps_scheme_and_host(value: str, expected: str) -> None:
    """A plain https origin is accepted, without its trailing slash."""
    assert parse_external_url(value, production=True) == expected


REFUSED = {
    "plain-http-in-production": "http://notes.example.org",
    "no-scheme": "notes.example.org",
    "other-scheme": "ftp://notes.example.org",
    "with-path": "https://notes.example.org/app",
    "with-query": "https://notes.example.org/?next=x",
    "with-user": "https://evil.example@notes.example.org",
    "not-a-string": 443,
}


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
def test_external_url_that_could_mislead_is_refused(value: Any) -> None:
    """Anything but ``https://host[:port]`` stops the start with the setting's name."""
    with pytest.raises(ConfigurationError, match="BASTION_EXTERNAL_URL"):
        parse_external_url(value, production=True)


def test_plain_http_is_allowed_in_development() -> None:
    """Development mode serves plain HTTP, so its links may use it."""
    assert parse_external_url("http://127.0.0.1:8000", production=False) == "http://127.0.0.1:8000"


def test_mail_without_external_url_refuses_to_start() -> None:
    """In production, mail on without BASTION_EXTERNAL_URL is refused: links need a host."""
    with pytest.raises(ConfigurationError, match="BASTION_EXTERNAL_URL is not set"):
        recovery(mail=True)


def test_development_links_default_to_the_local_server() -> None:
    """Development mode builds links on http://127.0.0.1:8000 unless told otherwise."""
    assert recovery(mail=True, BASTION_MODE="development").external_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("mail", "value", "expected"),
    [
        pytest.param(True, None, True, id="default-with-mail-on"),
        pytest.param(False, None, False, id="default-without-mail-off"),
        pytest.param(True, False, False, id="explicitly-off"),
    ],
)
def test_confirmation_follows_the_mail_backend(mail: bool, value: Any, expected: bool) -> None:
    """BASTION_CONFIRM_EMAIL None means "on whenever mail can be sent"; False turns it off."""
    settings = {"BASTION_EXTERNAL_URL": "https://notes.example.org", "BASTION_CONFIRM_EMAIL": value}
    assert recovery(mail=mail, **settings).confirm_email is expected


@pytest.mark.parametrize("value", ["yes", 1], ids=["string", "one"])
def test_confirmation_truthy_but_not_true_is_refused(value: Any) -> None:
    """A value that only looks true is refused rather than guessed."""
    with pytest.raises(ConfigurationError, match="BASTION_CONFIRM_EMAIL"):
        recovery(mail=True, BASTION_EXTERNAL_URL="https://n.example", BASTION_CONFIRM_EMAIL=value)


def test_confirmation_required_without_mail_refuses_to_start() -> None:
    """BASTION_CONFIRM_EMAIL = True with no mail backend could never confirm anyone."""
    with pytest.raises(ConfigurationError, match="BASTION_MAIL_BACKEND"):
        recovery(mail=False, BASTION_CONFIRM_EMAIL=True)


def test_reset_is_offered_but_unavailable_without_mail() -> None:
    """Without mail, /reset exists (it says why it cannot help) but sends nothing."""
    flows = recovery(mail=False)
    assert flows.reset_offered and not flows.reset_available


def test_bastion_refuses_mail_without_external_url(tmp_path: Path) -> None:
    """Bastion(app, db) with the file mail backend and no external URL does not start."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BASTION_MAIL_BACKEND="file",
        BASTION_MAIL_SENDER="n@example.org",
    )
    db = SQLAlchemy(app)
    with pytest.raises(ConfigurationError, match="BASTION_EXTERNAL_URL"):
        Bastion(app, db=db)


def test_bastion_keeps_the_flows_on_its_state(tmp_path: Path) -> None:
    """With a file backend and an external URL, the app's state says which flows are on."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BASTION_MAIL_BACKEND="file",
        BASTION_MAIL_SENDER="n@example.org",
        BASTION_EXTERNAL_URL="https://notes.example.org",
    )
    Bastion(app, db=SQLAlchemy(app))
    flows = state_for(app).recovery
    assert flows is not None
    assert flows.external_url == "https://notes.example.org"
    assert flows.reset_available and flows.confirm_email
