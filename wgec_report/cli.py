"""The command line: options in, one core call, output and exit code out.

The only module that imports click. Heavy parts of the core (Jinja2, pandoc,
typst) are imported inside the commands that need them, so `wgec check`
starts fast.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import Diagnostic, WgecError
from .files import SOURCE_FILE_KINDS as FILE_KINDS
from .files import display_path
from .reporters import REPORT_FORMATS, format_github, format_json, format_sarif, format_text

T = TypeVar("T")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as if killed by SIGPIPE, like the shell's own tools
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + 2, 128 + 15  # SIGINT (Ctrl-C), SIGTERM


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a process manager): a command stops as on Ctrl-C, leaving no
    temporary file behind and every output whole."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


_MARKUP_TAG = re.compile(r"(?<!\\)\[(/|[a-z ]+)\]")
_ANSI = {"red": "31", "yellow": "33", "green": "32", "bold": "1"}


def escape(text: str) -> str:
    """Text that prints as itself through `_Terminal.print` (and rich markup)."""
    return text.replace("[", "\\[")


class _Terminal:
    """Lines with a little colour markup ("[red]...[/]"), coloured only on a terminal.

    `wgec check` and `wgec build` print through this rather than rich: importing
    rich would cost a check a fifth of its run. The progress bar of `--lang all`
    and the summary table of `wgec diff` still use rich.
    """

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr
        stream = sys.stderr if stderr else sys.stdout
        self.color = stream.isatty() and "NO_COLOR" not in os.environ

    def print(self, markup: object = "") -> None:
        if not isinstance(markup, str):  # a rich renderable: a table
            _rich_console(self.stderr).print(markup)
            return

        def ansi(match: re.Match[str]) -> str:
            if not self.color:
                return ""
            if match.group(1) == "/":
                return "\033[0m"
            codes = [_ANSI[word] for word in match.group(1).split() if word in _ANSI]
            return f"\033[{';'.join(codes)}m"

        # Lines are never wrapped: editors and CI parse `path:line:col`.
        click.echo(_MARKUP_TAG.sub(ansi, markup).replace("\\[", "["), err=self.stderr)


def _console(stderr: bool = False) -> _Terminal:
    return _Terminal(stderr)


def _rich_console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class _LongBuild:
    """A progress bar on stderr for a build still running after `delay` seconds (a large
    report): the time so far, and the steps done. Only on a terminal (or a console
    given), and rich is imported only then: a quick build never pays for it."""

    DELAY = 0.7

    def __init__(self, console: Callable[[], Any] | None = None,
                 delay: float = DELAY) -> None:
        self._console = console
        self._delay = delay
        self._lock = threading.Lock()
        self._done: list[str] = []
        self._bar: Any = None
        self._task: Any = None
        self._closed = False
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _LongBuild:
        if self._console is not None or (sys.stderr is not None and sys.stderr.isatty()):
            self._timer = threading.Timer(self._delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def step(self, step: Any) -> None:
        """A `build.Step` done (on any of the build's threads)."""
        with self._lock:
            self._done.append(step.name)
            if self._bar is not None:
                self._bar.update(self._task, description=self._description())

    def _description(self) -> str:  # the latest alone: the line must fit a terminal
        return f"{self._done[-1]} ✓" if self._done else ""

    def _show(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._closed:
                return
            console = self._console() if self._console is not None else _rich_console(True)
            self._bar = Progress(TextColumn("building"), BarColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}"), console=console,
                                 transient=True)
            self._task = self._bar.add_task(self._description(), total=None)
            self._bar.start()

    def __exit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._bar is not None:
                self._bar.stop()


class _Group(click.Group):
    """Maps every `WgecError` to a message and exit code 1, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WgecError as exc:
            _fail(exc, debug=ctx.params.get("debug", False))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as stopped:
            _console(stderr=True).print("interrupted")
            sys.exit(EXIT_TERMINATED if isinstance(stopped, _Terminated) else EXIT_INTERRUPTED)
        except BrokenPipeError:  # `wgec check | head`: the reader has all it wanted
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:  # the machine's, not wgec's: a full disk, a file in use
            _fail(WgecError(_system_failure(exc)), debug=ctx.params.get("debug", False))
        except Exception as exc:  # a bug in wgec: say so, briefly, unless asked for more
            if ctx.params.get("debug", False):
                raise
            _console(stderr=True).print(
                f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}\n"
                "This is a bug in wgec. Run again with --debug for the traceback, and report it."
            )
            sys.exit(EXIT_FAILED)


def _system_failure(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return f"cannot go on: {reason}"
    return f"cannot go on: {reason}: {display_path(Path(os.fsdecode(exc.filename)))}"


def _fail(exc: WgecError, debug: bool) -> NoReturn:
    if debug:
        raise exc
    console = _console(stderr=True)
    for diagnostic in exc.diagnostics:
        _print_text(console, diagnostic, exc.texts)
    console.print(f"[bold red]error:[/] {escape(exc.message)}")
    sys.exit(EXIT_FAILED)


def _print_text(console: _Terminal, diagnostic: Diagnostic, texts: Mapping[str, str]) -> None:
    style = "red" if diagnostic.is_error else "yellow"
    lines = format_text(diagnostic, texts)
    console.print(f"[{style}]{escape(lines[0])}[/]")
    for line in lines[1:]:
        console.print(escape(line))


def _project_argument(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument(
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        required=False,
    )(function)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="wgec")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of short messages.")
def main(debug: bool) -> None:
    """Compile the report of the CSTD Working Group on Enhanced Cooperation.

    Sources are YAML files in a project's sources/ folder; `wgec build`
    turns them into Markdown, DOCX and PDF.

    \b
    Example:
      wgec init myreport && cd myreport
      wgec check
      wgec build
    """
    try:
        os.getcwd()
    except FileNotFoundError:  # every relative path would fail, and name nothing
        raise WgecError("the current folder no longer exists (it was removed or moved); "
                        "go to the project's folder and run wgec again") from None


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".", required=False)
def init(directory: Path) -> None:
    """Create a report project in DIRECTORY (default: here) with the default report.

    Writes sources/ (the WGEC report as YAML), a .gitignore and a README
    stub. An existing sources/ folder is never overwritten.

    \b
    Example:
      wgec init myreport
    """
    from .build import init_project

    created = init_project(directory)
    console = _console()
    for path in created:
        console.print(f"created {escape(str(path))}")
    console.print(f"[green]✓[/] report project ready; next: cd {escape(str(directory))} "
                  "&& wgec check && wgec build")


@main.command()
@_project_argument
@click.option("--format", "output_format", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="How to print diagnostics.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(project: Path, output_format: str, strict: bool) -> None:
    """Validate the sources of PROJECT (default: here): schema, ids, every reference.

    Prints every problem as path:line:col: severity[code]: message. Exits 0
    when the sources are valid, 1 when there are errors (or warnings, with
    --strict).

    \b
    Example:
      wgec check
      wgec check --format github --strict    # in GitHub Actions
      wgec check --format sarif > wgec.sarif  # for code scanning
    """
    from .check import check_project

    result = check_project(project)
    console = _console()
    if output_format == "json":
        click.echo(format_json(result.diagnostics))
    elif output_format == "sarif":
        click.echo(format_sarif(result.diagnostics, __version__))
    elif output_format == "github":
        for diagnostic in result.diagnostics:
            click.echo(format_github(diagnostic))
    else:
        for diagnostic in result.diagnostics:
            _print_text(console, diagnostic, result.texts)
        _print_coverage(console, result)
        _print_check_summary(console, result)
    failed = bool(result.errors) or (strict and bool(result.warnings))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def _print_coverage(console: _Terminal, result: Any) -> None:
    """Per language: how much of the report is translated, and whether it should all be."""
    from .check import translation_coverage

    report = result.report
    if report is None:
        return
    for language, (done, total) in translation_coverage(report).items():
        share = f"{100 * done // total}%" if total else "–"
        status = report.meta.translation(language).status
        console.print(f"{language}: {done} of {_count(total, 'text')} translated ({share}), "
                      f"{status}")


def _print_check_summary(console: _Terminal, result: Any) -> None:
    errors, warnings = len(result.errors), len(result.warnings)
    counts = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    report = result.report
    files = _count(result.files, "file")
    if report is not None:
        focus_areas = sum(len(level.focus_areas) for level in report.levels)
        console.print(
            f"checked {files}: {_count(sum(1 for _ in report.all_sections()), 'section')}, "
            f"{_count(len(report.levels), 'level')} with "
            f"{_count(focus_areas, 'focus area')}, "
            f"{_count(len(report.characteristics), 'characteristic')}, "
            f"{_count(len(report.organizations), 'organization')}, "
            f"{_count(len(report.mapping), 'mapping row')}, "
            f"{_count(len(report.recommendations), 'recommendation')}, "
            f"{_count(len(report.instruments), 'instrument')}"
        )
    else:
        console.print(f"checked {files}")
    mark = "[red]✗[/]" if errors else ("[yellow]![/]" if warnings else "[green]✓[/]")
    console.print(f"{mark} {counts}")


@main.command()
@click.argument("kind", required=False, type=click.Choice(FILE_KINDS))
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path),
              help="Write one <kind>.schema.json per kind of source file into this folder.")
def schema(kind: str | None, output: Path | None) -> None:
    """Print or write the JSON Schema (draft 2020-12) of the source files.

    With KIND, print that kind's schema; with -o, write every kind's schema
    (or KIND's alone) into a folder; with neither, print all of them as one
    JSON object keyed by kind. Editors with a YAML language server use them
    to complete and check sources while you type.

    \b
    Example:
      wgec schema -o schemas
      wgec schema levels
    """
    import json

    from .json_schema import schema_for, write_schemas

    if output is not None:
        for path in write_schemas(output, kinds=[kind] if kind else FILE_KINDS):
            _console().print(f"[green]✓[/] wrote {escape(str(path))}")
        return
    document = schema_for(kind) if kind else {k: schema_for(k) for k in FILE_KINDS}
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@main.command()
@_project_argument
@click.option("--to", "formats", multiple=True, metavar="FORMATS",
              help="Formats to build, comma-separated (default: md, docx, pdf).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path),
              help="Output folder (default: PROJECT/build).")
@click.option("--lang", "language", metavar="LANG",
              help="The language to build, or 'all' of the report's languages "
                   "(default: the original language).")
def watch(project: Path, formats: tuple[str, ...], output: Path | None,
          language: str | None) -> None:
    """Rebuild PROJECT whenever a source or template changes; Ctrl-C stops.

    Each rebuild makes only the outputs the change touched, and says what it
    rebuilt and how long it took, with the sources' warnings. Broken sources
    are reported, and the watch goes on.

    \b
    Example:
      wgec watch
      wgec watch --to pdf
      wgec watch --lang all
    """
    from .build import build_project, parse_formats
    from .watch import Rebuild, watch_project

    chosen = _option(parse_formats, formats, "--to")
    _refuse_unsafe_output(output, project, folder=True)
    out, errors = _console(), _console(stderr=True)

    def build() -> list[Any]:
        if language == "all":
            return list(_languages_with_progress(project, chosen, output, None, None,
                                                 False).values())
        with _LongBuild() as progress:
            return [build_project(project, chosen, output, on_step=progress.step,
                                  language=language)]

    def report(rebuild: Rebuild) -> None:
        names = list(rebuild.changed)
        if len(names) > 5:  # a git checkout: four, and a count
            names[4:] = [f"{len(names) - 4} more"]
        changed = ", ".join(names) or "first build"
        if rebuild.error is not None:
            for diagnostic in rebuild.error.diagnostics:
                _print_text(errors, diagnostic, rebuild.error.texts)
            errors.print(f"[red]✗[/] {escape(changed)}: {escape(rebuild.error.message)}")
            return
        results = rebuild.result if isinstance(rebuild.result, list) else []
        _print_warnings(errors, results)
        made = [(result.language, ", ".join(p.name for p in result.outputs
                                            if p.suffix.lstrip(".") not in result.up_to_date))
                for result in results]
        what = "; ".join(f"{language}: {names}" if len(results) > 1 else names
                         for language, names in made if names) or "nothing (all up to date)"
        out.print(f"[green]✓[/] {escape(changed)}: rebuilt {escape(what)} in "
                  f"{rebuild.seconds:.2f} s")

    def ready() -> None:
        out.print(f"watching {escape(str(project))} (sources/ and templates/); Ctrl-C stops")

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a watch ends
        watch_project(project, build, report, on_ready=ready)
    out.print("stopped watching")


@main.command()
@click.argument("rev_a", metavar="REV_A")
@click.argument("rev_b", metavar="[REV_B]", required=False)
@click.option("-C", "--project", "project",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=".", show_default=True, help="The report project.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="The redline file (default: PROJECT/build/redline.docx or .md).")
@click.option("--to", "fmt", type=click.Choice(["docx", "md"]), default="docx",
              show_default=True, help="Word tracked changes, or CriticMarkup Markdown.")
@click.option("--author", help="Whom the changes are attributed to (default: from git).")
@click.option("--date", "date", metavar="YYYY-MM-DD[THH:MM]",
              help="When the changes were made (default: the commit date of REV_B).")
def diff(rev_a: str, rev_b: str | None, project: Path, output: Path | None, fmt: str,
         author: str | None, date: str | None) -> None:
    """Redline the report between two git revisions, as Word tracked changes.

    REV_B defaults to the working tree. Paragraphs and recommendations are
    aligned by their ids: an edited one shows word-level insertions and
    deletions, a moved one stands in its new place with its new number.
    The working tree is never touched.

    \b
    Example:
      wgec diff round-1                       # round-1 to the working tree
      wgec diff round-1 round-2 -o redline.docx
      wgec diff HEAD~1 --to md                # CriticMarkup
    """
    import datetime

    from rich.table import Table

    from .redline import redline, write_redline

    when = None
    if date is not None:
        try:
            when = datetime.datetime.fromisoformat(date)
        except ValueError:
            raise click.BadParameter(f"'{date}' is not a date such as 2018-01-22 or "
                                     "2018-01-22T10:00", param_hint="--date") from None
    _refuse_unsafe_output(output, project)
    result = redline(project, rev_a, rev_b, author=author, date=when)
    out = output or project / "build" / f"redline.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_redline(result, out, fmt)
    console = _console()
    summary = result.summary
    if summary.has_changes:
        table = Table(box=None, pad_edge=False)
        for column in ("", "what", "change"):
            table.add_column(column)
        for kind, ident, what in summary.rows():
            table.add_row(escape(kind), escape(ident), escape(what))
        console.print(table)
    console.print(
        f"{escape(result.note)}: {summary.changed} changed, {summary.added} added, "
        f"{summary.removed} removed, {summary.moved} moved"
    )
    console.print(f"[green]✓[/] wrote {escape(str(out))}")


def _option(parse: Callable[[tuple[str, ...]], T], values: tuple[str, ...], name: str) -> T:
    """An option's values as `parse` reads them; one it cannot read is a usage error."""
    try:
        return parse(values)
    except WgecError as bad:
        raise click.BadParameter(bad.message, param_hint=f"'{name}'") from None


def _refuse_unsafe_output(output: Path | None, project: Path, *, folder: bool = False) -> None:
    """`-o FILE` that is a device, a pipe or a link, or in the sources; `-o DIR`
    (`folder`) that is, or is in, the project's sources or templates: a usage error."""
    from .files import unsafe_output_file, unsafe_output_folder

    if output is None:
        return
    problem = (unsafe_output_folder if folder else unsafe_output_file)(output, project)
    if problem is not None:
        raise click.BadParameter(f"'{output}' {problem}", param_hint="'-o' / '--output'")


@main.group()
def translations() -> None:
    """Translators' round trip: PO files for Poedit, Weblate or Crowdin, and review stamps.

    \b
    Example:
      wgec translations export --lang fr -o fr.po
      wgec translations import fr.po
      wgec translations stamp --lang fr
    """


@translations.command(name="export")
@_project_argument
@click.option("--lang", "language", required=True, metavar="LANG",
              help="The language to translate into (fr, es, ar, zh, ru).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="The PO file (default: PROJECT/build/LANG.po).")
def export_command(project: Path, language: str, output: Path | None) -> None:
    """Write a gettext PO file of every text: the original as msgid, the id and field as
    context, translations that need review marked fuzzy.

    \b
    Example:
      wgec translations export --lang fr -o fr.po
    """
    from .translations import write_po

    _refuse_unsafe_output(output, project)
    out = output or project / "build" / f"{language}.po"
    out.parent.mkdir(parents=True, exist_ok=True)
    po = write_po(project, language, out)
    _console().print(
        f"[green]✓[/] wrote {escape(str(out))}: {len(po.translated_entries())} translated, "
        f"{len(po.fuzzy_entries())} to review (fuzzy), "
        f"{len(po.untranslated_entries())} untranslated")


@translations.command(name="import")
@click.argument("po_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-C", "--project", "project",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=".", show_default=True, help="The report project.")
@click.option("--lang", "language", metavar="LANG",
              help="The PO file's language (default: its Language header).")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def import_command(po_file: Path, project: Path, language: str | None, dry_run: bool) -> None:
    """Write the translations of a PO file back into the YAML sources.

    Comments and layout are kept; reviewed (non-fuzzy) entries are stamped
    with the hash of their original. An entry that would break the sources is
    skipped and reported.

    \b
    Example:
      wgec translations import fr.po
    """
    from .translations import import_po

    result = import_po(project, po_file, language, dry_run=dry_run)
    console = _console()
    for diagnostic in result.diagnostics:
        _print_text(console, diagnostic, {})
    verb = "would change" if dry_run else "changed"
    console.print(
        f"{result.language}: {result.imported} imported ({result.stamped} stamped, "
        f"{result.fuzzy} fuzzy), {result.unchanged} unchanged, "
        f"{result.untranslated} untranslated, {len(result.unknown_contexts)} unknown; "
        f"{verb} {_count(len(result.files), 'file')}")


@translations.command(name="stamp")
@_project_argument
@click.option("--lang", "language", metavar="LANG",
              help="Only this language (default: every translation).")
def stamp_command(project: Path, language: str | None) -> None:
    """Mark translations as reviewed against the current original (writes `of:` hashes).

    \b
    Example:
      wgec translations stamp --lang fr
    """
    from .translations import stamp

    count = stamp(project, language)
    _console().print(f"[green]✓[/] stamped {_count(count, 'translation')}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


@main.command()
@_project_argument
@click.option("--to", "formats", multiple=True, metavar="FORMATS",
              help="Formats to build, comma-separated: md, docx, pdf, html "
                   "(default: md, docx, pdf).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path),
              help="Output folder (default: PROJECT/build).")
@click.option("--clean", is_flag=True,
              help="The clean text: no brackets or bis/ter labels, dropped alternatives left out.")
@click.option("--only", "only", multiple=True, metavar="STATUSES",
              help="Keep only paragraphs and recommendations of these statuses, "
                   "comma-separated: agreed, proposed, bracketed, dropped.")
@click.option("--comments", is_flag=True,
              help="DOCX: a Word comment on each recommendation naming who proposed and "
                   "supported it.")
@click.option("--rev", metavar="REV",
              help="Build the report as it was at this git revision (a tag, a branch, HEAD~2).")
@click.option("--lang", "language", metavar="LANG",
              help="Build one language (fr, ar, zh, ...) into OUTDIR/LANG/, or 'all' of the "
                   "report's languages (default: the original language, into OUTDIR).")
@click.option("--force", is_flag=True,
              help="Rebuild every output, even those whose inputs did not change.")
def build(project: Path, formats: tuple[str, ...], output: Path | None, clean: bool,
          only: tuple[str, ...], comments: bool, rev: str | None, language: str | None,
          force: bool) -> None:
    """Build PROJECT's report (default: here) as Markdown, DOCX and PDF.

    Checks the sources first and builds nothing if they have errors. Outputs
    are written only when every document was made, so a failed build leaves
    the previous ones intact.

    \b
    Example:
      wgec build
      wgec build --to docx -o /tmp/out
      wgec build --to html        # one self-contained page for a website
      wgec build --clean --only agreed -o agreed   # only the agreed text, clean
      wgec build --rev round-1 -o build/round-1    # the documents of a git revision
      wgec build --lang fr        # the French documents, in build/fr/
      wgec build --lang all       # every language of the report, two at a time
    """
    from .build import build_project, parse_formats, parse_statuses
    from .options import RenderOptions

    chosen = _option(parse_formats, formats, "--to")
    options = RenderOptions(clean=clean, only=_option(parse_statuses, only, "--only"),
                            comments=comments)
    _refuse_unsafe_output(output, project, folder=True)
    if language == "all":
        _build_all_languages(project, chosen, output, options, rev, force)
        return
    with _LongBuild() as progress:
        result = build_project(project, chosen, output, on_step=progress.step, options=options,
                               rev=rev, language=language, force=force)
    errors = _console(stderr=True)
    for warning in result.warnings:
        _print_text(errors, warning, result.texts)
    out = _console()
    for line in _columns([(step.name, f"{step.seconds * 1000:.0f} ms") for step in result.steps]):
        out.print(escape(line))
    _print_words(out, result.words, result.word_limit)
    for path in result.outputs:
        if path.suffix.lstrip(".") in result.up_to_date:
            out.print(f"[green]✓[/] {escape(str(path))} is up to date")
        else:
            out.print(f"[green]✓[/] wrote {escape(str(path))}")
    if result.fallbacks:
        out.print(f"[yellow]![/] {_count(result.fallbacks, 'text')} not yet translated into "
                  f"{result.language}: shown in the original language, marked *")
    out.print(f"built {_count(len(result.outputs), 'file')} in {result.seconds:.2f} s")


def _print_words(out: _Terminal, words: Mapping[str, int], limit: int) -> None:
    """Words per top-level section and annex, and the total against the word limit."""
    total = sum(words.values())
    rows = [("section", "words"), *((name, f"{count:,}") for name, count in words.items()),
            ("total", f"{total:,} of {limit:,}")]
    lines = _columns(rows)
    for line in lines[:-1]:
        out.print(escape(line))
    style = "bold red" if total > limit else "bold"
    out.print(f"[{style}]{escape(lines[-1])}[/]")


def _columns(rows: list[tuple[str, str]]) -> list[str]:
    """Two columns, the first aligned left and the second right, as plain lines.

    Plain text rather than a rich table: importing rich cost every build about
    30 ms, a third of its start-up.
    """
    if not rows:
        return []
    left = max(len(name) for name, _ in rows)
    right = max(len(value) for _, value in rows)
    return [f"{name:<{left}}  {value:>{right}}" for name, value in rows]


def _build_all_languages(project: Path, formats: list[str], output: Path | None,
                         options: Any, rev: str | None, force: bool) -> None:
    """Every language of the report, with a progress bar; a summary line per language."""
    import time

    from .build import BuildResult

    out = _console()
    started = time.perf_counter()

    def done(language: str, result: BuildResult) -> None:
        note = (f", {result.fallbacks} texts not yet translated (marked *)"
                if result.fallbacks else "")
        folder = result.outputs[0].parent if result.outputs else ""
        out.print(f"[green]✓[/] {language}: {_count(len(result.outputs), 'file')} in "
                  f"{escape(str(folder))}{note}")

    results = _languages_with_progress(project, formats, output, options, rev, force, done)
    _print_warnings(_console(stderr=True), list(results.values()))
    out.print(f"built {_count(len(results), 'language')} in "
              f"{time.perf_counter() - started:.2f} s")


def _languages_with_progress(project: Path, formats: list[str], output: Path | None,
                             options: Any, rev: str | None, force: bool,
                             on_done: Callable[[str, Any], None] | None = None) -> dict[str, Any]:
    """Every language of the report, built under a progress bar (gone when done)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .build import BuildResult, build_languages

    with Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=_rich_console(stderr=True),
                  transient=True) as progress:
        task = progress.add_task("", total=None)

        def done(language: str, result: BuildResult) -> None:
            progress.update(task, advance=1, description=language)
            if on_done is not None:
                on_done(language, result)

        return build_languages(project, None, formats, output, options, rev, on_done=done,
                               force=force)


def _print_warnings(errors: _Terminal, results: list[Any]) -> None:
    """The warnings of one build or several (languages): each once, in file order."""
    warnings = {w for r in results for w in r.warnings}
    texts = results[0].texts if results else {}
    for warning in sorted(warnings, key=Diagnostic.sort_key):
        _print_text(errors, warning, texts)


def run() -> None:
    """The `wgec` command: `main`, then an exit that skips Python's shutdown.

    Every command has written and closed its files before it returns. What is
    left is what Python's shutdown would do and matters: wait for the threads
    that are not daemons (a `--lang all` worker finishing a write after a
    second Ctrl-C), flush what was printed, remove typst's working files. SIGTERM
    stops a command as Ctrl-C does, so that these happen then too. The
    process then ends with `os._exit`, without the rest of the shutdown, which
    frees typst's caches and every module one by one (50 ms of a 400 ms build,
    measured), and which must not run while typst is still priming on a daemon
    thread: a build whose sources fail leaves the priming going, and waiting
    for it would hold back the errors' exit by as long.
    """
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    _usable_standard_streams()
    try:
        main()
        code: object = EXIT_OK
    except SystemExit as done:
        code = done.code
    try:
        _tidy_up()
    except KeyboardInterrupt:  # Ctrl-C while a write finishes: it still finishes
        code = EXIT_INTERRUPTED
        with contextlib.suppress(KeyboardInterrupt):
            _tidy_up()
    _exit_now(code)


def _usable_standard_streams() -> None:
    """Output that cannot be shown is never an error of the command's: a closed
    stdout or stderr (`>&-`) becomes the null device, and a character the terminal's
    encoding lacks (`→` in cp1252, a file name's undecodable bytes) is shown as `?`."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
        elif hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream
                stream.reconfigure(errors="replace")


def _tidy_up() -> None:
    """Wait for the threads that are not daemons, then remove typst's working files."""
    for thread in threading.enumerate():
        if not thread.daemon and thread is not threading.current_thread():
            thread.join()
    build = sys.modules.get("wgec_report.build")  # not imported: nothing was built
    if build is not None:
        build.abandon_typesetters()


def _exit_now(code: object) -> NoReturn:
    if code is not None and not isinstance(code, int):  # sys.exit("message")
        print(code, file=sys.stderr)
        code = EXIT_FAILED
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`), a closed file
            stream.flush()
    os._exit(code or EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    run()
