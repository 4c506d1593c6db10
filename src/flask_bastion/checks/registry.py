"""The registry of checks and the findings they return."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask


class Severity(enum.Enum):
    """How bad a finding is; a CRITICAL finding stops a production start."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Finding:
    """One problem found: a stable id, how bad it is, what is wrong and how to fix it."""

    id: str
    severity: Severity
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.id} ({self.severity.value}): {self.message} {self.hint}"


Check = Callable[[Flask], Iterable[Finding]]
_CHECKS: list[Check] = []


def register(check: Check) -> Check:
    """Add ``check`` to the registry (used as a decorator)."""
    _CHECKS.append(check)
    return check


def run_checks(app: Flask) -> list[Finding]:
    """Every finding of every registered check on ``app``."""
    return [finding for check in _CHECKS for finding in check(app)]
