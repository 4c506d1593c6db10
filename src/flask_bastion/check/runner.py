"""One audit: the app's settings and wiring, its source, and a live URL, each where given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from flask_bastion.check import suppress
from flask_bastion.check.registry import SETTINGS, WIRING, Finding, Severity, run_checks
from flask_bastion.check.source import scan_paths


@dataclass
class Report:
    """The findings that stand, those silenced (still counted), and what could not be checked."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[suppress.Suppressed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many findings of each severity stand, and how many were silenced."""
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        counts["suppressed"] = len(self.suppressed)
        return counts

    def fails(self, threshold: Severity) -> bool:
        """Whether a standing finding is at least as severe as ``threshold``."""
        return any(f.severity.rank >= threshold.rank for f in self.findings)


@dataclass
class Target:
    """What to audit: an app (config mode), source paths, a URL; any may be absent."""

    app: Flask | None = None
    paths: Sequence[Path] = ()
    url: str | None = None
    http_url: str | None = None
    cafile: str | None = None
    bandit: bool = True
    ignore: Sequence[str] = ()


def audit(target: Target) -> Report:
    """Run every mode the target allows and silence what was reviewed and accepted."""
    report = Report()
    found: list[Finding] = []
    if target.app is not None:
        report.modes.append("config")
        found += run_checks(target.app, [SETTINGS, WIRING])
    if target.paths:
        report.modes.append("source")
        result = scan_paths(target.paths, bandit=target.bandit)
        found += result.findings
        report.errors += result.errors
    if target.url:
        from flask_bastion.check.live import check_url

        report.modes.append("url")
        findings, errors = check_url(target.url, target.http_url, target.cafile)
        found += findings
        report.errors += errors
    starts = [*target.paths, Path.cwd()]
    ignores = suppress.Ignores([*suppress.configured_ignores(starts), *target.ignore])
    report.findings, report.suppressed = suppress.split(found, ignores)
    report.findings.sort(key=lambda f: (-f.severity.rank, f.id, f.location, f.line))
    return report
