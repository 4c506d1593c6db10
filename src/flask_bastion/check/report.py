"""The audit as text for people (grouped by severity, no colour needed) and as JSON."""

from __future__ import annotations

import json
from typing import Any

from flask_bastion.check.registry import Finding, Severity
from flask_bastion.check.runner import Report


def as_text(report: Report) -> str:
    """Findings grouped from critical to info, each with its fix and README section."""
    lines: list[str] = []
    for severity in Severity:
        group = [f for f in report.findings if f.severity is severity]
        if group:
            lines.append(f"{severity.value.upper()} ({len(group)})")
            lines.extend(line for finding in group for line in _text_lines(finding))
            lines.append("")
    for error in report.errors:
        lines.append(f"not checked: {error}")
    counts = report.counts()
    summary = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity)
    lines.append(
        f"Flask-Bastion check ({' + '.join(report.modes) or 'nothing'}): {summary}; "
        f"{counts['suppressed']} suppressed."
    )
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    """Every finding, silenced ones with their reason, the counts and what was not checked."""
    document = {
        "tool": "flask-bastion",
        "modes": report.modes,
        "summary": report.counts(),
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [{**finding_dict(s.finding), "reason": s.reason} for s in report.suppressed],
        "errors": report.errors,
    }
    return json.dumps(document, indent=2) + "\n"


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "severity": finding.severity.value,
        "location": finding.location,
        "line": finding.line or None,
        "message": finding.message,
        "fix": finding.hint,
        "help": finding.help_anchor,
    }


def _text_lines(finding: Finding) -> list[str]:
    return [
        f"  {finding.id}  {finding.where}",
        f"    {finding.message}",
        f"    fix: {finding.hint}",
        f"    see: {finding.help_anchor}",
    ]
