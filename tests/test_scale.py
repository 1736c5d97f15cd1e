"""Inputs that once took time growing faster than their size (some of them only a few
hundred bytes), and what the check and the render say of them.

Where the cause was a regular expression that backtracks, or a search of a whole text
or of every id for each of thousands of things in it, the input runs in a process of
its own that is stopped after a minute: not a measure of speed (it takes milliseconds
to a second now, and took minutes to years before), but so that a return of the fault
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wgec_report import model, prose, refs
from wgec_report.check import (
    ParagraphIndex,
    _ends_apart,
    _ends_of,
    _Needles,
    _starts_of,
    check_project,
)
from wgec_report.errors import Location
from wgec_report.prose import as_text, structure_lines
from wgec_report.schema import CloseIds, ComparisonBudget, did_you_mean

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
    '"# h\\n\\n" + "```a\\n\\n" * 40_000',  # the rest searched for each fence never closed
    '"i. " * 60 + "\\n# x"',  # a line of markers, then what it holds on the next line
])
def test_prose_is_read_in_time_that_grows_with_it(text: str) -> None:
    runs_to_its_end("from wgec_report.prose import as_text, structure_lines, too_deep\n"
                    f"text = {text}\n"
                    "structure_lines(text); as_text(text); too_deep(text)")


def test_link_targets_are_read_in_time_that_grows_with_the_text() -> None:
    runs_to_its_end("from wgec_report.check import _LINK_TARGET\n"
                    "list(_LINK_TARGET.finditer('[a](<) ' * 200_000))")


def test_a_list_marker_is_still_what_pandoc_reads_as_one() -> None:
    for marker in ("i. ", "iv. ", "c) ", "(x) ", "I) ", "(IV) ", "B.  ", "XII.  ",
                   "@x. ", "@) ", "@. ", "(@) ",  # example lists: "@x. # h" broke the build
                   "-\n", "B.\n", "1.\n", "(a)\n", "@x.\n"):  # the item on the next line
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


def test_each_code_block_s_note_references_are_told_from_its_own_definitions() -> None:
    """The note references of each of a text's code blocks were told from the
    definitions found in all of the text before: 80,000 code blocks took two minutes."""
    runs_to_its_end("from wgec_report.prose import structure_lines\n"
                    "text = '# h\\n\\n```\\nc\\n```\\n\\n' * 80_000\n"
                    "assert len(structure_lines(text)) == 80_000")


def test_a_line_of_definitions_is_read_from_its_start_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From each definition back to its line's start, and that read again: a line of
    thousands of `[a]:` took time that grew with its square."""
    read: list[int] = []
    real = prose._LINE

    class Counting:
        def match(self, text: str, position: int) -> re.Match[str] | None:
            read.append(position)
            return real.match(text, position)

    monkeypatch.setattr(prose, "_LINE", Counting())
    found = structure_lines("[a]: " * 1000 + "\n\n[b]: y [c]: z")
    assert [(line.offset, line.marker) for line in found] == [(0, "[a]:"), (5002, "[b]:")]
    assert read == [0, 5002]


def letters(number: int) -> str:
    """A name of five letters for each number below 100,000."""
    return "".join("abcdefghij"[int(digit)] for digit in f"{number:05d}")


def project_with(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """The default report's sources, each edit (a file's path in sources/, a text in it
    and what replaces it) made; an empty text: added at the file's end."""
    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    for name, old, new in edits:
        path = project / "sources" / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1) if old else text + new, encoding="utf-8")
    return project


def runs_check_to_its_end(project: Path, expected: dict[str, Any]) -> None:
    """The check of `project` runs to its end in a process of its own, and says what
    `expected` holds: for a diagnostic's code, each message with its hint; or, for
    "located", the places (line and column) of every diagnostic of a code, each
    where its file holds a marker, in order."""
    path = project / "expected.json"
    path.write_text(json.dumps(expected), encoding="utf-8")
    runs_to_its_end(f"""
import json
from pathlib import Path
from wgec_report.check import check_project
expected = json.loads(Path({str(path)!r}).read_text(encoding="utf-8"))
diagnostics = check_project(Path({str(project)!r})).diagnostics
for code, said in expected.get("said", {{}}).items():
    assert {{d.message: d.hint for d in diagnostics if d.code == code}} == said
if "located" in expected:
    code, markers = expected["located"]
    places = sorted((d.location.path, d.location.line, d.location.column)
                    for d in diagnostics if d.code == code)
    assert len(places) == len(markers), len(places)
    lines = {{file: Path(file).read_text(encoding="utf-8").split("\\n")
             for file in {{file for file, _, _ in places}}}}
    for (file, line, column), marker in zip(places, markers):
        assert lines[file][line - 1].startswith(marker, column - 1), (line, column, marker)
""")


@pytest.mark.parametrize("kind", ["organization", "recommendation"])
def test_thousands_of_distinct_misspelt_ids_are_each_given_their_hint(
        tmp_path: Path, kind: str) -> None:
    """Each distinct misspelling of an id was compared with every id (difflib, tens of
    microseconds a comparison): 2,000 misspellings of 2,000 ids took two minutes."""
    names = [letters(number) for number in range(2000)]
    if kind == "organization":
        ids = [f"agency-{name}" for name in names]
        misspelt = [f"agnecy-{name}" for name in names]
        project = project_with(
            tmp_path,
            ("organizations.yaml", "", "".join(
                f"  - id: {ident}\n    abbreviation: A\n    name: An agency\n"
                "    kind: agency\n" for ident in ids)),
            ("recommendations.yaml", "organizations: [unga]",
             f"organizations: [unga, {', '.join(misspelt)}]"))
        code = "unknown-organization"
    else:
        ids = [f"recommendation-{name}" for name in names]
        misspelt = [f"recomendation-{name}" for name in names]
        project = project_with(
            tmp_path,
            ("recommendations.yaml", "", "".join(
                f"  - id: {ident}\n    status: proposed\n    text: To do.\n"
                for ident in ids)),
            ("recommendations.yaml", "To invite UN GA", "To invite " + " ".join(
                f"[@rec:{word}]" for word in misspelt) + " UN GA"))
        code = "unknown-reference"
    runs_check_to_its_end(project, {"said": {code: {
        f"no {kind} with id '{word}'": f"did you mean '{ident}'?"
        for word, ident in zip(misspelt, ids, strict=True)}}})


def test_beyond_the_budget_a_typo_is_given_the_hint_every_id_would_give() -> None:
    """A check compares misspellings with every id for a while (`ComparisonBudget`);
    beyond, each with the ids an edit or two from it, which give a typo its hint."""
    ids = ["consider-un-body", "enabling-environment", "association-with-igf", "itu",
           "affordability-and-access", "connectivity-and-stability", "undp", "unesco",
           "unctad", "ungis", "wipo", "wto", "enabling-environment-for-principles"]
    typos = ["consider-un-bdy", "enabling-enviroment", "asociation-with-igf", "iut",
             "affordability-and-acess", "conectivity-and-stability", "undpp", "uneso",
             "unctda", "ungsi", "wip", "wtoo", "enabling-environment-for-principle",
             "unesco-x", "consider-un-bodys"]
    budget = ComparisonBudget(len(ids))  # one misspelling compared with every id
    close = CloseIds(ids, budget)
    for typo in typos:
        assert close.did_you_mean(typo) == did_you_mean(typo, ids), typo
    assert budget.left == 0
    # Each said once, and compared once, however often it is misspelt so.
    assert close.did_you_mean("enabling-enviroment") == "did you mean 'enabling-environment'?"
    # An alternative is no alternative to itself: its own id is never the hint.
    assert close.did_you_mean("undpp", excluding="undp") == ""
    # Not an edit or two from an id (or two characters short of one): difflib finds
    # one, the index none.
    for far in ("consider-body", "conectivity-and-stabilty"):
        assert did_you_mean(far, ids) != ""
        assert close.did_you_mean(far) == ""
    # While the budget lasts, every id: the hint is difflib's, whatever the word.
    assert CloseIds(ids, ComparisonBudget()).did_you_mean("consider-body") == (
        "did you mean 'consider-un-body'?")


# Thousands of distinct markers in one long text, each located by the check: what the
# text holds, what its file holds where the check locates each, and the code said.
MARKERS = {
    "TeX commands": (lambda name: f"\\x{name} ", lambda name: f"\\\\x{name}",
                     "raw-markup"),
    "ids in attributes": (lambda name: f"[a]{{#x{name}}} ", lambda name: f"#x{name}",
                          "link-target"),
    "definitions": (lambda name: f"[x{name}]: u\n\n", lambda name: f"[x{name}]:",
                    "prose-structure"),
    "note references": (lambda name: f"[^x{name}] ", lambda name: f"[^x{name}]",
                        "prose-structure"),
}


@pytest.mark.parametrize("kind", list(MARKERS))
def test_thousands_of_distinct_markers_in_a_text_are_located_in_one_pass(
        tmp_path: Path, kind: str) -> None:
    """Each distinct marker (a TeX command's name, an id, a definition's label) was
    located by searching the whole text and its file for it: 40,000 of them in a text
    of 2 MB took minutes."""
    in_text, in_file, code = MARKERS[kind]
    names = [letters(number) for number in range(40_000)]
    text = "".join(in_text(name) for name in names) + " word" * 400_000
    old = re.search(r"    text: >-\n      The Tunis Agenda recognized.*(?:\n      .*)*",
                    (REPO / "sources" / "sections" / "background.yaml").read_text(
                        encoding="utf-8"))
    assert old is not None
    project = project_with(tmp_path, ("sections/background.yaml", old.group(),
                                      "    text: " + json.dumps(text)))
    runs_check_to_its_end(project, {"located": [code, [in_file(name) for name in names]]})


def test_many_markers_are_found_where_a_search_for_each_finds_them() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        alphabet = rng.choice(["ab", "abc", "a{\\#[", "xy\n "])
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        needles = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
                   for _ in range(rng.randint(1, 30))}
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text) + 3)
        found = _Needles(needles).starts_in(text, start, end)
        everywhere = _Needles(needles).starts_in(text, 0, len(text))
        for needle in needles:
            assert found[needle] == _starts_of(text, needle, start, end), (text, needle)
            assert _ends_apart(everywhere[needle], len(needle)) == _ends_of(text, needle)


def test_a_text_is_read_again_once_for_its_images_and_attributes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A superscript's text, read again as pandoc does, was read for images and then
    again for `typst:` attributes."""
    from wgec_report import check

    text = "See ^\\![x](y)^ and [z]{typst:text:fill=red}."  # an escape undone: read again
    read: list[str] = []
    real = check._readings

    def counting(markdown: str) -> Any:
        read.append(markdown)
        return real(markdown)

    monkeypatch.setattr(check, "_readings", counting)
    project = project_with(tmp_path, ("recommendations.yaml", "To invite UN GA",
                                      f"To invite {text} UN GA"))
    said = [d.code for d in check_project(project).diagnostics]
    assert said.count("image") == 1 and said.count("typst-attribute") == 1
    assert sum(markdown.startswith("To invite See") for markdown in read) == 1


def test_an_instrument_s_paragraphs_are_indexed_not_read_for_each_citation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each citation read all of its instrument's paragraphs, and of a paragraph all of
    its subparagraphs: 10,000 citations of an instrument of 10,000 paragraphs took 8 s."""
    read: list[str] = []
    monkeypatch.setattr(model.Instrument, "paragraphs_in",
                        lambda self, first, last: read.append(self.id) or [])
    monkeypatch.setattr(model.InstrumentParagraph, "subparagraph",
                        lambda self, label: read.append(label))
    project = project_with(tmp_path, ("recommendations.yaml", "To invite UN GA",
                                      "To invite [@tunis-agenda:35(a)] [@tunis-agenda:35(q)] "
                                      "[@tunis-agenda:69-71] [@tunis-agenda:2] UN GA"))
    said = sorted(d.message for d in check_project(project).diagnostics
                  if d.code == "unknown-paragraph")
    assert said == ["paragraph 2 of 'tunis-agenda' is not in instruments.yaml",
                    "paragraph 35 of 'tunis-agenda' has no subparagraph (q)"]
    assert read == []


def test_the_paragraphs_of_a_span_are_those_the_instrument_gives() -> None:
    rng = random.Random(3)
    location = Location("x.yaml", 1, 1)
    text = model.Text({}, location)
    for _ in range(300):
        paragraphs = tuple(
            model.InstrumentParagraph(rng.randint(1, 30), location, subparagraphs=tuple(
                model.Subparagraph(rng.choice("abc"), text, location)
                for _ in range(rng.randint(0, 3))))
            for _ in range(rng.randint(0, 20)))
        instrument = model.Instrument("i", text, location, paragraphs=paragraphs)
        index = ParagraphIndex(instrument)
        first, last = rng.randint(-2, 32), rng.randint(-2, 32)
        assert index.numbered(first, last) == instrument.paragraphs_in(first, last)
        for paragraph in index.numbered(first, last):
            for label in "abcd":
                assert index.labelled(paragraph, label) == [
                    sub for sub in paragraph.subparagraphs if sub.label == label]
