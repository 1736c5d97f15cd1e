"""The reference DOCX that makes pandoc's Word output look like a UN document.

pandoc takes page layout, styles, headers and footers from the document given
to ``--reference-doc``. This module builds that document from code, starting
from pandoc's own default reference (so every part pandoc relies on is there)
and changing it:

- A4 pages with UN-like margins; the body's final ``w:sectPr`` names a default
  header and footer, and empty first-page ones (``w:titlePg``): page 1 carries
  the masthead, the running header starts on page 2.
- The default header (``word/header1.xml``) holds one bold 10 pt run whose text
  is exactly :data:`SYMBOL_PLACEHOLDER`, over a rule; the build replaces it with
  the document symbol. The default footer (``word/footer1.xml``) is a centred
  PAGE field.
- Times New Roman 10 pt, justified, black headings; the custom paragraph
  styles of :data:`CUSTOM_STYLES` for pandoc's ``custom-style`` attribute.
- Footnotes numbered continuously: pandoc's default section restarts footnote
  numbers "each section", which LibreOffice reads as "each chapter" and
  restarts at every Heading 1.

The bytes depend only on the pandoc that ships with pypandoc-binary (pinned),
so ``templates/reference.docx`` can be checked against :func:`build_reference_docx`.

Regenerate the committed default with::

    python -m wgec_report.reference_docx [PATH]   # PATH: templates/reference.docx
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from .errors import ConversionError

SYMBOL_PLACEHOLDER = "WGEC:symbol"
"""The text of the running header's only run; the build puts the document symbol there."""

DEFAULT_OUTPUT = Path("templates") / "reference.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = f"{{{W_NS}}}"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WML_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"

# Page geometry, in twentieths of a point (1 cm = 567 twips).
PAGE_WIDTH = 11906  # A4: 210 mm
PAGE_HEIGHT = 16838  # A4: 297 mm
MARGIN_TOP = 1417  # 2.5 cm
MARGIN_BOTTOM = 1417
MARGIN_LEFT = 1247  # 2.2 cm
MARGIN_RIGHT = 1247
HEADER_DISTANCE = 709  # 1.25 cm from the top edge
FOOTER_DISTANCE = 709
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# The parts added to pandoc's default reference, and the relationship ids the
# final section uses for them. The ids cannot collide with pandoc's own, which
# are "rId" followed by a number.
HEADER_PART = "word/header1.xml"  # default header: the symbol
FIRST_HEADER_PART = "word/header2.xml"  # page 1: empty (the masthead is in the body)
FOOTER_PART = "word/footer1.xml"  # default footer: the page number
FIRST_FOOTER_PART = "word/footer2.xml"  # page 1: empty
_PARTS = (
    # part, relationship id, kind, sectPr reference type
    (HEADER_PART, "rIdWgecHeaderDefault", "header", "default"),
    (FIRST_HEADER_PART, "rIdWgecHeaderFirst", "header", "first"),
    (FOOTER_PART, "rIdWgecFooterDefault", "footer", "default"),
    (FIRST_FOOTER_PART, "rIdWgecFooterFirst", "footer", "first"),
)

# Custom paragraph styles for pandoc's `::: {custom-style="..."}` divs: name → description.
CUSTOM_STYLES: dict[str, str] = {
    "Masthead United Nations": "16 pt bold, over a thick rule",
    "Masthead Organ": "14 pt bold, over a thin rule",
    "Masthead Body": "10 pt bold",
    "Masthead Line": "10 pt",
    "Masthead Symbol": "14 pt bold, at the right of 'United Nations'",
    "Masthead Meta": "9 pt, in a column at the right of the organ",
    "Drafting Note": "10 pt italic",
    "Recommendation": "10 pt bold, justified",
    "Annex Heading": "12 pt bold, centred, on a new page",
    "Editing Note": "9 pt italic",
}

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# -- pandoc's default --------------------------------------------------------------


def pandoc_binary() -> Path:
    """The pandoc that pypandoc-binary ships: the converter's own."""
    from .tools import pandoc_path

    return pandoc_path()


def pandoc_default_reference() -> bytes:
    """pandoc's own reference.docx, as the bundled pandoc prints it."""
    args = [str(pandoc_binary()), "--print-default-data-file", "reference.docx"]
    try:
        completed = subprocess.run(args, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConversionError(f"cannot run pandoc ({args[0]}): {exc}") from None
    if completed.returncode != 0 or not completed.stdout:
        detail = completed.stderr.decode("utf-8", "replace").strip()
        raise ConversionError(
            f"pandoc could not print its default reference.docx (exit code "
            f"{completed.returncode})" + (f":\n{detail}" if detail else "")
        )
    return completed.stdout


# -- the whole document ------------------------------------------------------------


def build_reference_docx() -> bytes:
    """A complete reference.docx: pandoc's default, made to look like a UN document.

    The same pandoc gives the same bytes: entries keep pandoc's order (new parts
    follow), carry a fixed time and are stored uncompressed, so no zlib version
    can change them.
    """
    with zipfile.ZipFile(BytesIO(pandoc_default_reference())) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}

    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    parts["word/_rels/document.xml.rels"] = _document_rels(parts["word/_rels/document.xml.rels"])
    parts["word/document.xml"] = _document(parts["word/document.xml"])
    parts["word/styles.xml"] = _styles(parts["word/styles.xml"])
    parts[HEADER_PART] = _header_footer("hdr", _symbol_paragraph())
    parts[FIRST_HEADER_PART] = _header_footer("hdr", _empty_paragraph("Header"))
    parts[FOOTER_PART] = _header_footer("ftr", _page_number_paragraph())
    parts[FIRST_FOOTER_PART] = _header_footer("ftr", _empty_paragraph("Footer"))

    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        # [Content_Types].xml first, as Office writes it; then pandoc's order.
        for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever machine builds it
            info.external_attr = 0o644 << 16
            target.writestr(info, parts[name])
    return out.getvalue()


# -- package plumbing: content types and relationships -----------------------------


def _insert_before_closing(xml: bytes, closing: bytes, addition: str) -> bytes:
    position = xml.rfind(closing)
    if position < 0:
        raise ConversionError(f"pandoc's default reference.docx has no {closing.decode()}")
    return xml[:position] + addition.encode("utf-8") + xml[position:]


def _content_types(xml: bytes) -> bytes:
    overrides = "".join(
        f'<Override PartName="/{escape(part)}" ContentType="{_WML_CT}.{kind}+xml" />'
        for part, _rid, kind, _type in _PARTS
        if f'PartName="/{part}"'.encode() not in xml
    )
    return _insert_before_closing(xml, b"</Types>", overrides)


def _document_rels(xml: bytes) -> bytes:
    relationships = "".join(
        f'<Relationship Type="{_REL_NS}/{kind}" Id="{rid}" Target="{part.removeprefix("word/")}" />'
        for part, rid, kind, _type in _PARTS
    )
    return _insert_before_closing(xml, b"</Relationships>", relationships)


# -- word/document.xml: the final section, and samples of the custom styles -------------

_SECTION = (
    "<w:sectPr>"
    + "".join(
        f'<w:{kind}Reference w:type="{ref_type}" r:id="{rid}" />'
        for _part, rid, kind, ref_type in _PARTS
    )
    # Continuous footnote numbers. pandoc's default says numRestart "eachSect",
    # which LibreOffice imports as "restart at each chapter" (Heading 1): the
    # footnotes then ran 1, 1, 2, ... in a document with one section.
    + '<w:footnotePr><w:pos w:val="pageBottom" /><w:numFmt w:val="decimal" />'
    '<w:numStart w:val="1" /><w:numRestart w:val="continuous" /></w:footnotePr>'
    f'<w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}" />'
    f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
    f'w:left="{MARGIN_LEFT}" w:header="{HEADER_DISTANCE}" w:footer="{FOOTER_DISTANCE}" '
    'w:gutter="0" />'
    '<w:pgNumType w:fmt="decimal" />'
    '<w:cols w:space="720" />'
    "<w:titlePg />"
    '<w:docGrid w:linePitch="360" />'
    "</w:sectPr>"
)

_SECTION_PATTERN = re.compile(rb"<w:sectPr\b.*?</w:sectPr>", re.DOTALL)


def _style_id(name: str) -> str:
    """The id pandoc gives a custom style: its name without spaces."""
    return name.replace(" ", "")


def _sample(style_name: str, text: str) -> str:
    style_id = _style_id(style_name)
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}" /></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
    )


# Paragraphs that show the custom styles to whoever opens the reference in Word.
# pandoc reads nothing from the body but its final section.
_MASTHEAD_SAMPLES = "".join(
    (
        _sample("Masthead Symbol", "E/CN.16/2018/CRP.3"),
        _sample("Masthead United Nations", "United Nations"),
        _sample("Masthead Meta", "Distr.: General"),
        _sample("Masthead Organ", "Economic and Social Council"),
        _sample("Masthead Body", "Commission on Science and Technology for Development"),
        _sample("Masthead Line", "Item 3 of the provisional agenda"),
        _sample("Editing Note", "This document is being reproduced without formal editing."),
    )
)
_BODY_SAMPLES = "".join(
    (
        _sample("Recommendation", "Recommendation."),
        _sample("Drafting Note", "[Drafting Note.]"),
        _sample("Annex Heading", "Annex Heading"),
    )
)


def _document(xml: bytes) -> bytes:
    sections = _SECTION_PATTERN.findall(xml)
    if len(sections) != 1:
        raise ConversionError("pandoc's default reference.docx does not have exactly one section")
    xml = _SECTION_PATTERN.sub(lambda _m: (_BODY_SAMPLES + _SECTION).encode("utf-8"), xml)
    body = xml.find(b"<w:body>")
    if body < 0:
        raise ConversionError("pandoc's default reference.docx has no <w:body>")
    cut = body + len(b"<w:body>")
    return xml[:cut] + _MASTHEAD_SAMPLES.encode("utf-8") + xml[cut:]


# -- headers and footers -----------------------------------------------------------


def _header_footer(root: str, paragraph: str) -> bytes:
    return _XML_DECLARATION + (
        f'<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}">{paragraph}</w:{root}>'
    ).encode()


def _symbol_paragraph() -> str:
    """The running header: the symbol, bold 10 pt, over a thin rule the width of the text."""
    return (
        '<w:p><w:pPr><w:pStyle w:val="Header" />'
        '<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="000000" /></w:pBdr>'
        '<w:spacing w:before="0" w:after="0" /><w:jc w:val="left" /></w:pPr>'
        '<w:r><w:rPr><w:b /><w:bCs /><w:sz w:val="20" /><w:szCs w:val="20" /></w:rPr>'
        f"<w:t>{escape(SYMBOL_PLACEHOLDER)}</w:t></w:r></w:p>"
    )


def _page_number_paragraph() -> str:
    """The running footer: the page number, a PAGE field, centred, bold 9 pt."""
    rpr = '<w:rPr><w:b /><w:bCs /><w:sz w:val="18" /><w:szCs w:val="18" /></w:rPr>'
    return (
        '<w:p><w:pPr><w:pStyle w:val="Footer" /><w:jc w:val="center" /></w:pPr>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin" /></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate" /></w:r>'
        f"<w:r>{rpr}<w:t>1</w:t></w:r>"
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end" /></w:r>'
        "</w:p>"
    )


def _empty_paragraph(style_id: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}" /></w:pPr></w:p>'


# -- word/styles.xml ---------------------------------------------------------------

_FONT = "Times New Roman"

_DOC_DEFAULTS = (
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    f'<w:rFonts w:ascii="{_FONT}" w:hAnsi="{_FONT}" w:cs="{_FONT}" '
    'w:eastAsiaTheme="minorEastAsia" />'
    '<w:sz w:val="20" /><w:szCs w:val="20" />'
    '<w:lang w:val="en-GB" w:eastAsia="zh-CN" w:bidi="ar-SA" />'
    "</w:rPr></w:rPrDefault>"
    "<w:pPrDefault><w:pPr><w:widowControl />"
    '<w:spacing w:before="0" w:after="120" w:line="240" w:lineRule="auto" />'
    "</w:pPr></w:pPrDefault></w:docDefaults>"
)


def _indent(twips: int) -> str:
    """The same indent on both sides, no first-line indent."""
    return f'<w:ind w:left="{twips}" w:right="{twips}" w:firstLine="0" />'


def _rpr(size: float | None = None, *, bold: bool | None = None, italic: bool = False,
         extra: str = "") -> str:
    """Run properties, in schema order; `size` in points (whole or half)."""
    parts = []
    if bold is True:
        parts.append("<w:b /><w:bCs />")
    elif bold is False:
        parts.append('<w:b w:val="0" /><w:bCs w:val="0" />')
    if italic:
        parts.append("<w:i /><w:iCs />")
    parts.append(extra)
    if size is not None:
        half_points = round(size * 2)
        parts.append(f'<w:sz w:val="{half_points}" /><w:szCs w:val="{half_points}" />')
    return f"<w:rPr>{''.join(parts)}</w:rPr>"


def _ppr(*, keep_next: bool = False, before: int | None = None, after: int | None = None,
         line: str = "", ind: str = "", jc: str | None = None, outline: int | None = None,
         tabs: str = "", border: str = "", page_break: bool = False) -> str:
    """Paragraph properties, in schema order; spacing in twips."""
    parts = []
    if keep_next:
        parts.append("<w:keepNext /><w:keepLines />")
    if page_break:
        parts.append("<w:pageBreakBefore />")
    parts.append(border)
    parts.append(tabs)
    spacing = ""
    if before is not None:
        spacing += f' w:before="{before}"'
    if after is not None:
        spacing += f' w:after="{after}"'
    spacing += line
    if spacing:
        parts.append(f"<w:spacing{spacing} />")
    parts.append(ind)
    if jc is not None:
        parts.append(f'<w:jc w:val="{jc}" />')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}" />')
    return f"<w:pPr>{''.join(parts)}</w:pPr>"


def _paragraph_style(style_id: str, name: str, *, based_on: str | None = "Normal",
                     next_style: str | None = None, link: str | None = None,
                     custom: bool = False, default: bool = False, ui_priority: int | None = None,
                     ppr: str = "", rpr: str = "") -> str:
    attributes = ' w:type="paragraph"'
    attributes += ' w:default="1"' if default else ""
    attributes += ' w:customStyle="1"' if custom else ""
    return (
        f'<w:style{attributes} w:styleId="{style_id}"><w:name w:val="{escape(name)}" />'
        + (f'<w:basedOn w:val="{based_on}" />' if based_on else "")
        + (f'<w:next w:val="{next_style}" />' if next_style else "")
        + (f'<w:link w:val="{link}" />' if link else "")
        + (f'<w:uiPriority w:val="{ui_priority}" />' if ui_priority is not None else "")
        + "<w:qFormat />"
        + ppr
        + rpr
        + "</w:style>"
    )


def _character_style(style_id: str, name: str, *, based_on: str = "DefaultParagraphFont",
                     link: str | None = None, rpr: str = "") -> str:
    return (
        f'<w:style w:type="character" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{escape(name)}" /><w:basedOn w:val="{based_on}" />'
        + (f'<w:link w:val="{link}" />' if link else "")
        + rpr
        + "</w:style>"
    )


_SINGLE_LINE = ' w:line="240" w:lineRule="auto"'
_HEADINGS: dict[int, tuple[float, bool, bool, int, int]] = {
    # level: size in pt, bold, italic, space before, space after (twips)
    1: (12, True, False, 360, 240),
    2: (10, True, False, 240, 120),
    3: (10, True, False, 240, 120),
    4: (10, False, True, 240, 120),
    5: (10, False, False, 240, 120),
    6: (10, False, False, 240, 120),
    7: (10, False, False, 240, 120),
    8: (10, False, False, 240, 120),
    9: (10, False, False, 240, 120),
}


def _heading_styles() -> dict[str, str]:
    styles: dict[str, str] = {}
    for level, (size, bold, italic, before, after) in _HEADINGS.items():
        rpr = _rpr(size, bold=bold, italic=italic)
        styles[f"Heading{level}"] = _paragraph_style(
            f"Heading{level}", f"heading {level}", next_style="BodyText",
            link=f"Heading{level}Char", ui_priority=9,
            ppr=_ppr(keep_next=True, before=before, after=after, jc="left", outline=level - 1),
            rpr=rpr,
        )
        styles[f"Heading{level}Char"] = _character_style(
            f"Heading{level}Char", f"Heading {level} Char", link=f"Heading{level}", rpr=rpr
        )
    return styles


_TABLE_BORDER = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
_TABLE_STYLE = (
    '<w:style w:type="table" w:default="1" w:styleId="Table"><w:name w:val="Table" />'
    '<w:basedOn w:val="TableNormal" /><w:uiPriority w:val="59" /><w:qFormat />'
    "<w:tblPr>"
    '<w:tblInd w:w="0" w:type="dxa" />'
    "<w:tblBorders>"
    + "".join(f"<w:{side} {_TABLE_BORDER} />"
              for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + "</w:tblBorders>"
    '<w:tblCellMar><w:top w:w="40" w:type="dxa" /><w:left w:w="85" w:type="dxa" />'
    '<w:bottom w:w="0" w:type="dxa" /><w:right w:w="85" w:type="dxa" /></w:tblCellMar>'
    "</w:tblPr>"
    '<w:tblStylePr w:type="firstRow">'
    "<w:rPr><w:b /><w:bCs /></w:rPr>"
    "<w:trPr><w:tblHeader /></w:trPr>"
    '<w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000" />'
    '</w:tcBorders><w:vAlign w:val="bottom" /></w:tcPr>'
    "</w:tblStylePr>"
    "</w:style>"
)


def _replaced_styles() -> dict[str, str]:
    """Complete new definitions of styles pandoc's default has, by style id."""
    styles = {
        "Normal": _paragraph_style(
            "Normal", "Normal", based_on=None, default=True,
            ppr=_ppr(before=0, after=120, line=_SINGLE_LINE, jc="both"),
        ),
        "BodyText": _paragraph_style(
            "BodyText", "Body Text", link="BodyTextChar",
            ppr=_ppr(before=0, after=120, jc="both"),
        ),
        "FirstParagraph": _paragraph_style(
            "FirstParagraph", "First Paragraph", based_on="BodyText", next_style="BodyText",
            custom=True,
        ),
        "Compact": _paragraph_style(
            "Compact", "Compact", based_on="BodyText", custom=True,
            ppr=_ppr(before=0, after=80), rpr=_rpr(10),
        ),
        "Title": _paragraph_style(
            "Title", "Title", next_style="BodyText", link="TitleChar", ui_priority=10,
            ppr=_ppr(keep_next=True, before=0, after=240, line=' w:line="400" w:lineRule="atLeast"',
                     jc="left"),
            rpr=_rpr(17, bold=True),
        ),
        "TitleChar": _character_style("TitleChar", "Title Char", link="Title",
                                      rpr=_rpr(17, bold=True)),
        "Subtitle": _paragraph_style(
            "Subtitle", "Subtitle", based_on="Title", next_style="BodyText",
            link="SubtitleChar", ui_priority=11,
            ppr=_ppr(keep_next=True, before=0, after=240, line=_SINGLE_LINE, jc="left"),
            rpr=_rpr(12, bold=True),
        ),
        "SubtitleChar": _character_style("SubtitleChar", "Subtitle Char", link="Subtitle",
                                         rpr=_rpr(12, bold=True)),
        "Author": _paragraph_style(
            "Author", "Author", based_on="Title", next_style="BodyText", custom=True,
            ppr=_ppr(keep_next=True, after=120, line=_SINGLE_LINE), rpr=_rpr(10, bold=False),
        ),
        "Date": _paragraph_style(
            "Date", "Date", based_on="Title", next_style="BodyText",
            ppr=_ppr(keep_next=True, after=120, line=_SINGLE_LINE), rpr=_rpr(10, bold=False),
        ),
        "BlockText": _paragraph_style(
            "BlockText", "Block Text", based_on="BodyText", next_style="BodyText",
            ppr=_ppr(before=0, after=120, ind=_indent(720), jc="both"),
            rpr=_rpr(10),
        ),
        "FootnoteText": _paragraph_style(
            "FootnoteText", "Footnote Text", next_style="FootnoteText",
            ppr=_ppr(before=0, after=40, line=_SINGLE_LINE, jc="left"), rpr=_rpr(9),
        ),
        "FootnoteBlockText": _paragraph_style(
            "FootnoteBlockText", "Footnote Block Text", based_on="FootnoteText",
            next_style="FootnoteText", custom=True,
            ppr=_ppr(before=40, after=40, ind=_indent(480)),
        ),
        "FootnoteReference": (
            '<w:style w:type="character" w:styleId="FootnoteReference">'
            '<w:name w:val="Footnote Reference" /><w:basedOn w:val="DefaultParagraphFont" />'
            '<w:rPr><w:vertAlign w:val="superscript" /></w:rPr></w:style>'
        ),
        "Hyperlink": (
            '<w:style w:type="character" w:styleId="Hyperlink">'
            '<w:name w:val="Hyperlink" /><w:basedOn w:val="DefaultParagraphFont" />'
            '<w:rPr><w:color w:val="1F3864" /></w:rPr></w:style>'
        ),
        "VerbatimChar": _character_style(
            "VerbatimChar", "Verbatim Char", based_on="BodyTextChar",
            rpr='<w:rPr><w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" />'
                '<w:sz w:val="18" /><w:szCs w:val="18" /></w:rPr>',
        ),
        "TOCHeading": _paragraph_style(
            "TOCHeading", "TOC Heading", based_on="Heading1", next_style="BodyText",
            ui_priority=39, ppr=_ppr(outline=9), rpr=_rpr(12, bold=True),
        ),
        "Table": _TABLE_STYLE,
    }
    styles.update(_heading_styles())
    return styles


def _added_styles() -> list[str]:
    """Styles pandoc's default lacks: header, footer, and the custom ones."""
    tabs = (f'<w:tabs><w:tab w:val="center" w:pos="{TEXT_WIDTH // 2}" />'
            f'<w:tab w:val="right" w:pos="{TEXT_WIDTH}" /></w:tabs>')
    return [
        _paragraph_style("Header", "header", ui_priority=99,
                         ppr=_ppr(tabs=tabs, before=0, after=0, jc="left"), rpr=_rpr(10)),
        _paragraph_style("Footer", "footer", ui_priority=99,
                         ppr=_ppr(tabs=tabs, before=0, after=0, jc="left"), rpr=_rpr(9)),
        # The masthead's two rows, as in UN documents: "United Nations" over a thick rule,
        # the symbol at the right margin (a tab); the organ over a thin rule, the
        # distribution corner in a column at the right (a tab on each of its lines).
        _paragraph_style("MastheadUnitedNations", "Masthead United Nations", custom=True,
                         ppr=_ppr(keep_next=True, before=0, after=120, jc="left",
                                  border=_rule(12), tabs=_tab("right", TEXT_WIDTH)),
                         rpr=_rpr(16, bold=True)),
        _paragraph_style("MastheadOrgan", "Masthead Organ", custom=True,
                         ppr=_ppr(keep_next=True, before=60, after=240, jc="left",
                                  border=_rule(6), tabs=_tab("left", _CORNER)),
                         rpr=_rpr(14, bold=True)),
        _paragraph_style("MastheadBody", "Masthead Body", custom=True,
                         ppr=_ppr(keep_next=True, before=0, after=0, jc="left"),
                         rpr=_rpr(10, bold=True)),
        _paragraph_style("MastheadLine", "Masthead Line", custom=True,
                         ppr=_ppr(keep_next=True, before=0, after=0, jc="left"),
                         rpr=_rpr(10)),
        # Where there is no row for them to join (see convert.masthead_in_rows).
        _paragraph_style("MastheadSymbol", "Masthead Symbol", custom=True,
                         ppr=_ppr(keep_next=True, before=0, after=120, jc="right"),
                         rpr=_rpr(14, bold=True)),
        _paragraph_style("MastheadMeta", "Masthead Meta", custom=True,
                         ppr=_ppr(keep_next=True, before=60, after=120, jc="left",
                                  tabs=_tab("left", _CORNER)),
                         rpr=_rpr(9)),
        _character_style("MastheadSymbolChar", "Masthead Symbol Char", rpr=_rpr(14, bold=True)),
        _character_style("MastheadMetaChar", "Masthead Meta Char", rpr=_rpr(9, bold=False)),
        _paragraph_style("DraftingNote", "Drafting Note", based_on="BodyText", custom=True,
                         ppr=_ppr(jc="both"), rpr=_rpr(10, italic=True)),
        _paragraph_style("Recommendation", "Recommendation", based_on="BodyText", custom=True,
                         ppr=_ppr(jc="both"), rpr=_rpr(10, bold=True)),
        # An annex starts on a page of its own, as UN documents' annexes do.
        _paragraph_style("AnnexHeading", "Annex Heading", next_style="BodyText", custom=True,
                         ppr=_ppr(keep_next=True, before=240, after=240, jc="center", outline=0,
                                  page_break=True),
                         rpr=_rpr(12, bold=True)),
        _paragraph_style("EditingNote", "Editing Note", custom=True,
                         ppr=_ppr(before=120, after=120, jc="left"), rpr=_rpr(9, italic=True)),
    ]


_CORNER = TEXT_WIDTH - 2600  # where the distribution corner's column starts (twips)


def _tab(kind: str, position: int) -> str:
    return f'<w:tabs><w:tab w:val="{kind}" w:pos="{position}" /></w:tabs>'


def _rule(eighths: int) -> str:
    """A rule under a paragraph, `eighths` of a point thick, from margin to margin."""
    return (f'<w:pBdr><w:bottom w:val="single" w:sz="{eighths}" w:space="4" '
            'w:color="000000" /></w:pBdr>')


def _parse_fragment(xml: str) -> ElementTree.Element:
    wrapper = ElementTree.fromstring(f'<w:root xmlns:w="{W_NS}" xmlns:r="{R_NS}">{xml}</w:root>')
    return wrapper[0]


def _styles(xml: bytes) -> bytes:
    ElementTree.register_namespace("w", W_NS)
    ElementTree.register_namespace("r", R_NS)
    root = ElementTree.fromstring(xml)

    defaults = root.find(f"{_W}docDefaults")
    if defaults is None:
        raise ConversionError("pandoc's default styles.xml has no docDefaults")
    root[list(root).index(defaults)] = _parse_fragment(_DOC_DEFAULTS)

    replacements = _replaced_styles()
    for index, style in enumerate(list(root)):
        style_id = style.get(f"{_W}styleId")
        if style.tag == f"{_W}style" and style_id in replacements:
            root[index] = _parse_fragment(replacements.pop(style_id))
    # Any replacement pandoc's default did not have is added, like the new styles.
    for definition in [*replacements.values(), *_added_styles()]:
        root.append(_parse_fragment(definition))

    ElementTree.indent(root, space="  ")
    return _XML_DECLARATION + ElementTree.tostring(root, encoding="unicode").encode("utf-8")


# -- command line ------------------------------------------------------------------


def write_reference_docx(path: Path) -> None:
    """Write the reference document atomically: a failure leaves `path` as it was."""
    data = build_reference_docx()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a template is not
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m wgec_report.reference_docx [PATH]`; PATH defaults to templates/reference.docx."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or any(arg in ("-h", "--help") for arg in args):
        print("usage: python -m wgec_report.reference_docx [PATH]\n\n"
              f"Write the UN-style reference DOCX to PATH (default: {DEFAULT_OUTPUT}).",
              file=sys.stderr if len(args) > 1 else sys.stdout)
        return 2 if len(args) > 1 else 0
    path = Path(args[0]) if args else DEFAULT_OUTPUT
    try:
        write_reference_docx(path)
    except (ConversionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
