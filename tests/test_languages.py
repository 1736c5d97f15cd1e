"""Six official languages from one source: catalogue, fallbacks, right-to-left, CJK, checks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml

from wgec_report.build import build_languages, build_project
from wgec_report.check import check_project, translation_coverage
from wgec_report.errors import WgecError
from wgec_report.i18n import CATALOGUE_DIR, catalogue, long_date
from wgec_report.model import LANGUAGES, text_hash

from .conftest import REPO, pdf_text


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("languages")
    build_languages(REPO, None, ["md", "docx", "pdf"], out)
    return out


def test_every_catalogue_has_the_same_words() -> None:
    english = yaml.safe_load((CATALOGUE_DIR / "en.yaml").read_text())
    for language in LANGUAGES:
        words = yaml.safe_load((CATALOGUE_DIR / f"{language}.yaml").read_text())
        assert set(words) == set(english), language
        assert len(words["months"]) == 12 and len(words["alternatives"]) == 9


def test_a_catalogue_reads_as_the_pure_python_yaml_loader_reads_it() -> None:
    """wgec reads them with libyaml, for speed: the words must be the same."""
    for language in LANGUAGES:
        text = (CATALOGUE_DIR / f"{language}.yaml").read_text(encoding="utf-8")
        assert catalogue(language) == yaml.load(text, Loader=yaml.SafeLoader), language


def test_dates_are_written_out_in_each_language() -> None:
    assert long_date("2018-01-22", "en") == "22 January 2018"
    assert long_date("2018-01-22", "fr") == "22 janvier 2018"
    assert long_date("2018-01-22", "es") == "22 de enero de 2018"
    assert long_date("2018-01-22", "zh") == "2018年1月22日"
    assert long_date("2018-01-22", "ru") == "22 января 2018 года"


def test_each_language_goes_to_its_own_folder(languages: Path) -> None:
    assert (languages / "report.pdf").is_file()  # the original language
    for language in ("fr", "ar", "zh"):
        assert sorted(p.name for p in (languages / language).iterdir()) == [
            ".wgec-cache.json", "report.docx", "report.md", "report.pdf"]


def numbers(markdown: str) -> list[str]:
    return re.findall(r"^(\d+)\.\s+:::", markdown, flags=re.M)


def footnotes(markdown: str) -> int:
    """Inline notes `^[...]`, not the untranslated mark `^\\*^` before a bracket."""
    return len(re.findall(r"(?<!\*)\^\[", markdown))


def test_paragraph_numbers_and_footnotes_are_the_same_in_every_language(languages: Path) -> None:
    english = (languages / "report.md").read_text()
    for language in ("fr", "ar", "zh"):
        other = (languages / language / "report.md").read_text()
        assert numbers(other) == numbers(english), language
        assert footnotes(other) == footnotes(english), language
        assert re.findall(r"\{#(?:sec|rec|para)-[a-z0-9-]+", other) == re.findall(
            r"\{#(?:sec|rec|para)-[a-z0-9-]+", english)


def test_translations_and_fixed_words_appear(languages: Path) -> None:
    french = (languages / "fr" / "report.md").read_text()
    assert "Recommandations" in french and "Table: Niveau Infrastructure : domaines" in french
    arabic = pdf_text(languages / "ar" / "report.pdf")
    # PDF text comes out in visual order: words, not phrases, are reliable.
    assert all(word in arabic for word in ("الأمم", "المتحدة", "شامل"))
    chinese = pdf_text(languages / "zh" / "report.pdf")
    assert "联合国" in chinese and "建议" in chinese


def test_untranslated_text_falls_back_visibly_and_is_counted(tmp_path: Path) -> None:
    result = build_project(REPO, ["md", "pdf"], tmp_path, language="fr")
    assert result.fallbacks > 0
    markdown = (tmp_path / "fr" / "report.md").read_text()
    # The background paragraphs are not translated: in English, marked.
    assert "^\\*^The Tunis Agenda recognized the need" in markdown
    pdf = pdf_text(tmp_path / "fr" / "report.pdf")
    assert "pas encore traduit" in pdf  # the cover says what the mark means
    assert "Traduction non officielle" in pdf


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_untranslated_lists_and_brackets_keep_their_form(tmp_path: Path, language: str) -> None:
    """The mark put before an untranslated text joined a list's first line, which made
    the list a paragraph; in Arabic, the span that keeps English left to right could
    hold no list, and an unpaired `]` in the text ended it: `]{dir=ltr lang=en}` was
    printed. A list keeps its items, the mark above it; the text keeps its brackets."""
    import shutil

    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    background = project / "sources" / "sections" / "background.yaml"
    text = background.read_text(encoding="utf-8")
    old = "    text: >-\n      The Tunis Agenda recognized the need"
    assert old in text
    background.write_text(text.replace(old, (
        "    text: \"- First item ] here\\n- Second item\"\n  - id: bracket-para\n"
        "    text: >-\n      A bracket ] alone. The Tunis Agenda recognized the need"), 1),
        encoding="utf-8")

    build_project(project, ["md", "docx", "pdf"], tmp_path / "out", language=language)

    built = tmp_path / "out" / language
    markdown = (built / "report.md").read_text(encoding="utf-8")
    assert "^\\*^\n\n    - First item ] here\n    - Second item" in markdown
    # (pypdf mirrors a bracket in a right-to-left page's text, where it is drawn right)
    pdf = " ".join(pdf_text(built / "report.pdf").replace("[", "]").split())
    assert re.search(r"•\s*First item \] here", pdf) and re.search(r"•\s*Second item", pdf)
    assert "A bracket ] alone." in pdf and "dir=ltr" not in pdf
    with zipfile.ZipFile(built / "report.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert "dir=ltr" not in document and "First item ] here" in document


def test_arabic_docx_is_right_to_left(languages: Path) -> None:
    document = zipfile.ZipFile(languages / "ar" / "report.docx").read("word/document.xml").decode()
    assert document.count("<w:bidi") > 20
    assert "<w:rtl" in document
    assert "<w:bidiVisual" in document  # tables read from the right
    section = document[document.rindex("<w:sectPr"):]
    assert "<w:bidi" in section
    # The running header and the page number too: the header had stood at the left.
    with zipfile.ZipFile(languages / "ar" / "report.docx") as docx:
        for name in docx.namelist():
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                part = docx.read(name).decode()
                assert part.count("<w:p>") == part.count("<w:bidi/>"), name


def test_scripts_are_drawn_with_fonts_that_cover_them(languages: Path) -> None:
    from pypdf import PdfReader

    def fonts(path: Path) -> set[str]:
        found: set[str] = set()
        for page in PdfReader(path).pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                found.add(str(font.get_object().get("/BaseFont")))
        return found

    assert any("Amiri" in f for f in fonts(languages / "ar" / "report.pdf"))
    chinese = fonts(languages / "zh" / "report.pdf")
    assert any("WenQuanYi" in f or "wqy" in f.lower() for f in chinese)
    assert any("Liberation" in f for f in fonts(languages / "report.pdf"))
    assert not any("DejaVu" in f for f in fonts(languages / "ar" / "report.pdf"))


def test_a_language_the_report_does_not_declare_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WgecError, match="language 'ru' is not among the report's languages"):
        build_project(REPO, ["md"], tmp_path, language="ru")


def test_coverage_counts_translated_texts() -> None:
    result = check_project(REPO)
    assert result.report is not None
    coverage = translation_coverage(result.report)
    assert set(coverage) == {"fr", "ar", "zh"}
    done, total = coverage["fr"]
    assert 50 < done < total


def test_missing_translations_warn_only_for_a_complete_language(project: Path) -> None:
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text().replace("fr: {status: in-progress, unofficial: true}",
                                                 "fr: {status: complete, unofficial: true}"))
    found = [d for d in check_project(project).diagnostics if d.code == "missing-translation"]
    assert found and all("fr" in d.message for d in found)
    assert all(d.location.line > 0 for d in found)
    report.write_text(report.read_text().replace("status: complete", "status: in-progress"))
    assert not [d for d in check_project(project).diagnostics
                if d.code == "missing-translation"]


def test_a_stale_translation_is_located_at_the_translation(project: Path) -> None:
    path = project / "sources" / "characteristics.yaml"
    text = path.read_text()
    stale = text_hash("Equal footing, before")
    text = text.replace("      fr: Sur un pied d’égalité",
                        f"      fr:\n        text: Sur un pied d’égalité\n        of: {stale}")
    assert f"of: {stale}" in text
    path.write_text(text)
    (warning,) = [d for d in check_project(project).diagnostics
                  if d.code == "stale-translation"]
    line = text.splitlines().index("        text: Sur un pied d’égalité") + 1
    assert (warning.location.line, warning.location.column) == (line, 15)
    assert "characteristic/equal-footing/name" in warning.message
