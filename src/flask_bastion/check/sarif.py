"""The audit as SARIF 2.1.0, which code-scanning tools show inline on the code.

File findings carry a physical location (path and line); settings and URL findings a logical
one (the setting's name, the URL). Silenced findings are kept with a ``suppressions`` entry,
as SARIF asks, so the tool can count them.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath
from typing import Any, Final

from flask_bastion.check.registry import Finding, Severity
from flask_bastion.check.runner import Report

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS: Final = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's numeric ``security-severity`` (0-10), which it turns back into severities.
SCORES: Final = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def as_sarif(report: Report) -> str:
    everything = [(f, None) for f in report.findings] + [
        (s.finding, s.reason) for s in report.suppressed
    ]
    rules: dict[str, Finding] = {}
    for finding, _ in everything:
        rules.setdefault(finding.id, finding)
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "flask-bastion",
                "version": _version(),
                "rules": [_rule(finding) for finding in rules.values()],
            }
        },
        "results": [_result(f, reason, index[f.id]) for f, reason in everything],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": error}} for error in report.errors
                ],
            }
        ],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "shortDescription": {"text": finding.message},
        "help": {"text": f"{finding.hint} See {finding.help_anchor}."},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {
            "security-severity": SCORES[finding.severity],
            "tags": ["security"],
        },
    }


def _result(finding: Finding, reason: str | None, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message} Fix: {finding.hint}"},
        "locations": [_location(finding)],
    }
    if reason is not None:
        kind = "inSource" if reason.startswith("ignored inline") else "external"
        result["suppressions"] = [{"kind": kind, "justification": reason}]
    return result


def _location(finding: Finding) -> dict[str, Any]:
    if not finding.line:
        return {"logicalLocations": [{"name": finding.location, "kind": "member"}]}
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": PurePath(finding.location).as_posix()},
            "region": {"startLine": finding.line},
        }
    }


def _version() -> str:
    try:
        return version("flask-bastion")
    except PackageNotFoundError:
        return "0"
