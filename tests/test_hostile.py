"""Hostile text in sources comes out literally in every format, and is never executed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.errors import SourceError

from .conftest import docx_paragraphs, normalize, pdf_text

RAW_PROSE = """\
  - |
    ```{=typst}
    #text(fill: red)[TYPST-INJECTED]
    ```
  - |
    ```{=openxml}
    <w:p><w:r><w:t>OPENXML-INJECTED</w:t></w:r></w:p>
    ```
  - 'Inline `#panic("boom")`{=typst} and <b>HTML-TAG</b> and \\textbf{TEX-CMD} and $x^2$.'
  - |
    Before the block.

    ---
    title: METADATA-INJECTED
    ---

    After the block.
  - '{{ 7*7 }} and {% for x in y %}{% endfor %} and {# comment #}'
  - '<div custom-style="Title">DIV-OPENED and <span custom-style="Title" dir="rtl">SPAN</span>'
"""

PLAIN_TITLE = "@name $x$ <b>b</b> ^x^ {{ 7*7 }} {% raw %} *not emphasis*"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from .conftest import REPO

    project = tmp_path_factory.mktemp("hostile")
    shutil.copytree(REPO / "sources", project / "sources")
    intro = project / "sources" / "sections" / "introduction.yaml"
    intro.write_text(intro.read_text() + "paragraphs:\n" + RAW_PROSE, encoding="utf-8")
    characteristics = project / "sources" / "characteristics.yaml"
    characteristics.write_text(
        characteristics.read_text().replace("en: Equal footing", f"en: '{PLAIN_TITLE}'"),
        encoding="utf-8",
    )
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text().replace(
        "  en: Draft report of the Working Group on Enhanced Cooperation",
        "  en: '# Heading? @cite $math$ {{ 7*7 }}'"), encoding="utf-8")
    build_project(project)
    return project / "build"


def test_plain_text_fields_come_out_literally(hostile_build: Path) -> None:
    markdown = (hostile_build / "report.md").read_text()
    assert "\\@name \\$x\\$ \\<b\\>b\\</b\\> \\^x\\^ \\{\\{ 7\\*7 \\}\\}" in markdown
    docx = "\n".join(docx_paragraphs(hostile_build / "report.docx"))
    pdf = pdf_text(hostile_build / "report.pdf")
    for text in (docx, pdf):
        assert normalize(PLAIN_TITLE) in normalize(text)
    assert "# Heading? @cite $math$ {{ 7*7 }}" in docx_paragraphs(hostile_build / "report.docx")
    assert normalize("# Heading? @cite $math$ {{ 7*7 }}") in normalize(pdf)


def test_raw_blocks_are_shown_not_run(hostile_build: Path) -> None:
    with zipfile.ZipFile(hostile_build / "report.docx") as archive:
        document = archive.read("word/document.xml").decode()
    # The OpenXML arrives as text (escaped), not as a paragraph of its own.
    assert "&lt;w:t&gt;OPENXML-INJECTED&lt;/w:t&gt;" in document
    assert "<w:t>OPENXML-INJECTED</w:t>" not in document
    pdf = pdf_text(hostile_build / "report.pdf")
    assert "#text(fill: red)[TYPST-INJECTED]" in pdf  # printed, not interpreted
    assert '#panic("boom")' in pdf
    for text in ("<b>HTML-TAG</b>", "\\textbf{TEX-CMD}", "$x^2$"):
        assert text in pdf
        assert text.replace("<", "&lt;").replace(">", "&gt;") in document or text in document


def test_html_divs_and_spans_are_shown_not_read(hostile_build: Path) -> None:
    """pandoc reads `<div>` and `<span>` as a div and a span even without raw HTML,
    with their attributes (a Word style, a direction), and a `<div>` left open made it
    warn, which failed the build: the check said they are shown as text."""
    shown = ('<div custom-style="Title">DIV-OPENED and '
             '<span custom-style="Title" dir="rtl">SPAN</span>')
    assert normalize(shown) in normalize("\n".join(docx_paragraphs(
        hostile_build / "report.docx")))  # quotes made curly, as in any text
    assert normalize(shown) in normalize(pdf_text(hostile_build / "report.pdf"))


def test_a_metadata_block_in_the_body_sets_nothing(hostile_build: Path) -> None:
    paragraphs = docx_paragraphs(hostile_build / "report.docx")
    title = paragraphs.index("# Heading? @cite $math$ {{ 7*7 }}")
    assert all("METADATA-INJECTED" not in p for p in paragraphs[: title + 1])
    assert any("title: METADATA-INJECTED" in p for p in paragraphs)
    assert "title: METADATA-INJECTED" in pdf_text(hostile_build / "report.pdf")


def test_template_syntax_in_text_is_never_evaluated(hostile_build: Path) -> None:
    pdf = pdf_text(hostile_build / "report.pdf")
    assert "{{ 7*7 }} and {% for x in y %}{% endfor %} and {# comment #}" in pdf
    assert "49" not in pdf.replace("1949", "")


def test_an_image_after_an_escaped_backslash_is_refused_before_pandoc(project: Path) -> None:
    """`\\\\![x](path)` is an escaped backslash, then an image: `check` once let it
    through and pandoc then failed the build, naming no place in the sources."""
    intro = project / "sources" / "sections" / "introduction.yaml"
    intro.write_text(intro.read_text(encoding="utf-8")
                     + "paragraphs: ['Backslash \\\\![x](/etc/hostname) here.']\n",
                     encoding="utf-8")
    line = len(intro.read_text(encoding="utf-8").splitlines())

    with pytest.raises(SourceError) as raised:
        build_project(project, formats=["docx"])

    images = [d for d in raised.value.diagnostics if d.code == "image"]
    assert [(d.location.line, d.location.column) for d in images] == [(line, 27)]


STRUCTURE_PROSE = """\
  - |
    Before.

    ::: {custom-style="Title"}
    STYLED-AS-A-TITLE
    :::

    # Heading in a text {#sec-background}

    See [the site][un] and the note[^1].

    [un]: https://www.un.org
    [^1]: FIRST-NOTE
  - |
    A second text defines the same names.

    [un]: https://example.org
    [^1]: SECOND-NOTE

    Underlined
    ---
"""


def test_a_text_makes_no_structure_of_its_own(project: Path) -> None:
    """A fence closing its paragraph's div or giving a Word style, a heading with a
    section's id, a link and a note defined in two texts: each would make structure
    (or make pandoc fail). Each is shown as text, in its numbered paragraph."""
    intro = project / "sources" / "sections" / "introduction.yaml"
    intro.write_text(intro.read_text() + "paragraphs:\n" + STRUCTURE_PROSE, encoding="utf-8")
    build_project(project, ["md", "docx", "pdf", "html"])
    docx = project / "build" / "report.docx"
    with zipfile.ZipFile(docx) as archive:
        document = archive.read("word/document.xml").decode()
    styled = [p for p in document.split("<w:p>") if "STYLED-AS-A-TITLE" in p]
    assert styled and all('w:val="Title"' not in p for p in styled)
    paragraphs = docx_paragraphs(docx)
    assert "::: {custom-style=“Title”} STYLED-AS-A-TITLE :::" in paragraphs  # prose: smart
    assert "# Heading in a text {#sec-background}" in paragraphs
    assert "See [the site][un] and the note[^1]." in paragraphs
    assert "[un]: https://example.org [^1]: SECOND-NOTE" in paragraphs
    text = " ".join(pdf_text(project / "build" / "report.pdf").split())
    assert "# Heading in a text {#sec-background}" in text
    html = (project / "build" / "report.html").read_text()
    assert html.count('id="sec-background"') == 1
