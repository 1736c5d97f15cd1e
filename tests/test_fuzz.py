"""Random bytes and mutated sources: success or located diagnostics, never another exception."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report.check import check_project

from .conftest import REPO

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
SOURCE_FILES = sorted(p.relative_to(REPO / "sources").as_posix()
                      for p in (REPO / "sources").rglob("*.yaml"))


def assert_only_located_diagnostics(project: Path) -> None:
    result = check_project(project)  # raising anything here fails the test
    for diagnostic in result.diagnostics:
        assert diagnostic.location.path
        assert diagnostic.location.line >= 1, diagnostic
        assert diagnostic.location.column >= 1, diagnostic
        assert diagnostic.message


def fresh_project(tmp_path: Path) -> Path:
    project = tmp_path / "fuzz"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(REPO / "sources", project / "sources")
    return project


@SETTINGS
@given(name=st.sampled_from(SOURCE_FILES), data=st.binary(max_size=400))
def test_random_bytes_in_any_source_file(tmp_path: Path, name: str, data: bytes) -> None:
    project = fresh_project(tmp_path)
    (project / "sources" / name).write_bytes(data)
    assert_only_located_diagnostics(project)


@SETTINGS
@given(
    name=st.sampled_from(SOURCE_FILES),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40),
                            st.sampled_from(["", ":", "- ", "[", "]", "{", "}", "&a", "*a", "!!x",
                                             "\t", "\n", "'", '"', "[@", "#", "\u2028", "\xff"])),
                  min_size=1, max_size=6),
)
def test_mutated_default_sources(tmp_path: Path, name: str,
                                 cuts: list[tuple[int, int, str]]) -> None:
    project = fresh_project(tmp_path)
    path = project / "sources" / name
    text = path.read_text(encoding="utf-8")
    for start, length, insert in cuts:
        start %= len(text) + 1
        text = text[:start] + insert + text[start + length:]
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    assert_only_located_diagnostics(project)
