"""Orchestration of a build: check, render, convert, then write every output at once.

Nothing is written until every requested document has been made, so a
failed build leaves the previous outputs exactly as they were.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar, cast

from .cache import (
    BuildCache,
    Summary,
    keep_primer,
    primer_path,
    read_primer,
    read_snapshot,
    snapshot_texts,
    summary_key,
    template_files,
)
from .errors import (
    ConversionError,
    Diagnostic,
    Location,
    SourceError,
    TemplateError,
    WgecError,
    error,
    template_not_utf8,
    warning,
    whole_file,
)
from .files import (
    SOURCES_DIR,
    TEMPLATES_DIR,
    display_path,
    remove_typesetter_file,
    typesetter_file,
)
from .options import RenderOptions
from .resources import default_sources_dir, default_templates_dir, find_template
from .tools import cut_off_the_network

T = TypeVar("T")

if TYPE_CHECKING:  # the check and the model load only when the sources are checked
    from .check import CheckResult
    from .convert import Reference, Typesetter, TypstMessage
    from .model import Report, Text

FORMATS = ("md", "docx", "pdf", "html")
DEFAULT_FORMATS = ("md", "docx", "pdf")  # HTML when asked: it is for publishing
OUTPUT_STEM = "report"
TYPST_TEMPLATE = "report.typ"
HTML_TEMPLATE = "report.html"
REFERENCE_DOCX = "reference.docx"
BUILD_DIR = "build"
SCHEMAS_DIR = "schemas"
MODELINE = "# yaml-language-server: $schema="


class Step(NamedTuple):  # NamedTuple and a plain class, not dataclasses: see model.py
    name: str
    seconds: float


class BuildResult:
    """What a build made, and what it has to say."""

    def __init__(self, *, outputs: list[Path] | None = None,
                 warnings: list[Diagnostic] | None = None, texts: dict[str, str] | None = None,
                 language: str = "", fallbacks: int = 0, up_to_date: list[str] | None = None,
                 words: dict[str, int] | None = None, word_limit: int = 0) -> None:
        self.outputs = outputs or []
        self.steps: list[Step] = []
        self.warnings = warnings or []
        self.texts = texts or {}
        self.seconds = 0.0  # wall time; steps overlap, so it is less than their sum
        self.language = language
        self.fallbacks = fallbacks  # texts shown in the original language, not yet translated
        self.up_to_date = up_to_date or []  # formats the cache kept
        self.words = words or {}  # per top-level section and annex
        self.word_limit = word_limit


class _Timer:
    """Records each step's time; steps finish on the converting threads too, in any order."""

    def __init__(self, result: BuildResult, on_step: Callable[[Step], None] | None) -> None:
        self.result = result
        self.on_step = on_step

    def timed(self, name: str, function: Callable[..., T], *args: object) -> T:
        started = time.perf_counter()
        value = function(*args)
        self.record(name, started)
        return value

    def record(self, name: str, started: float) -> None:
        step = Step(name, time.perf_counter() - started)
        self.result.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)


def parse_formats(values: Iterable[str]) -> list[str]:
    """`--to md,pdf --to docx` to an ordered list of known formats."""
    chosen: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in FORMATS:
                raise WgecError(f"unknown format '{name}'; choose from {', '.join(FORMATS)}")
            if name not in chosen:
                chosen.append(name)
    return chosen or list(DEFAULT_FORMATS)


def parse_statuses(values: Iterable[str]) -> frozenset[str] | None:
    """`--only agreed,bracketed` to the statuses to keep (None: all)."""
    if not values:
        return None  # without loading the model: a rebuild that replays never needs it
    from .model import STATUSES

    chosen = {name.strip().lower() for value in values for name in value.split(",") if name.strip()}
    unknown = sorted(chosen - set(STATUSES))
    if unknown:
        raise WgecError(f"unknown status '{unknown[0]}'; choose from {', '.join(STATUSES)}")
    return frozenset(chosen) if chosen else None


def build_project(
    project: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    out_dir: Path | None = None,
    on_step: Callable[[Step], None] | None = None,
    options: RenderOptions | None = None,
    rev: str | None = None,
    language: str | None = None,
    force: bool = False,
) -> BuildResult:
    """Check, render and convert the report (of git revision `rev`, if given), then write.

    The original language goes to `out_dir`; another language to `out_dir/<lang>/`.
    When the source files, templates, options and tools are byte for byte what
    the outputs were made from, nothing is checked or made again: the last
    build's warnings and word counts are shown again.
    """
    started = time.perf_counter()
    options = options or RenderOptions()
    # Read before the check: if a file changes during the build, the next one
    # sees bytes other than these, and builds.
    snapshot = read_snapshot(project) if rev is None else None
    if snapshot is not None and not force:
        replayed = _replay(project, snapshot, formats, out_dir, options, language)
        if replayed is not None:
            replayed.seconds = time.perf_counter() - started
            replayed.steps.append(Step("sources unchanged", replayed.seconds))
            return replayed
    requested = language or ""
    cut_off_the_network()  # before the typesetter's thread starts
    # typst is made ready on the other core while this one checks and renders.
    typesetting = (_typesetting(project, out_dir if out_dir is not None
                                else project / BUILD_DIR, requested)
                   if "pdf" in formats else None)
    checked = _check(project, rev)
    report = _require_valid(checked, rev)
    language = _declared(report, language)
    checking = Step("check", time.perf_counter() - started)
    if on_step is not None:
        on_step(checking)
    result = _build_language(report, checked, project, formats, out_dir, options, language,
                             on_step, force, (snapshot, requested) if snapshot else None,
                             typesetting)
    result.steps.insert(0, checking)
    result.seconds = time.perf_counter() - started
    return result


def _replay(project: Path, snapshot: Mapping[str, bytes], formats: Sequence[str],
            out_dir: Path | None, options: RenderOptions,
            language: str | None) -> BuildResult | None:
    """The last build's result, if every output is current for these very source bytes."""
    base = out_dir if out_dir is not None else project / BUILD_DIR
    # A language asked for by name is built into base/<lang>/, or into base
    # itself when it is the original language.
    folders = [base / language, base] if language else [base]
    key = summary_key(snapshot, language or "")
    inputs: dict[str, str] | None = None
    for folder in folders:
        cache = BuildCache.load(folder)
        summary = cache.summary
        if summary is None or summary.key != key or (language and summary.language != language):
            continue
        if inputs is None:
            templates = _templates_in_effect(project)
            inputs = _inputs_keys(snapshot, project, templates, formats, options,
                                  language or "")
        if all(cache.unchanged(fmt, inputs[fmt], folder / f"{OUTPUT_STEM}.{fmt}")
               for fmt in formats):
            return BuildResult(
                outputs=[folder / f"{OUTPUT_STEM}.{fmt}" for fmt in FORMATS if fmt in formats],
                warnings=[*summary.warnings, *(
                    [*summary.pdf_warnings, *cache.warnings("pdf")] if "pdf" in formats
                    else ())],
                texts=snapshot_texts(snapshot),
                language=summary.language, up_to_date=list(formats),
                fallbacks=max((cache.fallbacks(fmt) for fmt in formats), default=0),
                words=dict(summary.words), word_limit=summary.word_limit)
    return None


def _remember_snapshot(cache: BuildCache, result: BuildResult, checked: CheckResult,
                       glyphs: Sequence[Diagnostic], snapshot: Mapping[str, bytes],
                       requested: str, inputs: Mapping[str, str]) -> None:
    """Which source bytes the outputs now in place come from, and what the build said,
    for `_replay`."""
    for fmt, key in inputs.items():
        cache.record_inputs(fmt, key)
    cache.summary = Summary(summary_key(snapshot, requested), result.language,
                            list(checked.warnings), list(glyphs), dict(result.words),
                            result.word_limit)


def build_languages(
    project: Path,
    languages: Sequence[str] | None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    out_dir: Path | None = None,
    options: RenderOptions | None = None,
    rev: str | None = None,
    on_done: Callable[[str, BuildResult], None] | None = None,
    force: bool = False,
) -> dict[str, BuildResult]:
    """Several languages (None: every declared one) from one check, two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    cut_off_the_network()  # before the languages' threads start

    checked = _check(project, rev)
    report = _require_valid(checked, rev)
    chosen = [_declared(report, lang) for lang in languages or report.meta.languages]
    results: dict[str, BuildResult] = {}
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        futures = {
            lang: pool.submit(_build_language, report, checked, project, formats, out_dir,
                              options, lang, None, force)
            for lang in dict.fromkeys(chosen)
        }
        for lang, future in futures.items():
            results[lang] = future.result()
            if on_done is not None:
                on_done(lang, results[lang])
    except BaseException:  # Ctrl-C, SIGTERM, a failed language: no language starts after it
        pool.shutdown(cancel_futures=True)  # those running finish writing, whole
        raise
    pool.shutdown()
    return results


def _check(project: Path, rev: str | None) -> CheckResult:
    if rev is None:
        from .check import check_project

        return check_project(project)
    from .revisions import check_revision

    return check_revision(project, rev)


def _declared(report: Report, language: str | None) -> str:
    if language is None:
        return report.meta.original_language
    if language not in report.meta.languages:
        raise WgecError(
            f"language '{language}' is not among the report's languages "
            f"({', '.join(report.meta.languages)}); add it to 'languages' in report.yaml"
        )
    return language


def _build_language(
    report: Report, checked: CheckResult, project: Path, formats: Sequence[str],
    out_dir: Path | None, options: RenderOptions | None, language: str,
    on_step: Callable[[Step], None] | None, force: bool = False,
    snapshot: tuple[Mapping[str, bytes], str] | None = None,
    typesetting: _Typesetting | None = None,
) -> BuildResult:
    """One language's outputs; `snapshot` (the source bytes read before the check, and
    the language as asked for) is remembered for the next build to replay; the PDF
    is typeset by `typesetting` when given (else in a typesetter of its own)."""
    result = BuildResult(language=language)
    timer = _Timer(result, on_step)
    started = time.perf_counter()
    from .check import count_words

    result.warnings = list(checked.warnings)
    result.texts = checked.texts
    result.words = count_words(report)
    result.word_limit = report.meta.word_limit
    folder = out_dir if out_dir is not None else project / BUILD_DIR
    if language != report.meta.original_language:
        folder = folder / language
    options = options or RenderOptions()
    templates = _templates_in_effect(project)
    keys = _output_keys(checked, project, templates, formats, options, language)
    # Loaded even when forced: the formats not asked for stay current.
    cache = BuildCache.load(folder)
    stale = [fmt for fmt in formats
             if force or not cache.current(fmt, keys[fmt], folder / f"{OUTPUT_STEM}.{fmt}")]
    result.up_to_date = [fmt for fmt in formats if fmt not in stale]
    result.fallbacks = max((cache.fallbacks(fmt) for fmt in result.up_to_date), default=0)
    # Characters no shipped font draws: said of the PDF, up to date or not, and kept
    # for a replay asked for the PDF, whatever this build was asked for.
    glyphs: list[Diagnostic] = []

    def check_glyphs() -> None:
        glyphs.extend(_glyph_warnings(report, language))

    if stale:
        made = make_documents(report, project, stale, timer, options, language,
                              alongside=check_glyphs, typesetting=typesetting)
        result.fallbacks = made.fallbacks
        write_started = time.perf_counter()
        write_outputs(folder, made.files)
        for fmt, data in made.files.items():
            cache.record(fmt, keys[fmt], data, result.fallbacks,
                         made.typst_warnings if fmt == "pdf" else [])
        timer.record("write", write_started)
    else:
        check_glyphs()
    if "pdf" in formats:  # typst's warnings are the PDF's own: kept with it in the cache
        result.warnings += [*glyphs, *cache.warnings("pdf")]
    if snapshot is not None:
        sources, requested = snapshot
        _remember_snapshot(cache, result, checked, glyphs, sources, requested,
                           _inputs_keys(sources, project, templates, formats, options, requested))
    if stale or snapshot is not None:
        unsaved = cache.save()
        if unsaved is not None:
            result.warnings.append(unsaved)
    result.outputs = [folder / f"{OUTPUT_STEM}.{fmt}" for fmt in FORMATS if fmt in formats]
    result.seconds = time.perf_counter() - started
    return result


def _templates_in_effect(project: Path) -> dict[str, bytes]:
    """The project's own templates over wgec's (see `template_files`)."""
    return template_files([project / TEMPLATES_DIR, default_templates_dir()])


def _output_keys(checked: CheckResult, project: Path, templates: Mapping[str, bytes],
                 formats: Sequence[str], options: RenderOptions,
                 language: str) -> dict[str, str]:
    """What each output depends on (see cache.py), hashed."""
    return _keys(checked.places, templates, formats, options, {"language": language})


def _inputs_keys(snapshot: Mapping[str, bytes], project: Path, templates: Mapping[str, bytes],
                 formats: Sequence[str], options: RenderOptions,
                 requested_language: str) -> dict[str, str]:
    """The same, from the source files' bytes and the language as asked for (no check)."""
    # By their place in sources/, not by the names diagnostics give them from the
    # current folder: the documents do not depend on where wgec runs.
    sources_dir = os.path.abspath(project / SOURCES_DIR)
    placed = {os.path.relpath(os.path.abspath(name), sources_dir): data
              for name, data in snapshot.items()}
    return _keys(placed, templates, formats, options, {"requested-language": requested_language})


def _keys(sources: Mapping[str, str | bytes], templates: Mapping[str, bytes],
          formats: Sequence[str], options: RenderOptions,
          language: Mapping[str, str]) -> dict[str, str]:
    """`sources` by their place in sources/ (`sections/intro.yaml`), whichever revision
    or folder they come from."""
    from .cache import date_setting, output_keys
    from .tools import tool_versions

    settings = {**language, "clean": str(options.clean),
                "only": ",".join(sorted(options.only or ()))}
    dated = {"date": date_setting()}  # the DOCX's properties and the PDF's, nothing else
    return output_keys(sources, templates, formats, settings, tool_versions(),
                       {"docx": {"comments": str(options.comments), **dated}, "pdf": dated})


def _glyph_warnings(report: Report, language: str) -> list[Diagnostic]:
    """Characters no shipped font can draw (Typst would print empty boxes, silently)."""
    from .glyphs import glyph_warnings

    return glyph_warnings(report, language)


def _require_valid(checked: CheckResult, rev: str | None = None) -> Report:
    if not checked.ok or checked.report is None:
        count = len(checked.errors)
        where = f"at {rev} " if rev else ""
        raise SourceError(
            f"the sources {where}have {count} error{'s' if count != 1 else ''}; "
            "nothing was built",
            checked.diagnostics,
            checked.texts,
        )
    return checked.report


class Documents(NamedTuple):
    """What `make_documents` made: the files' bytes, how many texts fell back to the
    original language, and what typst warned of the PDF."""

    files: dict[str, bytes]
    fallbacks: int
    typst_warnings: list[Diagnostic]


def make_documents(
    report: Report, project: Path, formats: Sequence[str], timer: _Timer,
    options: RenderOptions, language: str | None = None,
    alongside: Callable[[], None] | None = None,
    typesetting: _Typesetting | None = None,
) -> Documents:
    """Every requested document, in memory.

    The DOCX and the PDF are made on threads of their own, at once: pandoc runs
    in processes and typst without the GIL, so the two use both cores, while
    this thread does `alongside` (work that does not need to come first).
    """
    from . import convert
    from .render import render_markdown

    started = time.perf_counter()
    templates = project / TEMPLATES_DIR
    rendered = render_markdown(report, templates, language,
                               options=options._replace(comments=False))
    # Word comments exist only in DOCX: its Markdown is made on its own when asked.
    for_docx = (render_markdown(report, templates, language, options=options)
                if options.comments else rendered)
    timer.record("render Markdown", started)
    when = document_timestamp(report)
    # With no date known, documents carry none: the same sources give the same bytes.
    typst_metadata = {**rendered.metadata, **({"has-timestamp": "true"} if when else {})}
    documents: dict[str, bytes] = {}
    if "md" in formats:
        documents["md"] = rendered.document().encode("utf-8")
    # Looked at before any conversion starts: a template typst cannot use stops the build.
    typst_template = _pandoc_template(templates, TYPST_TEMPLATE) if "pdf" in formats else None
    html_template = _pandoc_template(templates, HTML_TEMPLATE) if "html" in formats else None
    docx_job: _Background[bytes] | None = None
    pdf_job: _Background[tuple[bytes, list[Diagnostic]]] | None = None
    if "docx" in formats:
        docx_job = _Background(timer.timed, "pandoc → DOCX", convert.markdown_to_docx,
                               for_docx.masthead + for_docx.body, for_docx.metadata,
                               _reference_docx(templates), when)
    if typst_template is not None:
        pdf_job = _Background(_make_pdf, rendered.body, typst_metadata, typst_template,
                              when, timer, typesetting,
                              _ReportPlaces(report, language or report.meta.original_language))
    try:
        if alongside is not None:
            alongside()
        if html_template is not None:
            documents["html"] = timer.timed(
                "pandoc → HTML", convert.markdown_to_html, rendered.body, rendered.metadata,
                html_template)
    finally:  # on failure too: no pandoc left running behind the error
        for job in (docx_job, pdf_job):
            if job is not None:
                job.join()
    typst_warnings: list[Diagnostic] = []
    if docx_job is not None:
        documents["docx"] = docx_job.result()
    if pdf_job is not None:
        documents["pdf"], typst_warnings = pdf_job.result()
    return Documents(documents, rendered.fallbacks, typst_warnings)


def _make_pdf(markdown: str, metadata: Mapping[str, str], template: Path,
              when: datetime.datetime | None, timer: _Timer,
              typesetting: _Typesetting | None,
              places: _ReportPlaces | None = None) -> tuple[bytes, list[Diagnostic]]:
    """The PDF, and typst's warnings, located in the template or the sources where
    they can be."""
    from . import convert

    typst_source = timer.timed("pandoc → Typst", convert.markdown_to_typst, markdown,
                               metadata, template)
    started = time.perf_counter()
    try:
        if typesetting is None:
            with convert.Typesetter() as own:
                pdf, warnings = own.pdf(typst_source, when), own.warnings
        else:
            with typesetting.lock:
                typesetter = typesetting.job.result()
                pdf, warnings = typesetter.pdf(typst_source, when), typesetter.warnings
    except convert.TypstFailure as failure:
        texts = _template_text(template)
        place, said = _TypstPlaces(template, typst_source, texts, places).of(failure.problem)
        if "download package" in said:  # refused: see tools.cut_off_the_network
            said = ("the PDF template imports a Typst package, which typst would download; "
                    f"wgec typesets offline ({said})")
        if not place.line:  # neither the template's line nor a place of the report's
            raise ConversionError(f"typst could not compile the PDF: {said}") from None
        if places is not None:
            texts = {**texts, **places.report.texts}
        raise ConversionError(f"typst could not compile the PDF: {said}",
                              [error(place, "typst-error", said)], texts) from None
    timer.record("typst → PDF", started)
    if typesetting is not None and typesetting.primer is not None:
        keep_primer(typesetting.primer, typst_source)
    if not warnings:
        return pdf, []
    located = _TypstPlaces(template, typst_source, _template_text(template), places)
    return pdf, [warning(place, "typst-warning", text)
                 for place, text in map(located.of, warnings)]


def _typst_place(template: Path, typst: str, said: TypstMessage,
                 texts: Mapping[str, str] | None = None,
                 places: _ReportPlaces | None = None) -> tuple[Location, str]:
    """Where typst's message on `typst` points, and the message (see `_TypstPlaces`)."""
    texts = texts if texts is not None else _template_text(template)
    return _TypstPlaces(template, typst, texts, places).of(said)


class _TypstPlaces:
    """Where typst's messages on one document point: the line of the template a message
    names (the line of the Typst, found once in the template as it stands), or the text
    of the report's paragraph, recommendation or section that line was made from. Else
    the template as a whole, the message quoting the line of the Typst. The Typst and
    the template are split into lines once, for all the messages."""

    def __init__(self, template: Path, typst: str, texts: Mapping[str, str],
                 places: _ReportPlaces | None) -> None:
        self.shown = display_path(template)
        self.lines = typst.splitlines()
        self.template_lines = texts.get(self.shown, "").splitlines()
        self.places = places

    def of(self, said: TypstMessage) -> tuple[Location, str]:
        if not 1 <= said.line <= len(self.lines):
            return Location(self.shown), said.text
        line = self.lines[said.line - 1]
        found = [number for number, text in enumerate(self.template_lines, 1) if text == line]
        if len(found) == 1:
            return Location(self.shown, found[0], said.column), said.text
        quoted = " ".join(line.split())
        quoted = quoted if len(quoted) <= 60 else quoted[:59] + "…"
        made_from = self.places.made_from(self.lines, said.line) if self.places else None
        if made_from is not None:
            place, what = made_from
            return place, (f"{said.text} (in the Typst made from {what}, line {said.line}: "
                           f"{quoted})")
        return Location(self.shown), (f"{said.text} (line {said.line} of the Typst made from "
                                      f"the template and the sources: {quoted})")


# How pandoc writes the report's places in Typst (from the default templates' ids): a
# numbered paragraph or recommendation as a list item, `+ #block[`, its lines
# indented under it down to `  ] <rec-id>`; a section's label under its heading.
_ITEM_LABEL = re.compile(r"[ \t]+\] <((?:para|rec)-[^<>\s]+)>[ \t]*")
_SECTION_LABEL = re.compile(r"<(sec-[^<>\s]+)>[ \t]*")


def _labels_around(lines: Sequence[str], number: int) -> list[str]:
    """The labels of the places of the report that line `number` (1-based) of pandoc's
    Typst is in, innermost first: its paragraph or recommendation, then its section."""
    labels = []
    for index in range(number - 1, len(lines)):  # down to the end of its list item
        text = lines[index]
        if index >= number and text and not text[0].isspace():
            break
        if found := _ITEM_LABEL.fullmatch(text):
            labels.append(found.group(1))
            break
    for index in range(number - 1, -1, -1):  # up to its section's heading
        if found := _SECTION_LABEL.fullmatch(lines[index]):
            labels.append(found.group(1))
            break
    return labels


class _ReportPlaces:
    """The report's paragraphs, recommendations and sections by their labels in the
    Typst (`para-id`, `rec-id`, `sec-id`): where each one's text is, in one language,
    and what the place is. Looked up only when typst has something to say."""

    def __init__(self, report: Report, language: str) -> None:
        self.report = report
        self.language = language

    def made_from(self, lines: Sequence[str], number: int) -> tuple[Location, str] | None:
        """Where in the sources line `number` of the Typst was made from, innermost."""
        return next((self._by_label[label] for label in _labels_around(lines, number)
                     if label in self._by_label), None)

    @functools.cached_property
    def _by_label(self) -> dict[str, tuple[Location, str]]:
        places: dict[str, tuple[Location, str]] = {}  # of two with one id, the first
        for recommendation in self.report.recommendations:
            places.setdefault(f"rec-{recommendation.id}",
                              self._text(recommendation.text, recommendation.location))
        sections = [s for top in self.report.sections for s in top.walk()]
        for paragraph in (p for s in sections for p in s.paragraphs if p.id):
            places.setdefault(f"para-{paragraph.id}", self._text(paragraph.text,
                                                                 paragraph.location))
        for section in sections:
            places.setdefault(f"sec-{section.id}", (section.location, f"section '{section.id}'"))
        return places

    def _text(self, text: Text | None, where: Location) -> tuple[Location, str]:
        located = text.by_language.get(self.language) if text is not None else None
        return (located.location if located else where), "this text"


def _template_text(template: Path) -> dict[str, str]:
    """The template's text by its shown path, to show the lines diagnostics point at."""
    try:
        return {display_path(template): template.read_text(encoding="utf-8", errors="replace")}
    except OSError:
        return {}


PRIMING_THREAD = "wgec: typst priming"
KEPT_TYPESETTERS = 2  # each holds its last document's layout: 10 MB at 1x, 160 MB at 10x


class _Typesetting(NamedTuple):
    """A typesetter being made on a thread of its own (primed with the Typst of the
    last PDF of the same project, folder and language), its markup file, where this
    build's Typst is kept for the next build, and a lock: one PDF at a time."""

    job: _Background[Typesetter]
    main: Path
    primer: Path | None
    lock: threading.Lock


# This process's typesetters, by project, output folder and language: `wgec watch`
# builds again and again, and a typesetter that made the last PDF needs no priming.
# A typesetter pushed out may still be in use on another thread: its file goes at exit.
_TYPESETTERS: dict[tuple[str, str, str], _Typesetting] = {}
_PUSHED_OUT: list[Path] = []
_TYPESETTERS_LOCK = threading.Lock()


def _typesetting(project: Path, folder: Path, language: str) -> _Typesetting:
    """The typesetter for `project`'s PDF in `language` (as asked for) in `folder`.

    A build that lays out nearly the document typst laid out last compiles it
    in a tenth of the time; the first build in a process primes a new typesetter
    with the last build's Typst while the sources are checked (the other core
    is idle then), so a build after an edit is nearly as quick as in `wgec watch`.
    """
    key = (str(project.resolve()), str(folder.resolve()), language)
    with _TYPESETTERS_LOCK:
        found = _TYPESETTERS.pop(key, None)
        if found is None or found.job.failed():
            if found is not None:
                remove_typesetter_file(found.main)
            primer = primer_path(project, folder, language)
            main = typesetter_file()
            found = _Typesetting(_Background(_primed_typesetter, main, primer,
                                             name=PRIMING_THREAD), main, primer,
                                 threading.Lock())
        _TYPESETTERS[key] = found  # the most recently used last
        for older in list(_TYPESETTERS)[:-KEPT_TYPESETTERS]:
            _PUSHED_OUT.append(_TYPESETTERS.pop(older).main)
    return found


def _primed_typesetter(main: Path, primer: Path | None) -> Typesetter:
    from .convert import Typesetter

    return Typesetter(read_primer(primer) if primer is not None else None, main)


def abandon_typesetters() -> None:
    """Remove every typesetter's file without waiting for any: for an exit that does
    not wait (`os._exit`). A typesetter still priming then fails, unseen."""
    with _TYPESETTERS_LOCK:
        for main in [*(t.main for t in _TYPESETTERS.values()), *_PUSHED_OUT]:
            remove_typesetter_file(main)
        _TYPESETTERS.clear()
        _PUSHED_OUT.clear()


def wait_for_priming() -> None:
    """Until no typesetter is being made or primed (on daemon threads)."""
    for thread in threading.enumerate():
        if thread.name == PRIMING_THREAD:
            thread.join()


@atexit.register
def _close_typesetters() -> None:
    """At exit: wait for any priming (Python must not shut down in the middle of a
    typst call on another thread), then remove the typesetters' files."""
    wait_for_priming()
    abandon_typesetters()


class _Background(Generic[T]):
    """A call running on a thread of its own; `result()` waits for it, raising what it raised.

    A thread, not concurrent.futures: that package imports logging, a tenth of
    the start-up of a build.
    """

    def __init__(self, function: Callable[..., T], *args: object, name: str | None = None) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(function, args), name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self, function: Callable[..., T], args: tuple[object, ...]) -> None:
        try:
            self._value = function(*args)
        except BaseException as exc:  # handed to the waiting thread by result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def failed(self) -> bool:
        return not self._thread.is_alive() and self._error is not None

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


def _required_template(project_templates: Path, name: str) -> Path:
    found = find_template(project_templates, name)
    if found is None:
        raise WgecError(f"template '{name}' not found in {project_templates} or the defaults")
    return found


def _reference_docx(project_templates: Path) -> Path | None:
    """The Word document whose styles the DOCX takes, if it is one: pandoc said of a
    file that is not a .docx only what its zip reader said, with its Haskell call stack."""
    import zipfile

    found = find_template(project_templates, REFERENCE_DOCX)
    if found is None:
        return None
    shown = display_path(found)
    try:
        with zipfile.ZipFile(found) as docx:
            docx.getinfo("word/styles.xml")
    except (OSError, zipfile.BadZipFile, KeyError):
        said = (f"{shown} is not a Word document (a .docx with its styles, word/styles.xml); "
                "save the styles from Word as a .docx, or remove it to use wgec's")
        raise TemplateError(f"template error: {said}",
                            [error(whole_file(shown), "template", said)]) from None
    return found


def _pandoc_template(project_templates: Path, name: str) -> Path:
    """The pandoc template `name` in effect, if it names no other file: pandoc would read a
    partial from anywhere (`${ ../../etc/passwd() }`), and the typesetter works
    offline, in a folder that holds the document alone (see `convert.Typesetter`)."""
    from .convert import pandoc_partials, typst_imports

    template = _required_template(project_templates, name)
    shown = display_path(template)
    try:
        data = template.read_bytes()
    except OSError as exc:
        raise WgecError(f"cannot read the template {shown}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:  # pandoc would say "Markdown", and no line
        raise template_not_utf8(shown, data, bad) from None

    def at(place: Reference) -> Location:
        return Location(shown, place.line, place.column, place.line, place.end_column)

    diagnostics = [error(at(partial), "template", f"the template includes the file "
                         f"\"{partial.name}\" (a pandoc partial): wgec templates are one "
                         "file each", f"copy its text into {shown}")
                   for partial in pandoc_partials(text)]
    if name == TYPST_TEMPLATE:
        offline = (f"the PDF is typeset offline from {template.name} and wgec's fonts alone, "
                   f"the same on every machine: copy what it needs into {shown}")
        diagnostics += [error(at(place), "typst-import", _typst_import_message(place),
                              offline)
                        for place in typst_imports(text)]
    if not diagnostics:
        return template
    raise TemplateError(f"template error: {diagnostics[0].message}", diagnostics, {shown: text})


def _typst_import_message(place: Reference) -> str:
    if not place.quoted:
        return (f"the PDF template imports from {place.name}, which could name a Typst package "
                "or file: only Typst's own modules (calc, sym, ...) may be imported by name")
    if place.is_package:
        return (f"the PDF template imports the Typst package \"{place.name}\", which typst "
                "would download")
    return f"the PDF template imports \"{place.name}\", a file the typesetter cannot read"


def document_timestamp(report: Report) -> datetime.datetime | None:
    """When the documents say they were made: SOURCE_DATE_EPOCH, else the report's date.

    Never the clock: two builds of the same sources must be byte-identical.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return _epoch_date(epoch)
    if report.meta.date is not None:
        day = datetime.date.fromisoformat(report.meta.date.value)
        return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    return None


def _epoch_date(epoch: str) -> datetime.datetime:
    """SOURCE_DATE_EPOCH as a date. A value that is not one stops the build, as the
    reproducible-builds specification asks: documents dated otherwise than asked
    would differ from those a checker makes."""
    said = f"SOURCE_DATE_EPOCH is '{epoch}'"
    if not (epoch.isascii() and epoch.isdigit()):
        raise WgecError(f"{said}: it must be a whole number of seconds since 1970-01-01 "
                        "00:00 UTC, such as 1700000000 (or unset, for the report's own date)")
    try:
        when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        when = None
    if when is None or when.year > 9999:
        raise WgecError(f"{said}: a date after the year 9999, which no document can carry")
    return when


def write_outputs(out_dir: Path, documents: dict[str, bytes]) -> list[Path]:
    """Every document into `out_dir`, or none: each is written beside its place first,
    and they are renamed into place only once all are on disk, the last build's kept
    aside until every rename is done. A full disk, a folder where an output goes, a
    file that cannot be replaced, leave the last build's outputs as they were, all of
    them, and no temporary file."""
    from .convert import write_beside

    if out_dir.exists() and not out_dir.is_dir():
        raise WgecError(f"output folder {out_dir} is a file")
    targets = [(out_dir / f"{OUTPUT_STEM}.{fmt}", documents[fmt])
               for fmt in FORMATS if fmt in documents]
    for path, _ in targets:
        if path.is_dir():
            raise WgecError(f"cannot write {display_path(path)}: a folder of that name is in "
                            "the way; nothing was written")
    staged: list[tuple[Path, Path]] = []
    aside: dict[Path, Path | None] = {}
    replaced: list[Path] = []
    current = out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for current, data in targets:
            staged.append((write_beside(current, data), current))
        for _, current in staged:
            aside[current] = _kept_aside(current)
        for temporary, current in staged:
            os.replace(temporary, current)
            replaced.append(current)
    except OSError as exc:
        restored = _put_back(replaced, aside)
        raise WgecError(_unwritten(current, exc, [] if restored else replaced)) from None
    finally:
        for temporary, _ in staged[len(replaced):]:
            temporary.unlink(missing_ok=True)
        for kept in aside.values():
            if kept is not None:
                kept.unlink(missing_ok=True)
    return [path for path, _ in targets]


def _kept_aside(path: Path) -> Path | None:
    """A second name for the last build's `path` (None: there is none), for putting
    it back: a hard link, or a copy where the file system has none."""
    if not path.exists():
        return None
    # Named for this build alone: two builds into one folder must not share it.
    kept = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.last")
    kept.unlink(missing_ok=True)
    try:
        os.link(path, kept)
    except OSError:
        import shutil

        shutil.copy2(path, kept)
    return kept


def _put_back(replaced: Sequence[Path], aside: Mapping[Path, Path | None]) -> bool:
    """The last build's outputs where they were, instead of the `replaced` ones; False if
    one could not be."""
    done = True
    for path in replaced:
        try:
            kept = aside[path]
            if kept is None:
                path.unlink()
            else:
                os.replace(kept, path)
        except OSError:
            done = False
    return done


def _unwritten(path: Path, exc: OSError, replaced: Sequence[Path]) -> str:
    said = f"cannot write {display_path(path)}: {exc.strerror or exc}"
    if not replaced:  # the usual case: the disk filled while the files were written
        return f"{said}; the outputs of the last build are as they were"
    return f"{said}; only {', '.join(p.name for p in replaced)} replaced"


def init_project(target: Path) -> list[Path]:
    """A new report project: the default sources, a .gitignore and a README stub."""
    if target.exists() and (target / "sources").exists():
        raise WgecError(f"{target} already has a sources/ folder; not overwriting it")
    if target.exists() and not target.is_dir():
        raise WgecError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.copytree(default_sources_dir(), target / "sources",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    from .json_schema import write_schemas

    created = [target / "sources", *write_schemas(target / SCHEMAS_DIR, overwrite=False)]
    add_schema_modelines(target)
    for name, text in (
        (".gitignore", "/build/\n"),
        ("README.md", _README_STUB),
    ):
        path = target / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(path)
    return created


def add_schema_modelines(project: Path) -> None:
    """Point every source file at its JSON Schema, for editors with a YAML language server."""
    from .json_schema import schema_file_name, schema_kind_of

    sources = project / "sources"
    for path in sorted(sources.rglob("*")):
        kind = schema_kind_of(path.relative_to(sources).as_posix())
        if kind is None:
            continue
        schema = project / SCHEMAS_DIR / schema_file_name(kind)
        relative = Path(os.path.relpath(schema, path.parent)).as_posix()
        text = path.read_text(encoding="utf-8")
        if not text.startswith(MODELINE):
            path.write_text(f"{MODELINE}{relative}\n{text}", encoding="utf-8")


_README_STUB = """\
# Report sources

The sources of this report are YAML files in `sources/`, compiled with
[wgec](https://pypi.org/project/wgec-report/):

    wgec check          # validate sources and every cross-reference
    wgec build          # build/report.md, build/report.docx, build/report.pdf

To change the look, copy a template from wgec's `templates/` into a
`templates/` folder here; a file of the same name overrides the default.

`schemas/` holds JSON Schemas of the source files; the first line of each
source file points an editor with a YAML language server (VS Code's YAML
extension, for one) at its schema, for completion and checks while typing.
Regenerate them after upgrading wgec with `wgec schema -o schemas`.
"""
