"""Random bytes and mutated sources: success or located diagnostics, never another exception.

And two properties of what `check` finds: a character YAML refuses is located
at that character, whatever text comes before it; every image and `typst:`
attribute that pandoc reads in prose is reported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report import sources
from wgec_report.check import check_project, image_offsets, typst_attribute_offsets
from wgec_report.convert import READER
from wgec_report.errors import Diagnostic, Location
from wgec_report.sources import SourceFile, load_file
from wgec_report.tools import pandoc_path

from .conftest import REPO

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
SOURCE_FILES = sorted(p.relative_to(REPO / "sources").as_posix()
                      for p in (REPO / "sources").rglob("*.yaml"))


def assert_only_located_diagnostics(project: Path) -> None:
    result = check_project(project)  # raising anything here fails the test
    for diagnostic in result.diagnostics:
        assert diagnostic.location.path
        assert diagnostic.location.line >= 1, diagnostic
        assert diagnostic.location.column >= 1, diagnostic
        assert diagnostic.message
        assert_inside_its_file(diagnostic)


def assert_inside_its_file(diagnostic: Diagnostic) -> None:
    """The place is in the file: its line exists, its column is at most one past the line's end.

    Lines are counted at line feeds and columns in characters, as wgec reads the file
    (UTF-8, a BOM skipped); bytes that are not UTF-8 count as one character each.
    """
    location = diagnostic.location
    data = Path(location.path).read_bytes()
    lines = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace").split("\n")
    places = [(location.line, location.column)]
    if location.end_line:
        places.append((location.end_line, location.end_column))
    for line, column in places:
        assert line <= len(lines), f"{diagnostic}: the file has {len(lines)} lines"
        assert column <= len(lines[line - 1]) + 1, (
            f"{diagnostic}: line {line} has {len(lines[line - 1])} characters")


def fresh_project(tmp_path: Path) -> Path:
    project = tmp_path / "fuzz"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(REPO / "sources", project / "sources")
    return project


@SETTINGS
@given(name=st.sampled_from(SOURCE_FILES), data=st.binary(max_size=400))
def test_random_bytes_in_any_source_file(tmp_path: Path, name: str, data: bytes) -> None:
    project = fresh_project(tmp_path)
    (project / "sources" / name).write_bytes(data)
    assert_only_located_diagnostics(project)


@SETTINGS
@given(
    name=st.sampled_from(SOURCE_FILES),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40),
                            st.sampled_from(["", ":", "- ", "[", "]", "{", "}", "&a", "*a", "!!x",
                                             "\t", "\n", "'", '"', "[@", "#", "\u2028", "\xff"])),
                  min_size=1, max_size=6),
)
def test_mutated_default_sources(tmp_path: Path, name: str,
                                 cuts: list[tuple[int, int, str]]) -> None:
    project = fresh_project(tmp_path)
    path = project / "sources" / name
    text = path.read_text(encoding="utf-8")
    for start, length, insert in cuts:
        start %= len(text) + 1
        text = text[:start] + insert + text[start + length:]
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    assert_only_located_diagnostics(project)


# -- a character YAML refuses, after any text ---------------------------------------

# Text YAML accepts in a comment, from every script (CJK, Arabic, emoji...); the
# characters wgec refuses on its own (`bad-character`) are left out.
TEXT = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                     blacklist_characters="\ufffe\uffff").filter(
    lambda c: not "\ufdd0" <= c <= "\ufdef")
REFUSED = st.sampled_from([chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF)
                           if chr(c) not in "\t\n\r\x85"])


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.text(TEXT, max_size=12), min_size=1, max_size=4),
       cut=st.integers(0, 12), refused=REFUSED, crlf=st.booleans(), bom=st.booleans())
def test_a_refused_character_is_located_at_its_character(
        parser: str, lines: list[str], cut: int, refused: str, crlf: bool, bom: bool) -> None:
    """libyaml counts a ReaderError's position in UTF-8 bytes, the pure-Python parser in
    characters; either way the diagnostic names the character's line and column."""
    last = lines[-1]
    lines[-1] = last[:cut] + refused + last[cut:]
    text = ("\r\n" if crlf else "\n").join(f"# {line}" for line in lines) + "\ntitle: T\n"
    offset = text.index(refused)
    expected = Location("x.yaml", text.count("\n", 0, offset) + 1,
                        offset - text.rfind("\n", 0, offset))
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")

    with pytest.MonkeyPatch.context() as patch:
        if parser == "pure-python":
            patch.setattr(sources, "_EventLoader", yaml.SafeLoader)
            patch.setattr(sources, "_READER_ERROR_IN_BYTES", False)
        found = load_file(SourceFile(Path("x.yaml"), "x.yaml", "x.yaml", data=data))

    assert [(d.code, d.location) for d in found] == [("yaml-syntax", expected)]
    assert f"U+{ord(refused):04X}" in found[0].message


# -- images and typst: attributes, as pandoc reads them -----------------------------

# An image or a `typst:` attribute, amid pieces of Markdown that escape it, or open
# or close what might hide it from a scanner: backslashes, backticks (code spans),
# links, titles, autolinks, attributes, notes, emphasis, lists, tables, fences,
# entities, superscripts and subscripts (whose text pandoc unescapes, then reads again).
PIECES = st.lists(st.sampled_from([
    "\\", "\\", "`", "``", "```", "~~~", "!", "[", "]", "(", ")", "[a](b", "[a](b \"", '"',
    "<", "<http://a", ">", "{k=", "{", "}", "^[", "*", "|", "- ", "x", " ", "\n", "\n\n",
    "&#33;", "&#91;", "^", "~", "\n\n[r]: /e\n\n",
]), max_size=8).map("".join)
MARKDOWN = st.tuples(PIECES, st.sampled_from([
    "![x](/e)", "![x][r]", "![r]", "[x]{typst:text:fill=red}", '<span typst:text:fill="r">x</span>',
]), PIECES).map("".join)


def pandoc_reads(markdown: str) -> tuple[int, int]:
    """How many images, and `typst:` attributes, pandoc's reader (as the build sets it)
    finds in the Markdown."""
    output = subprocess.run([str(pandoc_path()), f"--from={READER}", "--to=json"],
                            input=markdown.encode("utf-8"), capture_output=True, check=True)
    counts = [0, 0]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind, content = node.get("t"), node.get("c")
            if kind == "Image":
                counts[0] += 1
            if kind in ("Span", "Div", "Link", "Image", "Code", "CodeBlock", "Header"):
                attributes = content[1] if kind == "Header" else content[0]
                counts[1] += sum(1 for key, _ in attributes[2] if key.lower().startswith("typst:"))
            node = list(node.values())
        if isinstance(node, list):
            for child in node:
                walk(child)

    walk(json.loads(output.stdout))
    return counts[0], counts[1]


@settings(max_examples=150, deadline=None)
@given(markdown=MARKDOWN)
def test_every_image_and_typst_attribute_pandoc_reads_is_reported(markdown: str) -> None:
    images, attributes = pandoc_reads(markdown)
    assert len(image_offsets(markdown)) >= images
    assert len(typst_attribute_offsets(markdown)) >= attributes


@pytest.mark.parametrize("markdown", [
    "Backslash \\\\![x](/etc/hostname) here.",  # an escaped backslash, then an image
    "\\`![x](/e)`",  # an escaped backtick opens no code span
    "[a](b`c) ![x](/e) `d`",  # nor does a backtick in a link's URL
    "[a](b \"`\") ![x](/e) `c`",  # or in its title
    "<http://a`b> ![x](/e) `c`",  # or in an autolink
    "[a]{key=\"`\"} ![x](/e) `c`",  # or in an attribute
    "![x][r]\n\n[r]: /e",
    "![r]\n\n[r]: /e",
    "\\`[x]{typst:text:fill=red}`",
    "^\\![x](/e)^",  # a superscript's text is unescaped, then read again
    "~&#33;&#91;x&#93;(/e)~",  # and its entities decoded
    "a^\\[x\\]{typst&#58;text:fill=red}^",
])
def test_an_image_or_attribute_a_scanner_could_miss(markdown: str) -> None:
    """All but the two by reference passed `check` once (a code span it saw where
    pandoc reads none, a backslash it took for an escape, a superscript it did not
    read twice)."""
    images, attributes = pandoc_reads(markdown)
    assert images + attributes == 1, "pandoc's reading changed: update the example"
    assert len(image_offsets(markdown)) == images
    assert len(typst_attribute_offsets(markdown)) == attributes


@pytest.mark.parametrize(("case", "images_over", "attributes_over"), [
    ("image-every-form", 1, 0),  # the image in a real code span
    ("valid-escaped-image", 0, 0),
    # On a native span, `<span typst:...>`: pandoc reads the tag as text now (as the
    # raw-markup warning says it is), and the check still refuses the attribute.
    ("typst-attribute-every-form", 0, 1),
])
def test_the_image_cases_agree_with_pandoc(case: str, images_over: int,
                                           attributes_over: int) -> None:
    """What the case folders expect is what pandoc reads in their paragraphs, one
    document as in the build; `..._over`: the reports pandoc would not need."""
    folder = Path(__file__).parent / "cases" / case
    source = yaml.safe_load((folder / "sources" / "sections" / "intro.yaml").read_text("utf-8"))
    images, attributes = pandoc_reads("\n\n".join(source["paragraphs"]))
    expected = (folder / "expected.txt").read_text("utf-8")
    assert expected.count("error[image]") == images + images_over
    assert expected.count("error[typst-attribute]") == attributes + attributes_over


def test_superscripts_are_read_again_in_time_that_grows_with_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`^\\^\\^\\...`: every `^` was read from, each to the end of the text (10,000
    characters took 22 s). An escaped mark opens nothing, and a superscript is read no
    further than a superscript can sensibly run."""
    from wgec_report import check

    reads: list[int] = []
    real = check._script_text

    def counting(markdown: str, start: int) -> object:
        reads.append(start)
        return real(markdown, start)

    monkeypatch.setattr(check, "_script_text", counting)
    image_offsets("^\\" * 5000)
    assert reads == [0]  # the others are escaped
    long = "^" + "\\!" * (check._MAX_SCRIPT // 2 + 1) + "[x](y)^"
    assert real(long, 0) is None  # beyond the limit: not read again
    short = "^" + "\\!" * 10 + "[x](y)^"
    assert real(short, 0) is not None


# -- many references in one text ------------------------------------------------------

# How the first recommendation's English text may be written: YAML changes the text
# (folding, escapes, doubled quotes), but a `[@` is always written as is.
STYLES = {
    "plain": lambda words: "\n".join(f"        {line}" for line in _lines(words)),
    "folded": lambda words: ">-\n" + "\n".join(f"        {line}" for line in _lines(words)),
    "literal": lambda words: "|-\n" + "\n".join(f"        {line}" for line in _lines(words)),
    "double-quoted": lambda words: '"' + "\n        ".join(
        line.replace("\\", "\\\\").replace('"', '\\"') for line in _lines(words)) + '"',
    "single-quoted": lambda words: "'" + "\n        ".join(
        line.replace("'", "''") for line in _lines(words)) + "'",
}


def _lines(words: list[str]) -> list[str]:
    words = ["To", "invite", *words]  # a plain scalar cannot start with `[`
    return [" ".join(words[i:i + 5]) for i in range(0, len(words), 5)]


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(["known", "unknown", "word", "quote"]), min_size=1,
                      max_size=80),
       style=st.sampled_from(sorted(STYLES)))
def test_every_reference_of_a_long_text_is_located_at_its_own_place(
        tmp_path_factory: pytest.TempPathFactory, kinds: list[str], style: str) -> None:
    """Each unknown instrument among many references in one text is reported at its own
    `[@`, in every way YAML can write the text."""
    words = [{"known": "[@tunis-agenda:35]", "unknown": f"[@nosuch-{n}:1]",
              "word": "policy", "quote": "it's \"so\""}[kind] for n, kind in enumerate(kinds)]
    project = tmp_path_factory.mktemp("refs") / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    path = project / "sources" / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("      en: ") + len("      en: ")
    end = text.index("\n      fr:", first)
    text = text[:first] + STYLES[style](words) + text[end:]
    path.write_text(text, encoding="utf-8")

    found = [d for d in check_project(project).diagnostics if d.code == "unknown-reference"]

    wanted = {f"nosuch-{n}" for n, kind in enumerate(kinds) if kind == "unknown"}
    assert len(found) == len(wanted)
    lines = text.split("\n")
    for diagnostic in found:
        line = lines[diagnostic.location.line - 1]
        at = line[diagnostic.location.column - 1:]
        named = diagnostic.message.split("'")[1]
        assert at.startswith(f"[@{named}:"), (diagnostic, line)
        wanted.discard(named)
    assert not wanted


def test_a_text_is_searched_once_per_marker_however_many_it_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reference of a text was located by counting the markers before it from the
    text's start: 8,000 references in one text took the check 9 s."""
    from wgec_report import check

    searched: list[tuple[int, str]] = []
    real = check._starts_of

    def counting(text: str, marker: str, start: int, end: int) -> list[int]:
        searched.append((start, marker))
        return real(text, marker, start, end)

    monkeypatch.setattr(check, "_starts_of", counting)
    project = fresh_project(tmp_path)
    path = project / "sources" / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("To invite UN GA", "To invite " + "[@nosuch:1] " * 2000
                                 + "[@tunis-agenda:35] " * 2000 + "UN GA", 1), encoding="utf-8")

    result = check_project(project)

    assert sum(d.code == "unknown-reference" for d in result.diagnostics) == 2000
    assert len(searched) == len(set(searched))  # each text, each marker: one search
    assert searched.count(next(s for s in searched if s[1] == "[@")) == 1


def test_a_misspelt_id_cited_many_times_is_compared_with_the_ids_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each citation of a renamed id looked for its closest id again: milliseconds each
    in a large report, seconds for a section cited a thousand times."""
    import difflib

    from wgec_report import schema

    compared: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, *args: Any, **kwargs: Any) -> list[str]:
        compared.append(word)
        return real(word, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    schema._closest.cache_clear()
    project = fresh_project(tmp_path)
    path = project / "sources" / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("To invite UN GA", "To invite " + "[@rec:enabling-enviroment] "
                                 * 500 + "UN GA", 1), encoding="utf-8")

    found = [d for d in check_project(project).diagnostics if d.code == "unknown-reference"]

    assert len(found) == 500
    assert {d.hint for d in found} == {"did you mean 'enabling-environment'?"}
    assert compared.count("enabling-enviroment") == 1
