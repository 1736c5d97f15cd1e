"""The three documents contain every piece of the contribution, in the right structure."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from wgec_report.check import check_project
from wgec_report.model import Report

from .conftest import REPO, docx_paragraphs, normalize, pdf_body_text, pdf_text


def default_report() -> Report:
    result = check_project(REPO)
    assert result.report is not None
    return result.report


def contribution_texts() -> list[str]:
    """Every focus area, organization, characteristic and recommendation, as written."""
    report = default_report()
    texts: list[str] = []
    for level in report.levels:
        texts.append(level.name.get("en", "en"))
        texts += [area.name.get("en", "en") for area in level.focus_areas]
    texts += [c.name.get("en", "en") for c in report.characteristics]
    for organization in report.organizations:
        texts += [organization.abbreviation.get("en", "en"), organization.name.get("en", "en")]
    texts += [r.text.get("en", "en") for r in report.recommendations]
    for instrument in report.instruments:
        for paragraph in instrument.paragraphs:
            if paragraph.text:
                texts.append(paragraph.text.get("en", "en"))
            texts += [sub.text.get("en", "en") for sub in paragraph.subparagraphs]
    return texts


def test_the_default_report_has_all_of_the_contribution() -> None:
    report = default_report()
    assert [len(level.focus_areas) for level in report.levels] == [4, 10, 7]
    assert len(report.characteristics) == 8
    assert len(report.recommendations) == 10
    mapped = {ref.id for row in report.mapping for ref in (*row.agencies, *row.forums)}
    assert "un-desa" in mapped  # the contribution's "UNDECA"
    assert len(mapped) == 15


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
def test_every_piece_of_content_is_in_every_format(built: Path, fmt: str) -> None:
    if fmt == "md":
        text = (built / "report.md").read_text(encoding="utf-8").replace("\\", "")
    elif fmt == "docx":
        text = "\n".join(docx_paragraphs(built / "report.docx"))
    else:
        text = pdf_body_text(built / "report.pdf")
    haystack = normalize(text)
    missing = [t for t in contribution_texts() if normalize(t) not in haystack]
    assert missing == []


def test_markdown_has_sections_tables_and_numbered_recommendations(built: Path) -> None:
    markdown = (built / "report.md").read_text(encoding="utf-8")
    headings = re.findall(r"^(#+) (.+?) \{", markdown, flags=re.M)
    # A no-break space after the number: typst read "1. Introduction" as a list.
    assert [title for _, title in headings] == [
        "1.\u00a0Introduction",
        "2.\u00a0Background",
        "2.1\u00a0Scope and focus areas of enhanced cooperation",
        "2.2\u00a0Format of enhanced cooperation",
        "2.3\u00a0High-level characteristics of enhanced cooperation",
        "2.4\u00a0International organizations to be involved in enhanced cooperation",
        "3.\u00a0Recommendations",
    ]
    assert markdown.startswith("---\ntitle: ")
    numbers = [int(n) for n in re.findall(r"^(\d+)\.\s+::: \{", markdown, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1))  # consecutive through the document
    recommendations = re.findall(r"^(\d+)\.\s+::: \{#rec-", markdown, flags=re.M)
    assert recommendations == [str(n) for n in range(9, 19)]  # after 8 body paragraphs
    assert "| Social-economic development level | UNGIS, UNCTAD, UNDP, ITU" in markdown
    assert "^[Tunis Agenda for the Information Society, para. 69.]" in markdown


def test_docx_has_footnotes_and_tables(built: Path) -> None:
    with zipfile.ZipFile(built / "report.docx") as archive:
        names = set(archive.namelist())
        document = archive.read("word/document.xml").decode("utf-8")
    assert "word/footnotes.xml" in names
    footnotes = " ".join(docx_paragraphs(built / "report.docx", "word/footnotes.xml"))
    assert "Tunis Agenda for the Information Society, para. 69." in footnotes
    assert "General Assembly resolution 70/125, paras. 64–65." in footnotes
    assert document.count("<w:tbl>") == 4  # three focus-area tables and the mapping
    assert "Economic and Social Council" in document or "Draft report" in document


def test_pdf_has_footnotes_and_the_mapping(built: Path) -> None:
    text = pdf_text(built / "report.pdf")
    assert "United Nations" in text
    assert normalize("Tunis Agenda for the Information Society, para. 71.") in normalize(text)
    assert normalize("Social-economic development level") in normalize(text)


def test_docx_and_pdf_are_real_documents(built: Path) -> None:
    assert (built / "report.pdf").read_bytes().startswith(b"%PDF-")
    with zipfile.ZipFile(built / "report.docx") as archive:
        assert archive.testzip() is None
        assert b"<w:body>" in archive.read("word/document.xml")


def test_a_field_that_reads_as_a_boolean_to_pandoc_comes_out_as_written(tmp_path: Path) -> None:
    """pandoc takes `-M subtitle:FALSE` for a boolean: the subtitle would vanish from the
    PDF and the HTML ($if(subtitle)$ fails), a title "TRUE" come out "true"."""
    from wgec_report.build import build_project

    (tmp_path / "sources" / "sections").mkdir(parents=True)
    (tmp_path / "sources" / "report.yaml").write_text(
        "title: 'TRUE'\nsubtitle: 'FALSE'\nmeeting: 'False'\nsections: [intro]\n")
    (tmp_path / "sources" / "sections" / "intro.yaml").write_text(
        "id: intro\ntitle: Intro\nparagraphs: [Text.]\n")
    build_project(tmp_path, ["pdf", "html", "docx"])
    lines = pdf_text(tmp_path / "build" / "report.pdf").splitlines()
    assert {"TRUE", "FALSE", "False"} <= set(lines)
    html = (tmp_path / "build" / "report.html").read_text()
    assert "<title>TRUE</title>" in html and "FALSE" in html and "False" in html
    assert {"TRUE", "FALSE", "False"} <= set(docx_paragraphs(tmp_path / "build" / "report.docx"))


def test_a_title_with_backslashes_is_the_documents_title_as_written(tmp_path: Path) -> None:
    """`\\1` and `\\M` are text in a title, not a regular expression's group or escape
    (the DOCX's properties are set with one)."""
    from wgec_report.build import build_project

    title = "Report \\10 of C:\\Mr\\g<0> & <co>"
    (tmp_path / "sources" / "sections").mkdir(parents=True)
    (tmp_path / "sources" / "report.yaml").write_text(
        f"title: {json.dumps(title)}\nsymbol: E/CN.16/2018/CRP.1\nsections: [intro]\n")
    (tmp_path / "sources" / "sections" / "intro.yaml").write_text(
        "id: intro\ntitle: Intro\nparagraphs: [Text.]\n")
    build_project(tmp_path, ["docx", "pdf"])
    with zipfile.ZipFile(tmp_path / "build" / "report.docx") as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "<dc:title>Report \\10 of C:\\Mr\\g&lt;0&gt; &amp; &lt;co&gt;</dc:title>" in core
    assert title in docx_paragraphs(tmp_path / "build" / "report.docx")
    assert title in pdf_text(tmp_path / "build" / "report.pdf").splitlines()
