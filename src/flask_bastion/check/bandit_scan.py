"""Generic Python findings from bandit, used as a library and reported as Bastion findings.

Bandit knows generic Python mistakes (``eval``, weak TLS, ``tempfile.mktemp``...). Its tests that
Bastion's own checks replace with data-flow versions are left out, so one problem is reported
once and only where request data reaches it: string-built SQL (B608), Flask debug (B201),
pickle and marshal (B301, B302), ``yaml.load`` (B506), shells (B602, B605), ``Markup``
(B703, B704) and hard-coded passwords (B105-B107).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, Final

from flask_bastion.check.registry import Finding, Severity

REPLACED_BY_BASTION: Final = (
    "B105",
    "B106",
    "B107",
    "B201",
    "B301",
    "B302",
    "B506",
    "B602",
    "B605",
    "B608",
    "B703",
    "B704",
)
SEVERITIES: Final = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}
#: Bandit findings below this severity and confidence are left out (``assert`` and the like).
THRESHOLD: Final = "MEDIUM"


def scan(paths: Sequence[str]) -> Iterator[Finding]:
    """Bandit's findings of medium severity and confidence or above in ``paths``."""
    if not paths:
        return
    with warnings.catch_warnings():
        # bandit passes stevedore an argument stevedore deprecates; nothing for us to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        # ... and logs an error for each optional formatter that is not installed.
        logging.getLogger("stevedore").setLevel(logging.CRITICAL)
        from bandit.core import config, manager

        logging.getLogger("bandit").setLevel(logging.ERROR)
        bandit = manager.BanditManager(
            config.BanditConfig(), "file", quiet=True, profile={"exclude": REPLACED_BY_BASTION}
        )
        bandit.files_list = sorted(paths)
        bandit.run_tests()
    for issue in bandit.get_issue_list(sev_level=THRESHOLD, conf_level=THRESHOLD):
        yield _finding(issue)


def _finding(issue: Any) -> Finding:
    return Finding(
        f"BST-BANDIT-{issue.test_id}",
        SEVERITIES.get(issue.severity, Severity.LOW),
        f"{issue.text} (bandit {issue.test_id} {issue.test}, confidence "
        f"{issue.confidence.lower()}).",
        f"See bandit's documentation for {issue.test_id}; silence it with "
        f"# bastion: ignore[BST-BANDIT-{issue.test_id}] once reviewed.",
        location=issue.fname,
        line=issue.lineno,
    )
