"""What `wgec check` accepts, `wgec build` makes: prose assembled from the pieces of
Markdown that matter to pandoc and typst either has located errors in the check, or
builds in every format. A build that fails after a clean check (a pandoc warning, a
typst error) is a failure the editor could not have seen coming."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report.build import build_project
from wgec_report.check import check_project
from wgec_report.errors import WgecError

# Markup and near-markup, in the pieces an editor or a pasted text brings: emphasis,
# links, images, attributes, headings, lists, quotes, tables, code, math, raw blocks,
# footnotes, references, escapes, and text in every script wgec sets.
PIECES = [
    "*", "**", "_", "__", "`", "``", "~", "~~", "^", "[", "]", "(", ")", "{", "}", "<", ">",
    "#", "## ", "|", "-", "+", "1.", "2)", "a)", "(i)", "\\", "\\\\", "$", "$$", "@", "&",
    "&amp;", "&#64;", ":", "::: {.note}", ":::", "```", "```{=typst}", "---", "***", "===",
    "![x](y)", "[x](http://example.org)", "[@tunis-agenda:69]", "[@res-70-125:65]",
    "{#sec-background}", "{#para-x}", "{.class}", "{typst:text:fill=red}", "^[a note]",
    "[^1]", "[^1]: note", "<b>", "<!-- -->", "\\begin{x}", "#panic()", "#set text(red)",
    "{{ 7*7 }}", "{% if %}", "Mr. Smith", "e.g.", "10\u00a0000", "«guillemets»",
    "العربية", "中文", "Русский", "😀", "\u200f", "\t", "    ", "\n", "\n\n", "\n> ",
    "\n- ", "\n1. ", "\n    code", "\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "word", "words here", " ", " ", " ",
    # Nesting near the limits: three of these are too deep for the check.
    "[[[", "]]]", "\n> > > > ", "\n- - - - ",
    # Links and ids typst must resolve.
    "[x]()", "[x](#annex-1)", "[x](#sec-background)", "[y]{#para-x}", "`c`{#id}",
]

prose = st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join)


def write_project(project: Path, paragraph: str, title: str) -> None:
    sections = project / "sources" / "sections"
    sections.mkdir(parents=True, exist_ok=True)
    # JSON is YAML: any text, quoted exactly.
    (project / "sources" / "report.yaml").write_text(
        f"title: {json.dumps(title)}\nsections: [background]\n", encoding="utf-8")
    (project / "sources" / "instruments.yaml").write_text(
        "instruments:\n"
        "  - id: tunis-agenda\n    title: Tunis Agenda for the Information Society\n"
        "    paragraphs:\n      - number: 69\n"
        "  - id: res-70-125\n    title: General Assembly resolution 70/125\n"
        "    paragraphs:\n      - number: 65\n", encoding="utf-8")
    (sections / "background.yaml").write_text(
        f"id: background\ntitle: Background\nparagraphs:\n  - {json.dumps(paragraph)}\n",
        encoding="utf-8")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(paragraph=prose, title=prose)
def test_what_the_check_accepts_builds_in_every_format(tmp_path: Path, paragraph: str,
                                                        title: str) -> None:
    project = tmp_path / f"p{abs(hash((paragraph, title)))}"
    write_project(project, paragraph, title)
    if check_project(project).errors:
        return  # located errors, said before anything is built: fine
    try:
        build_project(project, ["md", "docx", "pdf", "html"])
    except WgecError as failure:
        raise AssertionError(f"the check passed, the build failed: {failure.message}\n"
                             f"paragraph: {paragraph!r}\ntitle: {title!r}") from None
