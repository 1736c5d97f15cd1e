"""Machine-readable diagnostics: JSON, GitHub workflow commands, SARIF valid against its schema."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import pytest

from wgec_report.errors import Location, error, warning
from wgec_report.reporters import format_github, format_sarif
from wgec_report.rules import BY_CODE, RULES

from .conftest import REPO

SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def codes_raised_in_the_package() -> set[str]:
    """Every literal code passed to error(...) / warning(...) in wgec_report."""
    codes: set[str] = set()
    for path in (REPO / "wgec_report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("error", "warning") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)):
                codes.add(node.args[1].value)
    return codes


def test_every_code_raised_is_a_registered_rule_and_every_rule_is_raised() -> None:
    raised = codes_raised_in_the_package()
    assert raised - set(BY_CODE) == set()
    assert set(BY_CODE) - raised == set()
    assert len(BY_CODE) == len(RULES)


def test_every_rule_is_documented_with_an_example() -> None:
    rules_doc = (REPO / "docs" / "rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule.code}`" in rules_doc, rule.code


DIAGNOSTICS = [
    error(Location("sources/levels.yaml", 4, 5, 4, 9), "unknown-key", "unknown key 'nam'",
          "did you mean 'name'?"),
    warning(Location("sources/sections/a b.yaml", 1, 1), "empty-section", "no content, 100%"),
    error(Location("sources"), "no-sources", "no 'sources/' folder"),
]


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="needs ../shared/schemas")
def test_sarif_is_valid_against_the_published_schema() -> None:
    log = json.loads(format_sarif(DIAGNOSTICS, "1.2.3"))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.code for r in RULES]
    first = run["results"][0]
    assert first["ruleId"] == "unknown-key"
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "sources/levels.yaml"},
        "region": {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 9},
    }
    assert run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "sources/sections/a%20b.yaml"}
    assert "region" not in run["results"][2]["locations"][0]["physicalLocation"]


def test_sarif_of_the_default_report_from_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wgec_report.cli import main

    result = CliRunner().invoke(main, ["check", str(REPO), "--format", "sarif"])
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"empty-section"}


def test_github_commands_escape_their_properties_and_data() -> None:
    assert format_github(DIAGNOSTICS[1]) == (
        "::warning file=sources/sections/a b.yaml,line=1,col=1,title=wgec empty-section"
        "::no content, 100%25"
    )
    assert format_github(DIAGNOSTICS[0]).startswith(
        "::error file=sources/levels.yaml,line=4,col=5,title=wgec unknown-key::unknown key")
    assert format_github(DIAGNOSTICS[2]) == (
        "::error file=sources,title=wgec no-sources::no 'sources/' folder")
