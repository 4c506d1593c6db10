"""The security audit (``flask bastion check``) and the checks a production start runs.

One registry is the single source of truth for "unsafe": a production start runs its settings
checks and refuses when any finding is critical; the audit reports every finding of the
settings and wiring checks, of the source code and of a live URL.
"""

from __future__ import annotations

from flask_bastion.check import settings as settings
from flask_bastion.check import wiring as wiring
from flask_bastion.check.registry import Finding, Severity, register, run_checks
from flask_bastion.check.startup import refuse_unsafe_start

__all__ = ["Finding", "Severity", "refuse_unsafe_start", "register", "run_checks"]
