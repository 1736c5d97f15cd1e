"""Diagnostic output formats: text (people), json (tools), github (pull requests), sarif."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from .errors import Diagnostic

REPORT_FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


# An excerpt shows at most this many characters of its line: a line of a long text
# (a paragraph on one line, a minified file) is cut around the column, as compilers do.
EXCERPT_WIDTH = 100
_BEFORE_COLUMN = 30  # of those, how many before the column, when the line is cut


def source_excerpt(diagnostic: Diagnostic, texts: Mapping[str, str]) -> list[str]:
    """The offending source line with a caret under the column, as compilers show it."""
    location = diagnostic.location
    text = texts.get(location.path)
    if not text or location.line <= 0:
        return []
    lines = _lines_of(text)
    if location.line > len(lines):
        return []
    line = lines[location.line - 1].rstrip("\r").replace("\t", " ")
    width = 1
    if location.end_line == location.line and location.end_column > location.column:
        width = location.end_column - location.column
    line, column, width = _around(line, location.column, width)
    gutter = f"{location.line:>4} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * width
    return [gutter + line, caret]


@functools.lru_cache(maxsize=4)
def _lines_of(text: str) -> list[str]:
    """A file's lines, split once for all of its diagnostics (thousands in one file made
    printing them quadratic). As locations count lines: not at U+2028 and friends."""
    return text.split("\n")


def _around(line: str, column: int, width: int) -> tuple[str, int, int]:
    """The part of `line` an excerpt shows, with the column and caret width in it."""
    if len(line) <= EXCERPT_WIDTH:
        return line, column, max(1, width)
    start = max(0, min(column - 1 - _BEFORE_COLUMN, len(line) - EXCERPT_WIDTH))
    end = start + EXCERPT_WIDTH
    width = min(width, end - (column - 1))  # the caret stops where the excerpt does
    mark = "…" if start else ""
    shown = mark + line[start:end] + ("…" if end < len(line) else "")
    return shown, column - start + len(mark), max(1, width)


def format_text(diagnostic: Diagnostic, texts: Mapping[str, str]) -> list[str]:
    lines = [diagnostic.headline(), *source_excerpt(diagnostic, texts)]
    if diagnostic.hint:
        lines.append(f"     = hint: {diagnostic.hint}")
    return lines


def diagnostic_as_dict(diagnostic: Diagnostic) -> dict[str, object]:
    location = diagnostic.location
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line or location.line,
        "end_column": location.end_column or location.column,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    import json  # here, not at the top: `wgec check` prints text far more often

    return json.dumps([diagnostic_as_dict(d) for d in diagnostics], indent=2,
                      ensure_ascii=False)


def format_github(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command, so the problem shows on the pull request's diff."""
    location = diagnostic.location
    command = "error" if diagnostic.is_error else "warning"
    properties = [f"file={_escape_property(location.path)}"]
    if location.line > 0:
        properties += [f"line={location.line}", f"col={location.column}"]
    properties.append(f"title={_escape_property(f'wgec {diagnostic.code}')}")
    message = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return f"::{command} {','.join(properties)}::{_escape_data(message)}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_sarif(diagnostics: Sequence[Diagnostic], version: str) -> str:
    """SARIF 2.1.0: one run, every rule described, a result per diagnostic."""
    from .rules import RULES

    rule_index = {rule.code: index for index, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.code,
            "name": "".join(part.capitalize() for part in rule.code.split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": f"See docs/rules.md#{rule.code} in wgec."},
            "defaultConfiguration": {"level": rule.severity.value},
            "properties": {"group": rule.group},
        }
        for rule in RULES
    ]
    results = [_sarif_result(d, rule_index) for d in diagnostics]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "wgec",
                        "version": version,
                        "informationUri": "https://pypi.org/project/wgec-report/",
                        "rules": rules,
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    import json

    return json.dumps(log, indent=2, ensure_ascii=False)


def _sarif_result(diagnostic: Diagnostic, rule_index: Mapping[str, int]) -> dict[str, object]:
    location = diagnostic.location
    physical: dict[str, object] = {
        "artifactLocation": {"uri": _uri(location.path)},
    }
    if location.line > 0:
        region = {"startLine": location.line, "startColumn": location.column}
        if location.end_line >= location.line and location.end_column > 0:
            region["endLine"] = location.end_line
            region["endColumn"] = max(location.end_column, location.column + 1)
        physical["region"] = region
    message = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    result: dict[str, object] = {
        "ruleId": diagnostic.code,
        "level": "error" if diagnostic.is_error else "warning",
        "message": {"text": message},
        "locations": [{"physicalLocation": physical}],
    }
    if diagnostic.code in rule_index:
        result["ruleIndex"] = rule_index[diagnostic.code]
    return result


def _uri(path: str) -> str:
    """A relative path as a URI reference (code scanning resolves it against the checkout).

    A name's bytes that are not UTF-8 come as lone surrogates (Python's surrogateescape):
    encoded back to those bytes, they are percent-encoded one by one (`bad%FF.yaml`), and
    the URI names the very file.
    """
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), errors="surrogateescape")
