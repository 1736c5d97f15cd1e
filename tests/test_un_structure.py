"""Documents that read like UN documents: masthead, numbered paragraphs, headings, annexes, HTML."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.check import check_project

from .conftest import REPO, docx_paragraphs, normalize, pdf_text

SYMBOL = "E/CN.16/2018/CRP.1"


@pytest.fixture(scope="module")
def crp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default report issued as a conference room paper, with an annex, in every format."""
    import shutil

    project = tmp_path_factory.mktemp("crp")
    shutil.copytree(REPO / "sources", project / "sources")
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text().replace(
        "heading_numbers: arabic\n", "")
        + f"symbol: {SYMBOL}\ndate: 2018-01-22\nagenda_item: Item 2 of the agenda\n"
        + "annexes: [list-of-participants]\n", encoding="utf-8")
    (project / "sources" / "sections" / "list-of-participants.yaml").write_text(
        "id: list-of-participants\ntitle: List of participants\nparagraphs:\n"
        "  - Member States.\n  - Other stakeholders.\n", encoding="utf-8")
    build_project(project, ["md", "docx", "pdf", "html"])
    return project / "build"


def test_masthead_in_pdf(crp: Path) -> None:
    first_page = pdf_text(crp / "report.pdf").split("\n1\n")[0]
    for text in ("United Nations", SYMBOL, "Economic and Social Council", "Distr.: General",
                 "22 January 2018", "Original: English",
                 "Commission on Science and Technology for Development", "Item 2 of the agenda",
                 "This document is being reproduced without formal editing."):
        assert normalize(text) in normalize(first_page), text


def test_masthead_in_docx_in_its_styles(crp: Path) -> None:
    document = zipfile.ZipFile(crp / "report.docx").read("word/document.xml").decode()
    paragraphs = docx_paragraphs(crp / "report.docx")
    assert paragraphs[:2] == ["United Nations" + SYMBOL, "Economic and Social Council"
                              "Distr.: General22 January 2018Original: English"]
    assert "This document is being reproduced without formal editing." in paragraphs
    assert "Draft report of the Working Group on Enhanced Cooperation" in paragraphs
    for style in ("MastheadUnitedNations", "MastheadOrgan", "Title"):
        assert f'<w:pStyle w:val="{style}" />' in document, style


def test_masthead_in_docx_is_two_rows_as_in_un_documents(crp: Path) -> None:
    """The symbol had stood alone above "United Nations", the distribution corner
    below the organ, with no rule: now each is in its row, after a tab, in its own
    character style, and each row has its rule (as in the PDF)."""
    archive = zipfile.ZipFile(crp / "report.docx")
    document = archive.read("word/document.xml").decode()
    rows = re.findall(r'<w:p><w:pPr><w:pStyle w:val="(MastheadUnitedNations|MastheadOrgan)" />'
                      r"</w:pPr>(.*?)</w:p>", document)
    assert [style for style, _ in rows] == ["MastheadUnitedNations", "MastheadOrgan"]
    united, organ = (content for _, content in rows)
    assert re.search(r'<w:tab />.*<w:rStyle w:val="MastheadSymbolChar" />.*' + re.escape(SYMBOL),
                     united)
    assert organ.count("<w:tab />") == 3  # one on each of the corner's lines
    assert organ.count('<w:rStyle w:val="MastheadMetaChar" />') >= 3
    assert "MastheadSymbol\"" not in document and "MastheadMeta\"" not in document
    styles = archive.read("word/styles.xml").decode()
    for style, rule in (("MastheadUnitedNations", 'w:sz="12"'), ("MastheadOrgan", 'w:sz="6"')):
        found = re.search(rf'w:styleId="{style}".*?</w:style>', styles, re.S)
        assert found is not None and "<w:bottom " in found.group() and rule in found.group()


def test_running_header_in_docx_holds_the_symbol(crp: Path) -> None:
    archive = zipfile.ZipFile(crp / "report.docx")
    headers = [n for n in archive.namelist() if re.fullmatch(r"word/header\d*\.xml", n)]
    assert headers
    texts = [archive.read(n).decode() for n in headers]
    assert any(SYMBOL in t for t in texts)
    assert not any("WGEC:symbol" in t for t in texts)
    document = archive.read("word/document.xml").decode()
    assert "<w:headerReference" in document and "<w:footerReference" in document
    footers = [archive.read(n).decode() for n in archive.namelist() if "footer" in n]
    assert any("PAGE" in f for f in footers)


def test_running_header_in_pdf_holds_the_symbol(crp: Path) -> None:
    from pypdf import PdfReader

    pages = PdfReader(crp / "report.pdf").pages
    assert len(pages) > 1
    for number, page in enumerate(pages[1:], start=2):
        text = page.extract_text()
        assert text.lstrip().startswith(SYMBOL), number
        assert re.search(rf"(^|\n){number}\s*$", text), number  # page number at the foot


def numbered(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.M)]


def test_paragraph_numbers_run_through_the_document_and_restart_in_annexes(crp: Path) -> None:
    markdown = (crp / "report.md").read_text()
    body, annex = markdown.split("Annex I", 1)
    assert [int(n) for n in re.findall(r"^(\d+)\.\s+:::", body, flags=re.M)] == list(range(1, 19))
    assert [int(n) for n in re.findall(r"^(\d+)\.\s+:::", annex, flags=re.M)] == [1, 2]
    pdf = pdf_text(crp / "report.pdf")
    body_pdf, annex_pdf = pdf.split("Annex I", 1)
    found = [n for n in numbered(body_pdf) if n <= 18]
    assert sorted(set(found)) == list(range(1, 19))
    assert found == sorted(found)  # in order down the pages
    assert numbered(annex_pdf)[:2] == [1, 2]


def test_paragraph_numbers_in_docx_are_list_numbers_that_continue(crp: Path) -> None:
    archive = zipfile.ZipFile(crp / "report.docx")
    numbering = archive.read("word/numbering.xml").decode()
    starts = [int(s) for s in re.findall(r'<w:startOverride w:val="(\d+)"', numbering)]
    starts += [int(s) for s in re.findall(r'<w:start w:val="(\d+)"', numbering)]
    # Each run of paragraphs continues where the last ended: 1 (body), then after
    # quotations and headings 3, 4, 7, 9 ...; the annex starts again at 1.
    for expected in (1, 3, 9):
        assert expected in starts, (expected, starts)


def test_headings_in_un_style(crp: Path) -> None:
    markdown = (crp / "report.md").read_text()
    headings = [h.replace("\u00a0", " ") for h in re.findall(r"^#+ (.+?) \{", markdown, flags=re.M)]
    assert headings[:4] == ["I. Introduction", "II. Background",
                            "A. Scope and focus areas of enhanced cooperation",
                            "B. Format of enhanced cooperation"]
    assert "III. Recommendations" in headings
    assert "Annex I" in markdown


def test_recommendations_are_bold_numbered_paragraphs(crp: Path) -> None:
    markdown = (crp / "report.md").read_text()
    assert re.search(r"^9\.\s+::: \{#rec-consider-un-body .recommendation", markdown, re.M)
    assert "    To invite UN GA to consider" in markdown  # the formats set it bold
    document = zipfile.ZipFile(crp / "report.docx").read("word/document.xml").decode()
    assert document.count('<w:pStyle w:val="Recommendation" />') == 10
    fonts = pdf_fonts_of(crp / "report.pdf", "To invite UN GA to consider",
                         "The Tunis Agenda recognized the need")
    assert fonts == {"To invite UN GA to consider": "Bold",
                     "The Tunis Agenda recognized the need": "Regular"}


def pdf_fonts_of(pdf: Path, *texts: str) -> dict[str, str]:
    """The weight ("Bold", "Regular", ...) of the PDF's font each text starts in."""
    from pypdf import PdfReader

    runs: list[tuple[str, str]] = []

    def record(text: str, _cm: object, _tm: object, font: dict[str, str] | None,
               _size: object) -> None:
        if text.strip() and font:  # "/ABCDEF+LibertinusSerif-Bold-Identity-H"
            name = font["/BaseFont"].partition("+")[2].removesuffix("-Identity-H")
            runs.append((text, name.rpartition("-")[2] if "-" in name else "Regular"))

    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=record)
    return {text: next(weight for run, weight in runs if run.lstrip().startswith(text))
            for text in texts}


def test_a_recommendation_is_bold_whatever_blocks_and_asterisks_it_holds(
        tmp_path: Path) -> None:
    """`**` around the recommendation's Markdown made it bold in one block only: a list
    kept its `**` as text and lost its items, `**` in the text closed the bold early,
    and a text of `**` alone became a rule."""
    import shutil

    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    recommendations = project / "sources" / "recommendations.yaml"
    text = recommendations.read_text(encoding="utf-8")
    old = text[text.index("      en: >-\n        To invite UN GA"):
               text.index("      fr: >-\n        Inviter l’Assemblée")]
    recommendations.write_text(text.replace(old, (
        "      en: |-\n        - Listed first\n        - Listed second\n"), 1).replace(
        "To invite relevant UN agencies", "Asterisks a **b and", 1), encoding="utf-8")

    build_project(project, ["md", "docx", "pdf"])

    markdown = (project / "build" / "report.md").read_text(encoding="utf-8")
    assert "    - Listed first\n    - Listed second\n" in markdown
    assert markdown.count("**") == 1 and "    Asterisks a **b and" in markdown
    paragraphs = docx_paragraphs(project / "build" / "report.docx")
    assert "Listed first" in paragraphs and "Listed second" in paragraphs
    # A list's items keep their own style in Word: their runs are bold themselves.
    document = zipfile.ZipFile(project / "build" / "report.docx").read(
        "word/document.xml").decode()
    listed = [p for p in re.findall(r"<w:p>.*?</w:p>", document, re.S) if "Listed" in p]
    assert len(listed) == 2 and all(
        '<w:pStyle w:val="Compact" />' in p and "<w:rPr><w:b /><w:bCs /></w:rPr>" in p
        for p in listed)
    body = next(p for p in re.findall(r"<w:p>.*?</w:p>", document, re.S)
                if "The Tunis Agenda recognized the need" in p)
    assert "<w:b />" not in body  # a paragraph's text is not made bold
    assert any(p.startswith("Asterisks a **b and") for p in paragraphs)
    pdf = project / "build" / "report.pdf"
    assert pdf_fonts_of(pdf, "Listed first", "Listed second", "Asterisks a **b and") == {
        "Listed first": "Bold", "Listed second": "Bold", "Asterisks a **b and": "Bold"}
    assert "**" not in pdf_text(pdf).replace("a **b", "")


def test_tables_have_a_row_per_focus_area_and_level(crp: Path) -> None:
    document = zipfile.ZipFile(crp / "report.docx").read("word/document.xml").decode()
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", document, flags=re.S)
    rows = [len(re.findall(r"<w:tr>|<w:tr ", t)) for t in tables]
    assert rows == [1 + 4, 1 + 10, 1 + 7 + 1, 1 + 3]  # header + rows (+ "Etc.")
    mapping = tables[3]
    assert all("<w:tblHeader" in t for t in tables)  # header rows repeat across pages
    # Every row kept on one page, as in the PDF (a row could break across two in Word).
    assert document.count("<w:cantSplit />") == sum(rows)
    report = check_project(REPO).report
    assert report is not None
    for organization in report.organizations:
        if organization.kind in ("agency", "forum", "group"):
            assert organization.abbreviation.get("en", "en") in mapping, organization.id


def test_footnotes_are_at_the_bottom_of_pages_in_pdf(crp: Path) -> None:
    from pypdf import PdfReader

    first = PdfReader(crp / "report.pdf").pages[0].extract_text()
    _, _, foot = first.rpartition("1. ")  # the page's notes come after its last paragraph
    assert normalize("1General Assembly resolution 70/125, para. 65.") in normalize(first)
    assert normalize("2Tunis Agenda for the Information Society, para. 69.") in normalize(foot)


def test_footnote_numbers_in_pdf_are_drawn_alike_whatever_the_digits(crp: Path) -> None:
    """typst took the font's own superscript glyphs where it had them: 4 stood larger
    and lower than 1, 2 and 3, in the text and at the foot of the page."""
    from pypdf import PdfReader

    sizes: dict[str, list[float]] = {}

    def record(text: str, _cm: object, matrix: list[float], _font: object,
               size: float) -> None:
        if text.strip() in ("1", "2", "3", "4"):
            sizes.setdefault(text.strip(), []).append(round(size * matrix[0], 2))

    PdfReader(crp / "report.pdf").pages[0].extract_text(visitor_text=record)
    in_text, in_notes = {s[0] for s in sizes.values()}, {s[1] for s in sizes.values()}
    assert len(sizes) == 4 and len(in_text) == 1 and len(in_notes) == 1, sizes


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and str(values.get("href", "")).startswith("#"):
            self.links.append(str(values["href"])[1:])
        if tag == "html":
            self.lang = str(values.get("lang", ""))


def test_html_is_one_accessible_page_whose_links_all_resolve(crp: Path) -> None:
    html = (crp / "report.html").read_text()
    page = _Page()
    page.feed(html)
    page.close()
    assert page.lang == "en"
    for landmark in ("header", "main", "table", "th", "ol"):
        assert landmark in page.tags, landmark
    assert page.tags.count("h1") == 1
    assert not [link for link in page.links if link not in page.ids]
    assert len([link for link in page.links if link.startswith("fn")]) >= 8  # footnotes
    assert "rec-consider-un-body" in page.ids
    assert "<link" not in html and "<script" not in html and 'src="http' not in html
    assert SYMBOL in html and "Annex I" in html


def test_word_count_warns_over_the_limit(project: Path) -> None:
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text() + "word_limit: 1000\n")
    result = check_project(project)
    (warning,) = [d for d in result.diagnostics if d.code == "word-limit"]
    words = int(re.search(r"has ([\d,]+) words", warning.message)[1].replace(",", ""))
    assert 1000 < words < 1500


def test_an_optional_table_of_contents_in_every_format(project: Path) -> None:
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text() + "toc: true\n")
    build_project(project, ["docx", "pdf", "html"])
    out = project / "build"
    document = zipfile.ZipFile(out / "report.docx").read("word/document.xml").decode()
    assert 'TOC \\o' in document
    # Under the title, as its words say (pandoc put "Table of Contents" above the masthead).
    styles = re.findall(r'<w:pStyle w:val="([A-Za-z]+)" />', document)
    assert styles.index("Title") < styles.index("TOCHeading") < styles.index("BodyText")
    assert styles.index("MastheadUnitedNations") < styles.index("TOCHeading")
    assert '"TOCHeading" /></w:pPr><w:r><w:t xml:space="preserve">Contents<' in document
    assert "Contents" in pdf_text(out / "report.pdf").split("Introduction")[0]
    # An entry on a line of its own, with its page: "1. Introduction" in a heading had
    # been a numbered list in typst, its leaders and page on the next line.
    contents = pdf_text(out / "report.pdf").partition("Contents")[2]
    assert re.search(r"^1\.\s?Introduction[ .]+1$", contents, flags=re.M), contents[:300]
    assert '<nav id="contents"' in (out / "report.html").read_text()


def test_a_list_in_a_numbered_paragraph_counts_from_one_in_the_pdf(project: Path) -> None:
    """It had gone on from the paragraph's number (the `start` set for the paragraphs
    around it): a list in paragraph 9 went 9., 10., and paragraph 10 came next."""
    from pypdf import PdfReader

    recommendations = project / "sources" / "recommendations.yaml"
    text = recommendations.read_text(encoding="utf-8")
    recommendations.write_text(text.replace(
        "      en: >-\n        To invite UN GA to consider reasonability",
        "      en: |-\n        By:\n\n        1. first item;\n\n        2. second item.\n\n"
        "        To invite UN GA to consider reasonability", 1), encoding="utf-8")
    build_project(project, ["pdf"])
    lines = [" ".join(line.split()) for page in PdfReader(project / "build" / "report.pdf").pages
             for line in page.extract_text().split("\n")]
    assert "1. first item;" in lines and "2. second item." in lines, lines
    numbers = [int(line.partition(".")[0]) for line in lines
               if re.match(r"\d+\. (To|The|It|Following|Various|If|This|Further)", line)]
    assert numbers == sorted(set(numbers)), numbers


def test_an_annex_starts_on_a_page_of_its_own(crp: Path) -> None:
    """UN annexes do; "Annex I" had followed the body's last paragraph on its page,
    and could stand alone at the foot of one."""
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(crp / "report.pdf").pages]
    (first,) = [n for n, text in enumerate(pages) if "Annex I\n" in text]
    lines = [line.strip() for line in pages[first].split("\n") if line.strip()]
    assert lines[1:3] == ["Annex I", "List of participants"], lines  # after the header
    styles = zipfile.ZipFile(crp / "report.docx").read("word/styles.xml").decode()
    annex = re.search(r'<w:style [^>]*w:styleId="AnnexHeading".*?</w:style>', styles, re.S)
    assert annex is not None and "<w:pageBreakBefore />" in annex.group()


def test_a_table_s_caption_is_never_left_at_the_foot_of_a_page(tmp_path: Path) -> None:
    """The figure may break across pages, and its caption had stayed alone at the foot
    of one, the table starting on the next. Paragraphs added before the tables move
    them down the pages, a line or two at a time (with 5 and 11, two captions and one
    had been left behind)."""
    import shutil

    from pypdf import PdfReader

    filler = "  - A paragraph of filler, which takes a line or two of the page, and then more.\n"
    for added in range(4, 13):
        project = tmp_path / str(added)
        shutil.copytree(REPO / "sources", project / "sources")
        intro = project / "sources" / "sections" / "introduction.yaml"
        intro.write_text(intro.read_text() + "paragraphs:\n" + filler * added)
        build_project(project, ["pdf"])
        for number, page in enumerate(PdfReader(project / "build" / "report.pdf").pages, 1):
            lines = [line.strip() for line in page.extract_text().split("\n") if line.strip()]
            # The last line of the page's text: neither its number nor a footnote.
            last = next(line for line in reversed(lines)
                        if not re.fullmatch(r"\d+", line) and not re.match(r"\d+[A-Z]", line))
            assert not last.startswith("Table"), (added, number, last)


def test_a_hundred_paragraphs_and_more_keep_their_anchors(project: Path) -> None:
    section = project / "sources" / "sections" / "introduction.yaml"
    paragraphs = "".join(f"  - id: p{n}\n    text: Paragraph {n}, see [@para:p1].\n"
                         for n in range(1, 106))
    section.write_text(section.read_text() + "paragraphs:\n" + paragraphs)
    build_project(project, ["md", "pdf"])  # typst fails on a link to a lost anchor
    markdown = (project / "build" / "report.md").read_text()
    assert "100. ::: {#para-p100 .paragraph}\n     Paragraph 100, see" in markdown
    assert "9.  ::: {#para-p9 .paragraph}\n    Paragraph 9" in markdown
    assert "Paragraph 105" in pdf_text(project / "build" / "report.pdf")


def test_a_quoted_list_keeps_the_letters_it_skips(crp: Path) -> None:
    """Tunis Agenda para. 35 (a) and (d): pandoc's lettered lists would renumber them
    (a), (b); the documents show the quoted letters."""
    starts = "(a) Policy authority for", "(d) Intergovernmental organizations"
    docx = docx_paragraphs(crp / "report.docx")
    assert [next(p for p in docx if p.startswith(s)) for s in starts]
    assert not any(p.startswith("(b) Intergovernmental") for p in docx)
    pdf = pdf_text(crp / "report.pdf").splitlines()
    assert [next(line for line in pdf if line.startswith(s)) for s in starts]
    html = (crp / "report.html").read_text()
    assert all(start in html for start in starts)


@pytest.mark.parametrize(("note", "shown"), [
    ("Consider *all* options.", ["Consider all options.]"]),
    ("Para one.\n\nPara two.", ["Para one.", "Para two.]"]),
    ("- first\n- second", ["first", "second", "]"]),
    ("+---+---+\n| a | b |\n+===+===+\n| c | d |\n+---+---+", ["a", "b", "c", "d", "]"]),
])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_drafting_note_of_any_form_is_in_brackets_and_italics(
        tmp_path: Path, note: str, shown: list[str], language: str) -> None:
    """A drafting note was put in emphasis, `*\\[...\\]*`: a note with emphasis of its
    own or of several blocks printed stray asterisks, and an untranslated table in it
    (with the mark above it) failed the French build that the check had passed. In
    French the note falls back to English, after the mark `*`."""
    import json
    import shutil

    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    background = project / "sources" / "sections" / "background.yaml"
    text = background.read_text(encoding="utf-8")
    start = text.index("drafting_note:")
    end = text.index("\n", text.index("  zh:", start))
    background.write_text(text[:start] + f"drafting_note: {json.dumps(note)}" + text[end:],
                          encoding="utf-8")

    build_project(project, ["md", "docx", "pdf"], tmp_path / "out", language=language)

    built = tmp_path / "out" / ("" if language == "en" else language)
    pdf = [line.strip() for line in pdf_text(built / "report.pdf").splitlines()]
    docx = docx_paragraphs(built / "report.docx")
    for lines in (pdf, docx):
        opening = next(i for i, line in enumerate(lines) if line in ("[", "[*")
                       or line.startswith(("[Consider", "[*Consider", "[Para", "[*Para")))
        for text_shown in shown:  # in order, after the opening bracket
            opening = next(i for i, line in enumerate(lines)
                           if i >= opening and text_shown in line.replace("\t", " "))
        assert not any("all*" in line or "]*" in line for line in lines)
    # In Word a list's items and a table's cells keep their own style: their runs are
    # set in italics themselves.
    document = zipfile.ZipFile(built / "report.docx").read("word/document.xml").decode()
    for text_shown in shown:
        if text_shown.isalpha():
            cell = next(p for p in re.findall(r"<w:p>.*?</w:p>", document, re.S)
                        if f">{text_shown}<" in p)
            assert "<w:i />" in cell or '<w:pStyle w:val="DraftingNote" />' in cell


def test_a_distribution_corner_with_no_organ_beside_it_stays_in_its_column() -> None:
    """A report without an organ: the corner keeps a paragraph of its own, its lines
    in the corner's column (a tab each), as they would be beside the organ."""
    from wgec_report.convert import masthead_in_rows

    meta = (b'<w:p><w:pPr><w:pStyle w:val="MastheadMeta" /></w:pPr><w:r><w:t>Distr.: General'
            b'</w:t></w:r><w:r><w:br /></w:r><w:r><w:t>Original: English</w:t></w:r></w:p>')
    body = b'<w:p><w:pPr><w:pStyle w:val="MastheadBody" /></w:pPr><w:r><w:t>CSTD</w:t></w:r></w:p>'
    out = masthead_in_rows(meta + b"\n" + body)
    assert masthead_in_rows(out) == out  # as finish_docx, which may run twice
    assert out.count(b"<w:p>") == 2 and out.endswith(b"\n" + body)
    assert out.count(b"<w:tab />") == 2
    assert out.count(b'<w:rStyle w:val="MastheadMetaChar" />') == 3


def test_a_changed_corner_s_tab_goes_with_its_change() -> None:
    """In a redline, a symbol or a corner added or removed is a change: its tab is in
    that change too, or rejecting it left a stray tab in the row."""
    from wgec_report.convert import masthead_in_rows

    symbol = (b'<w:p><w:pPr><w:pStyle w:val="MastheadSymbol" /></w:pPr><w:ins w:id="7" '
              b'w:author="A"><w:r><w:t>E/1</w:t></w:r></w:ins></w:p>')
    united = (b'<w:p><w:pPr><w:pStyle w:val="MastheadUnitedNations" /></w:pPr><w:r><w:t>'
              b'United Nations</w:t></w:r></w:p>')
    out = masthead_in_rows(symbol + b"\n" + united)
    assert out.count(b"<w:p>") == 1
    assert b'<w:ins w:id="7" w:author="A"><w:r><w:tab /></w:r><w:r><w:rPr>' in out


def test_a_reference_docx_without_the_row_styles_keeps_a_paragraph_a_line() -> None:
    """A project's own reference.docx from before the rows has none of their styles: the
    corner had been put beside the organ in the organ's 14 pt bold."""
    from wgec_report.convert import finish_docx, run_pandoc

    markdown = ('::: {custom-style="Masthead United Nations"}\nUnited Nations\n:::\n\n'
                '::: {custom-style="Masthead Meta"}\nDistr.: General\n:::\n\n'
                '::: {custom-style="Masthead Organ"}\nEconomic and Social Council\n:::\n')
    docx = finish_docx(run_pandoc(markdown, "docx", {}), None)  # pandoc's own styles
    document = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    assert document.count(b"<w:p>") == 3 and b"<w:tab />" not in document
