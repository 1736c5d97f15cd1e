"""Compiled templates are kept in the user's cache between runs, and never trusted blindly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2.bccache import bc_magic

from wgec_report.check import check_project
from wgec_report.render import _bytecode_cache, render_markdown

from .conftest import REPO


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def render() -> str:
    report = check_project(REPO).report
    assert report is not None
    return render_markdown(report, REPO / "templates").document()


def cached_files(home: Path) -> list[Path]:
    return sorted(home.glob("wgec/templates-*/__jinja2_*.cache"))


def test_templates_compile_once_into_the_users_cache(cache_home: Path) -> None:
    first = render()
    files = cached_files(cache_home)
    assert len(files) >= 5  # report, section, and the inserts it includes
    folder = files[0].parent
    assert folder.stat().st_mode & 0o777 == 0o700
    stamps = [f.stat().st_mtime_ns for f in files]
    assert render() == first  # from the cache: the same document
    assert [f.stat().st_mtime_ns for f in cached_files(cache_home)] == stamps


def test_a_damaged_cache_is_compiled_afresh(cache_home: Path) -> None:
    first = render()
    files = cached_files(cache_home)
    # Jinja2 copes with a wrong header or cut-short code by itself; not with a
    # right header followed by garbage where the source's checksum should be.
    files[0].write_bytes(bc_magic + b"\x00 not a pickle")
    for path in files[1:]:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert render() == first


def test_a_cache_others_can_write_to_is_not_used(cache_home: Path) -> None:
    render()
    folder = cached_files(cache_home)[0].parent
    folder.chmod(0o777)
    assert _bytecode_cache() is None


def test_no_cache_folder_no_cache_and_no_error(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True, exist_ok=True)
    cache_home.write_text("a file where the cache folder would be")
    assert _bytecode_cache() is None
    assert render().startswith("---\n")
    assert os.path.isfile(cache_home)


def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """As the XDG spec says: one such made `relative/x/wgec` inside the project, which
    the cache must never be in."""
    from wgec_report.files import user_cache_folder

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/x")
    assert user_cache_folder("here") == tmp_path / "home" / ".cache" / "wgec" / "here"
    assert not (tmp_path / "relative").exists()
