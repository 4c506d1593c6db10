"""The production start refuses what the audit calls critical: one registry decides both."""

from __future__ import annotations

from flask import Flask

from flask_bastion.check.registry import SETTINGS, Severity, run_checks
from flask_bastion.config import is_development
from flask_bastion.exceptions import UnsafeConfigurationError


def refuse_unsafe_start(app: Flask) -> None:
    """Raise :class:`UnsafeConfigurationError` when a production app has a critical finding.

    Lesser findings are logged as warnings; development mode logs everything and refuses
    nothing, since it only serves this machine.
    """
    findings = run_checks(app, [SETTINGS])
    for finding in findings:
        app.logger.warning("%s", finding)
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    if critical and not is_development(app):
        lines = "\n".join(f"  - {f}" for f in critical)
        raise UnsafeConfigurationError(
            "Refusing to start in production mode with unsafe settings:\n"
            f"{lines}\n"
            "Fix them, or set BASTION_MODE='development' to run on this machine only."
        )
