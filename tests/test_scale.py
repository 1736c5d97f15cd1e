"""Inputs that once took time growing faster than their size (some of them only a few
hundred bytes), and what the check and the render say of them.

Where the cause was a regular expression that backtracks, the input runs in a
process of its own that is stopped after a minute: not a measure of speed (it takes
milliseconds now, and took hours or years before), but so that a return of the fault
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wgec_report import model, refs
from wgec_report.check import check_project
from wgec_report.errors import Location
from wgec_report.prose import as_text, structure_lines

from .conftest import REPO


def runs_to_its_end(code: str) -> None:
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after a minute: {code}")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("text", [
    '"i. " * 60 + "x"',  # a letter and a roman numeral both: 2^60 ways to fail
    '"I) " * 60 + "x"',
    '"C.  " * 60 + "x"',
    '"[x " * 200_000',  # a definition's label read to the line's end, from every `[`
    '"x [^a " * 200_000',
])
def test_prose_is_read_in_time_that_grows_with_it(text: str) -> None:
    runs_to_its_end("from wgec_report.prose import as_text, structure_lines, too_deep\n"
                    f"text = {text}\n"
                    "structure_lines(text); as_text(text); too_deep(text)")


def test_link_targets_are_read_in_time_that_grows_with_the_text() -> None:
    runs_to_its_end("from wgec_report.check import _LINK_TARGET\n"
                    "list(_LINK_TARGET.finditer('[a](<) ' * 200_000))")


def test_a_list_marker_is_still_what_pandoc_reads_as_one() -> None:
    for marker in ("i. ", "iv. ", "c) ", "(x) ", "I) ", "(IV) ", "B.  ", "XII.  "):
        assert structure_lines(f"{marker}# heading") != [], marker
    for text in ("B. # Russell", "ii.# x"):  # one space after a capital: text
        assert structure_lines(text) == [], text


def test_an_underline_thousands_of_characters_long_is_escaped_in_one_pass() -> None:
    text = "a\n" + "=" * 100_000
    assert as_text(text) == "a\n" + "\\=" * 100_000


def test_a_range_far_longer_than_the_instrument_is_one_problem_not_millions(
        tmp_path: Path) -> None:
    """`[@tunis-agenda:30-40000000]` (30 bytes) made the check build a set of forty
    million numbers (2.3 GB) and say each missing paragraph on its own: now a run of
    missing paragraphs is one problem."""
    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    path = project / "sources" / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("To invite UN GA", "To invite [@tunis-agenda:30-40000000] UN GA",
                                 1), encoding="utf-8")
    result = check_project(project)
    assert result.report is not None
    have = sorted({p.number for i in result.report.instruments if i.id == "tunis-agenda"
                   for p in i.paragraphs if p.number >= 30})
    runs, expected = [], 30
    for number in have:
        if number > expected:
            runs.append((expected, number - 1))
        expected = number + 1
    runs.append((expected, 40_000_000))
    said = sorted(d.message for d in result.diagnostics if d.code == "unknown-paragraph")
    assert said == sorted(
        f"paragraph {a} of 'tunis-agenda' is not in instruments.yaml" if a == b else
        f"paragraphs {a}–{b} of 'tunis-agenda' are not in instruments.yaml" for a, b in runs)
    assert refs.format_spans((refs.ParagraphSpan(1, 40_000_000),)) == "paras. 1–40000000"
    assert refs.format_spans((refs.ParagraphSpan(7, 7), refs.ParagraphSpan(7, 7))) == (
        "para. 7 and 7")


def test_the_paragraphs_of_a_range_are_found_in_one_pass() -> None:
    location = Location("x.yaml", 1, 1)
    paragraphs = tuple(model.InstrumentParagraph(n, location) for n in (5, 3, 9, 3, 7))
    title = model.Text({}, location)
    instrument = model.Instrument("i", title, location, paragraphs=paragraphs)
    assert [p.number for p in instrument.paragraphs_in(3, 8)] == [3, 5, 7]
    assert instrument.paragraphs_in(3, 8)[0] is paragraphs[1]  # of two 3s, the first
    assert instrument.paragraphs_in(10, 40_000_000) == []


def test_places_in_code_spans_are_found_by_halving() -> None:
    spans = [(n * 10, n * 10 + 4) for n in range(100_000)]
    assert refs.inside(spans, 999_993) and refs.inside(spans, 0)
    assert not refs.inside(spans, 999_995) and not refs.inside(spans, 1_000_000)
    assert not refs.inside([], 3)
