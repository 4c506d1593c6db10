"""The source-code part of the audit: Python files, Jinja templates, and bandit.

Files are found under the given paths, skipping virtual environments, caches and version
control. A file that cannot be read or parsed is reported as an error, not silently passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from flask_bastion.check import bandit_scan, literals, sinks, templates
from flask_bastion.check.pyflow import Module, scan_module
from flask_bastion.check.registry import Finding

SKIPPED_DIRS: Final = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "build",
        "dist",
    }
)

#: Bandit tests that a Bastion check reports more precisely where both fire on one line.
OVERLAPS: Final = {"BST-BANDIT-B324": "BST-PWD-001", "BST-BANDIT-B303": "BST-PWD-001"}


@dataclass
class SourceResult:
    """What the source scan found, and the files it could not read."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0


def scan_paths(paths: Iterable[Path], *, bandit: bool = True) -> SourceResult:
    """Scan every Python file and template under ``paths``."""
    result = SourceResult()
    python, html = _discover(paths)
    for path in python:
        result.findings.extend(_python_findings(path, result.errors))
    for path in html:
        text = _read(path, result.errors)
        if text is not None:
            result.findings.extend(templates.check_template(path, text))
    if bandit:
        result.findings.extend(bandit_scan.scan(python))
    result.files = len(python) + len(html)
    result.findings = _without_overlaps(_unique(result.findings))
    return result


def scan_python(path: str, source: str) -> list[Finding]:
    """The Bastion findings of one Python source (bandit not included)."""
    module = Module.parse(path, source)
    found: list[Finding] = list(literals.check_module(module))
    scan_module(module, sinks.hooks(path, found.append))
    return _unique(found)


def _python_findings(path: str, errors: list[str]) -> list[Finding]:
    text = _read(path, errors)
    if text is None:
        return []
    try:
        return scan_python(path, text)
    except (SyntaxError, ValueError) as error:
        errors.append(f"{path}: not valid Python ({error}); skipped.")
        return []
    except RecursionError:
        errors.append(f"{path}: nested too deeply to analyse; skipped.")
        return []


def _discover(paths: Iterable[Path]) -> tuple[list[str], list[str]]:
    python: list[str] = []
    html: list[str] = []
    for path in paths:
        for file in _walk(path):
            if file.endswith(".py"):
                python.append(file)
            elif file.endswith(templates.TEMPLATE_SUFFIXES):
                html.append(file)
    return sorted(set(python)), sorted(set(html))


def _walk(path: Path) -> Iterator[str]:
    if path.is_file():
        yield _display(str(path))
        return
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in files:
            yield _display(os.path.join(folder, name))


def _display(path: str) -> str:
    """The path relative to the working directory when it is below it, as people type it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _read(path: str, errors: list[str]) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f"{path}: cannot be read ({error}); skipped.")
        return None


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Drop a bandit finding where a Bastion check reported the same problem on the line."""
    ours = {(f.id, f.location, f.line) for f in findings}
    return [f for f in findings if (OVERLAPS.get(f.id), f.location, f.line) not in ours]


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int]] = set()
    unique = []
    for finding in findings:
        key = (finding.id, finding.location, finding.line)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
