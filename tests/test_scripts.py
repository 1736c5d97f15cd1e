"""Scripts and fonts: right-to-left Arabic in DOCX and PDF, Chinese in the PDF, the fonts
shipped in the package, and warnings for characters none of them can draw."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, cast
from xml.etree import ElementTree

import pytest

from wgec_report import convert
from wgec_report.glyphs import coverage, describe, glyph_warnings, missing_glyphs, needs_glyph
from wgec_report.model import Report

from .conftest import REPO, W

TEMPLATE = REPO / "templates" / "report.typ"
REFERENCE = REPO / "templates" / "reference.docx"
LRM = "\u200e"

ARABIC = f"""\
# أولا - مقدمة

أنشأ رئيس اللجنة الفريق العامل المعني بتعزيز التعاون.^[انظر الوثيقة E/CN.16/2018/CRP.1.] \
يرد النص الأصلي هنا: \
{convert.ltr_phrase("(see General Assembly resolution 70/125).")} ثم يستمر النص.

| المستوى | مجالات التركيز |
|---|---|
| البنية التحتية | الاتصال |
"""
ARABIC_METADATA = {"lang": "ar", "dir": "rtl", "title": "تقرير الفريق العامل",
                   "un-name": "الأمم المتحدة", "symbol": "E/CN.16/2018/CRP.1",
                   "distribution": "General", "original-language": "English"}

CHINESE = """\
# 一、导言

委员会主席根据大会第70/125号决议设立了加强合作问题工作组。

**建议：**各国政府和利益攸关方应加强合作。

| 层面 | 重点领域 |
|---|---|
| 基础设施 | 连通性、安全 |
"""
CHINESE_METADATA = {"lang": "zh-Hans", "title": "加强合作问题工作组的报告", "un-name": "联合国",
                    "symbol": "E/CN.16/2018/CRP.1"}


# DOCX ------------------------------------------------------------------------------------


def arabic_docx(reference: bool = True) -> bytes:
    extra = [f"--reference-doc={REFERENCE}"] if reference else []
    docx = convert.run_pandoc(ARABIC, "docx", {k: ARABIC_METADATA[k] for k in
                                               ("lang", "dir", "title")}, extra)
    return convert.finish_docx(docx, None, ARABIC_METADATA["title"],
                               ARABIC_METADATA["symbol"], rtl=True)


def document_root(docx: bytes) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return ElementTree.fromstring(archive.read("word/document.xml"))


def children(element: ElementTree.Element) -> list[str]:
    return [child.tag.removeprefix(W) for child in element]


@pytest.mark.parametrize("reference", [True, False])
def test_arabic_docx_is_right_to_left(reference: bool) -> None:
    root = document_root(arabic_docx(reference))
    body = root.find(f"{W}body")
    assert body is not None
    paragraphs = list(body.iter(f"{W}p"))
    assert paragraphs
    for paragraph in paragraphs:
        assert paragraph.find(f"{W}pPr/{W}bidi") is not None
    arabic_runs = [r for r in body.iter(f"{W}r")
                   if re.search("[\u0600-\u06ff]", "".join(t.text or "" for t in r.iter(f"{W}t")))]
    assert arabic_runs
    for run in arabic_runs:
        assert run.find(f"{W}rPr/{W}rtl") is not None
    tables = list(body.iter(f"{W}tbl"))
    assert len(tables) == 1
    table_properties = tables[0].find(f"{W}tblPr")
    assert table_properties is not None
    names = children(table_properties)
    assert "bidiVisual" in names
    # Where the schema's sequence puts it: after the style, before the width.
    if "tblStyle" in names:
        assert names.index("tblStyle") < names.index("bidiVisual")
    assert names.index("bidiVisual") < names.index("tblW")
    sections = list(root.iter(f"{W}sectPr"))
    assert len(sections) == 1
    names = children(sections[0])
    assert names.count("bidi") == 1
    if "docGrid" in names:
        assert names.index("bidi") < names.index("docGrid")


def test_an_english_phrase_in_an_arabic_docx_paragraph_keeps_its_direction() -> None:
    body = document_root(arabic_docx()).find(f"{W}body")
    assert body is not None
    runs = [r for r in body.iter(f"{W}r")
            if "General Assembly" in "".join(t.text or "" for t in r.iter(f"{W}t"))]
    assert len(runs) == 1
    (run,) = runs
    assert run.find(f"{W}rPr/{W}rtl") is None  # a left-to-right run
    language = run.find(f"{W}rPr/{W}lang")
    assert language is not None and language.get(f"{W}val") == "en"
    text = "".join(t.text or "" for t in run.iter(f"{W}t"))
    assert text == f"{LRM}(see General Assembly resolution 70/125).{LRM}"


def test_right_to_left_docx_is_deterministic_and_idempotent() -> None:
    docx = arabic_docx()
    assert docx == arabic_docx()
    again = convert.finish_docx(docx, None, ARABIC_METADATA["title"], ARABIC_METADATA["symbol"],
                                rtl=True)
    assert again == docx
    with zipfile.ZipFile(io.BytesIO(again)) as archive:
        xml = archive.read("word/document.xml")
    assert xml.count(b"<w:bidiVisual/>") == 1


def test_left_to_right_docx_is_left_alone() -> None:
    docx = convert.run_pandoc("Text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", "docx",
                              {"lang": "en", "title": "T"}, [f"--reference-doc={REFERENCE}"])
    finished = convert.finish_docx(docx, None, "T", "E/1")
    with zipfile.ZipFile(io.BytesIO(finished)) as archive:
        xml = archive.read("word/document.xml")
    assert b"bidi" not in xml


@pytest.mark.parametrize(("before", "after"), [
    (b"<w:tblPr/>", b"<w:tblPr><w:bidiVisual/></w:tblPr>"),
    (b"<w:tblPr><w:tblStyle w:val=\"Table\" /><w:tblpPr w:x=\"1\"/><w:tblW w:w=\"0\"/></w:tblPr>",
     b"<w:tblPr><w:tblStyle w:val=\"Table\" /><w:tblpPr w:x=\"1\"/><w:bidiVisual/>"
     b"<w:tblW w:w=\"0\"/></w:tblPr>"),
    (b"<w:sectPr/>", b"<w:sectPr><w:bidi/></w:sectPr>"),
    (b"<w:sectPr w:rsidR=\"1\"/>", b"<w:sectPr w:rsidR=\"1\"><w:bidi/></w:sectPr>"),
    (b"<w:sectPr><w:pgSz/><w:titlePg/><w:docGrid/></w:sectPr>",
     b"<w:sectPr><w:pgSz/><w:titlePg/><w:bidi/><w:docGrid/></w:sectPr>"),
    (b"<w:sectPr><w:cols/>\n</w:sectPr>", b"<w:sectPr><w:cols/><w:bidi/>\n</w:sectPr>"),
])
def test_right_to_left_properties_go_where_the_schema_puts_them(before: bytes,
                                                                after: bytes) -> None:
    assert convert.right_to_left_document(before) == after
    assert convert.right_to_left_document(after) == after


def test_ltr_phrase_marks_only_ends_that_are_not_letters() -> None:
    assert convert.ltr_phrase("English words") == "[English words]{dir=ltr lang=en}"
    assert convert.ltr_phrase("see 70/125.") == f"[see 70/125.{LRM}]{{dir=ltr lang=en}}"
    assert convert.ltr_phrase("(see)", "fr") == f"[{LRM}(see){LRM}]{{dir=ltr lang=fr}}"


# PDF -------------------------------------------------------------------------------------


def typst_pdf(markdown: str, metadata: dict[str, str]) -> bytes:
    return convert.typst_to_pdf(convert.markdown_to_typst(markdown, metadata, TEMPLATE))


def base_fonts(pdf: bytes) -> set[str]:
    """Every /BaseFont in the PDF's font resources, without the subset prefix."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources.get("/Font", DictionaryObject()).get_object())
        for reference in fonts.values():
            font = cast(DictionaryObject, reference.get_object())
            descendants = cast(list[Any], font.get("/DescendantFonts", []))
            for item in [font, *(d.get_object() for d in descendants)]:
                names.add(str(item["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def arabic_pdf() -> bytes:
    return typst_pdf(ARABIC, ARABIC_METADATA)


@pytest.fixture(scope="module")
def chinese_pdf() -> bytes:
    return typst_pdf(CHINESE, CHINESE_METADATA)


def test_arabic_pdf_embeds_amiri_and_holds_the_arabic_words(arabic_pdf: bytes) -> None:
    fonts = base_fonts(arabic_pdf)
    assert "Amiri-Regular" in fonts
    assert "Amiri-Bold" in fonts  # headings
    assert not any("DejaVu" in font for font in fonts)
    text = pdf_text(arabic_pdf)
    for word in ("الأمم", "المتحدة", "التعاون", "مقدمة", "الوثيقة"):
        assert word in text


def test_an_english_phrase_in_an_arabic_pdf_keeps_its_punctuation(arabic_pdf: bytes) -> None:
    # Without the marks, the brackets and the full stop flip to the other side of the
    # phrase (".)see ... 70/125(") and the text layer shows them apart from it.
    text = " ".join(pdf_text(arabic_pdf).replace(LRM, "").split())
    assert "(see General Assembly resolution 70/125)." in text


def test_chinese_pdf_embeds_the_cjk_font_and_holds_the_chinese_words(chinese_pdf: bytes) -> None:
    fonts = base_fonts(chinese_pdf)
    assert "WenQuanYiMicroHei" in fonts
    assert "LiberationSerif" in fonts  # Latin letters and digits in Chinese text
    text = pdf_text(chinese_pdf)
    for word in ("联合国", "加强合作问题工作组", "委员会主席", "重点领域", "建议"):
        assert word in text


def test_latin_pdf_uses_liberation_serif_not_the_fonts_typst_embeds() -> None:
    pdf = typst_pdf("Plain English, with **bold**, *italics* and Русский текст.\n",
                    {"lang": "en", "title": "Report"})
    fonts = base_fonts(pdf)
    assert {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"} <= fonts
    assert not any(name.startswith(("DejaVu", "Libertinus", "NewCM")) for name in fonts)
    assert "Русский текст" in pdf_text(pdf)


def test_html_page_is_right_to_left_for_arabic() -> None:
    html = convert.markdown_to_html("مرحبا.\n", {"lang": "ar", "dir": "rtl", "title": "تقرير"},
                                    REPO / "templates" / "report.html").decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "Amiri" in html


def test_the_template_needs_no_language_metadata() -> None:
    pdf = typst_pdf("Text.\n", {"title": "T"})
    assert "LiberationSerif" in base_fonts(pdf)


PROBE = ("\n#context [#metadata((lang: text.lang, region: text.region, dir: repr(text.dir), "
         "font: text.font)) <probe>]\n")


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"lang": "zh-Hans"}, {"lang": "zh", "region": "CN", "dir": "ltr",
                           "font": [{"name": "liberation serif", "covers": "latin-in-cjk"},
                                    "wenquanyi micro hei", "amiri"]}),
    ({"lang": "ar", "dir": "rtl"}, {"lang": "ar", "region": None, "dir": "rtl",
                                    "font": ["amiri", "liberation serif", "wenquanyi micro hei"]}),
    ({"lang": "ru"}, {"lang": "ru", "region": None, "dir": "ltr",
                      "font": ["liberation serif", "amiri", "wenquanyi micro hei"]}),
    ({}, {"lang": "en", "region": None, "dir": "ltr",
          "font": ["liberation serif", "amiri", "wenquanyi micro hei"]}),
])
def test_typst_text_gets_language_region_direction_and_fonts(
        metadata: dict[str, str], expected: dict[str, object], tmp_path: Path) -> None:
    import json

    import typst

    source = convert.markdown_to_typst("Text.\n", {"title": "T", **metadata}, TEMPLATE)
    (tmp_path / "main.typ").write_text(source + PROBE, encoding="utf-8")
    found = typst.query(tmp_path / "main.typ", "<probe>", field="value", one=True,
                        font_paths=[convert.FONTS], ignore_system_fonts=True)
    assert json.loads(found) == expected


# Fonts in the package --------------------------------------------------------------------

def test_the_wheel_carries_the_fonts(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("wgec_report-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        assert f"wgec_report/fonts/{name}" in names, name


SHIPPED = ["LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
           "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf", "Amiri-Regular.ttf",
           "Amiri-Bold.ttf", "wqy-microhei.ttc", "LiberationSerif-COPYRIGHT.txt",
           "Amiri-COPYRIGHT.txt", "wqy-microhei-COPYRIGHT.txt", "LICENSE-Apache-2.0.txt",
           "README.md"]


def test_fonts_and_their_licences_are_in_the_package() -> None:
    for name in SHIPPED:
        assert (convert.FONTS / name).is_file(), name
    total = sum(path.stat().st_size for path in convert.FONTS.iterdir())
    assert total < 10_000_000
    assert coverage().families[:3] == ("Amiri", "Liberation Serif", "WenQuanYi Micro Hei")


# Glyph coverage --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Enhanced cooperation — “quoted”, ‘single’, naïve café, § 5, €, 1–2",
    "Русский текст: расширенное сотрудничество",
    "التعاون المعزز، الفقرة ٧؛ هل؟",
    "加强合作，“重点领域”（内容）、联合国。",
    "Hebrew שלום, Greek Γειά, Korean 안녕, kana こんにちは, Vietnamese Tiếng Việt, → ≤ ∞ ✓",
    "\u200e\u200f\u200d\u00ad\ufe0f\u3000\u00a0\t\n",
])
def test_the_shipped_fonts_cover_the_six_languages(text: str) -> None:
    assert missing_glyphs(text) == set()


@pytest.mark.parametrize(("text", "missing"), [
    ("sent a 👍 thumbs up", {"👍"}),
    ("Amharic ሰላም", {"ሰ", "ላ", "ም"}),
    ("Hindi नमस्ते", set("नमसते") | {"\u094d"}),
    ("Armenian Բարեւ", set("Բարեւ")),
])
def test_missing_glyphs_are_found(text: str, missing: set[str]) -> None:
    assert missing_glyphs(text) == missing


def test_format_characters_need_no_glyph() -> None:
    assert not needs_glyph("\u200e")
    assert not needs_glyph(" ")
    assert needs_glyph("a")
    assert describe("👍") == "U+1F44D THUMBS UP SIGN ('👍')"
    assert describe("\ue000") == "U+E000 <unnamed> ('\\ue000')"


def write_project(root: Path, intro: str) -> Path:
    (root / "sources" / "sections").mkdir(parents=True)
    (root / "sources" / "report.yaml").write_text(
        "title: T\noriginal_language: en\nlanguages: [en, ar, zh]\nsections: [intro]\n",
        encoding="utf-8")
    (root / "sources" / "sections" / "intro.yaml").write_text(intro, encoding="utf-8")
    return root


def load(project: Path) -> Report:
    from wgec_report.check import check_project

    result = check_project(project)
    assert result.ok, [d.headline() for d in result.diagnostics]
    assert result.report is not None
    return result.report


def test_glyph_warnings_name_the_character_and_point_at_it(tmp_path: Path) -> None:
    project = write_project(tmp_path, (
        "id: intro\n"
        "title:\n"
        "  en: Intro\n"
        "  ar: مقدمة ✡\n"
        "paragraphs:\n"
        "  - The delegation of Ethiopia opened with ሰላም, \"peace\".\n"
        "  - \"An escaped emoji: \\U0001F600\"\n"
        "  - Fine text, “quoted”.\n"
    ))
    report = load(project)
    english = glyph_warnings(report, "en")
    assert [(d.location.line, d.location.column) for d in english] == [(6, 44), (7, 5)]
    first = english[0]
    assert first.code == "missing-glyph"
    assert first.location.path.endswith("intro.yaml")
    assert ("U+120B ETHIOPIC SYLLABLE LAA ('ላ'), U+121D ETHIOPIC SYLLABLE ME ('ም'), "
            "U+1230 ETHIOPIC SYLLABLE SA ('ሰ')") in first.message
    assert "Liberation Serif" in first.message and "Amiri" in first.message
    assert "U+1F600 GRINNING FACE" in english[1].message  # located at the scalar
    # Arabic: the title is translated (with a character Amiri lacks); the paragraphs fall
    # back to English, whose warnings are the same as the English version's.
    arabic = glyph_warnings(report, "ar")
    assert [(d.location.line, d.location.column) for d in arabic] == [(4, 13), (6, 44), (7, 5)]
    assert "U+2721 STAR OF DAVID" in arabic[0].message
    assert glyph_warnings(report, "zh") == english


def test_glyph_warnings_are_few_and_short_for_a_long_foreign_text(tmp_path: Path) -> None:
    project = write_project(tmp_path, (
        "id: intro\ntitle: Intro\nparagraphs:\n  - ሀሁሂሃሄህሆለሉሊላሌልሎ\n"))
    (warning,) = glyph_warnings(load(project), "en")
    assert warning.message.count("U+") == 5
    assert "and 9 other characters" in warning.message


def test_the_default_report_has_a_glyph_for_every_character() -> None:
    from wgec_report.check import check_project

    result = check_project(REPO)
    assert result.report is not None
    for language in result.report.meta.languages:
        assert glyph_warnings(result.report, language) == [], language


def test_check_never_imports_fonttools() -> None:
    code = ("import sys, wgec_report.cli, wgec_report.check, wgec_report.glyphs; "
            "print('fontTools' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "False"


def test_the_coverage_summary_matches_the_shipped_fonts() -> None:
    from wgec_report.glyphs import COVERAGE_FILE, coverage_summary, read_coverage

    assert COVERAGE_FILE.read_text(encoding="utf-8") == coverage_summary(read_coverage()), (
        "fonts changed: regenerate fonts/coverage.txt with glyphs.coverage_summary")
