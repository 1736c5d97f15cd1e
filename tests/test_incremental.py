"""Near-free rebuilds: exactly the outputs whose inputs changed are made again; `wgec watch`."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.watch import Rebuild, watch_project


def rebuilt(project: Path, **kwargs: object) -> set[str]:
    result = build_project(project, **kwargs)  # type: ignore[arg-type]
    return {p.suffix.lstrip(".") for p in result.outputs} - set(result.up_to_date)


def test_nothing_changed_nothing_rebuilt(project: Path) -> None:
    assert rebuilt(project) == {"md", "docx", "pdf"}
    assert rebuilt(project) == set()
    assert rebuilt(project, force=True) == {"md", "docx", "pdf"}


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


def test_a_date_change_rebuilds(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_project(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1516579200")
    assert rebuilt(project) == {"md", "docx", "pdf"}


def test_watch_rebuilds_after_an_edit_and_survives_broken_sources(project: Path) -> None:
    rounds: list[Rebuild] = []
    arrived = threading.Condition()
    stop = threading.Event()

    def record(rebuild: Rebuild) -> None:
        with arrived:
            rounds.append(rebuild)
            arrived.notify_all()

    def wait_for(count: int) -> None:
        with arrived:
            assert arrived.wait_for(lambda: len(rounds) >= count, timeout=60)

    watcher = threading.Thread(
        target=watch_project,
        args=(project, lambda: build_project(project, ["md"]), record, stop, 50),
    )
    watcher.start()
    try:
        wait_for(1)
        assert rounds[0].changed == () and rounds[0].error is None
        time.sleep(0.3)  # the watcher is listening once its first build is reported
        recs = project / "sources" / "recommendations.yaml"
        recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the GA"))
        wait_for(2)
        assert rounds[1].changed == ("sources/recommendations.yaml",)
        assert rounds[1].error is None
        assert "To invite the GA" in (project / "build" / "report.md").read_text()
        recs.write_text("recommendations: [\n")
        wait_for(3)
        assert rounds[2].error is not None  # reported, and the watch goes on
        assert "To invite the GA" in (project / "build" / "report.md").read_text()
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive()
