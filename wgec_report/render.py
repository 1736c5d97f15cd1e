"""Markdown generation: the report model, through Jinja2 templates, to pandoc Markdown.

User text never becomes template source. Templates receive a view in which
every value is already Markdown: plain-text fields escaped, prose fields with
their references resolved. The environment is sandboxed (a project can
override templates) and undefined names are errors.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import jinja2
import jinja2.bccache
import jinja2.sandbox
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from . import prose
from .errors import Location, TemplateError, WgecError, error, template_not_utf8
from .files import display_path, is_scratch_file, user_cache_folder
from .i18n import BCP47, catalogue, is_right_to_left, long_date
from .model import (
    ALTERNATIVE_LABELS,
    Instrument,
    Level,
    Paragraph,
    Recommendation,
    Ref,
    Report,
    Section,
    Text,
    one_line,
)
from .options import DEFAULT_OPTIONS, RenderOptions
from .refs import (
    Citation,
    ParagraphSpan,
    RenderContext,
    format_spans,
    parse_locator,
    render_references,
)
from .resources import find_template

MAIN_TEMPLATE = "report.md.j2"

# Characters that start Markdown syntax anywhere in a line (or turn into smart
# punctuation); escaped with a backslash, which pandoc allows before any
# ASCII punctuation.
_ALWAYS_ESCAPE = re.compile(r"""([\\`*_{}\[\]<>#|~^$@&"'])""")
_REPEATED = re.compile(r"(?<=[-.])([-.])|([-.])(?=[-.])")  # `--` dashes, `...` ellipses
_LEADING_LIST_MARKER = re.compile(r"\A([0-9]+|[a-zA-Z]|[ivxlcdmIVXLCDM]+)([.)])")
_LEADING_BLOCK_MARKER = ("-", "+", "*", ":", "=", "(", ".", ")", "%", "~")


def escape_markdown(text: str) -> str:
    """Plain text to pandoc Markdown that reads back as exactly that text.

    Plain fields are names and titles, one line each (`one_line`): runs of
    line-breaking white space collapse to one space; no-break spaces stay.
    """
    text = one_line(text)
    text = _ALWAYS_ESCAPE.sub(r"\\\1", text)
    text = _REPEATED.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)
    text = _LEADING_LIST_MARKER.sub(r"\1\\\2", text)
    if text[:1] in _LEADING_BLOCK_MARKER:
        text = "\\" + text
    return text


Item = TypeVar("Item", Paragraph, Recommendation)


class RenderedMarkdown(NamedTuple):  # NamedTuples, not dataclasses: see model.py
    """The Markdown body (what pandoc converts) and the metadata kept out of it."""

    body: str
    metadata: dict[str, str]  # plain text, for `pandoc -M` (which never parses it)
    language: str
    masthead: str = ""  # Markdown with Word styles: DOCX has no template to draw it
    fallbacks: int = 0  # texts shown in the original language (not yet translated)

    def document(self) -> str:
        """The standalone report.md: a YAML metadata block, then the body."""
        lines = ["---"]
        for key, value in self.metadata.items():
            # JSON strings are YAML strings; pandoc reads the values as Markdown.
            lines.append(f"{key}: {json.dumps(escape_markdown(value), ensure_ascii=False)}")
        lines.append("---")
        return "\n".join(lines) + "\n\n" + self.body


def render_markdown(
    report: Report, project_templates: Path | None = None, language: str | None = None,
    options: RenderOptions = DEFAULT_OPTIONS,
) -> RenderedMarkdown:
    language = language or report.meta.original_language
    view = _View(report, language, options)
    body = render_context(view.as_context(), project_templates)
    masthead = view.masthead()
    return RenderedMarkdown(body, view.metadata(), language, masthead, view.fallbacks)


def report_context(report: Report, language: str | None = None,
                   options: RenderOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """What the templates see: nested dicts and lists of Markdown strings and numbers.

    Lists of entities are dicts with an "id" key, so two versions of a report
    can be aligned entity by entity (a redline does).
    """
    return _View(report, language or report.meta.original_language, options).as_context()


def render_context(context: dict[str, Any], project_templates: Path | None = None) -> str:
    """The Markdown body from a template context (the report's, or a redline's)."""
    environment = make_environment(project_templates)
    try:
        template = environment.get_template(MAIN_TEMPLATE)
        body = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or "template"
        raise _template_error(where, exc.lineno, exc.message or "syntax error") from None
    except _ScratchName as exc:
        raise _template_error(*_template_position(exc), str(exc)) from None
    except jinja2.TemplateNotFound as exc:
        where, line = _template_position(exc)
        if line is None:
            raise TemplateError(f"template '{exc.name}' not found") from None
        raise _template_error(where, line, f"template '{exc.name}' not found") from None
    except jinja2.UndefinedError as exc:
        message = _plain_undefined(exc.message or str(exc))
        raise _template_error(*_template_position(exc), message) from None
    except SecurityError as exc:
        message = f"not allowed in a template: {exc}"
        raise _template_error(*_template_position(exc), message) from None
    except _Undecodable as exc:
        raise template_not_utf8(display_path(exc.path), exc.data, exc.bad) from None
    except WgecError:  # wgec's own, already said in the user's terms
        raise
    except Exception as exc:  # a template's own failure: 1/0, none + 1, a macro without end
        where, line = _template_position(exc)
        if line is None:  # raised by no template: wgec's own bug, reported as one
            raise
        raise _template_error(where, line, _failure(exc)) from None
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def _failure(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "a macro or include calls itself without end"
    return f"the template failed: {exc} ({type(exc).__name__})"


class _ScratchName(jinja2.TemplateError):
    """A template named like an editor's temporary file: left out of the build's keys
    and of what `wgec watch` watches, so never read."""

    def __init__(self, name: str) -> None:
        super().__init__(f"template '{name}' has the name of an editor's temporary file, "
                         "which wgec does not read; rename it")


class _Undecodable(jinja2.TemplateError):
    """A template file that is not UTF-8 (see `template_not_utf8`)."""

    def __init__(self, path: Path, data: bytes, bad: UnicodeDecodeError) -> None:
        super().__init__(str(path))
        self.path, self.data, self.bad = path, data, bad


class _TemplateLoader(jinja2.BaseLoader):
    """The project's templates first, then wgec's; never a file outside them."""

    def __init__(self, project_templates: Path | None) -> None:
        self.project_templates = project_templates

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        parts = split_template_path(template)  # refuses `..`
        if any(is_scratch_file(part) for part in parts):
            raise _ScratchName(template)
        path = find_template(self.project_templates, "/".join(parts))
        if path is None:
            raise jinja2.TemplateNotFound(template)
        data = path.read_bytes()
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Undecodable(path, data, exc) from None
        modified = path.stat().st_mtime
        return source, str(path), lambda: path.stat().st_mtime == modified


def make_environment(project_templates: Path | None) -> jinja2.sandbox.SandboxedEnvironment:
    return jinja2.sandbox.SandboxedEnvironment(
        loader=_TemplateLoader(project_templates),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown: values are escaped for it beforehand
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs: compiling them is most of a render's time.

    A cache that cannot be read or written is no cache, never an error.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # garbage where Jinja2 expects a checksum: compile afresh
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """In the user's cache folder, never the project's: compiled code from a shared
    folder would bypass the sandbox.

    One folder per wgec and Jinja2 version (the code a template compiles to
    depends on both); entries are checked against the template's source.
    """
    from . import __version__

    folder = user_cache_folder(f"templates-{__version__}-jinja-{jinja2.__version__}")
    return None if folder is None else _BytecodeCache(str(folder))


def _template_position(exc: Exception) -> tuple[str, int | None]:
    """The template frame an error came from (Jinja compiles templates to Python)."""
    # Jinja rewrites the traceback so that template frames carry the template's
    # file name and line; the innermost one is where the error is.
    tb = exc.__traceback__
    found: tuple[str, int | None] = ("template", None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".jinja", ".jinja2")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_error(filename: str, line: int | None, message: str) -> TemplateError:
    shown = display_path(Path(filename))
    location = Location(shown, line or 0, 1 if line else 0)
    diagnostic = error(location, "template", message)
    try:
        texts = {shown: Path(filename).read_text(encoding="utf-8", errors="replace")}
    except OSError:
        texts = {}
    return TemplateError(f"template error: {message}", [diagnostic], texts)


def _plain_undefined(message: str) -> str:
    """Jinja's "'dict object' has no attribute 'titel'" in the template author's terms."""
    match = re.fullmatch(r"'[^']*' has no attribute '([^']*)'", message)
    if match:
        return f"no field '{match.group(1)}' here (see docs/sources.md for the fields)"
    match = re.fullmatch(r"'([^']*)' is undefined", message)
    if match:
        return f"no variable '{match.group(1)}' in this template"
    return message


class _View:
    """The report as the templates see it: Markdown strings, numbers, anchors."""

    def __init__(self, report: Report, language: str, options: RenderOptions) -> None:
        self.report = report
        self.language = language
        self.options = options
        self.comment_count = 0
        self.fallback = report.meta.original_language
        self.t = catalogue(language)
        self.fallbacks = 0  # texts shown in the original language, not yet translated
        style = report.meta.heading_numbers
        self.headings = dict(_number_headings(report.ordered_sections(), style, self.t))
        self.annex_labels: dict[str, str] = {}
        for index, annex in enumerate(report.annexes(), start=1):
            # "Annex I" stands on its own line above the annex's title.
            self.annex_labels[annex.id] = self.t["annex"].format(n=_roman(index))
            self.headings[annex.id] = Heading("", self.t["annex_ref"].format(n=_roman(index)))
            self.headings.update(_number_headings(list(annex.subsections), style, self.t,
                                                  depth=2))
        self.numbers = Numbering(report, options)
        self.instruments = {i.id: i for i in report.instruments}
        self.context = RenderContext(
            instrument_titles={i.id: self.plain(i.title) for i in report.instruments},
            paragraph_numbers=self.numbers.by_reference,
            section_names={k: h.name for k, h in self.headings.items()},
            paragraph=self.t["paragraph"],
            para=self.t["para"],
            paras=self.t["paras"],
            and_word=self.t["and"],
            not_in_text=self.t["not_in_text"],
            note_before_punctuation=bool(self.t["note_before_punctuation"]),
            citation=self.t["citation"],
            citation_separator=self.t["citation_separator"],
            note_end=self.t["note_end"],
        )

    def text(self, value: Text | None) -> str:
        return "" if value is None else value.get(self.language, self.fallback)

    def untranslated(self, value: Text | None) -> bool:
        """Whether the text falls back to the original language here (and is marked so)."""
        return value is not None and self.language not in value.by_language

    def plain(self, value: Text | None) -> str:
        text = escape_markdown(self.text(value))
        if text and self.untranslated(value):
            self.fallbacks += 1
            return f"{self.foreign(text)}{UNTRANSLATED_MARK}"
        return text

    def prose(self, value: Text | None) -> str:
        # Each text is text within the report's structure, never structure of its own.
        text = render_references(prose.as_text(self.text(value).strip()), self.context,
                                 escape_markdown)
        if text and self.untranslated(value):
            self.fallbacks += 1
            if not prose.starts_with_a_paragraph(text):  # a list: the mark stands above it
                return f"{UNTRANSLATED_MARK}\n\n{text}"
            return f"{UNTRANSLATED_MARK}{self.foreign(text)}"
        return text

    def foreign(self, markdown: str) -> str:
        """Original-language text inside a right-to-left document keeps its own direction
        (a span can hold one paragraph only: blocks take the document's)."""
        if not is_right_to_left(self.language) or not prose.fits_a_span(markdown):
            return markdown
        from .convert import ltr_phrase

        return ltr_phrase(prose.in_a_span(markdown), BCP47[self.fallback])

    def metadata(self) -> dict[str, str]:
        """Plain-text metadata for pandoc: the masthead's fields and words, in this language.

        Called after the body is made, so that it knows whether any text fell back.
        """
        meta, t = self.report.meta, self.t
        fields: dict[str, str] = {"title": self.text(meta.title)}
        optional = {
            "subtitle": self.text(meta.subtitle),
            "organ": self.text(meta.organ),
            "subsidiary-body": self.text(meta.body),  # `body` is pandoc's own variable
            "working-group": self.text(meta.working_group),
            "symbol": meta.symbol.value if meta.symbol else "",
            "distribution": t["distribution"][meta.distribution.value] if meta.distribution
            else "",
            "date": meta.date.value if meta.date else "",
            "meeting": self.text(meta.meeting),
            "agenda-item": self.text(meta.agenda_item),
            "original-language": t["language_names"][meta.original_language],
            "un-name": t["united_nations"],
            "distr-label": t["distr"],
            "original-label": t["original"],
            "contents-label": t["contents"],
        }
        if meta.date is not None:
            optional["date-long"] = long_date(meta.date.value, self.language)
        if meta.reproduced_without_formal_editing:
            optional["editing-note"] = t["editing_note"]
        if meta.toc:
            optional["toc"] = "true"
        if self.language != meta.original_language and meta.translation(self.language).unofficial:
            optional["unofficial"] = t["unofficial_translation"]
        if self.fallbacks:
            optional["untranslated-note"] = t["untranslated_note"]
        fields.update({k: one_line(v) for k, v in optional.items() if v})
        fields["lang"] = BCP47[self.language]
        if is_right_to_left(self.language):
            fields["dir"] = "rtl"
        return fields

    def masthead(self) -> str:
        """The UN masthead as paragraphs in the reference document's masthead styles."""
        meta = self.report.meta
        lines: list[tuple[str, str]] = []
        # A frame (the symbol, the corner) comes before the paragraph it stands beside.
        if meta.symbol is not None:
            lines.append(("Masthead Symbol", escape_markdown(meta.symbol.value)))
        lines.append(("Masthead United Nations", escape_markdown(self.t["united_nations"])))
        t = self.t
        corner = []
        if meta.distribution is not None:
            distribution = t["distribution"][meta.distribution.value]
            corner.append(escape_markdown(f"{t['distr']} {distribution}"))
        if meta.date is not None:
            corner.append(escape_markdown(long_date(meta.date.value, self.language)))
        original = t["language_names"][meta.original_language]
        corner.append(escape_markdown(f"{t['original']} {original}"))
        lines.append(("Masthead Meta", "\\\n".join(corner)))
        if meta.organ is not None:
            lines.append(("Masthead Organ", self.plain(meta.organ)))
        if meta.body is not None:
            lines.append(("Masthead Body", self.plain(meta.body)))
        for field in (meta.working_group, meta.meeting, meta.agenda_item):
            if field is not None:
                lines.append(("Masthead Line", self.plain(field)))
        if meta.reproduced_without_formal_editing:
            lines.append(("Editing Note", escape_markdown(self.t["editing_note"])))
        if self.language != meta.original_language and meta.translation(self.language).unofficial:
            lines.append(("Editing Note", escape_markdown(self.t["unofficial_translation"])))
        lines.append(("Title", self.plain(meta.title)))
        if meta.subtitle is not None:
            lines.append(("Subtitle", self.plain(meta.subtitle)))
        return "".join(f'::: {{custom-style="{style}"}}\n{text}\n:::\n\n' for style, text in lines)

    def as_context(self) -> dict[str, Any]:
        r = self.report
        return {
            "preliminary_note": self.prose(r.meta.preliminary_note),
            "sections": [self.section(s, depth=1) for s in r.ordered_sections()],
            "annexes": [self.section(s, depth=1) for s in r.annexes()],
            "levels": [self.level(level) for level in r.levels],
            "characteristics": [
                {"id": c.id, "name": self.plain(c.name), "description": self.prose(c.description)}
                for c in r.characteristics
            ],
            "mapping": self.mapping(),
            "organizations": [
                {"id": o.id, "abbreviation": self.plain(o.abbreviation), "name": self.plain(o.name),
                 "kind": o.kind}
                for o in sorted(r.organizations, key=lambda o: self.text(o.abbreviation).lower())
            ],
            "recommendations": [self.recommendation(rec, alternative)
                                for rec, alternative in arrange(r.recommendations, self.options)],
            "contributors": self.contributors(),
            "compilation": (self.compilation()
                            if r.meta.compilation and not self.options.clean else None),
            "language": self.language,
            "t": self.t,  # the language's fixed words (catalogue), for the templates
        }

    def section(self, section: Section, depth: int) -> dict[str, Any]:
        heading = self.headings.get(section.id, Heading("", "section"))
        return {
            "id": section.id,
            "number": heading.label,
            "annex_label": self.annex_labels.get(section.id, ""),
            "title": self.plain(section.title),
            "depth": depth,
            "heading_marks": "#" * min(depth, 6),
            # `{#` opens a Jinja comment, so the attribute comes ready-made.
            "attributes": f"{{#sec-{section.id} .unnumbered}}",
            "drafting_note": _in_square_brackets(self.prose(section.drafting_note)),
            # `{#` opens a Jinja comment: ready-made, as the section's.
            "note_attributes": _drafting_note_attributes("note", section.id),
            "to_draft_attributes": _drafting_note_attributes("to-draft", section.id),
            "annex_attributes": _annex_attributes(section.id),
            "paragraphs": [self.paragraph(p, alternative)
                           for p, alternative in arrange(section.paragraphs, self.options)],
            "inserts": [ref.id for ref in section.inserts],
            "subsections": [self.section(s, depth + 1) for s in section.subsections],
            "is_empty": section.is_empty,
        }

    def paragraph(self, paragraph: Paragraph, alternative: int | None) -> dict[str, Any]:
        """A numbered paragraph, or a quotation (which belongs to the paragraph before it)."""
        if paragraph.quote is not None:
            return {"id": None, "number": None, "label": None, "open": "",
                    "text": self.quotation(paragraph.quote.value)}
        anchor = f"#para-{paragraph.id} " if paragraph.id else ""
        return self.numbered(paragraph, f"::: {{{anchor}.paragraph}}",
                             self.prose(paragraph.text), alternative)

    def recommendation(self, rec: Recommendation, alternative: int | None) -> dict[str, Any]:
        # `{#` opens a Jinja comment, so the div comes ready-made. Each format sets
        # the whole div bold, whatever blocks it holds: the custom style in Word, a
        # show rule on its `rec-` label in Typst, the class in HTML. `**` around the
        # text could not: a list or a table in it kept the `**` as text, and `**` in
        # the text itself closed it.
        opening = f'::: {{#rec-{rec.id} .recommendation custom-style="Recommendation"}}'
        return self.numbered(rec, opening, self.prose(rec.text), alternative)

    def numbered(self, item: Paragraph | Recommendation, opening: str, markdown: str,
                 alternative: int | None) -> dict[str, Any]:
        """What the templates get for a numbered paragraph or recommendation."""
        note = self.provenance_note(item) if self.options.comments else ""
        number = self.numbers.of(item)
        return {
            "id": item.id,
            "number": number,
            "marker": list_marker(number),
            "label": self.numbers.label_of(item),
            "open": opening,
            "text": note + self.negotiated(markdown, item, alternative),
            "status": item.status,
        }

    def negotiated(self, markdown: str, item: Paragraph | Recommendation,
                   alternative: int | None) -> str:
        """Brackets around text not agreed: bracketed, an alternative, or one with alternatives."""
        if self.options.clean:
            return markdown
        if item.status == "dropped":
            return f"\\[~~{markdown}~~\\]"
        kind = "rec" if isinstance(item, Recommendation) else "para"
        contested = alternative is not None or f"{kind}:{item.id}" in self.numbers.contested
        if item.status == "bracketed" or contested:
            return f"\\[{markdown}\\]"
        return markdown

    @functools.cached_property
    def contributor_names(self) -> dict[str, str]:
        """Each contributor's name in this language (once, not once per comment)."""
        return {c.id: self.text(c.name) for c in self.report.contributors}

    def provenance_note(self, item: Paragraph | Recommendation) -> str:
        """A Word comment on the text naming who proposed and supported it."""
        names = self.contributor_names
        parts = []
        if item.proposed_by:
            parts.append("Proposed by " + ", ".join(names.get(r.id, r.id)
                                                    for r in item.proposed_by))
        if item.supported_by:
            parts.append("supported by " + ", ".join(names.get(r.id, r.id)
                                                     for r in item.supported_by))
        if not parts:
            return ""
        text = escape_markdown("; ".join(parts) + f" (status: {item.status}).")
        self.comment_count += 1  # Word wants comment ids to be whole numbers
        ident = self.comment_count
        return (f'[{text}]{{.comment-start id="{ident}" author="wgec"}}'
                f'[]{{.comment-end id="{ident}"}}')

    def contributors(self) -> list[dict[str, Any]]:
        return [{"id": c.id, "name": self.plain(c.name), "kind": c.kind}
                for c in self.report.contributors]

    def compilation(self) -> dict[str, Any]:
        """The annex "Compilation of proposals": per recommendation, and per contributor."""
        names = {c.id: self.plain(c.name) for c in self.report.contributors}

        def who(refs: tuple[Ref, ...]) -> str:
            return ", ".join(names.get(r.id, escape_markdown(r.id)) for r in refs) or "–"

        rows = []
        # Each contributor's recommendations, gathered in one pass over them.
        proposed: dict[str, list[str]] = {}
        supported: dict[str, list[str]] = {}
        for rec, _ in arrange(self.report.recommendations, RenderOptions()):
            number = self.numbers.label_of(rec) or self.numbers.of(rec)
            rows.append({"id": rec.id, "number": number if number else "–",
                         "status": rec.status, "proposed_by": who(rec.proposed_by),
                         "supported_by": who(rec.supported_by)})
            for refs, found in ((rec.proposed_by, proposed), (rec.supported_by, supported)):
                for ident in dict.fromkeys(r.id for r in refs):  # once, if named twice
                    found.setdefault(ident, []).append(str(rows[-1]["number"]))
        per_contributor = [
            {"id": c.id, "name": names[c.id],
             "proposed": ", ".join(proposed.get(c.id, ())) or "–",
             "supported": ", ".join(supported.get(c.id, ())) or "–"}
            for c in self.report.contributors]
        label = self.t["annex"].format(n=_roman(len(self.report.annexes()) + 1))
        return {"title": self.t["compilation_title"], "label": label,
                "attributes": "{#sec-compilation-of-proposals .unnumbered}",
                "annex_attributes": _annex_attributes("compilation-of-proposals"),
                "recommendations": rows, "contributors": per_contributor}

    def quotation(self, quote: str) -> str:
        """Quoted instrument paragraphs as a block quote, numbered, with a citation note."""
        instrument_id, _, locator = quote.partition(":")
        instrument = self.instruments[instrument_id.strip()]
        spans = parse_locator(locator) or ()
        blocks = list(self._quoted_blocks(instrument, spans))
        citation = Citation(instrument.id, spans)
        located = format_spans(spans, self.t["para"], self.t["paras"], self.t["and"])
        title = self.context.instrument_titles[citation.instrument]
        note = f"^[{self.t['citation'].format(title=title, location=located)}{self.t['note_end']}]"
        blocks[-1] += note
        return "\n>\n".join(f"> {block}" for block in blocks)

    def _quoted_blocks(self, instrument: Instrument, spans: tuple[ParagraphSpan, ...]
                       ) -> Iterator[str]:
        previous: tuple[int, str] | None = None  # the last quoted subparagraph
        for span in spans:
            for paragraph in instrument.paragraphs_in(span.first, span.last):
                number = paragraph.number
                if span.sub is None:
                    yield f"{number}\\. {self.plain(paragraph.text)}".rstrip()
                    for sub in paragraph.subparagraphs:
                        yield f"\\({sub.label}) {self.plain(sub.text)}"
                    continue
                chosen = paragraph.subparagraph(span.sub)
                if chosen is None:
                    continue
                if previous is not None and _skips_subparagraphs(previous, number, chosen.label):
                    yield "…"  # subparagraphs left out between the quoted ones
                previous = (number, chosen.label)
                yield f"\\({chosen.label}) {self.plain(chosen.text)}"

    def level(self, level: Level) -> dict[str, Any]:
        return {
            "id": level.id,
            "name": self.plain(level.name),
            "focus_areas": [
                {"id": f.id, "name": self.plain(f.name)} for f in level.focus_areas
            ],
            "open_ended": level.open_ended,
        }

    def mapping(self) -> list[dict[str, Any]]:
        levels = {level.id: level for level in self.report.levels}
        organizations = {o.id: o for o in self.report.organizations}

        def names(refs: tuple[Any, ...]) -> str:
            return ", ".join(self.plain(organizations[r.id].abbreviation) for r in refs
                             if r.id in organizations)

        return [
            {
                "level": self.plain(levels[row.level.id].name) if row.level.id in levels else "",
                "level_id": row.level.id,
                "agencies": names(row.agencies),
                "forums": names(row.forums),
            }
            for row in self.report.mapping
        ]


# Marks a text shown in the original language because its translation is missing.
UNTRANSLATED_MARK = "^\\*^"


class Heading(NamedTuple):
    label: str  # what the heading shows before its title: "II.", "A.", "2.1", "Annex I"
    name: str  # how a reference reads: "chapter II", "section 2.1"


def _number_headings(sections: list[Section], style: str, words: dict[str, Any],
                     depth: int = 1, prefix: str = "") -> Iterator[tuple[str, Heading]]:
    """UN style: chapters I., II., sections A., B., then 1., 2.; or decimal 1., 2.1, 2.1.1."""
    section_word, chapter_word = words["section"], words["chapter"]
    for index, section in enumerate(sections, start=1):
        if style == "none":
            heading, child_prefix = Heading("", section_word.format(n="").strip()), ""
        elif style == "arabic":
            number = f"{prefix}{index}"
            heading = Heading(f"{number}." if depth == 1 else number,
                              section_word.format(n=number))
            child_prefix = f"{number}."
        else:
            label = (_roman(index), chr(ord("A") + (index - 1) % 26), str(index))[min(depth, 3) - 1]
            name = (chapter_word.format(n=label) if depth == 1
                    else section_word.format(n=f"{prefix}{label}"))
            heading, child_prefix = Heading(f"{label}.", name), (f"{label}." if depth == 1 else "")
        yield section.id, heading
        yield from _number_headings(list(section.subsections), style, words, depth + 1,
                                    child_prefix)


def _roman(number: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


def list_marker(number: int | None) -> str:
    """`9.  `, `10. `, `100. `: the number, its period and at least one space, in at
    least four columns; the paragraph's text is indented to match."""
    marker = f"{number}. "
    return marker.ljust(4)


def alternative_label(index: int) -> str:
    """bis, ter, ... decies; past the tenth, "alternative 11" (no Latin is in use for it)."""
    if index < len(ALTERNATIVE_LABELS):
        return ALTERNATIVE_LABELS[index]
    return f"alternative {index + 2}"


def arrange(items: Sequence[Item], options: RenderOptions) -> list[tuple[Item, int | None]]:
    """The items to show, each original followed by its alternatives (0 = bis, 1 = ter, ...).

    Quotations have no status and always show. An alternative whose original
    is not shown stands on its own.
    """

    def shown(item: Item) -> bool:
        if isinstance(item, Paragraph) and item.quote is not None:
            return True
        if options.clean and item.status == "dropped":
            return False
        return options.only is None or item.status in options.only

    visible = [item for item in items if shown(item)]
    originals = {item.id for item in visible if item.alternative_to is None and item.id}
    alternatives: dict[str, list[Item]] = {}
    for item in visible:
        if item.alternative_to is not None and item.alternative_to.id in originals:
            alternatives.setdefault(item.alternative_to.id, []).append(item)
    placed: list[tuple[Item, int | None]] = []
    for item in visible:
        if item.alternative_to is not None and item.alternative_to.id in originals:
            continue  # placed after its original
        placed.append((item, None))
        for index, alternative in enumerate(alternatives.get(item.id or "", [])):
            # A clean text numbers an alternative still in it like any paragraph.
            placed.append((alternative, None if options.clean else index))
    return placed


class Numbering:
    """Paragraph numbers: consecutive through the body, restarting in each annex.

    Numbers are derived here, never typed into a source, so they stay right
    when paragraphs move. Quotations belong to the paragraph before them and
    take no number; recommendations are paragraphs like any other; an
    alternative takes its original's number with "bis", "ter", ... and
    leaves the count alone.
    """

    def __init__(self, report: Report, options: RenderOptions = DEFAULT_OPTIONS) -> None:
        self._numbers: dict[int, int] = {}
        self._labels: dict[int, str] = {}
        self.by_reference: dict[str, str] = {}  # "para:<id>", "rec:<id>" to "12", "12 bis"
        self.contested: set[str] = set()  # "rec:<id>", "para:<id>" of originals with alternatives
        self.options = options
        self._count(report.ordered_sections(), report)
        for annex in report.annexes():
            self._count([annex], report)

    def _count(self, tops: list[Section], report: Report) -> None:
        self.number = 0
        for top in tops:
            for section in top.walk():
                self._number(arrange(section.paragraphs, self.options), "para")
                if any(ref.id == "recommendations" for ref in section.inserts):
                    self._number(arrange(report.recommendations, self.options), "rec")

    def _number(self, arranged: list[tuple[Item, int | None]], kind: str) -> None:
        last = 0
        for item, alternative in arranged:
            if isinstance(item, Paragraph) and item.quote is not None:
                continue
            if alternative is None:
                self.number += 1
                last = self.number
                number, label = self.number, ""
            else:
                number, label = last, f"{last} {alternative_label(alternative)}"
                if item.alternative_to is not None:
                    self.contested.add(f"{kind}:{item.alternative_to.id}")
            self._numbers[id(item)] = number
            if label:
                self._labels[id(item)] = label
            if item.id:
                self.by_reference.setdefault(f"{kind}:{item.id}", label or str(number))

    def of(self, item: Paragraph | Recommendation) -> int | None:
        return self._numbers.get(id(item))

    def label_of(self, item: Paragraph | Recommendation) -> str | None:
        return self._labels.get(id(item))


def _annex_attributes(annex_id: str) -> str:
    """An annex's label's ("Annex I"): a page of its own in Word and in Typst."""
    return f'{{#annex-{annex_id} .annex custom-style="Annex Heading"}}'


def _drafting_note_attributes(kind: str, section_id: str) -> str:
    return f'{{#{kind}-{section_id} .drafting-note custom-style="Drafting Note"}}'


def _in_square_brackets(markdown: str) -> str:
    """A drafting note in square brackets, as UN drafts show them: each joins the
    note's first or last line where that is a paragraph's; before a list, a table or
    code, or after one, it stands as a paragraph of its own (joined, it would make
    the list a paragraph, or break the table)."""
    if not markdown:
        return markdown
    opening = "\\[" if prose.starts_with_a_paragraph(markdown) else "\\[\n\n"
    last = prose.last_block(markdown)
    closing = "\\]" if prose.is_one_paragraph(last) and not last[:1].isspace() else "\n\n\\]"
    return f"{opening}{markdown}{closing}"


def _skips_subparagraphs(previous: tuple[int, str], number: int, label: str) -> bool:
    """Whether (a) then (d) of one paragraph leave letters out between them."""
    last_number, last_label = previous
    if last_number != number or len(label) != 1 or len(last_label) != 1:
        return False
    return ord(label) - ord(last_label) > 1
