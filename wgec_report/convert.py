"""pandoc and typst calls, and atomic writes. Knows Markdown and files, not the report.

The pandoc that runs is the one `pypandoc-binary` ships, called directly: a
different pandoc on PATH would give different documents. Its reader has every
raw-passthrough extension off, so text in a source can never inject DOCX XML,
Typst code, HTML or TeX, nor a metadata block.
"""

from __future__ import annotations

import datetime
import functools
import io
import os
import re
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import ConversionError
from .files import remove_typesetter_file, typesetter_file
from .tools import cut_off_the_network, pandoc_path

if TYPE_CHECKING:  # loaded by the first typesetter: `wgec check` never needs it
    import typst

DISABLED_READER_EXTENSIONS = (
    "raw_html",
    # `<div>` and `<span>` are read as a div and a span even with raw_html off, with
    # whatever attributes they carry (a `custom-style`, a `dir`), and a `<div>` left
    # open makes pandoc warn: the check says raw HTML is shown as text, and it is.
    "native_divs",
    "native_spans",
    "raw_tex",
    "raw_attribute",
    "yaml_metadata_block",
    "citations",  # wgec resolves its own [@...] references; `@name` stays literal
    "tex_math_dollars",
    "tex_math_single_backslash",
    "tex_math_double_backslash",
    "latex_macros",
    # `[^1]` notes: their keys are the whole document's, so two paragraphs that each
    # define `[^1]`, or a definition never used, make pandoc warn and the build fail.
    # Notes in prose are inline, `^[text]`, each its own.
    "footnotes",
)
READER = "markdown" + "".join(f"-{ext}" for ext in DISABLED_READER_EXTENSIONS)

# What pandoc's exit codes mean, in words a user can act on.
PANDOC_EXIT_CODES = {
    3: "pandoc warned, and wgec treats warnings as errors",
    21: "pandoc does not know the input format",
    22: "pandoc does not know the output format",
    64: "pandoc could not parse the Markdown",
    83: "pandoc could not read a file it was given",
    92: "pandoc could not decode the Markdown as UTF-8",
    97: "pandoc could not find a template or reference document",
    99: "pandoc could not find a resource (an image or file the Markdown names)",
}


# pandoc's Haskell runtime collects garbage each time its first 4 MB fill: a
# quarter of a conversion of the default report. Allocating 64 MB between
# collections leaves almost none (measured: 99 -> 75 ms to Typst, 156 -> 137 ms
# to DOCX). The memory is allocated as it is touched, up to 64 MB per pandoc.
PANDOC_RUNTIME = ("+RTS", "-A64m", "-RTS")


@functools.cache
def pandoc_version() -> str:
    output = _run([str(pandoc_path()), "--version"], b"").decode("utf-8", "replace")
    return output.split("\n", 1)[0].removeprefix("pandoc").strip()


def run_pandoc(
    markdown: str, writer: str, metadata: Mapping[str, str], extra: list[str] | None = None
) -> bytes:
    """Markdown in, the writer's output as bytes; fails on any pandoc warning."""
    args = [
        str(pandoc_path()),
        *PANDOC_RUNTIME,
        "--sandbox",  # readers and writers may read only what is named here
        "--fail-if-warnings",
        # No abbreviations: the `smart` reader would make "Mr. Smith" "Mr.\u00a0Smith".
        # The text comes out as written, spaces too.
        f"--abbreviations={os.devnull}",
        f"--from={READER}",
        f"--to={writer}",
        "--output=-",
    ]
    args.extend(_metadata_arguments(metadata))
    args.extend(extra or [])
    return _run(args, markdown.encode("utf-8"))


# What pandoc reads as a boolean in `-M key:value`, whatever the text meant: a subtitle
# "FALSE" would vanish ($if(subtitle)$ fails), a title "TRUE" come out "true".
_PANDOC_BOOLEANS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})


def _metadata_arguments(metadata: Mapping[str, str]) -> list[str]:
    """`-M` values are plain strings to pandoc (never parsed as Markdown, escaped for
    the output by the writer), but for the six spellings of a boolean: those go as
    template variables, which are used as written (letters: nothing to escape)."""
    return [f"--variable={key}:{value}" if value in _PANDOC_BOOLEANS
            else f"--metadata={key}:{value}"
            for key, value in metadata.items()]


def _run(args: list[str], stdin: bytes) -> bytes:
    try:
        completed = subprocess.run(args, input=stdin, capture_output=True, check=False,
                                   timeout=300)
    except OSError as exc:
        raise ConversionError(f"cannot run pandoc ({args[0]}): {exc.strerror}") from None
    except UnicodeEncodeError as exc:  # the metadata go in arguments, in the locale's encoding
        import sys

        raise ConversionError(
            f"the system's text encoding ({sys.getfilesystemencoding()}) cannot carry "
            f"{exc.object[exc.start:exc.end]!r}, which pandoc must be given: run wgec in a "
            "UTF-8 locale (for example, LANG=C.UTF-8)") from None
    except subprocess.TimeoutExpired:
        raise ConversionError("pandoc took more than 5 minutes and was stopped") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip()
        raise ConversionError(_failure(completed.returncode) + (f":\n{detail}" if detail else ""))
    return completed.stdout


def _failure(returncode: int) -> str:
    if returncode < 0:  # killed: a crash or the machine running out of memory
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"pandoc was killed by signal {name}"
    meaning = PANDOC_EXIT_CODES.get(returncode, "pandoc failed")
    return f"{meaning} (exit code {returncode})"


def markdown_to_docx(markdown: str, metadata: Mapping[str, str],
                     reference_doc: Path | None = None,
                     when: datetime.datetime | None = None) -> bytes:
    """The DOCX: the Markdown (masthead included) through the reference document's styles.

    The title is in the Markdown, in its place under the masthead, so pandoc is
    not given one (it would put it above everything); it goes into the
    document's properties afterwards, with the date and the running header.
    """
    extra = [f"--reference-doc={reference_doc}"] if reference_doc else []
    extra += _toc(metadata)
    given = {k: v for k, v in metadata.items() if k not in ("title", "subtitle", "date")}
    if metadata.get("toc") == "true":  # the contents, titled in the document's language
        given["toc-title"] = metadata.get("contents-label", "Contents")
    docx = run_pandoc(markdown, "docx", given, extra)
    # Without a symbol (a draft not yet issued), the running header shows the title.
    header = metadata.get("symbol") or metadata.get("title", "")
    return finish_docx(docx, when, metadata.get("title", ""), header,
                       rtl=metadata.get("dir") == "rtl")


_CORE_TITLE = re.compile(rb"<dc:title>[^<]*</dc:title>|<dc:title\s*/>")
_CORE_DATES = re.compile(
    rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>|<dcterms:(?:created|modified)\b[^>]*/>"
)


SYMBOL_PLACEHOLDER = b"WGEC:symbol"  # in the reference document's running header
_HEADER_OR_FOOTER = re.compile(r"word/(?:header|footer)\d*\.xml")


def finish_docx(docx: bytes, when: datetime.datetime | None, title: str = "",
                symbol: str = "", *, rtl: bool = False) -> bytes:
    """Date the document's properties `when` (or not at all), title them, put the symbol
    in the running header; for a right-to-left document (`rtl`), make every paragraph,
    table and section of the body, the footnotes and the headers and footers right to
    left (`w:bidi`, `w:bidiVisual`), which pandoc's `dir: rtl` does only in part.

    Under --sandbox pandoc dates every DOCX 1970-01-01: reproducible, but
    wrong. The archive is rewritten entry by entry, in order, with pandoc's
    own fixed entry times, so the bytes depend on the sources alone.
    """

    def dated(match: re.Match[bytes]) -> bytes:
        if when is None:
            return b""
        name = match.group(1) or (b"created" if b"created" in match.group(0) else b"modified")
        stamp = when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        return (b"<dcterms:" + name + b' xsi:type="dcterms:W3CDTF">' + stamp
                + b"</dcterms:" + name + b">")

    titled = b"<dc:title>" + _xml_text(title) + b"</dc:title>"
    source = zipfile.ZipFile(io.BytesIO(docx))
    rows = _has_masthead_rows(source)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(dated, data)
                data = _CORE_TITLE.sub(lambda _: titled, data)  # a `\1` in it is text
            elif _HEADER_OR_FOOTER.fullmatch(info.filename):
                data = data.replace(SYMBOL_PLACEHOLDER, _xml_text(symbol))
                if rtl:  # the running header at the right, as the PDF has it
                    data = right_to_left_document(data)
            elif info.filename in ("word/document.xml", "word/footnotes.xml"):
                if info.filename == "word/document.xml":
                    data = divs_styled(data)
                    data = contents_after_the_title(masthead_in_rows(data) if rows else data)
                    data = rows_kept_whole(data)
                if rtl:
                    data = right_to_left_document(data)
            target.writestr(info, data, compress_type=info.compress_type)
    return out.getvalue()


# A recommendation or a drafting note, between the bookmarks pandoc puts around its
# div (`#rec-<id>`, `#note-<id>`, `#to-draft-<id>`).
_STYLED_DIV = re.compile(
    rb'<w:bookmarkStart w:id="(\d+)" w:name="(rec|note|to-draft)-[^"]*" />(.*?)'
    rb'<w:bookmarkEnd w:id="\1" />', re.DOTALL)
_BODY_PARAGRAPH = re.compile(rb"<w:p>.*?</w:p>", re.DOTALL)
_RUN_PROPERTIES = re.compile(rb"<w:r>(?:<w:rPr>(.*?)</w:rPr>)?", re.DOTALL)


class _RunStyle(NamedTuple):
    """What a div's paragraphs of other styles get on each run, and where."""

    paragraph_style: bytes  # the div's own style: its paragraphs have it already
    properties: bytes  # what each run of the others gets
    already: re.Pattern[bytes]  # a run that has it
    before: re.Pattern[bytes]  # what comes before it in a run's properties (the schema)


_DIV_STYLES = {
    b"rec": _RunStyle(b'<w:pStyle w:val="Recommendation" />', b"<w:b /><w:bCs />",
                      re.compile(rb"<w:b[ />]"),
                      re.compile(rb"(?:<w:rStyle [^>]*/>)?(?:<w:rFonts [^>]*/>)?")),
    b"note": _RunStyle(b'<w:pStyle w:val="DraftingNote" />', b"<w:i /><w:iCs />",
                       re.compile(rb"<w:i[ />]"),
                       re.compile(rb"(?:<w:rStyle [^>]*/>)?(?:<w:rFonts [^>]*/>)?"
                                  rb"(?:<w:b [^>]*/>|<w:b/>)?(?:<w:bCs [^>]*/>|<w:bCs/>)?")),
}
_DIV_STYLES[b"to-draft"] = _DIV_STYLES[b"note"]


# A masthead paragraph, and the row it joins: the symbol beside "United Nations", the
# distribution corner beside the organ; each with the character style its runs take.
_MASTHEAD_ROWS = ((b"MastheadSymbol", b"MastheadUnitedNations", b"MastheadSymbolChar"),
                  (b"MastheadMeta", b"MastheadOrgan", b"MastheadMetaChar"))
_TAB_RUN = b"<w:r><w:tab /></w:r>"


def _styled_paragraph(style: bytes, *, after_spaces: bool = False) -> re.Pattern[bytes]:
    """A body paragraph of `style` (after the spaces between two, if asked): its
    properties, then its content."""
    return re.compile(rb"\s*" * after_spaces + rb'<w:p>(<w:pPr><w:pStyle w:val="' + style
                      + rb'" />.*?</w:pPr>)(.*?)</w:p>', re.DOTALL)


def masthead_in_rows(xml: bytes) -> bytes:
    """The masthead's two rows, as in UN documents: the symbol on the line of "United
    Nations", at the right margin; the distribution corner on the organ's lines, in a
    column at the right. In the Markdown each is a paragraph of its own (so that a
    redline compares them one by one); here its content moves into its row's paragraph,
    after a tab to the row style's tab stop, each of its line breaks followed by a tab,
    its runs in its own character style. With no row to join (a report without an
    organ), it stays a paragraph, its lines in the corner's column all the same.
    Idempotent, as finish_docx is."""
    for moved, row, character in _MASTHEAD_ROWS:
        found = _styled_paragraph(moved).search(xml)
        if found is None or _TAB_RUN in found.group(2)[:512]:  # none, or done before
            continue
        style = _character(character)
        runs = _RUN_PROPERTIES.sub(lambda run, style=style: _run_styled(run, style),
                                   found.group(2)).replace(b"<w:br />", b"<w:br /><w:tab />")
        joined = _styled_paragraph(row, after_spaces=True).match(xml, found.end())
        if joined is not None:  # the very next paragraph
            end = joined.end() - len(b"</w:p>")
            xml = xml[:found.start()] + xml[found.end():end] + _tab_before(runs) + xml[end:]
        else:
            lone = b"<w:p>" + found.group(1) + _tab_before(runs) + b"</w:p>"
            xml = xml[:found.start()] + lone + xml[found.end():]
    return xml


_CONTENTS = re.compile(rb"<w:sdt>(?:(?!</w:sdt>).)*?<w:docPartGallery w:val=\"Table of Contents\""
                       rb".*?</w:sdt>\s*", re.DOTALL)
_TITLES = re.compile(rb'(?:<w:p><w:pPr><w:pStyle w:val="(?:Title|Subtitle)" />.*?</w:p>\s*)+',
                     re.DOTALL)


_ROW_PROPERTIES = re.compile(rb"<w:tr><w:trPr>(?!<w:cantSplit />)")


def rows_kept_whole(xml: bytes) -> bytes:
    """Every table row kept on one page (`w:cantSplit`), as the PDF keeps it: in Word a
    row of the mapping could start on one page and end on the next. Idempotent."""
    return _ROW_PROPERTIES.sub(b"<w:tr><w:trPr><w:cantSplit />", xml).replace(
        b"<w:tr><w:tc>", b"<w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc>")


def contents_after_the_title(xml: bytes) -> bytes:
    """The table of contents under the title, where UN documents have it: pandoc puts
    it first in the document, above the masthead."""
    contents = _CONTENTS.search(xml)
    if contents is None:
        return xml
    rest = xml[:contents.start()] + xml[contents.end():]
    titles = _TITLES.search(rest)
    if titles is None:
        return xml
    return rest[:titles.end()] + contents.group() + rest[titles.end():]


def _has_masthead_rows(docx: zipfile.ZipFile) -> bool:
    """Whether the reference document has the masthead rows' styles: a project's own
    copy from before them has not, and its masthead stays a paragraph a line."""
    try:
        styles = docx.read("word/styles.xml")
    except KeyError:
        return False
    return all(b'w:styleId="' + style + b'"' in styles
               for _, row, character in _MASTHEAD_ROWS for style in (row, character))


def _tab_before(runs: bytes) -> bytes:
    """A tab run, then `runs`; inside the change they open with (a redline's `w:ins` or
    `w:del`), so that accepting or rejecting the change takes its tab with it."""
    if runs.startswith((b"<w:ins ", b"<w:del ")):
        at = runs.index(b">") + 1
        return runs[:at] + _TAB_RUN + runs[at:]
    return _TAB_RUN + runs


def _character(style: bytes) -> _RunStyle:
    return _RunStyle(b"", b'<w:rStyle w:val="' + style + b'" />', re.compile(rb"<w:rStyle "),
                     re.compile(rb""))


def divs_styled(xml: bytes) -> bytes:
    """Every paragraph of a recommendation bold in Word, and of a drafting note in
    italics, as in the PDF: the div's paragraphs take its style (Recommendation,
    DraftingNote), but a list's items and a table's cells keep their own (Compact,
    ...), so their runs are given it themselves."""
    def styled(found: re.Match[bytes]) -> bytes:
        style = _DIV_STYLES[found.group(2)]
        start, end = found.span(3)
        inner = _BODY_PARAGRAPH.sub(lambda p: _paragraph_styled(p.group(0), style),
                                    found.group(3))
        return xml[found.start():start] + inner + xml[end:found.end()]

    return _STYLED_DIV.sub(styled, xml)


def _paragraph_styled(paragraph: bytes, style: _RunStyle) -> bytes:
    if style.paragraph_style in paragraph:
        return paragraph
    return _RUN_PROPERTIES.sub(lambda run: _run_styled(run, style), paragraph)


def _run_styled(run: re.Match[bytes], style: _RunStyle) -> bytes:
    properties = run.group(1)
    if properties is None:
        return b"<w:r><w:rPr>" + style.properties + b"</w:rPr>"
    if style.already.search(properties):  # bold (strong) or italic (emphasis) already
        return run.group(0)
    before = style.before.match(properties)  # always: all of it is optional
    at = before.end() if before else 0
    return (b"<w:r><w:rPr>" + properties[:at] + style.properties + properties[at:]
            + b"</w:rPr>")


# Right to left in WordprocessingML. pandoc's `dir: rtl` gives every paragraph
# `w:bidi` and every run `w:rtl` (but not the runs of a `{dir=ltr}` span, which
# keep their own direction); a table is mirrored only by `w:bidiVisual` in its
# properties, and the section (page numbering, columns, gutter) by `w:bidi` in
# its `w:sectPr`. Each goes where the schema's sequence puts it, for Word.
_TBL_PR = re.compile(rb"<w:tblPr\s*/>|<w:tblPr\b[^>]*>(.*?)</w:tblPr>", re.DOTALL)
_SECT_PR = re.compile(rb"<w:sectPr\b[^>/]*/>|<w:sectPr\b[^>]*>(.*?)</w:sectPr>", re.DOTALL)
# Elements of w:tblPr that come before w:bidiVisual; of w:sectPr, those after w:bidi.
_BEFORE_BIDI_VISUAL = re.compile(
    rb"\s*<w:(?:tblStyle|tblpPr|tblOverlap)\b(?:[^>]*/>|.*?</w:(?:tblStyle|tblpPr|tblOverlap)>)",
    re.DOTALL)
_AFTER_SECTION_BIDI = re.compile(rb"<w:(?:rtlGutter|docGrid|printerSettings|sectPrChange)\b")


_PARAGRAPH = re.compile(rb"<w:p(\s[^>]*?)?(/?)>")
_BIDI = re.compile(rb"<w:bidi\b")
_PARAGRAPH_PROPERTIES = re.compile(rb"\s*<w:pPr\s*/>|\s*<w:pPr>")
# Elements of w:pPr that come after w:bidi (none of the earlier ones holds any of them).
_AFTER_PARAGRAPH_BIDI = re.compile(
    rb"<w:(?:adjustRightInd|snapToGrid|spacing|ind|contextualSpacing|mirrorIndents|"
    rb"suppressOverlap|jc|textDirection|textAlignment|textboxTightWrap|outlineLvl|divId|"
    rb"cnfStyle|rPr|sectPr|pPrChange)\b")


def right_to_left_document(xml: bytes) -> bytes:
    """A WordprocessingML part with its paragraphs, tables and sections right to left
    (idempotent). pandoc marks its own paragraphs; a paragraph it writes from its
    template (the title) is not."""
    return _SECT_PR.sub(_section_rtl, _TBL_PR.sub(_table_rtl, _paragraphs_rtl(xml)))


def _paragraphs_rtl(xml: bytes) -> bytes:
    out: list[bytes] = []
    at = 0
    for match in _PARAGRAPH.finditer(xml):
        out.append(xml[at:match.start()])
        at = match.end()
        attributes = match.group(1) or b""
        if match.group(2):  # <w:p/>: an empty paragraph
            out.append(b"<w:p" + attributes.rstrip() + b"><w:pPr><w:bidi/></w:pPr></w:p>")
            continue
        out.append(match.group(0))
        properties = _PARAGRAPH_PROPERTIES.match(xml, at)
        if properties is None:
            out.append(b"<w:pPr><w:bidi/></w:pPr>")
        elif properties.group(0).rstrip().endswith(b"/>"):
            out.append(xml[at:properties.start()] + b"<w:pPr><w:bidi/></w:pPr>")
            at = properties.end()
        else:
            close = xml.find(b"</w:pPr>", properties.end())
            after = _AFTER_PARAGRAPH_BIDI.search(xml, properties.end(), close)
            insert = after.start() if after else close
            if close < 0 or _BIDI.search(xml, properties.end(), insert):
                continue
            out.append(xml[at:insert] + b"<w:bidi/>")
            at = insert
    out.append(xml[at:])
    return b"".join(out)


def _table_rtl(match: re.Match[bytes]) -> bytes:
    whole, inner = match.group(0), match.group(1)
    if inner is None:  # <w:tblPr/>
        return b"<w:tblPr><w:bidiVisual/></w:tblPr>"
    if b"<w:bidiVisual" in inner:
        return whole
    start = match.start(1) - match.start(0)
    at = 0
    while leading := _BEFORE_BIDI_VISUAL.match(inner, at):
        at = leading.end()
    return whole[:start + at] + b"<w:bidiVisual/>" + whole[start + at:]


def _section_rtl(match: re.Match[bytes]) -> bytes:
    whole, inner = match.group(0), match.group(1)
    if inner is None:  # <w:sectPr .../>
        return whole[:-2].rstrip() + b"><w:bidi/></w:sectPr>"
    if _BIDI.search(inner):
        return whole
    start = match.start(1) - match.start(0)
    after = _AFTER_SECTION_BIDI.search(inner)
    at = after.start() if after else len(inner.rstrip())
    return whole[:start + at] + b"<w:bidi/>" + whole[start + at:]


LEFT_TO_RIGHT_MARK = "\u200e"


def ltr_phrase(markdown: str, lang: str = "en") -> str:
    """Markdown for a left-to-right phrase inside right-to-left text (an English
    fallback in an Arabic paragraph) that keeps its own direction in every format.

    The `dir=ltr` span keeps its runs out of `w:rtl` in DOCX and sets `dir` in
    HTML. pandoc's Typst writer drops both attributes, and the Unicode
    bidirectional algorithm then moves punctuation or digits at either end of
    the phrase to the wrong side ("(see 70/125)." comes out as ".)see 70/125(").
    An invisible LEFT-TO-RIGHT MARK at such an end holds it in place, in the PDF
    and in Word. Ends that are letters need none, and get none: typst's PDF
    text layer attaches the mark to the character beside it.
    """
    import unicodedata

    mark = LEFT_TO_RIGHT_MARK
    text = markdown.strip()
    if not text:
        return markdown
    head = "" if unicodedata.bidirectional(text[0]) == "L" else mark
    tail = "" if unicodedata.bidirectional(text[-1]) == "L" else mark
    return f"[{head}{text}{tail}]{{dir=ltr lang={lang}}}"


# Escapes what pandoc's Typst writer leaves as markup (`/ `, `- `, `+ `, `= `, `1. ` at
# the start of a content block); see there.
TYPST_ESCAPES = Path(__file__).resolve().parent / "typst_escapes.lua"
# A `/` that pandoc could make the start of a word: not within one (`70/125`, `and/or`)
# nor a URL (`http://`).
_SLASH_STARTING_A_WORD = re.compile(r"(?:^|[^\w/:.])/", re.MULTILINE)
# A lone `-`, `+` or `=` (escaped or not), which pandoc reads as a word of its own.
_LONE_MARK = re.compile(r"(?:^|(?<=[\s\[(|*_]))(\\?)([-+=])(?=[ \t\n]|$)", re.MULTILINE)


# A number and a full stop that may open a content block: a cell's (`| 1. x`), a note's
# or a link's text (`^[1. x]`, `[1. x](…)`), a caption's, a heading's whose title starts
# so (`# 1\. Extra`; a section's own number is joined by a no-break space). First on a
# line, it is a list's own marker, or pandoc escapes it.
_NUMBER_OPENING_A_BLOCK = re.compile(
    r"(?:[\[|]|^[ \t]*(?:Table)?:|^#{1,6}[ \t])[ \t]*[0-9]+\\?\.(?=[ \t\n]|\]|$)",
    re.MULTILINE)


def needs_typst_escapes(text: str) -> bool:
    """Whether the text has a word the filter escapes. Only then is it run: it costs a
    conversion ~10-15%, and most reports have no such word."""
    if _SLASH_STARTING_A_WORD.search(text) or _NUMBER_OPENING_A_BLOCK.search(text):
        return True
    return any(not _opens_a_list(text, mark) for mark in _LONE_MARK.finditer(text))


def _opens_a_list(text: str, mark: re.Match[str]) -> bool:
    """A Markdown list's own marker (`- item` first on its line): syntax, not a word."""
    if mark.group(1) or mark.group(2) == "=":
        return False
    line_start = text.rfind("\n", 0, mark.start()) + 1
    return not text[line_start:mark.start()].strip()


# A field given as metadata that starts as Typst markup would: `- x`, `+ x`, `= x`,
# `/ x`, `1. x` (a title is not Markdown: its `- ` is no list marker of its own).
_OPENING_MARKUP = re.compile(r"(?:[-+=/]|[0-9]+\.)(?:[ \t]|$)")


# A run of characters the PDF may show with no space: the template lets one of 40 or
# more break anywhere, by a show rule that costs a typst compile ~10%, so it is set
# only when a run so long may be shown. What is never shown does not count: an id's
# attributes, a link's target, a table's borders.
_LONG_RUN = re.compile(r"\S{40,}")
_NEVER_SHOWN = re.compile(r"\{[#.][^}]*\}|\]\([^)\s]*\)|^[ \t]*[-:=|+ \t]{3,}$", re.MULTILINE)


def may_show_a_long_run(text: str) -> bool:
    return bool(_LONG_RUN.search(text)) and bool(_LONG_RUN.search(_NEVER_SHOWN.sub(" ", text)))


def markdown_to_typst(markdown: str, metadata: Mapping[str, str], template: Path) -> str:
    extra = ["--standalone", f"--template={template}"]
    if any(may_show_a_long_run(text) for text in (markdown, *metadata.values())):
        metadata = {**metadata, "long-runs": "true"}
    if needs_typst_escapes(markdown) or any(
            needs_typst_escapes(value) or _OPENING_MARKUP.match(value)
            for value in metadata.values()):
        extra.append(f"--lua-filter={TYPST_ESCAPES}")
    return run_pandoc(markdown, "typst", metadata, extra).decode("utf-8")


def markdown_to_html(markdown: str, metadata: Mapping[str, str], template: Path) -> bytes:
    """One self-contained HTML page: styles inline, footnotes linked both ways.

    Section headings keep their own numbers (pandoc's would add a second set)
    and shift down one level, since the page's title is its only `h1`.
    """
    extra = ["--standalone", f"--template={template}", "--shift-heading-level-by=1",
             "--section-divs", *_toc(metadata)]
    titled = {**metadata, "pagetitle": metadata.get("title", "Report")}
    return run_pandoc(markdown, "html5", titled, extra)


def _toc(metadata: Mapping[str, str]) -> list[str]:
    return ["--toc", "--toc-depth=2"] if metadata.get("toc") == "true" else []


class Reference(NamedTuple):
    """A file or package a template names: where the name stands (1-based line; first
    column, and the column after it), and the name."""

    line: int
    column: int
    end_column: int
    name: str
    quoted: bool = True  # False: an expression (`import pkg`), the name it stands for unknown

    @property
    def is_package(self) -> bool:  # a Typst package: `@preview/name:1.0.0`
        return self.name.startswith("@")


def _reference(text: str, start: int, end: int, name: str, quoted: bool = True) -> Reference:
    from .sources import location_in_text

    at = location_in_text("", text, start)
    return Reference(at.line, at.column, at.column + end - start, name, quoted)


# What the typesetter could not honour in a PDF template: `#import "@preview/x:1.0.0"`
# (typst would download the package: the PDF would depend on the network) or
# `#include "part.typ"` (the typesetter's folder holds the document alone). The
# keyword is led by `#` in markup, or starts a line or a statement of code.
_TYPST_IMPORT = re.compile(r"(?:#|^[ \t]*|[{;][ \t]*)(?:import|include)\b[ \t]*", re.MULTILINE)
# Typst's own modules, which an import may name without a string: `#import calc: pow`.
_TYPST_MODULE = re.compile(r"\(?\s*(?:calc|emoji|html|math|pdf|std|sym|sys)(?:\.[\w-]+)*\s*\)?")
_QUOTED = re.compile(r'\(?\s*"([^"\n]*)"\s*\)?')
_NAME = re.compile(r"\(?[\w.-]+\)?")
# Strings first, so that a `//` inside one (a URL) is not taken for a comment.
_TYPST_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)


def typst_imports(markup: str) -> list[Reference]:
    """Every import or include of a file or package in `markup`, commented-out ones
    aside: of a name in quotes, or of an expression (`import pkg`, where `pkg` could
    be "@preview/..."), which only Typst's own modules (`import calc: pow`) may be."""
    code = _blank_comments(markup)
    found: list[Reference] = []
    for keyword in _TYPST_IMPORT.finditer(code):
        start = keyword.end()
        end = _end_of_argument(code, start)
        argument = code[start:end]
        if not argument or _TYPST_MODULE.fullmatch(argument):
            continue
        quoted = _QUOTED.fullmatch(argument)
        # Without `#` it is code only if what follows reads as a name: otherwise words,
        # "...; include them when circulating." (what typst may still take for code
        # cannot reach the network: tools.cut_off_the_network).
        bare = not keyword.group().lstrip().startswith("#")
        if bare and quoted is None and not (_NAME.fullmatch(argument)
                                            and code.startswith(":", end)):
            continue  # `import x: y` reads as code; "; include annexes." as words
        if quoted is not None:
            found.append(_reference(markup, start + quoted.start(1) - 1, start + quoted.end(1) + 1,
                                    quoted.group(1)))
        else:
            found.append(_reference(markup, start, end, argument, quoted=False))
    return found


def _end_of_argument(code: str, start: int) -> int:
    """Where the argument of an import that starts at `start` ends: at its `:`, `as`,
    `;`, `}` or line end, outside strings and brackets."""
    depth, at = 0, start
    while at < len(code):
        char = code[at]
        if char == '"':
            close = code.find('"', at + 1)
            at = len(code) if close < 0 else close + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (char in ":;\n" or code.startswith(" as ", at)):
            break
        at += 1
    return len(code[start:at].rstrip()) + start


# A partial in a pandoc template, `${ header() }` or `$items:item()[, ]$`: pandoc reads
# the file of that name, wherever it is (`${ ../../etc/passwd() }`), outside its
# sandbox. The template is read as pandoc reads it, directive by directive: `$$` is a
# dollar sign, `$--` a comment to the end of the line, `${...}` and `$...$` directives;
# a partial is the only directive with an empty pair of parentheses.
_PARTIAL_NAME = re.compile(r"(?:^|:)\s*([^:\s]+?)\(\)")


def _directive_end(template: str, start: int, close: str) -> int:
    """Where a directive that starts at `start` ends (its `close`), strings in it skipped:
    a pipe's argument, `$title/left 3 "$" ""$`, may hold the closing character."""
    at = start
    while at < len(template):
        char = template[at]
        if char == '"':
            quote_end = template.find('"', at + 1)
            if quote_end < 0:
                return -1
            at = quote_end + 1
            continue
        if char == close:
            return at
        at += 1
    return -1


def pandoc_partials(template: str) -> list[Reference]:
    """Every partial a pandoc template names."""
    found: list[Reference] = []
    at = 0
    while (dollar := template.find("$", at)) >= 0:
        if template.startswith("$$", dollar):
            at = dollar + 2
            continue
        if template.startswith("$--", dollar):
            line_end = template.find("\n", dollar)
            at = len(template) if line_end < 0 else line_end
            continue
        braced = template.startswith("${", dollar)
        end = _directive_end(template, dollar + (2 if braced else 1), "}" if braced else "$")
        if end < 0:
            break
        content = template[dollar + (2 if braced else 1):end]
        if "()" in content:
            name = _PARTIAL_NAME.search(content)
            found.append(_reference(template, dollar, end + 1,
                                    name.group(1) if name else content.strip()))
        at = end + 1
    return found


def _blank_comments(markup: str) -> str:
    """`markup` with each comment's characters made spaces (line breaks kept), so
    that positions in it are positions in `markup`."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith('"'):
            return text
        return re.sub(r"[^\n]", " ", text)

    return _TYPST_STRING_OR_COMMENT.sub(blank, markup)


FONTS = Path(__file__).resolve().parent / "fonts"  # shipped with the package, with their licences


def typst_to_pdf(source: str, timestamp: datetime.datetime | None = None) -> bytes:
    """Compile Typst markup in a typesetter of its own (see `Typesetter`)."""
    with Typesetter() as typesetter:
        return typesetter.pdf(source, timestamp)


class Typesetter:
    """typst in this process, with the fonts wgec ships, kept from one document to the next.

    A typst compiler remembers what it laid out: a document that differs a
    little from the one before it compiles in a fraction of the time, to the
    same bytes as in a fresh compiler (one edit that rewraps a paragraph: 110 ms
    to 15 ms at 1x, 2 s to 0.2 s at 10x). `primer`, an earlier document, is laid
    out at once for that alone. One thread at a time; `close()` when done.

    The markup goes through a file, `main` (by default a new `typesetter_file()`),
    alone in a private folder that is also typst's root and package folder, so
    the markup can read no file of the project or the machine. Through a file,
    typst updates the parsed source in place, and the parts an edit did not
    touch keep their identity; markup given as bytes is parsed afresh each time,
    and an edit that rewraps a paragraph would make typst lay out everything
    after it again.

    System fonts are ignored so the PDF is the same on every machine; the
    shipped fonts (`wgec_report/fonts`: Liberation Serif, Amiri, WenQuanYi
    Micro Hei) cover Latin, Cyrillic, Arabic and Chinese.
    """

    def __init__(self, primer: bytes | None = None, main: Path | None = None) -> None:
        if not FONTS.is_dir():  # pragma: no cover - a broken installation
            raise ConversionError(f"the fonts shipped with wgec are missing from {FONTS}; "
                                  "reinstall wgec-report")
        cut_off_the_network()  # a no-op after the first time (see there)
        self.main = main or typesetter_file()
        self.warnings: list[TypstMessage] = []  # what typst said of the last PDF
        try:
            self._compiler = self._new_compiler()
            if primer:
                self._write(primer)
                self._prime()
        except BaseException:
            self.close()
            raise

    def _new_compiler(self) -> typst.Compiler:
        import typst

        # Packages too are looked for in the private folder only: an `@local` import
        # cannot read the user's typst packages. (An `@preview` import, which only a
        # project's own Typst template could hold, would be downloaded: the build
        # refuses such a template first, see `typst_imports`.)
        private = self.main.parent
        return typst.Compiler(self.main, root=private, font_paths=[FONTS],
                              ignore_system_fonts=True, package_path=private,
                              package_cache_path=private)

    def _prime(self) -> None:
        """Lay out the primer and throw the PDF away. It is a hint (the last build's
        Typst, from a cache): if typst cannot compile it, or panics on it (pyo3's
        PanicException is a BaseException), the typesetter starts afresh instead."""
        try:
            self._compiler.compile(format="pdf")
        except (KeyboardInterrupt, SystemExit):  # pragma: no cover - not on this thread
            raise
        except BaseException:
            self._compiler = self._new_compiler()

    def _write(self, markup: bytes) -> None:
        # Never created here: a file removed by `close` on another thread stays removed.
        with open(os.open(self.main, os.O_WRONLY | os.O_TRUNC), "wb") as stream:
            stream.write(markup)

    def pdf(self, source: str, timestamp: datetime.datetime | None = None) -> bytes:
        import typst

        try:
            self._write(source.encode("utf-8"))
        except OSError as exc:
            raise ConversionError(f"typst's working file {self.main} is gone: "
                                  f"{exc.strerror}") from None
        try:
            pdf, warnings = self._compiler.compile_with_warnings(format="pdf",
                                                                 timestamp=timestamp)
        except typst.TypstError as exc:
            raise TypstFailure(_typst_message("error", exc)) from None
        if not isinstance(pdf, bytes):  # pragma: no cover - typst returns one document for PDF
            raise ConversionError("typst returned no PDF")
        self.warnings = [_typst_message("warning", warning) for warning in warnings]
        return pdf

    def close(self) -> None:
        remove_typesetter_file(self.main)

    def __enter__(self) -> Typesetter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TypstMessage(NamedTuple):
    """A warning or error of typst's, and where in the Typst it was given (line and
    column, 1-based; 0 when typst names no place)."""

    text: str
    line: int
    column: int


class TypstFailure(ConversionError):
    """typst could not compile the PDF."""

    def __init__(self, problem: TypstMessage) -> None:
        super().__init__(f"typst could not compile the PDF: {problem.text}")
        self.problem = problem


# The line after a message in typst's diagnostic: `  ┌─ report.typ:3:1` (0-based column).
_TYPST_PLACE = re.compile(r"[ \t]*┌─ [^\n]*:(\d+):(\d+)$", re.MULTILINE)


def _typst_message(kind: str, said: typst.TypstError | typst.TypstWarning) -> TypstMessage:
    text = said.message + "".join(f" (hint: {hint})" for hint in said.hints)
    # The diagnostic holds each warning and error: "kind: message", then its place.
    header = f"{kind}: {said.message}\n"
    start = said.diagnostic.find(header)
    place = (_TYPST_PLACE.match(said.diagnostic, start + len(header)) if start >= 0
             else None)
    if place is None:
        return TypstMessage(text, 0, 0)
    return TypstMessage(text, int(place.group(1)), int(place.group(2)) + 1)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename over it.

    A reader sees the old file or the new one, never half of one; a failure
    leaves the old file and no temporary file behind.
    """
    temporary = write_beside(path, data)
    try:
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _of(path, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_beside(path: Path, data: bytes) -> Path:
    """`data` in a new temporary file beside `path`, on disk, for a rename over `path`;
    on failure, no temporary file is left, and the error names `path`."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    except OSError as exc:
        raise _of(path, exc) from None
    try:
        os.chmod(temporary, _mode_for(path))  # mkstemp makes 0600; outputs are for sharing
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _of(path, exc) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _of(path: Path, exc: OSError) -> OSError:
    """The error, naming the file meant rather than the temporary one written for it
    (`.report.pdf.x8k2.tmp`), which the user never asked for and never sees."""
    return OSError(exc.errno, exc.strerror, str(path))


def _mode_for(path: Path) -> int:
    """The mode of the file at `path`, which the new one replaces (a source rewritten
    keeps its own); for a new file, the mode `open()` would give it."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return _new_file_mode()


def _new_file_mode() -> int:
    """The mode `open()` would give a new file: 0666 less the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _xml_text(text: str) -> bytes:
    """Text for an XML element. By hand: xml.sax.saxutils would cost a build 25 ms of
    imports (urllib, http, ssl, email)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.encode("utf-8")
