"""Checks that find unsafe settings, shared by the production start and the audit command.

One registry is the single source of truth for "unsafe": a production start runs the checks
and refuses when any finding is critical; ``flask bastion check`` reports all of them.
"""

from __future__ import annotations

from flask import Flask

from flask_bastion.checks import settings as settings
from flask_bastion.checks.registry import Finding, Severity, register, run_checks
from flask_bastion.config import is_development
from flask_bastion.exceptions import UnsafeConfigurationError

__all__ = ["Finding", "Severity", "refuse_unsafe_start", "register", "run_checks"]


def refuse_unsafe_start(app: Flask) -> None:
    """Raise :class:`UnsafeConfigurationError` when a production app has a critical finding.

    Lesser findings are logged as warnings; development mode logs everything and refuses
    nothing, since it only serves this machine.
    """
    findings = run_checks(app)
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
