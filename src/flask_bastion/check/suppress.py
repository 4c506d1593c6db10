"""Silencing findings that a person reviewed and accepted.

Two ways, both visible in review: a comment on the finding's line,
``# bastion: ignore[BST-SQL-001] the table name comes from a fixed list`` (``{# ... #}`` in a
template), or an entry of ``ignore`` under ``[tool.flask-bastion.check]`` in ``pyproject.toml``
(``"BST-CFG-014"`` everywhere, ``"BST-SQL-001:legacy/*.py"`` in matching files). Silenced
findings are still counted in the summary, so nothing disappears without a trace.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

from flask_bastion.check.registry import Finding

_INLINE: Final = re.compile(r"bastion:\s*ignore\[([A-Z0-9,\s-]+)\]\s*(.*?)\s*(?:#\}|$)")


@dataclass(frozen=True)
class Suppressed:
    """A finding that was silenced, and the reason or rule that silenced it."""

    finding: Finding
    reason: str


@dataclass
class Ignores:
    """The ``ID`` or ``ID:glob`` entries from the configuration and the command line."""

    entries: list[str] = field(default_factory=list)

    def reason_for(self, finding: Finding) -> str | None:
        for entry in self.entries:
            check_id, _, pattern = entry.partition(":")
            if _id_matches(check_id.strip(), finding.id) and (
                not pattern or fnmatch.fnmatch(finding.location, pattern.strip())
            ):
                return f"ignored by configuration: {entry}"
        return None


def split(findings: Iterable[Finding], ignores: Ignores) -> tuple[list[Finding], list[Suppressed]]:
    """Separate the findings that stay from those silenced inline or by configuration."""
    kept: list[Finding] = []
    silenced: list[Suppressed] = []
    for finding in findings:
        reason = _inline_reason(finding) or ignores.reason_for(finding)
        if reason is None:
            kept.append(finding)
        else:
            silenced.append(Suppressed(finding, reason))
    return kept, silenced


def configured_ignores(starts: Sequence[Path]) -> list[str]:
    """The ``ignore`` list of the first ``pyproject.toml`` found above any of ``starts``."""
    for start in starts:
        for folder in [start.resolve(), *start.resolve().parents]:
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                with candidate.open("rb") as handle:
                    table = tomllib.load(handle).get("tool", {}).get("flask-bastion", {})
                return [str(entry) for entry in table.get("check", {}).get("ignore", [])]
    return []


def _inline_reason(finding: Finding) -> str | None:
    if not finding.line:
        return None
    line = _line_of(finding.location, finding.line)
    match = _INLINE.search(line)
    if match is None:
        return None
    ids = [part.strip() for part in match.group(1).split(",")]
    if not any(_id_matches(check_id, finding.id) for check_id in ids):
        return None
    return f"ignored inline: {match.group(2) or 'no reason given'}"


def _id_matches(pattern: str, check_id: str) -> bool:
    return pattern == check_id or (pattern.endswith("*") and check_id.startswith(pattern[:-1]))


@lru_cache(maxsize=256)
def _lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def _line_of(path: str, number: int) -> str:
    lines = _lines(path)
    return lines[number - 1] if 0 < number <= len(lines) else ""
