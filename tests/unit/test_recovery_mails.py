"""The mailed links as development sees them: whole, in the log of ``make run``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from flask_bastion.config import apply_defaults
from flask_bastion.mail import Mailer, init_mail

LONG_LINK = "http://127.0.0.1:8000/reset/" + "Wzk5LCJhYmNkZWYiXQ.aBcD3f." + "x" * 120


def console_mailer(tmp_path: Path) -> Mailer:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(BASTION_MODE="development")
    apply_defaults(app)
    return init_mail(app)


def test_console_mail_keeps_a_long_link_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The logged message shows the decoded body, not quoted-printable that splits the link."""
    mailer = console_mailer(tmp_path)
    with caplog.at_level(logging.INFO, logger="flask_bastion.mail"):
        mailer.send("ada@example.org", "Reset your password", f"Open:\n\n{LONG_LINK}\n")
    (record,) = caplog.records
    assert LONG_LINK in record.getMessage()
    assert "=3D" not in record.getMessage()


def test_console_mail_reaches_stderr_without_logging_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no logging configured (a bare gunicorn), the mail logger gets its own handler."""
    mail_logger = logging.getLogger("flask_bastion.mail")
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(mail_logger, "handlers", [])
    monkeypatch.setattr(mail_logger, "level", logging.NOTSET)
    console_mailer(tmp_path)
    assert mail_logger.handlers
    assert mail_logger.isEnabledFor(logging.INFO)
