"""The reference app passes its own audit with zero findings: settings, wiring and source.

This is the audit CI runs on the project (``make test`` runs this module).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from flask_bastion.check.command import main
from flask_bastion.check.runner import Target, audit
from reference_app import create_app

ROOT = Path(__file__).resolve().parents[2]
OWN_SOURCE = [ROOT / "reference_app", ROOT / "src" / "flask_bastion"]


def reference_app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'audit.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def test_reference_app_has_zero_findings(tmp_path: Path) -> None:
    """Config, wiring and source (reference_app/ and src/flask_bastion/) report nothing."""
    app = reference_app(tmp_path)
    with app.app_context():
        report = audit(Target(app=app, paths=OWN_SOURCE))
    assert report.modes == ["config", "source"]
    assert report.findings == []
    assert report.suppressed == []
    assert report.errors == []


def test_flask_command_audits_the_reference_app(tmp_path: Path) -> None:
    """`flask bastion check` on the reference app exits 0 with every mode's summary."""
    app = reference_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["bastion", "check", "--fail-on", "low"])
    assert result.exit_code == 0, result.output
    assert "(config + source): 0 critical, 0 high, 0 medium, 0 low, 0 info" in result.output


def test_source_command_on_the_project_itself_passes() -> None:
    """`python -m flask_bastion.check reference_app src/flask_bastion` finds nothing."""
    result = CliRunner().invoke(main, [*map(str, OWN_SOURCE), "--fail-on", "low"])
    assert result.exit_code == 0, result.output
