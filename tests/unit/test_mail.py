"""Tests for flask_bastion.mail: the console and file backends, safe headers, checked settings."""

from __future__ import annotations

import logging
import secrets
import stat
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_bastion import Bastion
from flask_bastion.config import apply_defaults
from flask_bastion.exceptions import ConfigurationError
from flask_bastion.extension import state_for
from flask_bastion.mail import ConsoleBackend, FileBackend, Mailer, SmtpBackend, init_mail


def _app(tmp_path: Path, **config: Any) -> Flask:
    """A bare Flask app with every default applied, its instance folder under ``tmp_path``."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    apply_defaults(app)
    return app


def _mailer(tmp_path: Path, **config: Any) -> Mailer:
    return init_mail(_app(tmp_path, **config))


def _sent_files(directory: Path) -> list[EmailMessage]:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(directory.glob("*.eml"))
    ]


SMTP = {
    "BASTION_MAIL_BACKEND": "smtp",
    "BASTION_MAIL_SERVER": "smtp.example.org",
    "BASTION_MAIL_SENDER": "Notes <no-reply@example.org>",
}


def test_production_default_sends_no_mail(tmp_path: Path) -> None:
    """Without a backend, the mailer is off and a send says which setting turns it on."""
    mailer = _mailer(tmp_path)
    assert not mailer.enabled
    with pytest.raises(ConfigurationError, match="BASTION_MAIL_BACKEND"):
        mailer.send("ada@example.org", "Hello", "text")


def test_development_default_is_the_console(tmp_path: Path) -> None:
    """Development mode logs mail to the console unless the app chose another backend."""
    mailer = _mailer(tmp_path, BASTION_MODE="development")
    assert mailer.enabled
    assert isinstance(mailer.backend, ConsoleBackend)


def test_console_logs_the_whole_message(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The console backend logs headers and body at INFO on the flask_bastion.mail logger."""
    mailer = _mailer(tmp_path, BASTION_MAIL_BACKEND="console")
    with caplog.at_level(logging.INFO, logger="flask_bastion.mail"):
        mailer.send("ada@example.org", "Reset your password", "https://notes.example/r/abc")
    (record,) = caplog.records
    assert record.name == "flask_bastion.mail"
    for expected in ("To: ada@example.org", "Subject: Reset your password", "/r/abc"):
        assert expected in record.getMessage()


def test_file_backend_writes_owner_only_eml(tmp_path: Path) -> None:
    """Each message is one .eml file (0600) in the instance's mail/ folder (0700)."""
    mailer = _mailer(tmp_path, BASTION_MAIL_BACKEND="file", BASTION_MAIL_SENDER="n@example.org")
    mailer.send("ada@example.org", "Confirm", "plain body", html="<p>html body</p>")
    folder = tmp_path / "instance" / "mail"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (path,) = folder.glob("*.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (message,) = _sent_files(folder)
    assert (message["From"], message["To"], message["Subject"]) == (
        "n@example.org",
        "ada@example.org",
        "Confirm",
    )
    assert message["Date"] and message["Message-ID"].endswith("@example.org>")
    assert message.get_body(("plain",)).get_content().strip() == "plain body"  # type: ignore[union-attr]
    assert message.get_body(("html",)).get_content().strip() == "<p>html body</p>"  # type: ignore[union-attr]


def test_file_backend_uses_the_configured_folder(tmp_path: Path) -> None:
    """BASTION_MAIL_FILE_DIR moves the folder; two messages make two files."""
    folder = tmp_path / "outbox"
    mailer = _mailer(tmp_path, BASTION_MAIL_BACKEND="file", BASTION_MAIL_FILE_DIR=str(folder))
    assert isinstance(mailer.backend, FileBackend)
    mailer.send("ada@example.org", "One", "1")
    mailer.send("ada@example.org", "Two", "2")
    assert [m["Subject"] for m in _sent_files(folder)] == ["One", "Two"]


INJECTIONS = {
    "to-crlf-bcc": ("ada@example.org\r\nBcc: eve@evil.example", "Hello"),
    "to-lf-bcc": ("ada@example.org\nBcc: eve@evil.example", "Hello"),
    "to-cr": ("ada@example.org\rBcc: eve@evil.example", "Hello"),
    "to-second-recipient": ("ada@example.org, eve@evil.example", "Hello"),
    "to-not-an-address": ("ada", "Hello"),
    "subject-crlf-header": ("ada@example.org", "Hi\r\nBcc: eve@evil.example"),
    "subject-lf-body": ("ada@example.org", "Hi\n\nhttps://evil.example/reset"),
    "subject-unicode-line-separator": ("ada@example.org", "Hi\u2028Bcc: eve@evil.example"),
}


@pytest.mark.parametrize(("to", "subject"), INJECTIONS.values(), ids=INJECTIONS.keys())
def test_header_injection_is_refused(tmp_path: Path, to: str, subject: str) -> None:
    """A line break or a second address in To or Subject raises, and nothing is written."""
    mailer = _mailer(tmp_path, BASTION_MAIL_BACKEND="file")
    with pytest.raises(ValueError, match="mail"):
        mailer.send(to, subject, "body")
    assert _sent_files(tmp_path / "instance" / "mail") == []


BAD_SETTINGS = {
    "unknown-backend": ({"BASTION_MAIL_BACKEND": "sendmail"}, "BASTION_MAIL_BACKEND"),
    "smtp-no-server": ({**SMTP, "BASTION_MAIL_SERVER": None}, "BASTION_MAIL_SERVER"),
    "smtp-no-sender": ({**SMTP, "BASTION_MAIL_SENDER": None}, "BASTION_MAIL_SENDER"),
    "sender-injection": (
        {"BASTION_MAIL_BACKEND": "console", "BASTION_MAIL_SENDER": "a@b.org\r\nBcc: e@f.org"},
        "BASTION_MAIL_SENDER",
    ),
    "port-zero": ({**SMTP, "BASTION_MAIL_PORT": 0}, "BASTION_MAIL_PORT"),
    "port-string": ({**SMTP, "BASTION_MAIL_PORT": "587"}, "BASTION_MAIL_PORT"),
    "port-bool": ({**SMTP, "BASTION_MAIL_PORT": True}, "BASTION_MAIL_PORT"),
    "security-unknown": ({**SMTP, "BASTION_MAIL_SECURITY": "tls"}, "BASTION_MAIL_SECURITY"),
    "timeout-zero": ({**SMTP, "BASTION_MAIL_TIMEOUT": 0}, "BASTION_MAIL_TIMEOUT"),
    "timeout-string": ({**SMTP, "BASTION_MAIL_TIMEOUT": "10"}, "BASTION_MAIL_TIMEOUT"),
    "ca-file-missing": ({**SMTP, "BASTION_MAIL_CA_FILE": "/nonexistent.pem"}, "CA_FILE"),
    "username-only": ({**SMTP, "BASTION_MAIL_USERNAME": "ada"}, "BASTION_MAIL_PASSWORD"),
    "password-only": ({**SMTP, "BASTION_MAIL_PASSWORD": "pw"}, "BASTION_MAIL_USERNAME"),
    "credentials-in-clear-to-remote": (
        {
            **SMTP,
            "BASTION_MAIL_SECURITY": "none",
            "BASTION_MAIL_USERNAME": "ada",
            "BASTION_MAIL_PASSWORD": "pw",
        },
        "clear text to smtp.example.org",
    ),
}


@pytest.mark.parametrize(("config", "named"), BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_setting_is_refused_at_start(
    tmp_path: Path, config: dict[str, Any], named: str
) -> None:
    """init_mail raises a ConfigurationError naming the setting to fix."""
    with pytest.raises(ConfigurationError, match=named):
        _mailer(tmp_path, **config)


@pytest.mark.parametrize("server", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_credentials_in_clear_to_loopback_are_allowed(tmp_path: Path, server: str) -> None:
    """A relay on this machine may take credentials without TLS: they never cross a network."""
    credentials = {"BASTION_MAIL_USERNAME": "ada", "BASTION_MAIL_PASSWORD": "pw"}
    clear = {**SMTP, **credentials, "BASTION_MAIL_SECURITY": "none", "BASTION_MAIL_SERVER": server}
    mailer = _mailer(tmp_path, **clear)
    assert isinstance(mailer.backend, SmtpBackend)


def test_password_is_not_in_the_backend_repr(tmp_path: Path) -> None:
    """The SMTP password never shows in a repr, so it cannot reach a log or a traceback."""
    password = secrets.token_hex(16)
    mailer = _mailer(tmp_path, **SMTP, BASTION_MAIL_USERNAME="ada", BASTION_MAIL_PASSWORD=password)
    assert password not in repr(mailer.backend)


def test_bastion_exposes_the_mailer(tmp_path: Path) -> None:
    """Bastion(app) builds the mailer at start and keeps it on the app's state."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY=secrets.token_hex(32), BASTION_MAIL_BACKEND="console")
    Bastion(app)
    assert isinstance(state_for(app).mailer.backend, ConsoleBackend)


def test_bastion_refuses_to_start_with_bad_mail_settings(tmp_path: Path) -> None:
    """A wrong mail setting stops Bastion(app), not the first password reset."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY=secrets.token_hex(32), **{**SMTP, "BASTION_MAIL_PORT": -1})
    with pytest.raises(ConfigurationError, match="BASTION_MAIL_PORT"):
        Bastion(app)
