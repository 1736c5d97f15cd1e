"""Negotiation: statuses, brackets, alternatives as "bis"/"ter", clean text, provenance."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from wgec_report.build import build_project
from wgec_report.check import check_project
from wgec_report.cli import main
from wgec_report.render import RenderOptions

from .conftest import pdf_text

FIXTURE = Path(__file__).parent / "fixtures" / "negotiation-sources"


@pytest.fixture
def negotiation(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "sources")
    return tmp_path


def markdown(project: Path, options: RenderOptions = RenderOptions()) -> str:  # noqa: B008
    build_project(project, ["md"], project / "out", options=options)
    text = (project / "out" / "report.md").read_text()
    return text[text.index("# 1.\u00a0Recommendations"):]


def test_the_negotiation_draft_brackets_and_labels(negotiation: Path) -> None:
    text = markdown(negotiation)
    assert "1.  ::: {#rec-first" in text
    assert "    An agreed recommendation.\n" in text  # agreed: no brackets
    assert "    \\[The original wording.\\]" in text  # it has alternatives: bracketed
    assert "**2 bis.**&nbsp;\\[An alternative wording.\\]" in text
    assert "**2 ter.**&nbsp;\\[~~A dropped wording.~~\\]" in text
    assert "3.  ::: {#rec-third" in text and "\\[Not yet agreed.\\]" in text


def test_clean_text_drops_brackets_labels_and_dropped_alternatives(negotiation: Path) -> None:
    text = markdown(negotiation, RenderOptions(clean=True))
    assert "\\[" not in text and "bis" not in text and "dropped wording" not in text
    assert "3.  ::: {#rec-second-alt" in text  # an alternative still in it is a paragraph
    assert "Compilation of proposals" not in text


def test_only_agreed(negotiation: Path) -> None:
    text = markdown(negotiation, RenderOptions(clean=True, only=frozenset({"agreed"})))
    assert "An agreed recommendation." in text
    for gone in ("original wording", "alternative wording", "Not yet agreed"):
        assert gone not in text


def test_compilation_of_proposals(negotiation: Path) -> None:
    text = markdown(negotiation)
    assert "**Annex I**" in text
    assert "| 2 | proposed | Brazil | Civil society |" in text
    assert "| 2 bis | proposed | Civil society | – |" in text
    assert "| Civil society | 2 bis | 2 |" in text


def test_comments_name_the_proponents_in_docx_only(negotiation: Path) -> None:
    build_project(negotiation, ["docx", "pdf"], negotiation / "out",
                  options=RenderOptions(comments=True))
    archive = zipfile.ZipFile(negotiation / "out" / "report.docx")
    comments = archive.read("word/comments.xml").decode()
    assert "Proposed by Brazil; supported by Civil society (status: proposed)." in comments
    assert "Proposed by The Chair (status: agreed)." in comments
    assert "<w:commentRangeStart" in archive.read("word/document.xml").decode()
    assert "Proposed by Brazil" not in pdf_text(negotiation / "out" / "report.pdf")


def test_cli_options(negotiation: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(negotiation), "--to", "md", "--clean",
                                  "--only", "agreed,bracketed"])
    assert result.exit_code == 0, result.output
    text = (negotiation / "build" / "report.md").read_text()
    assert "Not yet agreed." in text and "original wording" not in text
    result = runner.invoke(main, ["build", str(negotiation), "--only", "maybe"])
    assert result.exit_code == 2
    assert ("Invalid value for '--only': unknown status 'maybe'; choose from proposed, "
            "agreed, bracketed, dropped") in result.stderr


def test_alternatives_and_contributors_are_checked(negotiation: Path) -> None:
    recs = negotiation / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text()
                    .replace("alternative_to: second\n    proposed_by: [civil-society]",
                             "alternative_to: second-alt-2\n    proposed_by: [civil-socety]")
                    .replace("  - id: third\n", "  - id: third\n    alternative_to: third\n"))
    found = {(d.code, d.message) for d in check_project(negotiation).diagnostics}
    assert ("bad-alternative", "'second-alt-2' is itself an alternative; name the original it "
            "is an alternative to, so that all read as 7 bis, 7 ter, ...") in found
    assert ("bad-alternative", "'third' cannot be an alternative to itself") in found
    assert ("unknown-contributor", "no contributor with id 'civil-socety'") in found


def test_paragraph_alternatives_in_a_section(negotiation: Path) -> None:
    section = negotiation / "sources" / "sections" / "recommendations.yaml"
    section.write_text(section.read_text() + """paragraphs:
  - id: p1
    text: Original paragraph.
  - id: p1-alt
    alternative_to: p1
    text: Alternative paragraph.
  - Next paragraph.
""")
    text = markdown(negotiation)
    assert "1.  ::: {#para-p1 .paragraph}\n    \\[Original paragraph.\\]" in text
    assert "**1 bis.**&nbsp;\\[Alternative paragraph.\\]" in text
    assert "2.  ::: {.paragraph}\n    Next paragraph." in text
    assert "3.  ::: {#rec-first" in text


def test_comment_ids_are_numbers_as_word_requires(negotiation: Path) -> None:
    import re

    build_project(negotiation, ["docx"], negotiation / "out", options=RenderOptions(comments=True))
    comments = zipfile.ZipFile(negotiation / "out" / "report.docx").read("word/comments.xml")
    ids = re.findall(rb'<w:comment w:id="([^"]+)"', comments)
    assert ids and all(i.isdigit() for i in ids)


def test_references_to_alternatives_and_to_text_left_out(negotiation: Path) -> None:
    section = negotiation / "sources" / "sections" / "recommendations.yaml"
    section.write_text(section.read_text()
                       + "paragraphs:\n  - See [@rec:second-alt] and [@rec:third].\n")
    text = markdown(negotiation)
    assert "See [paragraph 3 bis](#rec-second-alt) and [paragraph 4](#rec-third)." in text
    clean = markdown(negotiation, RenderOptions(clean=True, only=frozenset({"proposed"})))
    assert "See [paragraph 3](#rec-second-alt) and a paragraph not in this text." in clean


def test_alternatives_past_the_tenth() -> None:
    from wgec_report.render import alternative_label

    assert [alternative_label(i) for i in (0, 1, 8, 9)] == ["bis", "ter", "decies",
                                                           "alternative 11"]


def test_comments_and_the_compilation_take_time_that_grows_with_the_contributors(
        negotiation: Path) -> None:
    """Each comment built the table of every contributor's name, and the compilation
    went over every recommendation for each contributor: 2,000 of each took 28 s (a
    build of 8,000 would take minutes; it takes seconds)."""
    from .test_scale import runs_to_its_end

    sources = negotiation / "sources"
    count = 8000
    (sources / "contributors.yaml").write_text("contributors:\n" + "".join(
        f"  - {{id: c{i}, name: Contributor {i}, kind: member-state}}\n"
        for i in range(count)), encoding="utf-8")
    (sources / "recommendations.yaml").write_text("recommendations:\n" + "".join(
        f"  - {{id: r{i}, proposed_by: [c{i}], supported_by: [c{(i + 1) % count}, c{i}],"
        f" text: Recommendation {i}.}}\n" for i in range(count)), encoding="utf-8")
    out = negotiation / "report.md"
    runs_to_its_end(  # the Markdown the DOCX is made from, with its Word comments
        "from pathlib import Path\nfrom wgec_report.check import check_project\n"
        "from wgec_report.render import RenderOptions, render_markdown\n"
        f"report = check_project(Path({str(negotiation)!r})).report\n"
        "rendered = render_markdown(report, options=RenderOptions(comments=True))\n"
        f"Path({str(out)!r}).write_text(rendered.document(), encoding='utf-8')")
    markdown = out.read_text(encoding="utf-8")
    assert "| Contributor 7999 | 8000 | 7999, 8000 |" in markdown
    assert ("[Proposed by Contributor 41; supported by Contributor 42, Contributor 41"
            " (status: proposed).]{.comment-start" in markdown)
