"""Near-free rebuilds: exactly the outputs whose inputs changed are made again; `wgec watch`."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.errors import SourceError, TemplateError, WgecError
from wgec_report.watch import Rebuild, is_read_by_wgec, watch_project


def rebuilt(project: Path, **kwargs: object) -> set[str]:
    result = build_project(project, **kwargs)  # type: ignore[arg-type]
    return {p.suffix.lstrip(".") for p in result.outputs} - set(result.up_to_date)


def test_nothing_changed_nothing_rebuilt(project: Path) -> None:
    assert rebuilt(project) == {"md", "docx", "pdf"}
    assert rebuilt(project) == set()
    assert rebuilt(project, force=True) == {"md", "docx", "pdf"}


def test_forcing_one_format_keeps_the_others_current(project: Path) -> None:
    build_project(project)
    assert rebuilt(project, formats=["docx"], force=True) == {"docx"}
    assert rebuilt(project) == set()
    assert rebuilt(project, formats=["md"], force=True) == {"md"}
    assert rebuilt(project, formats=["pdf"]) == set()


def test_a_source_change_rebuilds_every_format(project: Path) -> None:
    build_project(project)
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the General Assembly"))
    assert rebuilt(project) == {"md", "docx", "pdf"}


def test_a_template_change_rebuilds_only_what_uses_it(project: Path) -> None:
    from .conftest import REPO

    build_project(project)
    (project / "templates").mkdir()
    typst = (REPO / "templates" / "report.typ").read_text()
    (project / "templates" / "report.typ").write_text(typst.replace("#v(1em)", "#v(1.1em)", 1))
    assert rebuilt(project) == {"pdf"}
    markdown = (REPO / "templates" / "characteristics.md.j2").read_text()
    (project / "templates" / "characteristics.md.j2").write_text(markdown + "\n")
    assert rebuilt(project) == {"md", "docx", "pdf"}


def test_a_change_to_a_file_a_template_includes_rebuilds(project: Path) -> None:
    """In a subfolder, of any name: what a Jinja2 template includes is in the key."""
    from .conftest import REPO

    partials = project / "templates" / "partials"
    partials.mkdir(parents=True)
    (partials / "closing.md").write_text("Closing words, first draft.\n")
    report = (REPO / "templates" / "report.md.j2").read_text()
    (project / "templates" / "report.md.j2").write_text(
        report + '\n{% include "partials/closing.md" %}\n')
    build_project(project, ["md"])
    (partials / "closing.md").write_text("Closing words, second draft.\n")
    assert rebuilt(project, formats=["md"]) == {"md"}
    assert "second draft" in (project / "build" / "report.md").read_text()


def test_a_default_template_copied_unchanged_rebuilds_nothing(project: Path) -> None:
    """The README's first step to customise a template: nothing changes until it is edited."""
    from .conftest import REPO

    build_project(project)
    (project / "templates").mkdir()
    shutil.copy(REPO / "templates" / "section.md.j2", project / "templates")
    assert rebuilt(project) == set()
    (project / "templates" / "section.md.j2").unlink()
    assert rebuilt(project) == set()


@pytest.mark.parametrize("name", [".section.md.j2.swp", "report.md.j2~", "4913", "sedAb12Cd",
                                  ".#report.md.j2", "partials/.note.md.swp"])
def test_an_editors_temporary_file_among_the_templates_rebuilds_nothing(
        project: Path, name: str) -> None:
    build_project(project)
    scratch = project / "templates" / name
    scratch.parent.mkdir(parents=True)
    scratch.write_text("half an edit")
    assert rebuilt(project) == set()


def test_a_template_named_like_a_temporary_file_is_refused_where_it_is_included(
        project: Path) -> None:
    """Neither in the keys nor watched: so never read, with a word at the include."""
    from .conftest import REPO

    templates = project / "templates"
    templates.mkdir()
    (templates / ".closing.md").write_text("Closing words.\n")
    main = (REPO / "templates" / "report.md.j2").read_text() + '{% include ".closing.md" %}\n'
    (templates / "report.md.j2").write_text(main)
    with pytest.raises(TemplateError) as caught:
        build_project(project, ["md"])
    [diagnostic] = caught.value.diagnostics
    assert "the name of an editor's temporary file" in diagnostic.message
    assert diagnostic.location.path.endswith("report.md.j2")
    assert diagnostic.location.line == main.count("\n")


@pytest.mark.parametrize("name", ["section.md.j2", "report.typ", "reference.docx"])
def test_a_template_linked_out_of_the_project_is_refused_not_replayed(
        project: Path, tmp_path: Path, name: str) -> None:
    from .conftest import REPO

    build_project(project)
    outside = tmp_path / "elsewhere"
    shutil.copy(REPO / "templates" / name, outside)
    (project / "templates").mkdir()
    (project / "templates" / name).symlink_to(outside)
    with pytest.raises(TemplateError, match="leads outside the templates folder"):
        build_project(project)


def test_sources_in_a_folder_linked_out_of_the_project_are_refused_not_replayed(
        project: Path, tmp_path: Path) -> None:
    build_project(project)
    sections = project / "sources" / "sections"
    sections.rename(tmp_path / "sections")
    sections.symlink_to(tmp_path / "sections")
    with pytest.raises(SourceError) as caught:
        build_project(project)
    assert "outside-project" in {d.code for d in caught.value.diagnostics if d.is_error}


def test_a_missing_glyph_is_said_whenever_the_pdf_is_asked_for(project: Path) -> None:
    """Up to date or replayed, the PDF still shows a box for it; the Markdown does not."""
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite UN GA \u2603", 1))

    def glyphs(result: object) -> int:
        return [w.code for w in result.warnings].count("missing-glyph")  # type: ignore[attr-defined]

    assert glyphs(build_project(project)) == 1
    replayed = build_project(project)
    assert replayed.up_to_date == ["md", "docx", "pdf"] and glyphs(replayed) == 1
    assert glyphs(build_project(project, ["md"])) == 0
    assert glyphs(build_project(project, ["md"], force=True)) == 0
    assert glyphs(build_project(project)) == 1  # a replay of the Markdown-only build's check


def test_a_revision_is_known_by_its_files_not_its_name_nor_the_folder(
        committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = committed
    assert rebuilt(project, rev="HEAD") == {"md", "docx", "pdf"}
    assert rebuilt(project, rev="round-1") == set()  # the same commit
    monkeypatch.chdir(tmp_path)
    assert rebuilt(project, rev="round-1") == set()
    assert rebuilt(project) == set()  # the working tree holds the same files


def test_a_cache_that_cannot_be_saved_is_a_warning_once_the_outputs_are_written(
        project: Path) -> None:
    (project / "build" / ".wgec-cache.json").mkdir(parents=True)
    result = build_project(project)
    [unsaved] = [w for w in result.warnings if w.code == "cache-not-saved"]
    assert unsaved.location.path.endswith(".wgec-cache.json")
    assert all(path.stat().st_size > 0 for path in result.outputs)
    assert not [p for p in (project / "build").iterdir() if p.name.endswith(".tmp")]


def test_an_option_change_rebuilds_only_what_depends_on_it(project: Path) -> None:
    from wgec_report.render import RenderOptions

    build_project(project)
    assert rebuilt(project, options=RenderOptions(comments=True)) == {"docx"}
    assert rebuilt(project, options=RenderOptions(comments=True, clean=True)) == {
        "md", "docx", "pdf"}


def test_one_language_does_not_rebuild_another(project: Path) -> None:
    build_project(project)
    assert rebuilt(project, language="fr") == {"md", "docx", "pdf"}
    assert rebuilt(project) == set()
    assert rebuilt(project, language="fr") == set()


def test_an_output_edited_or_deleted_by_hand_is_made_again(project: Path) -> None:
    build_project(project)
    (project / "build" / "report.md").write_text("edited by hand")
    (project / "build" / "report.pdf").unlink()
    assert rebuilt(project) == {"md", "pdf"}
    assert (project / "build" / "report.md").read_text().startswith("---\ntitle:")


def test_a_date_change_rebuilds_what_carries_the_date(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DOCX's properties and the PDF's; the Markdown and HTML carry no date."""
    every = ["md", "docx", "pdf", "html"]
    build_project(project, every)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1516579200")
    assert rebuilt(project, formats=every) == {"docx", "pdf"}
    built = {fmt: (project / "build" / f"report.{fmt}").read_bytes() for fmt in ("md", "html")}
    build_project(project, every, force=True)
    assert built == {fmt: (project / "build" / f"report.{fmt}").read_bytes()
                     for fmt in ("md", "html")}


def test_another_pandoc_or_typst_rebuilds_what_it_makes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wgec_report import tools

    build_project(project)
    real = tools.tool_versions()
    monkeypatch.setattr(tools, "tool_versions", lambda: {**real, "typst": "another"})
    assert rebuilt(project) == {"pdf"}
    monkeypatch.setattr(tools, "tool_versions", lambda: {**real, "pandoc": "another"})
    assert rebuilt(project) == {"docx", "pdf"}
    monkeypatch.setattr(tools, "tool_versions", lambda: {**real, "wgec": "another"})
    assert rebuilt(project) == {"md", "docx", "pdf"}


def test_wgec_is_known_by_its_files_too(tmp_path: Path) -> None:
    """A checkout edited in place (an editable install) keeps its version number: its
    label catalogue, say, changes the documents all the same."""
    from wgec_report import tools

    package = tmp_path / "wgec_report"
    shutil.copytree(Path(tools.__file__).parent / "catalogue", package / "catalogue")
    (package / "__pycache__").mkdir()
    before = tools.package_identity(package)
    (package / "__pycache__" / "tools.cpython-311.pyc").write_bytes(b"compiled")
    assert tools.package_identity(package) == before  # Python's bytecode is no part of it
    french = package / "catalogue" / "fr.yaml"
    french.write_text(french.read_text().replace("officielle", "NON officielle"))
    assert tools.package_identity(package) != before


def test_a_tool_is_known_by_its_installed_binary() -> None:
    from wgec_report.tools import pandoc_path, tool_versions

    versions = tool_versions()
    stat = pandoc_path().stat()
    assert versions["pandoc"] == f"{stat.st_size}-{stat.st_mtime_ns}"
    assert versions["typst"] != "missing"


# A rebuild with nothing changed: recognised from the source bytes, no check -------------


def checks_run(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every check the builds below make."""
    import wgec_report.check as check

    seen: list[Path] = []
    real = check.check_project

    def counting(project: Path) -> check.CheckResult:
        seen.append(project)
        return real(project)

    monkeypatch.setattr(check, "check_project", counting)
    return seen


def test_nothing_changed_skips_the_check_and_says_the_same(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = checks_run(monkeypatch)
    first = build_project(project)
    again = build_project(project)
    assert len(checks) == 1  # the second build never parsed the sources
    assert again.up_to_date == ["md", "docx", "pdf"]
    assert again.outputs == first.outputs
    assert again.warnings == first.warnings  # the same warnings, at the same places
    assert [w.code for w in again.warnings] == ["empty-section", "empty-section"]
    assert list(again.words.items()) == list(first.words.items())  # in the report's order
    assert again.word_limit == first.word_limit
    assert again.texts.keys() >= {w.location.path for w in again.warnings}


@pytest.mark.parametrize("change", ["comment", "new file", "cache", "output"])
def test_any_change_to_the_bytes_goes_back_to_the_check(
    project: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    build_project(project)
    checks = checks_run(monkeypatch)
    levels = project / "sources" / "levels.yaml"
    if change == "comment":  # the same meaning, other bytes
        levels.write_text(levels.read_text() + "# reviewed\n")
    elif change == "new file":
        (project / "sources" / "sections" / "extra.yaml").write_text("id: extra\ntitle: Extra\n")
    elif change == "cache":  # a summary the replay cannot read; the outputs' keys intact
        cache = project / "build" / ".wgec-cache.json"
        cache.write_text(json.dumps({**json.loads(cache.read_text()), "summary": [1]}))
    else:
        (project / "build" / "report.docx").write_bytes(b"edited")
    if change == "new file":  # not in the report's section order: the check says so
        with pytest.raises(SourceError):
            build_project(project)
    else:
        kept = {"comment": [],  # outputs are keyed by the sources' text, comments too
                "cache": ["md", "docx", "pdf"], "output": ["md", "pdf"]}
        assert build_project(project).up_to_date == kept[change]
    assert len(checks) == 1


def test_a_replay_is_per_language_and_per_option(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wgec_report.options import RenderOptions

    build_project(project)
    build_project(project, language="fr")
    checks = checks_run(monkeypatch)
    assert build_project(project, language="fr").outputs[0].parent == project / "build" / "fr"
    assert build_project(project).outputs[0].parent == project / "build"
    assert checks == []
    assert rebuilt(project, options=RenderOptions(clean=True)) == {"md", "docx", "pdf"}
    assert len(checks) == 1


def test_from_another_folder_the_check_runs_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Warnings name files from where wgec runs: a replay from elsewhere would misname them."""
    build_project(project)
    checks = checks_run(monkeypatch)
    monkeypatch.chdir(project)
    result = build_project(project)
    assert len(checks) == 1 and result.up_to_date == ["md", "docx", "pdf"]
    assert all(w.location.path.startswith("sources/") for w in result.warnings)


def test_a_rebuild_with_nothing_changed_loads_no_parser(project: Path) -> None:
    """What makes it cheap: no YAML parser, no Jinja2, no check, no pandoc or typst run."""
    import subprocess
    import sys

    from wgec_report.build import build_project as build

    build(project)
    script = (
        "import sys\n"
        "from wgec_report.cli import main\n"
        "sys.argv = ['wgec', 'build', sys.argv[1]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in ('yaml', 'jinja2', 'wgec_report.check', "
        "'wgec_report.render', 'wgec_report.convert', 'wgec_report.model', 'rich') "
        "if m in sys.modules)\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True,
                          text=True, check=True)
    assert "is up to date" in done.stdout
    assert "LOADED []" in done.stdout
    assert "warning[empty-section]" in done.stderr  # the last build's warnings, again


@pytest.mark.parametrize(("path", "read"), [
    ("sources/report.yaml", True), ("sources/sections/background.YML", True),
    ("templates/report.md.j2", True), ("templates/reference.docx", True),
    ("templates/report.typ", True), ("templates/report.html", True),
    ("templates/glossary.md", True), ("templates/partials/note.md.j2", True),
    ("sources/sedAb12Cd", False), ("sources/.report.yaml.swp", False),
    ("sources/.#report.yaml", False), ("sources/report.yaml~", False),
    ("sources/notes.txt", False), ("sources/old/report.yaml", False),
    ("templates/.report.typ.swp", False), ("templates/sedAb12Cd", False),
    ("templates/4913", False), ("templates/report.typ~", False),
    ("templates/.git/HEAD", False), ("build/report.md", False), ("README.md", False),
    # The folders themselves: made, moved or replaced (a git checkout) under the watch.
    ("templates", True), ("templates/partials", True), ("sources", True),
    ("sources/sections", True), ("sources/old", False),
])
def test_watch_sees_only_what_a_build_reads(tmp_path: Path, path: str, read: bool) -> None:
    assert is_read_by_wgec(tmp_path, str(tmp_path / path)) is read


def test_watch_rebuilds_after_an_edit_and_survives_broken_sources(project: Path) -> None:
    watching = Watching(project)
    try:
        first = watching.wait_for(1)
        assert first.changed == () and first.error is None
        recs = project / "sources" / "recommendations.yaml"
        for temporary in ("sedAb12Cd", ".recommendations.yaml.swp", "recommendations.yaml~"):
            (project / "sources" / temporary).write_text("an editor's temporary file")
        edited_text = recs.read_text().replace("To invite UN GA", "To invite the GA")
        # As Python's and many tools' saves do: a temporary file, renamed over the file.
        temporary = project / "sources" / "tmpq3x9z1ab.yaml"
        temporary.write_text(edited_text)
        temporary.replace(recs)
        edited = watching.wait_for(2)
        assert edited.changed == ("sources/recommendations.yaml",)  # nothing else, once
        assert edited.error is None
        assert "To invite the GA" in (project / "build" / "report.md").read_text()
        recs.write_text("recommendations: [\n")
        assert watching.wait_for(3).error is not None  # reported, and the watch goes on
        assert "To invite the GA" in (project / "build" / "report.md").read_text()
    finally:
        watching.stop()


class Watching:
    """`watch_project` on a thread, its rounds recorded; `stop()` ends it."""

    def __init__(self, project: Path, build: object = None) -> None:
        self.rounds: list[Rebuild] = []
        self.failure: BaseException | None = None
        self._arrived = threading.Condition()
        self._stop = threading.Event()
        target = build or (lambda: build_project(project, ["md"]))
        # A daemon: a watch that never ends fails its test, not the whole run.
        self._thread = threading.Thread(target=self._watch, args=(project, target), daemon=True)
        self._thread.start()

    def _watch(self, project: Path, build: object) -> None:
        try:
            watch_project(project, build, self._record, self._stop, 50)  # type: ignore[arg-type]
        except BaseException as exc:  # for the test to see
            with self._arrived:
                self.failure = exc
                self._arrived.notify_all()

    def _record(self, rebuild: Rebuild) -> None:
        with self._arrived:
            self.rounds.append(rebuild)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> Rebuild:
        """The `count`th round, once it has come."""
        with self._arrived:
            assert self._arrived.wait_for(
                lambda: len(self.rounds) >= count or self.failure is not None, timeout=timeout)
        assert len(self.rounds) >= count, self.failure
        return self.rounds[count - 1]

    def wait_for_the_end(self, timeout: float = 10) -> BaseException | None:
        self._thread.join(timeout=timeout)
        ended = not self._thread.is_alive()
        self.stop()
        assert ended, "the watch went on"
        return self.failure

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()


def test_an_edit_during_the_first_build_is_built_next(project: Path) -> None:
    recs = project / "sources" / "recommendations.yaml"

    def build() -> object:
        result = build_project(project, ["md"])
        if not recs.read_text().startswith("# edited"):  # an editor saves meanwhile
            recs.write_text("# edited\n" + recs.read_text())
        return result

    watching = Watching(project, build)
    try:
        watching.wait_for(1)
        assert watching.wait_for(2, timeout=10).changed == ("sources/recommendations.yaml",)
    finally:
        watching.stop()


def test_folders_made_or_moved_under_the_watch_are_watched(project: Path) -> None:
    watching = Watching(project)
    try:
        watching.wait_for(1)
        (project / "templates").mkdir()  # wgec init makes none: an editor adds it later
        (project / "templates" / "section.md.j2").write_text("{{ section.titel }}\n")
        assert watching.wait_for(2).error is not None
        (project / "templates" / "section.md.j2").unlink()
        sections = project / "sources" / "sections"
        sections.rename(project / "sources" / "sections.off")
        count = len(watching.rounds) + 1
        while "sources/sections" not in watching.wait_for(count).changed:
            count += 1
        assert watching.rounds[-1].error is not None  # the report's sections are gone
        # sources/ replaced (a git checkout): its new folder may have the old inode
        kept = project.parent / "kept"
        shutil.copytree(project / "sources", kept)
        shutil.rmtree(project / "sources")
        shutil.copytree(kept, project / "sources")
        (project / "sources" / "sections.off").rename(project / "sources" / "sections")
        time.sleep(1)  # the watch starts afresh on the new folder
        count = len(watching.rounds) + 1
        recs = project / "sources" / "recommendations.yaml"
        recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the GA"))
        while "sources/recommendations.yaml" not in watching.wait_for(count).changed:
            count += 1
        assert watching.rounds[-1].error is None
    finally:
        watching.stop()


def test_a_watched_folder_removed_ends_the_watch(project: Path) -> None:
    watching = Watching(project)
    watching.wait_for(1)
    shutil.rmtree(project)
    failure = watching.wait_for_the_end()
    assert isinstance(failure, WgecError)
    assert "was removed or moved" in failure.message


def test_watching_no_folder_is_an_error(tmp_path: Path) -> None:
    given_up = threading.Event()
    timer = threading.Timer(5, given_up.set)  # a watch of nothing would wait for ever
    timer.start()
    try:
        with pytest.raises(WgecError, match="no folder"):
            watch_project(tmp_path / "nowhere", lambda: None, lambda rebuild: None, given_up)
    finally:
        timer.cancel()


def test_sigterm_ends_a_watch_as_ctrl_c_does(project: Path, tmp_path: Path) -> None:
    """Exit 0, said once, and typst's working files gone (atexit does not run on SIGTERM)."""
    import os
    import signal
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    watch = subprocess.Popen(
        [sys.executable, "-c", "from wgec_report.cli import run; run()", "watch", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(scratch)})
    assert watch.stdout is not None
    for line in watch.stdout:
        if "first build" in line:
            break
    watch.send_signal(signal.SIGTERM)
    out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    assert out.strip().endswith("stopped watching") and "Traceback" not in err
    assert list(scratch.iterdir()) == []


def test_the_watchers_own_failure_is_an_error_not_a_crash(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Such as the system's limit of watched folders, reached in a large project."""
    import watchfiles

    def failing(*paths: object, **options: object) -> object:
        raise RuntimeError("OS file watch limit reached")
        yield  # a generator, as watchfiles.watch is

    monkeypatch.setattr(watchfiles, "watch", failing)
    with pytest.raises(WgecError, match=r"cannot watch .*: OS file watch limit reached"):
        watch_project(project, lambda: None, lambda rebuild: None)


def test_only_the_folders_a_build_reads_are_watched(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a virtual environment in the project, nor a link to a parent folder: thousands
    of folders, which could use up the system's watches (and leave sources/ unwatched)."""
    import watchfiles

    (project / ".venv" / "lib").mkdir(parents=True)
    (project / "up").symlink_to("..")
    watched: list[tuple[tuple[object, ...], object]] = []

    def one_quiet_round(*paths: object, **options: object) -> object:
        watched.append((paths, options["recursive"]))
        yield set()

    monkeypatch.setattr(watchfiles, "watch", one_quiet_round)
    watch_project(project, lambda: None, lambda rebuild: None)
    assert watched == [((project.resolve() / "sources",), True)]
    shutil.rmtree(project / "sources")
    watched.clear()
    watch_project(project, lambda: None, lambda rebuild: None)
    assert watched == [((project.resolve(),), False)]  # to see sources/ made, alone


def test_busy_files_no_build_reads_do_not_hold_the_watch_back(project: Path) -> None:
    """An editor's swap file rewritten every few milliseconds is no change to wait out."""
    busy = threading.Event()

    def scribble() -> None:
        while not busy.is_set():
            (project / "sources" / ".recommendations.yaml.swp").write_text(str(time.time()))
            time.sleep(0.02)

    scribbler = threading.Thread(target=scribble)
    scribbler.start()
    try:
        watching = Watching(project)
        try:
            assert watching.wait_for(1, timeout=5).changed == ()
            recs = project / "sources" / "recommendations.yaml"
            recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the GA"))
            assert watching.wait_for(2, timeout=5).changed == ("sources/recommendations.yaml",)
        finally:
            watching.stop()
    finally:
        busy.set()
        scribbler.join()


def test_an_empty_folder_made_in_templates_starts_no_build(project: Path) -> None:
    """`mkdir templates/partials` before writing into it changes no build; a folder
    moved in with its templates does (the system tells of the folder alone)."""
    (project / "templates").mkdir()
    watching = Watching(project)
    try:
        watching.wait_for(1)
        (project / "templates" / "partials").mkdir()
        time.sleep(0.5)  # long enough for a round of its own
        (project / "templates" / "partials" / "note.md.j2").write_text("A note.\n")
        assert watching.wait_for(2).changed == ("templates/partials/note.md.j2",)
        elsewhere = project.parent / "more"
        elsewhere.mkdir()
        (elsewhere / "glossary.md.j2").write_text("A glossary.\n")
        elsewhere.rename(project / "templates" / "more")
        assert "templates/more" in watching.wait_for(3).changed
        assert len(watching.rounds) == 3
    finally:
        watching.stop()


def test_a_templates_folder_made_with_no_file_in_it_starts_no_build(project: Path) -> None:
    """`mkdir -p templates/partials` where there was no templates/ changes no build (it
    is watched from then on); the first file written into it does."""
    watching = Watching(project)
    try:
        watching.wait_for(1)
        (project / "templates" / "partials").mkdir(parents=True)
        time.sleep(1)  # long enough for the watch to start afresh on templates/
        (project / "templates" / "partials" / "note.md.j2").write_text("A note.\n")
        assert watching.wait_for(2).changed == ("templates/partials/note.md.j2",)
        assert len(watching.rounds) == 2
    finally:
        watching.stop()


def test_a_templates_folder_counts_when_it_holds_a_file_or_replaces_one(tmp_path: Path) -> None:
    """Asked once the new watcher is in place: a file written into the new folder before
    then, unseen by any watcher, still makes the round build."""
    from wgec_report.watch import _changing_a_build

    (tmp_path / "templates" / "a" / "b").mkdir(parents=True)
    assert _changing_a_build(tmp_path, {}, ("templates",)) == ()
    assert _changing_a_build(tmp_path, {"templates": (1, 2)}, ("templates",)) == ("templates",)
    assert _changing_a_build(tmp_path, {}, ("sources", "templates")) == ("sources",)
    (tmp_path / "templates" / "a" / "b" / "section.md.j2").write_text("{{ section.title }}\n")
    assert _changing_a_build(tmp_path, {}, ("templates",)) == ("templates",)


def test_an_interrupted_build_of_every_language_starts_no_other(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C or SIGTERM after the first language: those running finish, none starts."""
    from wgec_report import build

    started: list[str] = []
    real = build._build_language

    def counting(*args: object) -> object:
        language = str(args[6])
        started.append(language)
        if language != "en":
            time.sleep(1)  # the first done long before the others
        return real(*args)  # type: ignore[arg-type]

    def interrupt(language: str, result: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_build_language", counting)
    with pytest.raises(KeyboardInterrupt):
        build.build_languages(project, None, ["md"], on_done=interrupt)
    assert started == ["en", "fr", "ar"]  # two at a time; zh, still waiting, never started


def test_a_template_gone_while_the_keys_are_made_is_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from wgec_report.cache import LINK, template_files

    (tmp_path / "kept.md.j2").write_text("kept")
    (tmp_path / "going.md.j2").symlink_to(tmp_path / "kept.md.j2")

    def gone(path: object) -> str:
        raise FileNotFoundError(path)

    monkeypatch.setattr(os, "readlink", gone)
    assert template_files([tmp_path]) == {"kept.md.j2": b"kept"}
    assert "going.md.j2" + LINK not in template_files([tmp_path])
