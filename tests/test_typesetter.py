"""typst kept from one build to the next: primed with the last build's Typst, never
changing a byte of the PDF, leaving nothing behind however the process ends."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from wgec_report import build, cache, convert
from wgec_report.cli import main
from wgec_report.convert import Typesetter, typst_imports, typst_to_pdf
from wgec_report.errors import ConversionError, Location
from wgec_report.files import display_path, user_cache_folder
from wgec_report.resources import default_templates_dir

WHEN = datetime.datetime(2018, 10, 1, tzinfo=datetime.UTC)
PARAGRAPH = ("The Tunis Agenda recognized the need for enhanced cooperation in the future, "
             "to enable governments, on an equal footing, to carry out their roles.")


def document(first_words: str = "") -> str:
    """Typst like pandoc's: wrapped lines, footnotes, and many paragraphs after the edit."""
    paragraphs = [f"{first_words}{PARAGRAPH}#footnote[Tunis Agenda, para. 69.]"]
    paragraphs += [f"+ {PARAGRAPH} ({n})" for n in range(60)]
    return '#set text(font: "Liberation Serif")\n\n' + "\n\n".join(paragraphs) + "\n"


@pytest.fixture(autouse=True)
def fresh_typesetters() -> None:
    build._close_typesetters()  # each test starts as a new process would


def test_a_primed_typesetter_makes_the_same_pdf_as_a_fresh_one() -> None:
    before, after = document(), document("As an editor added, rewrapping the lines: ")
    with Typesetter(before.encode()) as primed:
        assert primed.pdf(after, WHEN) == typst_to_pdf(after, WHEN)
        assert primed.pdf(before, WHEN) == typst_to_pdf(before, WHEN)  # and back


def test_a_primer_that_does_not_compile_is_no_primer() -> None:
    for primer in (b"#let broken = (", b"\xff\xfe not UTF-8", b""):
        with Typesetter(primer) as typesetter:
            assert typesetter.pdf(document(), WHEN) == typst_to_pdf(document(), WHEN)


def test_the_markup_can_read_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the PDF")
    with Typesetter() as typesetter, pytest.raises(ConversionError, match="file not found"):
        typesetter.pdf(f'#read("{secret}")')


def test_the_markup_can_read_no_typst_package_of_the_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "data" / "typst" / "packages" / "local" / "notes" / "0.1.0"
    package.mkdir(parents=True)
    (package / "lib.typ").write_text('#let notes = "the user\'s own notes"\n')
    (package / "typst.toml").write_text(
        '[package]\nname = "notes"\nversion = "0.1.0"\nentrypoint = "lib.typ"\n')
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with Typesetter() as typesetter, pytest.raises(ConversionError, match="package not found"):
        typesetter.pdf('#import "@local/notes:0.1.0": notes\n#notes')


def test_a_closed_typesetter_leaves_no_folder() -> None:
    with Typesetter(document().encode()) as typesetter:
        typesetter.pdf(document())
        assert typesetter.main.is_file()
    assert not typesetter.main.parent.exists()


class Panic(BaseException):
    """What pyo3 raises when typst panics: not an Exception."""


def test_a_primer_that_makes_typst_panic_is_no_primer(monkeypatch: pytest.MonkeyPatch) -> None:
    made = Typesetter._new_compiler
    compilers: list[object] = []

    class Panicking:
        def compile(self, **_: object) -> bytes:
            raise Panic("typst panicked")

    def first_panics(self: Typesetter) -> object:
        compilers.append(Panicking() if not compilers else made(self))
        return compilers[-1]

    monkeypatch.setattr(Typesetter, "_new_compiler", first_panics)
    with Typesetter(document().encode()) as typesetter:  # no Panic escapes
        assert typesetter.pdf(document(), WHEN) == typst_to_pdf(document(), WHEN)
    assert len(compilers) == 3  # the panicking one, its replacement, typst_to_pdf's


def built_typst(project: Path) -> bytes:
    primer = cache.primer_path(project, project / "build", "")
    assert primer is not None
    return primer.read_bytes()


@pytest.fixture
def primers(monkeypatch: pytest.MonkeyPatch) -> list[bytes | None]:
    """The primer each new typesetter is given, in order."""
    given: list[bytes | None] = []
    made = Typesetter.__init__

    def spy(self: Typesetter, primer: bytes | None = None, main: Path | None = None) -> None:
        given.append(primer)
        made(self, primer, main)

    monkeypatch.setattr(Typesetter, "__init__", spy)
    return given


def test_a_build_is_primed_with_the_last_builds_typst(project: Path,
                                                      primers: list[bytes | None]) -> None:
    build.build_project(project, formats=["pdf"])
    last = built_typst(project)
    assert b"Enhanced Cooperation" in last  # the report's Typst, kept for the next build
    build._close_typesetters()  # a new process
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the UN GA", 1))
    build.build_project(project, formats=["pdf"])
    assert primers == [None, last]  # nothing the first time; then the last build's
    assert built_typst(project) != last  # this build's Typst, for the next


def test_another_project_built_into_the_folder_is_not_primed_with_this_one(
        project: Path, tmp_path: Path, primers: list[bytes | None]) -> None:
    import shutil

    out = tmp_path / "shared-out"
    build.build_project(project, formats=["pdf"], out_dir=out)
    other = tmp_path / "other"
    shutil.copytree(project / "sources", other / "sources")
    build._close_typesetters()
    build.build_project(other, formats=["pdf"], out_dir=out)
    build._close_typesetters()
    build.build_project(project, formats=["pdf"], out_dir=out, force=True)
    first, of_other, again = primers
    assert first is None and of_other is None  # nothing kept for the other project
    assert again is not None and b"Enhanced Cooperation" in again  # this one's own


def test_builds_in_one_process_keep_their_typesetter(project: Path, tmp_path: Path) -> None:
    """`wgec watch`: the typesetter that made the last PDF makes the next one."""
    build.build_project(project, formats=["pdf"])
    key = (str(project.resolve()), str((project / "build").resolve()), "")
    first = build._TYPESETTERS[key]
    build.build_project(project, formats=["pdf"], force=True)
    assert build._TYPESETTERS[key] is first
    for n in range(build.KEPT_TYPESETTERS):  # other folders push the first one out
        build.build_project(project, formats=["pdf"], out_dir=tmp_path / f"out{n}")
    assert first not in build._TYPESETTERS.values()
    assert len(build._TYPESETTERS) == build.KEPT_TYPESETTERS
    build._close_typesetters()  # pushed out, it may have been in use: its file goes at exit
    assert not first.main.parent.exists()


def test_a_primed_build_makes_the_pdf_a_fresh_one_makes(project: Path, tmp_path: Path) -> None:
    build.build_project(project, formats=["pdf"])
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the UN GA", 1))
    build._close_typesetters()
    primed = build.build_project(project, formats=["pdf"]).outputs[0].read_bytes()
    for primer in (user_cache_folder(cache.PRIMERS_FOLDER) or tmp_path).glob("*.typ"):
        primer.unlink()
    build._close_typesetters()
    fresh = build.build_project(project, formats=["pdf"], out_dir=tmp_path / "fresh")
    assert fresh.outputs[0].read_bytes() == primed


def test_only_the_most_recent_primers_are_kept(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paths = [cache.primer_path(tmp_path, tmp_path / f"out{n}", "")
             for n in range(cache.KEPT_PRIMERS + 3)]
    for n, path in enumerate(paths):
        assert path is not None
        cache.keep_primer(path, f"= Report {n}")
        os.utime(path, ns=(n * 10**9, n * 10**9))  # written one second apart
    kept = sorted(p for p in paths if p is not None and p.exists())
    assert kept == sorted(p for p in paths[3:] if p is not None)
    assert not list(kept[0].parent.glob(".*.tmp"))


def test_trimming_removes_only_what_wgec_wrote(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paths = [cache.primer_path(tmp_path, tmp_path / f"out{n}", "")
             for n in range(cache.KEPT_PRIMERS + 1)]
    assert paths[0] is not None
    folder = paths[0].parent
    mine = [folder / "chapter.typ", folder / "notes.txt"]
    for own in mine:
        own.write_text("the user's own")
        os.utime(own, ns=(0, 0))  # older than any primer
    unfinished = folder / f".{paths[0].name}.12345.tmp"
    unfinished.write_text("= half a report")  # a build killed while it wrote
    os.utime(unfinished, (1, 1))
    for path in paths:
        assert path is not None
        cache.keep_primer(path, "= Report")
    assert all(own.exists() for own in mine)
    assert not unfinished.exists()


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Else trimming the primers would remove files in the folder it points to."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    elsewhere = tmp_path / "chapters"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "cache" / "wgec").mkdir(parents=True)
    (tmp_path / "cache" / "wgec" / cache.PRIMERS_FOLDER).symlink_to(elsewhere)
    assert user_cache_folder(cache.PRIMERS_FOLDER) is None
    assert cache.primer_path(tmp_path, tmp_path / "out", "") is None


def test_a_primer_that_cannot_be_written_is_none(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("a file where the cache folder would be")
    assert cache.primer_path(tmp_path, tmp_path / "out", "") is None
    path = tmp_path / "missing-folder" / "x.typ"
    cache.keep_primer(path, "= Report")  # no error
    assert not path.exists()


def wgec(project: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.run([sys.executable, "-m", "wgec_report.cli", "build", str(project), *args],
                          capture_output=True, text=True, env=environment, check=False)


def test_the_command_on_broken_sources_leaves_nothing_behind(
        project: Path, tmp_path: Path) -> None:
    """The sources fail while typst is (most likely) still priming: `wgec` exits 1 with
    the errors printed and removes typst's folder; so does a good build."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    assert wgec(project, tmp).returncode == 0
    assert list(tmp.iterdir()) == []
    section = project / "sources" / "sections" / "introduction.yaml"
    section.write_text(section.read_text().replace("id: introduction", "id: Intro Duction"))
    done = wgec(project, tmp)
    assert done.returncode == 1
    assert "error[bad-id]" in done.stderr
    assert "nothing was built" in done.stderr
    assert list(tmp.iterdir()) == []


# ------------------------------------------------- what a PDF template may not import

def test_imports_in_typst_markup_are_found_where_they_stand() -> None:
    markup = "\n".join([
        '// #import "@preview/commented:1.0.0"',                # 1: a line comment
        '#let home = "https://un.org" // #include "x.typ"',     # 2: // in a string, then one
        '#import "@preview/example:0.1.0": add',                # 3
        '/* #include "in-a-block.typ"',                         # 4: a block comment ...
        '*/ #include "part.typ"',                               # 5: ... closed before this
        "#{",
        '  import "@local/mine:1.0.0"; include "d.typ"',        # 7: code: two statements
        "}",
        'We import "quoted words" in prose.',                   # 9: prose, not an import
        '#my-import("x")',                                       # 10: another name
        "#import calc: pow, sqrt",                               # 11: Typst's own modules
        "#import std.calc: pow",                                 # 12
        '#let pkg = "@prev" + "iew/cetz:0.3.4"',                 # 13
        "#import pkg: canvas",                                   # 14: what is pkg?
        '#import ("@pre" + "view/y:1.0.0"): z',                  # 15: an expression
        '#import ("@preview/x:1.0.0") as x',                     # 16: a name in brackets
        "#text[Issued separately; include them when circulating.]",  # 17: words
        "include the annexes; and so on",                        # 18: words
        "Circulate the draft to delegations; include annexes.",  # 19: words
    ])
    found = [(at.line, at.column, at.end_column, at.name, at.quoted)
             for at in typst_imports(markup)]
    assert found == [
        (3, 9, 33, "@preview/example:0.1.0", True),
        (5, 13, 23, "part.typ", True),
        (7, 10, 29, "@local/mine:1.0.0", True),
        (7, 39, 46, "d.typ", True),
        (14, 9, 12, "pkg", False),
        (15, 9, 34, '("@pre" + "view/y:1.0.0")', False),
        (16, 10, 28, "@preview/x:1.0.0", True),
    ]
    assert [at.is_package for at in typst_imports(markup)] == [
        True, False, True, False, False, False, True]


def test_the_default_pdf_template_imports_nothing() -> None:
    template = default_templates_dir() / build.TYPST_TEMPLATE
    assert typst_imports(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("line", "column", "expected"), [
    ('#import "@preview/example:0.1.0": add', 9,
     'the PDF template imports the Typst package "@preview/example:0.1.0", '
     "which typst would download"),
    ('#include "letterhead.typ"', 10,
     'the PDF template imports "letterhead.typ", a file the typesetter cannot read'),
    ('#import ("@prev" + "iew/example:0.1.0"): add', 9,
     'the PDF template imports from ("@prev" + "iew/example:0.1.0"), which could name a '
     "Typst package or file: only Typst's own modules (calc, sym, ...) may be imported by "
     "name"),
])
def test_a_pdf_template_that_imports_stops_the_build_before_any_conversion(
        project: Path, monkeypatch: pytest.MonkeyPatch, line: str, column: int,
        expected: str) -> None:
    """typst would download the package (HAZARDS: the network; a PDF that differs from
    one machine to the next), or look for the file in its empty folder: a located error
    instead, with the outputs of the last build left as they were."""
    assert CliRunner().invoke(main, ["build", str(project), "--to", "pdf"]).exit_code == 0
    before = (project / "build" / "report.pdf").read_bytes()
    default = (default_templates_dir() / build.TYPST_TEMPLATE).read_text(encoding="utf-8")
    lines = default.splitlines()
    lines.insert(20, line)
    (project / "templates").mkdir()
    (project / "templates" / build.TYPST_TEMPLATE).write_text("\n".join(lines) + "\n")

    def no_conversion(*args: object) -> bytes:
        raise AssertionError("pandoc ran")

    with monkeypatch.context() as patched:
        patched.setattr(convert, "_run", no_conversion)
        result = CliRunner().invoke(main, ["build", str(project), "--to", "docx,pdf"])
    assert result.exit_code == 1
    assert f"templates/report.typ:21:{column}: error[typst-import]: {expected}" in result.stderr
    assert "hint: the PDF is typeset offline from report.typ" in result.stderr
    assert (project / "build" / "report.pdf").read_bytes() == before
    assert not (project / "build" / "report.docx").exists()

    (project / "templates" / build.TYPST_TEMPLATE).write_text(default)  # taken out: builds
    assert CliRunner().invoke(main, ["build", str(project), "--to", "pdf"]).exit_code == 0


# ------------------------------------------------- what typst says of a PDF template

def project_typst_template(project: Path, edit: Callable[[list[str]], None]) -> list[str]:
    """The default PDF template, edited, as the project's own; its lines."""
    lines = (default_templates_dir() / build.TYPST_TEMPLATE).read_text().splitlines()
    edit(lines)
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / build.TYPST_TEMPLATE).write_text("\n".join(lines) + "\n")
    return lines


def test_typst_warnings_are_said_where_the_template_gives_cause_and_again_by_a_replay(
        project: Path) -> None:
    """A font wgec does not ship: typst sets the text in another, and says so; so does
    wgec, at the template's line, whenever the PDF is asked for, until it is made again."""
    def add_a_font(lines: list[str]) -> None:
        at = next(i for i, line in enumerate(lines) if line.strip().startswith('("Liberation'))
        lines[at] = lines[at].replace('("Liberation Serif"', '("Comic Sans MS", "Liberation Serif"')

    lines = project_typst_template(project, add_a_font)
    uses = next(n for n, line in enumerate(lines, 1) if "#set text(font: wgec-fonts" in line)
    said = (f"templates/report.typ:{uses}:{lines[uses - 1].index('wgec-fonts') + 1}: "
            "warning[typst-warning]: unknown font family: comic sans ms")
    first = CliRunner().invoke(main, ["build", str(project)])
    assert first.exit_code == 0  # a warning: the PDF is made
    assert said in first.stderr
    replay = CliRunner().invoke(main, ["build", str(project)])
    assert "is up to date" in replay.stdout and said in replay.stderr
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the GA", 1))
    docx_only = CliRunner().invoke(main, ["build", str(project), "--to", "docx"])
    assert said not in docx_only.stderr  # of the PDF only
    pdf_up_to_date = CliRunner().invoke(main, ["build", str(project), "--to", "md,pdf"])
    assert said in pdf_up_to_date.stderr  # made again, and said again
    project_typst_template(project, lambda lines: None)  # the default's fonts again
    fixed = CliRunner().invoke(main, ["build", str(project)])
    assert "typst-warning" not in fixed.stderr


def test_a_typst_error_in_the_template_is_located_there(project: Path) -> None:
    lines = project_typst_template(project, lambda lines: lines.append("#foo()"))
    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])
    assert result.exit_code == 1
    assert (f"templates/report.typ:{len(lines)}:2: error[typst-error]: unknown variable: foo"
            in result.stderr)
    assert not (project / "build").exists()


def test_a_typst_message_from_a_line_the_template_does_not_hold_quotes_it(
        tmp_path: Path) -> None:
    template = tmp_path / "report.typ"
    template.write_text("#let title = [$title$]\n$body$\n")
    typst = "#let title = [Draft report]\nSome text\n"
    said = convert.TypstMessage("unknown variable: x", 1, 5)
    assert build._typst_place(template, typst, said) == (
        Location(display_path(template)),
        "unknown variable: x (line 1 of the Typst made from the template and the sources: "
        "#let title = [Draft report])")
    same = convert.TypstMessage("a warning", 2, 1)
    template.write_text("Some text\n$body$\nSome text\n")  # twice: which one is not known
    assert build._typst_place(template, typst, same)[0] == Location(display_path(template))
    template.write_text("Some text\n$body$\n")
    assert build._typst_place(template, typst, same)[0] == Location(
        display_path(template), 1, 1)


TYPST = """#heading(level: 1, numbering: none)[1. Introduction]
<sec-introduction>
A paragraph of the section, no item.

+ #block[
  The first numbered paragraph,
  on two lines.

  - a list in it

  ] <para-first>

+ #block[
  A paragraph with no id.
  ]

#heading(level: 2, numbering: none)[A. Recommendations]
<sec-recommendations>
+ #block[
  To invite.
  ] <rec-invite>
"""


@pytest.mark.parametrize(("line", "labels"), [
    ("A paragraph of the section", ["sec-introduction"]),
    ("+ #block[", ["para-first", "sec-introduction"]),  # the item's first line
    ("on two lines.", ["para-first", "sec-introduction"]),
    ("  - a list in it", ["para-first", "sec-introduction"]),
    ("  ] <para-first>", ["para-first", "sec-introduction"]),
    ("A paragraph with no id.", ["sec-introduction"]),  # not the next item's label
    ("To invite.", ["rec-invite", "sec-recommendations"]),
    ("#heading(level: 1", []),  # before any section's label
])
def test_a_line_of_the_typst_is_traced_to_the_places_it_was_made_from(
        line: str, labels: list[str]) -> None:
    lines = TYPST.splitlines()
    number = next(n for n, text in enumerate(lines, 1) if text.strip().startswith(line.strip()))
    if line == "+ #block[":
        number = lines.index("+ #block[", 0) + 1
    assert build._labels_around(lines, number) == labels


@pytest.mark.parametrize(("typst", "path", "written", "at"), [
    ("Enhanced cooperation in international public policy", "recommendations.yaml",
     "Enhanced cooperation in international public policy", "en: "),
    ("Internet.#footnote[Tunis Agenda", "sections/background.yaml",
     "the Internet.[@tunis-agenda:58]", "text: "),
    ("Includes relevant references to the Tunis", "sections/background.yaml",
     "Includes relevant references to the Tunis", "id: "),  # a drafting note: the section
])
def test_a_typst_error_in_the_typst_of_the_sources_is_located_in_them(
        project: Path, monkeypatch: pytest.MonkeyPatch, typst: str, path: str, written: str,
        at: str) -> None:
    """Typst the check has no rule for yet fails on the text of a paragraph (located at
    that text, in the language built) or of a section's other parts (at the section)."""
    def failing(self: Typesetter, source: str, timestamp: object = None) -> bytes:
        number = next(n for n, line in enumerate(source.splitlines(), 1) if typst in line)
        raise convert.TypstFailure(convert.TypstMessage("unexpected argument", number, 3))

    monkeypatch.setattr(convert.Typesetter, "pdf", failing)
    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])

    assert result.exit_code == 1
    source = project / "sources" / path
    lines = source.read_text(encoding="utf-8").splitlines()
    words = next(n for n, line in enumerate(lines) if written in line)
    line = max(n for n, text in enumerate(lines[:words + 1], 1) if text.lstrip().startswith(at))
    headline = next(row for row in result.stderr.splitlines() if "typst-error" in row)
    assert headline.startswith(f"{display_path(source)}:{line}:")
    assert "unexpected argument (in the Typst made from " in headline
    assert not (project / "build").exists()


def test_typst_cannot_reach_the_network_whatever_the_template_does(project: Path) -> None:
    """An import no scan of the template can see (its name computed, the keyword made
    by `eval`): typst tries to download the package, and is refused at once, whatever
    the machine's network. A located error, nothing written."""
    def computed_import(lines: list[str]) -> None:
        lines += ['#let target = "@prev" + "iew/example:0.1.0"',
                  '#eval("im" + "port target: *", scope: (target: target))']

    lines = project_typst_template(project, computed_import)
    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])
    assert result.exit_code == 1
    assert (f"templates/report.typ:{len(lines)}:7: error[typst-error]: the PDF template "
            "imports a Typst package, which typst would download; wgec typesets offline"
            in result.stderr)
    assert "Connection refused" in result.stderr  # by the proxy wgec sets, not by DNS
    assert not (project / "build").exists()


def test_the_network_is_cut_off_once_and_for_every_tool(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wgec_report import tools

    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    tools.cut_off_the_network()
    assert all(os.environ[name] == tools.NO_NETWORK_PROXY for name in (
        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"))
    assert "NO_PROXY" not in os.environ and "no_proxy" not in os.environ


def default_report_with(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the default report, each named source file's first `old` made `new`."""
    from .conftest import REPO

    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    for name, (old, new) in edits.items():
        path = project / "sources" / name
        text = path.read_text(encoding="utf-8")
        assert old in text, name
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return project


def pdf_text_of_default_report_with(tmp_path: Path,
                                    edits: dict[str, tuple[str, str]]) -> str:
    """The PDF's text of `default_report_with(edits)`, built by the CLI (which must pass).
    typst maps its one hyphen glyph to U+00AD, the hyphenation's, and a hard hyphen to
    "-" only by /ActualText, which pypdf does not read (pdftotext does): made "-" here."""
    from .conftest import pdf_text

    project = default_report_with(tmp_path, edits)
    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])
    assert result.exit_code == 0, result.output
    return pdf_text(project / "build" / "report.pdf").replace("\xad", "-")


def test_a_slash_that_opens_a_line_or_a_block_is_text_in_the_pdf(tmp_path: Path) -> None:
    """`/ x` opens a term list in Typst at a line's or a content block's start, which
    pandoc's Typst writer does not escape: typst failed with "expected colon" on a
    title, a level's name, a list item, a note or a link's text that began so."""
    from .conftest import pdf_text

    edits = {
        "report.yaml": ("  en: Draft report of the Working Group",
                        "  en: / Draft report of the Group"),
        "levels.yaml": ("      en: Infrastructural", "      en: / Infrastructural"),
        "recommendations.yaml": ("To invite UN GA to consider",
                                 "To invite ^[/ a note] [/ a link](#sec-background) UN GA to"
                                 " consider"),
        "sections/background.yaml": ("    text: >-\n", "    text: >-\n      - / an item\n\n"),
    }
    project = default_report_with(tmp_path, edits)

    result = CliRunner().invoke(main, ["build", str(project), "--to", "md,pdf"])

    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(project / "build" / "report.pdf").split())
    for shown in ("/ Draft report of the Group", "/ Infrastructural", "/ a note", "/ a link",
                  "/ an item"):
        assert shown in text, shown
    assert "\\/" not in text


def test_a_lone_dash_plus_or_equals_that_opens_a_block_is_text_in_the_pdf(
        tmp_path: Path) -> None:
    """`- `, `+ ` and `= ` open a list, a numbered list and a heading in Typst at the
    start of a content block, where pandoc's Typst writer leaves them as they are: a
    level named "- Infrastructural" was a bullet in its table and its caption, a title
    "= Introduction" lost its `=`, a link's text became a list."""
    edits = {
        "report.yaml": ("  en: Draft report of the Working Group",
                        "  en: + Draft report of the Group"),
        "levels.yaml": ("      en: Infrastructural", "      en: '- Infrastructural'"),
        "sections/introduction.yaml": ("  en: Introduction", "  en: '= Introduction'"),
        "recommendations.yaml": ("To invite UN GA to consider",
                                 "To invite ^[= a note] [+ a link](#sec-background) UN GA to"
                                 " consider"),
    }

    text = " ".join(pdf_text_of_default_report_with(tmp_path, edits).split())
    for shown in ("+ Draft report of the Group", "Table 1: - Infrastructural level",
                  "- Infrastructural level ITU", "1. = Introduction", "= a note",
                  "+ a link"):
        assert shown in text, shown
    assert "• Infrastructural" not in text and "\\" not in text


def test_a_number_and_stop_that_opens_a_block_is_text_in_the_pdf(tmp_path: Path) -> None:
    """`1. ` opens a numbered list in Typst at the start of a content block, where
    pandoc's Typst writer leaves it: a link's text "2. a link" went onto a line of its
    own, a note's text below its number, a table cell's and a caption's text was an
    indented item. (Headings join their number with a no-break space instead.)"""
    edits = {
        "levels.yaml": ("      en: Infrastructural", "      en: 3. Infrastructural"),
        "recommendations.yaml": ("To invite UN GA to consider",
                                 "To invite ^[1. a note] [2. a link](#sec-background) UN GA"
                                 " to consider"),
    }

    lines = [" ".join(line.split())
             for line in pdf_text_of_default_report_with(tmp_path, edits).split("\n")]
    assert any("To invite" in line and "2. a link UN GA" in line for line in lines), lines
    assert any(re.fullmatch(r"\d+1\. a note", line) for line in lines), lines
    assert "Table 1: 3. Infrastructural level: focus areas" in lines, lines
    assert any(line.startswith("3. Infrastructural level ITU") for line in lines), lines


def test_a_heading_whose_title_starts_with_a_number_and_stop_is_text_in_the_pdf(
        tmp_path: Path) -> None:
    """Without section numbers, a title "3. Introduction" made a numbered list of the
    heading: its contents entry broke in two, its leaders and page on the next line.
    The escape filter had not run for it (only for cells, notes and links)."""
    edits = {"report.yaml": ("heading_numbers: arabic", "heading_numbers: none\ntoc: true"),
             "sections/introduction.yaml": ("  en: Introduction", "  en: 3. Introduction")}

    contents = pdf_text_of_default_report_with(tmp_path, edits).partition("Contents")[2]

    assert re.search(r"^3\. Introduction[ .]+1$", contents, flags=re.M), contents[:300]


@pytest.mark.parametrize("title", ["- A title", "+ A title", "= A title", "/ A title",
                                   "1. A title", "12. A title"])
def test_a_title_that_starts_as_typst_markup_is_text_in_the_pdf(
        tmp_path: Path, title: str) -> None:
    """A field given to pandoc as metadata (the title, the meeting) is no Markdown, and
    its `- ` no list marker: the filter that escapes it was not run for it alone, and
    the title was a bullet or a numbered item."""
    from .conftest import pdf_text

    project = default_report_with(tmp_path, {"report.yaml": (
        "  en: Draft report of the Working Group on Enhanced Cooperation",
        f"  en: '{title}'")})

    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])

    assert result.exit_code == 0, result.output
    lines = pdf_text(project / "build" / "report.pdf").replace("\xad", "-").split("\n")
    shown = [line.strip() for line in lines if "A title" in line]
    assert len(shown) > 2 and set(shown) == {title}  # the masthead, each page's header


def test_a_long_run_without_spaces_breaks_within_the_margins(tmp_path: Path) -> None:
    """typst breaks lines only at spaces and hyphens: a URL or an identifier longer
    than the line ran past the right margin, and a shorter one out of its table cell.
    A run of 40 characters or more may now break anywhere; a shorter one does not."""
    from .conftest import pdf_text

    url = "https://www.example.org/" + "/".join(f"part{i:02d}" for i in range(20))
    cell = "x" * 45
    short = "y" * 39
    edits = {
        "recommendations.yaml": ("To invite UN GA to consider",
                                 f"To invite UN GA ({url}) to consider {short}"),
        "levels.yaml": ("      en: Infrastructural", f"      en: Infra{cell}"),
    }
    project = default_report_with(tmp_path, edits)

    result = CliRunner().invoke(main, ["build", str(project), "--to", "pdf"])

    assert result.exit_code == 0, result.output
    lines = pdf_text(project / "build" / "report.pdf").splitlines()
    joined = "".join(lines)
    assert url in joined and f"Infra{cell}" in joined  # not a character added or lost
    assert not any(url in line for line in lines)  # broken across lines
    # Within its table cell; the caption, across the page, has room for it.
    assert [line for line in lines if f"Infra{cell}" in line] == [
        f"Table\xa01: Infra{cell} level: focus areas"]
    assert any(short in line for line in lines)  # a shorter run is whole


@pytest.mark.parametrize(("markdown", "title", "set"), [
    ("Words of every length, internationalization.", "Draft", False),
    ("See https://www.example.org/a/long/path/to/a/page.html here.", "Draft", True),
    ("::: {#para-a-paragraph-id-of-more-than-forty-characters .paragraph}\nText.\n:::",
     "Draft", False),
    ("See [it](#para-a-paragraph-id-of-more-than-forty-characters).", "Draft", False),
    ("| a | b |\n|:-----------------------------|:---------------------------------|",
     "Draft", False),
    ("Text", "A-title-of-more-than-forty-characters-with-no-space", True),
    ("加强合作问题工作组报告草稿" * 4, "Draft", True),  # set (the rule leaves it alone)
])
def test_the_long_run_rule_is_set_only_where_a_long_run_may_be_shown(
        monkeypatch: pytest.MonkeyPatch, markdown: str, title: str, set: bool) -> None:
    given: list[Mapping[str, str]] = []

    def recording(markdown: str, writer: str, metadata: Mapping[str, str],
                  extra: list[str]) -> bytes:
        given.append(metadata)
        return b""

    monkeypatch.setattr(convert, "run_pandoc", recording)
    convert.markdown_to_typst(markdown, {"title": title}, Path("report.typ"))
    assert ("long-runs" in given[0]) is set


@pytest.mark.parametrize(("markdown", "title", "filtered"), [
    ("The report of 70/125 and/or http://un.org/x.", "Draft", False),
    ("Text\n\n/ x", "Draft", True),
    ("A [/ link](#a) and *b*/ c", "Draft", True),
    ("Text", "/ Draft", True),
    ("- a list\n- of items\n  + nested\n\n1. numbered, a-b+c=d, x-", "Draft", False),
    ("# \\- Head", "Draft", True),
    ("| 1 | \\+ cell |", "Draft", True),
    ("A [- link](#a)", "Draft", True),
    ("- - an item", "Draft", True),
    ("2003 - 2005", "Draft", True),
    ("= text", "Draft", True),
    ("Text", "= Draft", True),
])
def test_the_escape_filter_runs_only_where_a_word_may_open_typst_markup(
        monkeypatch: pytest.MonkeyPatch, markdown: str, title: str, filtered: bool) -> None:
    given: list[list[str]] = []

    def recording(markdown: str, writer: str, metadata: object, extra: list[str]) -> bytes:
        given.append(extra)
        return b""

    monkeypatch.setattr(convert, "run_pandoc", recording)
    convert.markdown_to_typst(markdown, {"title": title}, Path("report.typ"))
    assert (f"--lua-filter={convert.TYPST_ESCAPES}" in given[0]) is filtered
