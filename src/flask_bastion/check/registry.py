"""The registry of app checks and the findings every part of the audit returns.

Like Django's system checks, each check is a small function registered with a tag: ``settings``
checks read only the configuration (the production start runs them before anything else is set
up), ``wiring`` checks look at a fully built app (its routes, extensions and error handlers) and
run only in the audit.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from flask import Flask

SETTINGS: Final = "settings"
WIRING: Final = "wiring"


class Severity(enum.Enum):
    """How bad a finding is; a CRITICAL finding stops a production start."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    #: Listed for a person to review; never fails a build.
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for CRITICAL down to 0 for INFO, to compare severities."""
        return len(Severity) - 1 - list(Severity).index(self)


@dataclass(frozen=True)
class Finding:
    """One problem found: a stable id, how bad it is, what is wrong and how to fix it.

    ``location`` is a file path (with ``line``), a configuration key, or a URL.
    """

    id: str
    severity: Severity
    message: str
    hint: str
    location: str = ""
    line: int = 0

    def __str__(self) -> str:
        return f"{self.id} ({self.severity.value}): {self.message} {self.hint}"

    @property
    def where(self) -> str:
        """``path:line``, the key or the URL, for people to read."""
        return f"{self.location}:{self.line}" if self.line else self.location

    @property
    def help_anchor(self) -> str:
        """The README section that explains this finding's check."""
        check_id = "bst-bandit" if self.id.startswith("BST-BANDIT-") else self.id.lower()
        return f"README.md#{check_id}"


Check = Callable[[Flask], Iterable[Finding]]
_CHECKS: list[tuple[Check, frozenset[str]]] = []


def register(*tags: str) -> Callable[[Check], Check]:
    """Add the decorated check to the registry under ``tags`` (``settings`` when none given)."""

    def add(check: Check) -> Check:
        _CHECKS.append((check, frozenset(tags or (SETTINGS,))))
        return check

    return add


def run_checks(app: Flask, tags: Iterable[str] = (SETTINGS,)) -> list[Finding]:
    """Every finding of the registered checks that carry one of ``tags``."""
    wanted = set(tags)
    return [
        finding for check, check_tags in _CHECKS if check_tags & wanted for finding in check(app)
    ]
