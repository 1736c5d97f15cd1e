"""Machine-readable diagnostics: JSON, GitHub workflow commands, SARIF valid against its schema."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import pytest

from wgec_report import reporters
from wgec_report.errors import Location, error, warning
from wgec_report.reporters import EXCERPT_WIDTH, format_github, format_sarif, format_text
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


def excerpt(line: str, column: int, end_column: int = 0) -> tuple[str, str]:
    """The excerpt's source line and caret line, without the gutter."""
    location = Location("a.yaml", 2, column, 2 if end_column else 0, end_column)
    _, shown, caret = format_text(error(location, "bad-id", "m"), {"a.yaml": f"x\n{line}\n"})
    return shown.removeprefix("   2 | "), caret.removeprefix("     | ")


@pytest.mark.parametrize("column", [1, 2, 30, 31, 32, 500, 969, 970, 999, 1000, 1001])
def test_an_excerpt_of_a_long_line_is_cut_around_its_column(column: int) -> None:
    """A long text on one line showed whole under each of its diagnostics; now about
    a hundred characters around the column, with the caret under the same character."""
    line = "".join(chr(ord("a") + i % 26) for i in range(1000))
    shown, caret = excerpt(line, column)
    assert len(shown.strip("…")) == EXCERPT_WIDTH
    assert shown.strip("…") in line
    assert shown.startswith("…") == (not line.startswith(shown.strip("…")))
    assert shown.endswith("…") == (not line.endswith(shown.strip("…")))
    assert caret.strip() == "^"
    under = caret.index("^")
    if column <= len(line):
        assert shown[under] == line[column - 1]
    else:  # one past the end (a missing closing mark)
        assert under == len(shown)


@pytest.mark.parametrize(("line", "column", "end_column", "shown", "caret"), [
    ("short id here", 7, 9, "short id here", "      ^^"),
    ("x" * 40 + "ab" + "y" * 200, 41, 43, "…" + "x" * 30 + "ab" + "y" * 68 + "…",
     " " * 31 + "^^"),
    ("x" * 40 + "a" * 200, 41, 241, "…" + "x" * 30 + "a" * 70 + "…", " " * 31 + "^" * 70),
    ("\tid", 2, 0, " id", " ^"),
])
def test_an_excerpt_keeps_its_caret_under_what_it_marks(
        line: str, column: int, end_column: int, shown: str, caret: str) -> None:
    assert excerpt(line, column, end_column) == (shown, caret)


def test_a_file_is_split_into_lines_once_for_all_its_diagnostics() -> None:
    """Every diagnostic split its whole file again: 8,000 in one file took 23 s to print."""
    text = "\n".join(f"line {n}" for n in range(3000))
    reporters._lines_of.cache_clear()
    for n in range(1, 3001):
        shown = format_text(error(Location("a.yaml", n, 1), "bad-id", "m"), {"a.yaml": text})
        assert shown[1].endswith(f"line {n - 1}")
    assert reporters._lines_of.cache_info().misses == 1
