"""Builds never lose work: a failed conversion leaves every earlier output as it was."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

import pytest

from wgec_report import build, convert
from wgec_report.build import build_project, parse_formats
from wgec_report.errors import ConversionError, WgecError
from wgec_report.files import display_path


def test_a_failed_conversion_replaces_nothing(project: Path) -> None:
    build_project(project)
    outputs = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    assert sorted(outputs) == [".wgec-cache.json", "report.docx", "report.md", "report.pdf"]
    templates = project / "templates"
    templates.mkdir()
    with zipfile.ZipFile(templates / "reference.docx", "w") as docx:  # styles pandoc refuses
        docx.writestr("word/styles.xml", "not XML")
    with pytest.raises(ConversionError) as raised:
        build_project(project)  # Markdown and PDF were made; nothing may be written
    assert "pandoc" in raised.value.message
    (templates / "reference.docx").unlink()
    (templates / "report.typ").write_text('#image("/etc/hostname")\n$body$\n')
    with pytest.raises(ConversionError) as raised:
        build_project(project, ["md", "pdf"])  # typst's root holds nothing else to read
    assert "file not found" in raised.value.message
    after = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    assert after == outputs  # same files, same bytes, no temporary files left


def edit(project: Path) -> None:
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the GA", 1))


def test_a_disk_that_fills_while_outputs_are_written_replaces_none(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: the Markdown written, then no room for the DOCX, leaves the last
    build's three outputs, consistent with each other, and says so."""
    build_project(project, ["md", "docx", "html"])
    outputs = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    written: list[str] = []
    real = convert.write_beside

    def full_after_one(path: Path, data: bytes) -> Path:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path.name)
        return real(path, data)

    monkeypatch.setattr(convert, "write_beside", full_after_one)
    edit(project)
    with pytest.raises(WgecError) as raised:
        build_project(project, ["md", "docx", "html"])
    assert written == ["report.md"]
    assert raised.value.message == (
        f"cannot write {display_path(project / 'build' / 'report.docx')}: No space left on "
        "device; the outputs of the last build are as they were")
    after = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    assert after == outputs  # same files, same bytes, no temporary files left
    monkeypatch.undo()
    assert build_project(project, ["md", "docx", "html"]).up_to_date == []  # all made again


@pytest.mark.parametrize("refused", ["report.docx", "report.html"])
def test_an_output_that_cannot_be_replaced_puts_back_those_that_were(
        project: Path, monkeypatch: pytest.MonkeyPatch, refused: str) -> None:
    """All or nothing, when a rename fails after others were done (a file made
    immutable, `chattr +i`): the Markdown had been replaced and the DOCX not, and the
    build said so. The last build's are put back, new outputs taken away."""
    build_project(project, ["md", "docx"])
    outputs = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    real = os.replace

    def refusing(source: str | Path, target: str | Path) -> None:
        if Path(target).name == refused:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM), str(target))
        real(source, target)

    monkeypatch.setattr(build.os, "replace", refusing)
    edit(project)
    with pytest.raises(WgecError) as raised:
        build_project(project, ["md", "docx", "html"])
    assert raised.value.message == (
        f"cannot write {display_path(project / 'build' / refused)}: Operation not "
        "permitted; the outputs of the last build are as they were")
    after = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    assert after == outputs  # same files, same bytes, no temporary or kept file left
    monkeypatch.undo()
    assert build_project(project, ["md", "docx", "html"]).up_to_date == []  # all made again


def test_a_folder_where_an_output_goes_is_said_before_anything_is_written(
        project: Path) -> None:
    build_project(project, ["md", "docx"])
    outputs = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    (project / "build" / "report.pdf").mkdir()
    edit(project)
    with pytest.raises(WgecError, match=r"report\.pdf: a folder of that name is in the way; "
                                        r"nothing was written"):
        build_project(project)
    after = {p.name: p.read_bytes() for p in (project / "build").iterdir() if p.is_file()}
    assert after == outputs


def test_outputs_go_to_the_folder_asked_for(project: Path, tmp_path: Path) -> None:
    result = build_project(project, ["md"], tmp_path / "deep" / "out")
    assert result.outputs == [tmp_path / "deep" / "out" / "report.md"]
    assert not (project / "build").exists()


def test_an_output_folder_that_is_a_file_is_an_error(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WgecError, match="is a file"):
        build_project(project, ["md"], blocker)


def test_formats_parse_from_lists_and_repeats() -> None:
    assert parse_formats([]) == ["md", "docx", "pdf"]
    assert parse_formats(["pdf,md", "md", " DOCX "]) == ["pdf", "md", "docx"]
    assert parse_formats(["html"]) == ["html"]
    with pytest.raises(WgecError, match="unknown format 'odt'"):
        parse_formats(["odt"])


def test_user_text_is_never_run_as_a_template(project: Path) -> None:
    characteristics = project / "sources" / "characteristics.yaml"
    characteristics.write_text(
        characteristics.read_text().replace("en: Equal footing", "en: '{{ 7*7 }} {% for %}'")
    )
    build_project(project, ["md", "pdf"])
    markdown = (project / "build" / "report.md").read_text()
    assert "\\{\\{ 7\\*7 \\}\\} \\{% for %\\}" in markdown
    from .conftest import pdf_text

    assert "{{ 7*7 }} {% for %}" in pdf_text(project / "build" / "report.pdf")


def test_links_to_recommendations_and_sections_work_in_every_format(project: Path) -> None:
    section = project / "sources" / "sections" / "introduction.yaml"
    section.write_text(
        section.read_text()
        + "paragraphs:\n"
        + "  - See [@rec:association-with-igf], [@para:platforms-for-discussion],"
        + " [@sec:background] and [@sec:format].\n"
    )
    build_project(project)
    markdown = (project / "build" / "report.md").read_text()
    # This paragraph is 1; the background has 6 and its section 2.4 two more (2 to 9);
    # the recommendations follow as paragraphs 10 to 19, and this one is the eighth.
    assert ("See [paragraph 17](#rec-association-with-igf), "
            "[paragraph 9](#para-platforms-for-discussion), [section 2](#sec-background) "
            "and [section 2.2](#sec-format).") in markdown
    from .conftest import docx_paragraphs, pdf_text

    expected = "See paragraph 17, paragraph 9, section 2 and section 2.2."
    assert any(p.startswith(expected)
               for p in docx_paragraphs(project / "build" / "report.docx"))
    assert expected in pdf_text(project / "build" / "report.pdf")
