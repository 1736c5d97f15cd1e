"""The reference DOCX: reproducible, A4, a running header and footer, UN styles, and
accepted by the bundled pandoc as --reference-doc."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import pytest

from wgec_report.reference_docx import (
    CUSTOM_STYLES,
    SYMBOL_PLACEHOLDER,
    build_reference_docx,
    main,
    pandoc_binary,
)

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "templates" / "reference.docx"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"


@pytest.fixture(scope="module")
def reference() -> bytes:
    return build_reference_docx()


@pytest.fixture(scope="module")
def parts(reference: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(reference)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(parts: dict[str, bytes], name: str) -> ElementTree.Element:
    return ElementTree.fromstring(parts[name])


def final_section(document: ElementTree.Element) -> ElementTree.Element:
    body = document.find(f"{W}body")
    assert body is not None
    section = body[-1]
    assert section.tag == f"{W}sectPr", "the body must end with the document's section"
    return section


def section_parts(docx: dict[str, bytes]) -> dict[tuple[str, str], str]:
    """(header|footer, type) → the part the final section names, through the relationships."""
    rels = xml(docx, "word/_rels/document.xml.rels")
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{PKG_REL}Relationship")}
    found = {}
    for reference in final_section(xml(docx, "word/document.xml")):
        kind = reference.tag.removeprefix(W).removesuffix("Reference")
        if kind in ("header", "footer"):
            target = targets[reference.get(f"{R}id")]
            assert target is not None
            found[(kind, reference.get(f"{W}type", ""))] = str(PurePosixPath("word") / target)
    return found


def style_names(styles: ElementTree.Element) -> dict[str, ElementTree.Element]:
    names = {}
    for style in styles.iter(f"{W}style"):
        name = style.find(f"{W}name")
        assert name is not None
        names[name.get(f"{W}val", "")] = style
    return names


# -- reproducible ------------------------------------------------------------------


def test_the_committed_reference_is_what_the_module_builds(reference: bytes) -> None:
    assert COMMITTED.read_bytes() == reference, (
        "templates/reference.docx is stale: run `python -m wgec_report.reference_docx`"
    )


def test_two_builds_are_byte_identical(reference: bytes) -> None:
    assert build_reference_docx() == reference


def test_entries_carry_a_fixed_time_and_no_compression(reference: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(reference)) as archive:
        infos = archive.infolist()
        assert archive.testzip() is None
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}


def test_main_writes_the_same_bytes_and_no_temporary_file(tmp_path: Path,
                                                         reference: bytes) -> None:
    target = tmp_path / "templates" / "reference.docx"
    assert main([str(target)]) == 0
    assert target.read_bytes() == reference
    assert [p.name for p in target.parent.iterdir()] == ["reference.docx"]


# -- page and section --------------------------------------------------------------


def test_pages_are_a4_with_un_margins(parts: dict[str, bytes]) -> None:
    section = final_section(xml(parts, "word/document.xml"))
    size = section.find(f"{W}pgSz")
    assert size is not None
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")
    margins = section.find(f"{W}pgMar")
    assert margins is not None
    cm = {side: int(margins.get(f"{W}{side}", "0")) / 567 for side in
          ("top", "bottom", "left", "right", "header", "footer")}
    assert 2.4 <= cm["top"] <= 2.6 and 2.4 <= cm["bottom"] <= 2.6
    assert 2.1 <= cm["left"] <= 2.6 and 2.1 <= cm["right"] <= 2.6
    assert 1.2 <= cm["header"] <= 1.3 and 1.2 <= cm["footer"] <= 1.3


def test_the_section_names_header_and_footer_parts_that_exist(parts: dict[str, bytes]) -> None:
    named = section_parts(parts)
    assert set(named) == {("header", "default"), ("header", "first"),
                          ("footer", "default"), ("footer", "first")}
    types = xml(parts, "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
    for (kind, _type), part in named.items():
        assert part in parts, f"{part} is named by the section but missing from the zip"
        assert overrides.get(f"/{part}") == f"{WML}.{kind}+xml"


def test_page_one_has_its_own_empty_header_and_footer(parts: dict[str, bytes]) -> None:
    section = final_section(xml(parts, "word/document.xml"))
    assert section.find(f"{W}titlePg") is not None
    named = section_parts(parts)
    for kind in ("header", "footer"):
        first = xml(parts, named[(kind, "first")])
        assert "".join(first.itertext()).strip() == ""
        assert first.find(f".//{W}fldChar") is None and first.find(f".//{W}fldSimple") is None


def test_footnotes_are_numbered_continuously(parts: dict[str, bytes]) -> None:
    # pandoc's default "eachSect" makes LibreOffice restart at every Heading 1.
    section = final_section(xml(parts, "word/document.xml"))
    restart = section.find(f"{W}footnotePr/{W}numRestart")
    assert restart is not None and restart.get(f"{W}val") == "continuous"


# -- header and footer -------------------------------------------------------------


def test_the_running_header_is_the_symbol_placeholder_bold_10pt_over_a_rule(
        parts: dict[str, bytes]) -> None:
    header = xml(parts, section_parts(parts)[("header", "default")])
    runs = [run for run in header.iter(f"{W}r") if run.find(f"{W}t") is not None]
    assert len(runs) == 1
    text = runs[0].find(f"{W}t")
    assert text is not None and text.text == SYMBOL_PLACEHOLDER == "WGEC:symbol"
    assert runs[0].find(f"{W}rPr/{W}b") is not None
    size = runs[0].find(f"{W}rPr/{W}sz")
    assert size is not None and size.get(f"{W}val") == "20"
    assert header.find(f".//{W}pPr/{W}pBdr/{W}bottom") is not None
    assert SYMBOL_PLACEHOLDER.encode() in parts["word/header1.xml"]


def test_the_running_footer_is_a_centred_page_number(parts: dict[str, bytes]) -> None:
    footer = xml(parts, section_parts(parts)[("footer", "default")])
    instructions = [e.text or "" for e in footer.iter(f"{W}instrText")]
    instructions += [e.get(f"{W}instr", "") for e in footer.iter(f"{W}fldSimple")]
    assert [i.strip() for i in instructions] == ["PAGE"]
    alignment = footer.find(f".//{W}pPr/{W}jc")
    assert alignment is not None and alignment.get(f"{W}val") == "center"
    assert {s.get(f"{W}val") for s in footer.iter(f"{W}sz")} == {"18"}


# -- styles ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CUSTOM_STYLES))
def test_custom_style_exists(parts: dict[str, bytes], name: str) -> None:
    style = style_names(xml(parts, "word/styles.xml")).get(name)
    assert style is not None, f"no style named {name!r}"
    assert style.get(f"{W}type") == "paragraph"
    # pandoc's custom-style="Masthead Organ" finds the style by name; its id drops the spaces
    assert style.get(f"{W}styleId") == name.replace(" ", "")


def test_the_custom_styles_are_the_ones_the_build_uses() -> None:
    assert set(CUSTOM_STYLES) == {
        "Masthead United Nations", "Masthead Organ", "Masthead Body", "Masthead Line",
        "Masthead Symbol", "Masthead Meta", "Drafting Note", "Recommendation",
        "Annex Heading", "Editing Note",
    }


def test_body_text_is_times_10pt_single_spaced_justified(parts: dict[str, bytes]) -> None:
    styles = xml(parts, "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults is not None
    fonts = defaults.find(f"{W}rFonts")
    assert fonts is not None and fonts.get(f"{W}ascii") == "Times New Roman"
    size = defaults.find(f"{W}sz")
    assert size is not None and size.get(f"{W}val") == "20"
    normal = style_names(styles)["Normal"]
    spacing = normal.find(f"{W}pPr/{W}spacing")
    assert spacing is not None
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}after")) == ("240", "120")
    for name in ("Normal", "Body Text", "Block Text"):
        jc = style_names(styles)[name].find(f"{W}pPr/{W}jc")
        assert jc is not None and jc.get(f"{W}val") == "both", name
    assert "Times New Roman" in parts["word/fontTable.xml"].decode()


def test_headings_and_title_are_bold_black_and_sober(parts: dict[str, bytes]) -> None:
    styles = style_names(xml(parts, "word/styles.xml"))
    expected = {"Title": "34", "Subtitle": "24", "heading 1": "24",
                "heading 2": "20", "heading 3": "20"}
    for name, size in expected.items():
        style = styles[name]
        sz = style.find(f"{W}rPr/{W}sz")
        assert sz is not None and sz.get(f"{W}val") == size, name
        assert style.find(f"{W}rPr/{W}b") is not None, name
        assert style.find(f"{W}rPr/{W}color") is None, f"{name} must be black"
        assert style.find(f"{W}rPr/{W}rFonts") is None, f"{name} keeps Times New Roman"
    heading_1 = styles["heading 1"]
    assert heading_1.find(f"{W}pPr/{W}keepNext") is not None
    title_jc = styles["Title"].find(f"{W}pPr/{W}jc")
    assert title_jc is not None and title_jc.get(f"{W}val") == "left"
    for style in styles.values():
        color = style.find(f"{W}rPr/{W}color")
        assert color is None or color.get(f"{W}themeColor") is None


def test_quotes_footnotes_and_tables(parts: dict[str, bytes]) -> None:
    styles = style_names(xml(parts, "word/styles.xml"))
    indent = styles["Block Text"].find(f"{W}pPr/{W}ind")
    assert indent is not None
    assert (indent.get(f"{W}left"), indent.get(f"{W}right")) == ("720", "720")  # 1.27 cm
    footnote_size = styles["Footnote Text"].find(f"{W}rPr/{W}sz")
    assert footnote_size is not None and footnote_size.get(f"{W}val") == "18"
    superscript = styles["Footnote Reference"].find(f"{W}rPr/{W}vertAlign")
    assert superscript is not None and superscript.get(f"{W}val") == "superscript"
    table = styles["Table"]
    borders = table.find(f"{W}tblPr/{W}tblBorders")
    assert borders is not None
    assert {b.tag.removeprefix(W) for b in borders} >= {"top", "bottom", "insideH"}
    header_row = table.find(f"{W}tblStylePr[@{W}type='firstRow']")
    assert header_row is not None
    assert header_row.find(f"{W}rPr/{W}b") is not None
    assert header_row.find(f"{W}trPr/{W}tblHeader") is not None


# -- pandoc accepts it ---------------------------------------------------------------

SAMPLE = """\
::: {custom-style="Masthead Organ"}
Economic and Social Council
:::

# I. Introduction

1. The Working Group was established by resolution 70/125.[^a]

> Quoted text.

| A | B |
|---|---|
| 1 | 2 |

12. Twelfth paragraph.[^b]

[^a]: First note.
[^b]: Second note.
"""


def test_pandoc_uses_it_as_reference_doc(tmp_path: Path, reference: bytes) -> None:
    reference_path = tmp_path / "reference.docx"
    reference_path.write_bytes(reference)
    output = tmp_path / "out.docx"
    completed = subprocess.run(
        [str(pandoc_binary()), "--fail-if-warnings", "--from=markdown", "--to=docx",
         f"--reference-doc={reference_path}", f"--output={output}"],
        input=SAMPLE.encode(), capture_output=True, check=False, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    with zipfile.ZipFile(output) as archive:
        out = {name: archive.read(name) for name in archive.namelist()}

    named = section_parts(out)
    header = named[("header", "default")]
    assert SYMBOL_PLACEHOLDER.encode() in out[header]
    assert any(p.startswith("word/header") for p in out)
    for part in named.values():
        assert part in out
    document = xml(out, "word/document.xml")
    section = final_section(document)
    size = section.find(f"{W}pgSz")
    assert size is not None and size.get(f"{W}w") == "11906"
    assert section.find(f"{W}titlePg") is not None
    used = {s.get(f"{W}val") for s in document.iter(f"{W}pStyle")}
    assert {"MastheadOrgan", "Heading1", "BlockText"} <= used
    assert "Masthead Organ" in style_names(xml(out, "word/styles.xml"))
    header_rows = [tr for tr in document.iter(f"{W}tr") if tr.find(f"{W}trPr/{W}tblHeader")
                   is not None]
    assert len(header_rows) == 1  # pandoc marks the header row to repeat on each page
