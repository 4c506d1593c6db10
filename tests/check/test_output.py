"""Text, JSON and SARIF output, --fail-on exit codes, and silenced findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from flask_bastion.check.command import main
from tests.support.services import require

#: OASIS's SARIF 2.1.0 schema, fetched into the test environment by `make test`.
SARIF_SCHEMA = Path(sys.prefix) / "sarif-schema-2.1.0.json"

TWINS = Path(__file__).parent / "twins"
SQL = (
    "from flask import request\nimport sqlite3\ndef v():\n"
    "    sqlite3.connect('x').execute('S' + request.args['q'])"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--no-bandit"])
    return result.exit_code, result.output


@pytest.fixture
def vulnerable(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(SQL + "\n")
    return tmp_path


def test_text_groups_by_severity_with_fix_and_link(vulnerable: Path) -> None:
    """Text names the id, file:line, the fix and the README section, without colour codes."""
    code, output = run(str(vulnerable))
    assert code == 1
    assert output.startswith("CRITICAL (1)\n  BST-SQL-001  ")
    assert "app.py:4" in output and "fix: " in output and "README.md#bst-sql-001" in output
    assert "\x1b[" not in output


def test_json_lists_findings_and_counts(vulnerable: Path) -> None:
    code, output = run(str(vulnerable), "--format", "json")
    document = json.loads(output)
    assert code == 1
    assert document["summary"]["critical"] == 1
    assert document["findings"][0]["id"] == "BST-SQL-001"
    assert document["findings"][0]["line"] == 4


def test_sarif_is_2_1_0_with_rules_and_physical_locations(vulnerable: Path) -> None:
    """Each result names a rule of the driver and a file region, as code scanning expects."""
    _, output = run(str(vulnerable), "--format", "sarif")
    document = json.loads(output)
    assert document["version"] == "2.1.0"
    (run_,) = document["runs"]
    (rule,) = run_["tool"]["driver"]["rules"]
    (result,) = run_["results"]
    assert rule["id"] == result["ruleId"] == "BST-SQL-001"
    assert result["ruleIndex"] == 0 and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4}
    assert rule["properties"]["security-severity"] == "9.5"


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    """Findings of every kind (Python, template, bandit's, suppressed) make a SARIF log that
    OASIS's schema accepts, which is what code-scanning services check on upload."""
    require(SARIF_SCHEMA.is_file(), f"The SARIF schema ({SARIF_SCHEMA})")
    (tmp_path / "app.py").write_text(SQL + "\nimport hashlib\ndigest = hashlib.md5(b'').digest()\n")
    (tmp_path / "ignored.py").write_text(SQL + "  # bastion: ignore[BST-SQL-001] reviewed\n")
    (tmp_path / "page.html").write_text("<p>{{ bio|safe }}</p>\n")
    result = CliRunner().invoke(main, [str(tmp_path), "--format", "sarif"])
    document = json.loads(result.output)
    rules = {result["ruleId"].rpartition("-")[0] for result in document["runs"][0]["results"]}
    assert rules >= {"BST-SQL", "BST-XSS", "BST-BANDIT"}
    assert any("suppressions" in r for r in document["runs"][0]["results"])
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(document)


@pytest.mark.parametrize(
    ("fail_on", "code"), [("high", 0), ("medium", 1), ("low", 1)], ids=["high", "medium", "low"]
)
def test_fail_on_sets_the_exit_code(tmp_path: Path, fail_on: str, code: int) -> None:
    """An open redirect (medium) fails --fail-on medium and low, not high."""
    (tmp_path / "app.py").write_text(
        "from flask import redirect, request\ndef v():\n    return redirect(request.args['n'])\n"
    )
    assert run(str(tmp_path), "--fail-on", fail_on)[0] == code


def test_inline_ignore_silences_but_counts(tmp_path: Path) -> None:
    """`# bastion: ignore[ID] reason` on the line silences it; the summary still counts it."""
    (tmp_path / "app.py").write_text(SQL + "  # bastion: ignore[BST-SQL-001] reviewed: fixed set\n")
    code, output = run(str(tmp_path), "--format", "json")
    document = json.loads(output)
    assert code == 0
    assert document["findings"] == []
    assert document["summary"]["suppressed"] == 1
    assert document["suppressed"][0]["reason"] == "ignored inline: reviewed: fixed set"


def test_inline_ignore_of_another_id_does_not_silence(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SQL + "  # bastion: ignore[BST-XSS-001]\n")
    assert run(str(tmp_path))[0] == 1


def test_pyproject_ignore_list_silences_by_id_and_path(tmp_path: Path) -> None:
    """`[tool.flask-bastion.check] ignore` entries silence an id in matching files."""
    (tmp_path / "app.py").write_text(SQL + "\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flask-bastion.check]\nignore = ["BST-SQL-001:*app.py"]\n'
    )
    _, output = run(str(tmp_path), "--format", "sarif")
    (result,) = json.loads(output)["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "external"


def test_command_line_ignore(vulnerable: Path) -> None:
    code, output = run(str(vulnerable), "--ignore", "BST-SQL-*")
    assert code == 0 and "1 suppressed" in output


def test_template_findings_are_reported(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ bio|safe }}</p>\n")
    code, output = run(str(tmp_path))
    assert code == 1 and "BST-XSS-004  " in output


def test_unparsable_file_is_reported_not_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def (:\n")
    _, output = run(str(tmp_path), "--format", "json")
    assert "broken.py: not valid Python" in json.loads(output)["errors"][0]


def test_bandit_findings_use_the_same_format(tmp_path: Path) -> None:
    """Bandit's generic findings come out as BST-BANDIT-<test id> findings."""
    (tmp_path / "tool.py").write_text("import tempfile\nname = tempfile.mktemp()\n")
    result = CliRunner().invoke(main, [str(tmp_path), "--format", "json"])
    (finding,) = json.loads(result.output)["findings"]
    assert finding["id"] == "BST-BANDIT-B306" and finding["line"] == 2
