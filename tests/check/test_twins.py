"""The vulnerable twin apps report exactly their marked findings; the fixed twins none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_bastion.check.source import scan_paths

TWINS = Path(__file__).parent / "twins"
_EXPECT = re.compile(r"expect: (BST-[A-Z]+-\d+)")


def _expected(folder: Path) -> set[tuple[str, str, int]]:
    marks = set()
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".py", ".html"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                marks |= {(check, path.name, number) for check in _EXPECT.findall(line)}
    return marks


def _found(folder: Path) -> set[tuple[str, str, int]]:
    result = scan_paths([folder])
    assert result.errors == []
    return {(f.id, Path(f.location).name, f.line) for f in result.findings}


def test_vulnerable_twins_report_exactly_the_marked_findings() -> None:
    """Every marked line is found, and nothing else is (no false positive, no duplicate)."""
    expected = _expected(TWINS / "vulnerable")
    assert len(expected) >= 25
    assert _found(TWINS / "vulnerable") == expected


def test_fixed_twins_report_nothing() -> None:
    """The same apps written safely (bound parameters, url_for, send_from_directory...) pass."""
    assert _found(TWINS / "fixed") == set()


@pytest.mark.parametrize(
    "name", ["sqlite_app.py", "core_blueprint_app.py", "orm_login_app.py", "security_api_app.py"]
)
def test_each_vulnerable_style_has_findings(name: str) -> None:
    """Each style of app (raw sqlite3, Core, ORM, API) is covered by at least two checks."""
    found = {check for check, file, _ in _found(TWINS / "vulnerable") if file == name}
    assert len(found) >= 2
