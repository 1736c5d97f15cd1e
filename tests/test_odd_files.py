"""Odd things where source files should be: a FIFO, a device, a socket, a link loop, names
that are not UTF-8. Each gets a located error or works; never a hang, a traceback or an
"internal error"."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from wgec_report.cache import digest, output_keys, summary_key
from wgec_report.cli import main

from .conftest import REPO
from .test_reporters import SARIF_SCHEMA

TIMEOUT = 60  # seconds: far beyond a check of the default report, far short of forever
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
needs_symlink = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


def wgec_process(*args: str) -> list[str]:
    """A command line running this checkout's wgec in a process of its own: one that
    hangs is killed at the timeout instead of hanging the test run."""
    return [sys.executable, "-m", "wgec_report.cli", *args]


def this_checkout() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.output, result.output
    return result


def json_check(project: Path) -> list[dict[str, object]]:
    result = invoke("check", str(project), "--format", "json")
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def unreadable(project: Path) -> list[tuple[str, int, int, str]]:
    """The `unreadable` diagnostics of a check, by place and message."""
    return [(str(d["path"]), int(str(d["line"])), int(str(d["column"])), str(d["message"]))
            for d in json_check(project) if d["code"] == "unreadable"]


def replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


# -- FIFOs, devices, sockets -------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("name", ["levels.yaml", "sections/introduction.yaml"])
def test_a_fifo_among_the_sources_is_unreadable_not_a_hang(
        project: Path, command: str, name: str) -> None:
    """Reading a FIFO waits for a writer that never comes: `check` and `build` hung."""
    replace_with_fifo(project / "sources" / name)
    try:
        done = subprocess.run(wgec_process(command, "."), cwd=project, capture_output=True,
                              text=True, timeout=TIMEOUT, env=this_checkout(), check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`wgec {command}` hung on a FIFO named sources/{name}")
    assert (f"sources/{name}:1:1: error[unreadable]: cannot read file: not a regular file but "
            "a named pipe (FIFO)") in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.returncode == 1


@needs_fifo
def test_the_watch_reports_a_fifo_and_goes_on(project: Path) -> None:
    replace_with_fifo(project / "sources" / "levels.yaml")
    watch = subprocess.Popen(wgec_process("watch", str(project), "--to", "md"), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=this_checkout())
    lines: queue.Queue[str] = queue.Queue()

    def read_lines() -> None:  # on a thread of its own: a hung watch prints nothing
        for line in watch.stdout or ():
            lines.put(line)

    threading.Thread(target=read_lines, daemon=True).start()
    said: list[str] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while not any("first build" in line for line in said):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail("`wgec watch` hung on a FIFO:\n" + "".join(said))
            with contextlib.suppress(queue.Empty):
                said.append(lines.get(timeout=remaining))
    finally:
        watch.terminate()
        watch.wait(TIMEOUT)
    assert any("error[unreadable]" in line and "named pipe (FIFO)" in line for line in said)


@needs_symlink
def test_a_link_to_a_device_is_unreadable_and_never_opened(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    levels = project / "sources" / "levels.yaml"
    levels.unlink()
    levels.symlink_to(os.devnull)
    assert unreadable(Path(".")) == [
        ("sources/levels.yaml", 1, 1,
         "cannot read file: not a regular file but a character device")]


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_a_socket_among_the_sources_is_unreadable(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "sources" / "levels.yaml").unlink()
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("sources/levels.yaml")  # relative: a socket's path is short
        assert stat.S_ISSOCK(os.stat("sources/levels.yaml").st_mode)
        assert unreadable(Path(".")) == [
            ("sources/levels.yaml", 1, 1, "cannot read file: not a regular file but a socket")]


# -- link loops -------------------------------------------------------------------------


@needs_symlink
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_source_file_that_is_a_link_loop_is_unreadable(
        project: Path, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """path.resolve() raised RuntimeError on it: an internal error."""
    monkeypatch.chdir(project)
    levels = project / "sources" / "levels.yaml"
    levels.unlink()
    levels.symlink_to("levels.yaml")
    result = invoke(command, ".", "--to", "md") if command == "build" else invoke(command, ".")
    assert ("sources/levels.yaml:1:1: error[unreadable]: cannot read file: it is a "
            "symbolic-link loop") in result.output
    assert result.exit_code == 1


@needs_symlink
def test_a_sections_folder_that_is_a_link_loop_is_said_at_the_folder(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing it found nothing: the report's sections only seemed to be missing."""
    monkeypatch.chdir(project)
    sections = project / "sources" / "sections"
    shutil.rmtree(sections)
    sections.symlink_to("sections")
    assert unreadable(Path(".")) == [
        ("sources/sections", 0, 0, "cannot read the sections folder: it is a symbolic-link "
         "loop (Too many levels of symbolic links)")]
    built = invoke("build", ".", "--to", "md")
    assert "sources/sections: error[unreadable]" in built.output
    assert built.exit_code == 1


@needs_symlink
def test_a_link_to_a_file_inside_the_project_is_read_as_before(project: Path) -> None:
    levels = project / "sources" / "levels.yaml"
    levels.rename(project / "levels-kept-here.yaml")
    levels.symlink_to(Path("..") / "levels-kept-here.yaml")
    assert [d for d in json_check(project) if d["severity"] == "error"] == []


# -- names that are not UTF-8 -----------------------------------------------------------


def odd_name(folder: Path, name: bytes) -> Path:
    """`folder/name`, a name with bytes that are not UTF-8 (kept in the str as surrogate
    escapes); skips where the file system refuses such names (macOS, Windows)."""
    path = Path(os.fsdecode(os.fsencode(folder) + b"/" + name))
    try:
        path.touch()
        path.unlink()
    except (OSError, UnicodeError) as exc:
        pytest.skip(f"the file system refuses the name {name!r}: {exc}")
    return path


@pytest.fixture
def odd_section(project: Path) -> Path:
    sections = project / "sources" / "sections"
    odd = odd_name(sections, b"bad\xff.yaml")
    shutil.copyfile(sections / "introduction.yaml", odd)
    return odd


def test_a_source_name_that_is_not_utf8_is_for_the_rules_to_judge(
        project: Path, odd_section: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hashing the name for the build's cache raised UnicodeEncodeError."""
    monkeypatch.chdir(project)
    built = invoke("build", ".", "--to", "md")
    assert built.exit_code == 1
    assert "error[section-file-name]" in built.output


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="needs ../shared/schemas")
def test_sarif_names_a_source_that_is_not_utf8_by_its_bytes(
        project: Path, odd_section: Path) -> None:
    """The URI was made by quoting the name as UTF-8, which its bytes are not: it raised.
    Run as a user runs it: the messages that quote the name print its bytes as `?`."""
    result = subprocess.run(wgec_process("check", ".", "--format", "sarif"), cwd=project,
                            capture_output=True, text=True, timeout=TIMEOUT,
                            env=this_checkout(), check=False)
    assert "internal error" not in result.stderr, result.stderr
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    uris = {place["physicalLocation"]["artifactLocation"]["uri"]
            for found in log["runs"][0]["results"] for place in found["locations"]}
    assert "sources/sections/bad%FF.yaml" in uris
    assert result.returncode == 1


def test_a_template_name_that_is_not_utf8_is_no_crash(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "templates").mkdir()
    odd_name(project / "templates", b"x\xff.md.j2").touch()
    built = invoke("build", ".", "--to", "md")
    assert built.exit_code == 0, built.output
    assert (project / "build" / "report.md").is_file()


def test_a_project_folder_name_that_is_not_utf8_is_no_crash(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF's typesetting cache is keyed by the project's path: the digest raised."""
    odd = odd_name(project.parent, b"p\xff")
    shutil.copytree(project, odd)
    monkeypatch.chdir(odd)
    first = invoke("build", ".", "--force")
    assert first.exit_code == 0, first.output
    again = invoke("build", ".")
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output


def test_names_that_are_not_utf8_hash_and_hash_apart() -> None:
    escaped = os.fsdecode(b"sections/bad\xff.yaml")  # "sections/bad\udcff.yaml" on POSIX
    others = ["sections/bad\udcfe.yaml", "sections/badÿ.yaml", "sections/bad\ud800.yaml"]
    keys = {summary_key({name: b"id: x\n"}, "") for name in [escaped, *others]}
    assert len(keys) == 4
    assert len({digest([name]) for name in [escaped, *others]}) == 4
    versions = {"wgec": "1", "pandoc": "2", "typst": "3"}
    assert output_keys({escaped: "id: x\n"}, {escaped: b""}, ["md"], {}, versions) != \
        output_keys({others[0]: "id: x\n"}, {escaped: b""}, ["md"], {}, versions)
    # Every other str hashes as before, so existing caches stay valid.
    assert digest(["plain ü"]) == digest(["plain ü".encode()])
