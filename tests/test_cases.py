"""The case-folder corpus for `wgec check`.

Each folder under tests/cases/ is a small, complete report project (a
`sources/` folder) plus `expected.txt`: every diagnostic `wgec check` must
print, one per line, as `sources/<path>:<line>:<col>: <severity>[<code>]`, in
wgec's order (path, line, column, code). Lines starting with `#` are comments.
An expected.txt without diagnostics means the case must check clean. A
file-level diagnostic (about the whole file) points at line 1, column 1.

To add a case: make a folder with a `sources/` project and an expected.txt
written from what the diagnostics *should* be. Files with special bytes (BOM,
UTF-16, CRLF, latin-1) must be written as bytes; `cases/.gitattributes` keeps
git from normalizing them.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wgec_report.cli import main

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "expected.txt").is_file())


def expected_lines(case_dir: Path) -> list[str]:
    text = (case_dir / "expected.txt").read_text(encoding="utf-8")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def sort_key(line: str) -> tuple[str, int, int, str]:
    """`path:line:col: severity[code]` to wgec's sort key (path, line, column, code)."""
    place, _, rest = line.partition(": ")
    path, line_number, column = place.rsplit(":", 2)
    code = rest[rest.index("[") + 1 : -1]
    return (path, int(line_number), int(column), code)


def run_check(project: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Result, list[str]]:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", ".", "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        "wgec raised instead of reporting:\n"
        + "".join(traceback.format_exception(result.exception))
    )
    assert "internal error" not in result.output, result.output
    try:
        diagnostics = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"`wgec check --format json` did not print JSON:\n{result.output}")
    found = [
        f"{d['path']}:{d['line']}:{d['column']}: {d['severity']}[{d['code']}]" for d in diagnostics
    ]
    return result, found


def messages(result: Result) -> str:
    """The full diagnostics, for a readable failure."""
    try:
        return "\n".join(
            f"  {d['path']}:{d['line']}:{d['column']}: {d['severity']}[{d['code']}]: "
            f"{d['message']}" + (f" ({d['hint']})" if d["hint"] else "")
            for d in json.loads(result.stdout)
        )
    except (json.JSONDecodeError, KeyError):
        return result.output


@pytest.mark.parametrize("case_dir", CASES, ids=[p.name for p in CASES])
def test_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = expected_lines(case_dir)
    assert expected == sorted(expected, key=sort_key), "expected.txt is not in wgec's order"

    result, found = run_check(case_dir, monkeypatch)

    assert found == expected, f"wgec printed:\n{messages(result)}"
    any_error = any(": error[" in line for line in expected)
    assert result.exit_code == (1 if any_error else 0), result.output


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    clean = [p for p in CASES if not expected_lines(p)]
    assert clean, "the corpus needs valid projects too"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlink_outside_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source file that links to a file outside the project is refused, not read."""
    project = tmp_path / "project"
    (project / "sources" / "sections").mkdir(parents=True)
    (project / "sources" / "report.yaml").write_text("title: T\nsections: [intro]\n")
    (project / "sources" / "sections" / "intro.yaml").write_text(
        "id: intro\ntitle: Intro\nparagraphs: [Text.]\n"
    )
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("levels:\n  - id: l1\n    name: Level one\n")
    try:
        (project / "sources" / "levels.yaml").symlink_to(outside)
    except OSError as exc:  # e.g. Windows without the privilege
        pytest.skip(f"cannot create a symbolic link: {exc}")

    result, found = run_check(project, monkeypatch)

    assert found == ["sources/levels.yaml:1:1: error[outside-project]"], messages(result)
    assert result.exit_code == 1


@pytest.mark.parametrize(("case", "message"), [
    ("encoding-utf16", "file is UTF-16 encoded; sources must be UTF-8"),
    ("encoding-utf32", "file is UTF-32 encoded; sources must be UTF-8"),
    ("encoding-utf16-without-bom",
     "file is not UTF-8: it looks UTF-16 encoded (without a byte-order mark)"),
    ("yaml-control-character-after-cjk", "character U+0007 is not allowed in YAML"),
])
def test_case_message(case: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the message, not only the place, is what the case is about."""
    result, _ = run_check(CASES_DIR / case, monkeypatch)
    assert [d["message"] for d in json.loads(result.stdout)] == [message]


@pytest.mark.parametrize(("data", "named"), [
    pytest.param("title: T\n".encode("utf-32-le"), "UTF-32", id="utf-32-le"),
    pytest.param("title: T\n".encode("utf-32-be"), "UTF-32", id="utf-32-be"),
    pytest.param("title: T\n".encode("utf-16-be"), "UTF-16", id="utf-16-be"),
    # The first character need not be ASCII when its second byte is zero.
    pytest.param("é: ü\n".encode("utf-16-le"), "UTF-16", id="utf-16-le-accented"),
    pytest.param("title: T\n".encode("utf-16"), "UTF-16", id="utf-16-bom"),
    pytest.param("title: T\n".encode("utf-32"), "UTF-32", id="utf-32-bom"),
    # Odd length: no UTF-16, but UTF-8 with a U+0000 in it (a yaml-syntax error).
    pytest.param(b"t\x00itle: Te\n", "", id="utf-8-zero-byte"),
    pytest.param(b"a\x00\x01\x00", "", id="utf-16-but-not-text"),
    pytest.param(b"", "", id="empty"),
])
def test_foreign_encodings_are_named(data: bytes, named: str) -> None:
    from wgec_report.sources import decode_source

    text, problem = decode_source("f.yaml", data)
    if named:
        assert problem is not None and named in problem.message
        assert (problem.location.line, problem.location.column) == (1, 1)
    else:
        assert problem is None and text == data.decode("utf-8")
