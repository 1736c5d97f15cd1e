"""pandoc missing, crashing or failing, typst failing, two builds at once: clear, exit 1."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wgec_report import convert
from wgec_report.cli import main


def fake_pandoc(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "pandoc"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def build(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(project), "--force", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.fixture
def built_once(project: Path) -> dict[str, bytes]:
    assert build(project)[0] == 0
    return {p.name: p.read_bytes() for p in (project / "build").iterdir()}


def assert_unchanged(project: Path, before: dict[str, bytes]) -> None:
    assert {p.name: p.read_bytes() for p in (project / "build").iterdir()} == before


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (3, "pandoc warned, and wgec treats warnings as errors"),
        (21, "pandoc does not know the input format"),
        (22, "pandoc does not know the output format"),
        (64, "pandoc could not parse the Markdown"),
        (83, "pandoc could not read a file it was given"),
        (92, "pandoc could not decode the Markdown as UTF-8"),
        (97, "pandoc could not find a template or reference document"),
        (99, "pandoc could not find a resource"),
        (137, "pandoc failed"),
    ],
)
def test_pandoc_exit_codes_become_words(project: Path, built_once: dict[str, bytes],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        code: int, words: str) -> None:
    pandoc = fake_pandoc(tmp_path, f"echo 'something went wrong' >&2; exit {code}")
    monkeypatch.setattr(convert, "pandoc_path", lambda: pandoc)
    exit_code, stderr = build(project)
    assert exit_code == 1
    assert words in stderr
    assert f"(exit code {code}):" in stderr
    assert "something went wrong" in stderr
    assert_unchanged(project, built_once)


def test_pandoc_missing(project: Path, built_once: dict[str, bytes], tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "pandoc_path", lambda: tmp_path / "no-such-pandoc")
    exit_code, stderr = build(project, "--to", "docx")
    assert exit_code == 1
    assert "cannot run pandoc" in stderr
    assert_unchanged(project, built_once)


def test_pandoc_crashing_with_a_signal(project: Path, built_once: dict[str, bytes],
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pandoc = fake_pandoc(tmp_path, "kill -SEGV $$")
    monkeypatch.setattr(convert, "pandoc_path", lambda: pandoc)
    exit_code, stderr = build(project, "--to", "docx")
    assert exit_code == 1
    assert "pandoc was killed by signal SIGSEGV" in stderr
    assert_unchanged(project, built_once)


def test_the_bundled_pandoc_is_the_one_that_runs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pandoc(tmp_path, "echo 'pandoc 99.0'; exit 0")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    convert.pandoc_version.cache_clear()
    assert convert.pandoc_version() == "3.9"
    assert convert.pandoc_path().parent.name == "files"  # inside pypandoc-binary


def test_a_typst_error_is_a_clear_failure(project: Path, built_once: dict[str, bytes]) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "report.typ").write_text('#let x = (\n$body$\n')
    exit_code, stderr = build(project)
    assert exit_code == 1
    assert "typst could not compile the PDF:" in stderr
    assert_unchanged(project, built_once)


def test_two_builds_at_once_both_finish_with_valid_outputs(project: Path) -> None:
    command = [sys.executable, "-c", "from wgec_report.cli import main; main()", "build",
               str(project)]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
    names = sorted(p.name for p in (project / "build").iterdir())
    # No temporary files left.
    assert names == [".wgec-cache.json", "report.docx", "report.md", "report.pdf"]
    from .conftest import docx_paragraphs, pdf_text

    assert "Draft report of the Working Group on Enhanced Cooperation" in pdf_text(
        project / "build" / "report.pdf")
    assert "Draft report of the Working Group on Enhanced Cooperation" in docx_paragraphs(
        project / "build" / "report.docx")


def test_a_locale_that_cannot_carry_the_text_is_said_not_a_crash(tmp_path: Path) -> None:
    """pandoc is given the masthead's fields as arguments, in the locale's encoding: an
    ASCII locale (Python's UTF-8 mode off) cannot carry "Café". A clear error."""
    (tmp_path / "sources" / "sections").mkdir(parents=True)
    (tmp_path / "sources" / "report.yaml").write_text("title: Café\nsections: [intro]\n",
                                                      encoding="utf-8")
    (tmp_path / "sources" / "sections" / "intro.yaml").write_text(
        "id: intro\ntitle: Intro\nparagraphs: [Text.]\n")
    environment = {**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    done = subprocess.run([sys.executable, "-m", "wgec_report.cli", "build", str(tmp_path)],
                          capture_output=True, text=True, encoding="utf-8", env=environment,
                          check=False)
    assert done.returncode == 1
    assert ("error: the system's text encoding (ascii) cannot carry 'é', which pandoc must "
            "be given: run wgec in a UTF-8 locale") in done.stderr
    assert "internal error" not in done.stderr
    assert not (tmp_path / "build").exists()
