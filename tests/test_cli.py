"""The command line: every command, its exit codes and what it prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wgec_report import __version__
from wgec_report.cli import main

from .conftest import REPO


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.strip() == f"wgec, version {__version__}"


@pytest.mark.parametrize("command", ["init", "check", "build", "schema", "diff", "translations"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example:" in out
    assert f"wgec {command}" in out


def test_check_passes_on_the_default_report(project: Path) -> None:
    code, out, _ = run("check", str(project))
    assert code == 0
    assert "checked 10 files: 7 sections, 3 levels with 21 focus areas" in out
    assert "0 errors, 2 warnings" in out
    assert "warning[empty-section]: section 'format' has no content yet" in out


def test_strict_fails_on_warnings(project: Path) -> None:
    code, _, _ = run("check", str(project), "--strict")
    assert code == 1


def test_check_reports_every_problem_located_with_the_source_line(project: Path) -> None:
    levels = project / "sources" / "levels.yaml"
    text = levels.read_text().replace("  - id: content\n    name:", "  - id: content\n    nam:")
    levels.write_text(text)
    line = text.splitlines().index("    nam:") + 1
    recs = project / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("organizations: [igf]", "organizations: [igff]"))
    code, out, _ = run("check", str(project))
    assert code == 1
    lines = out.splitlines()
    unknown_key = next(i for i, line in enumerate(lines) if "[unknown-key]" in line)
    expected = f":{line}:5: error[unknown-key]: unknown key 'nam' in a level"
    assert lines[unknown_key].endswith(expected)
    assert lines[unknown_key + 1] == f"{line:>4} |     nam:"
    assert lines[unknown_key + 2] == "     |     ^^^"
    assert lines[unknown_key + 3] == "     = hint: did you mean 'name'?"
    assert any(line.endswith("error[unknown-organization]: no organization with id 'igff'")
               for line in lines)
    assert "2 errors" in out


def test_check_json_is_a_list_of_located_diagnostics(project: Path) -> None:
    code, out, _ = run("check", str(project), "--format", "json")
    assert code == 0
    items = json.loads(out)
    assert {item["code"] for item in items} == {"empty-section"}
    assert set(items[0]) == {"path", "line", "column", "end_line", "end_column", "severity",
                             "code", "message", "hint"}


def test_check_github_format(project: Path) -> None:
    code, out, _ = run("check", str(project), "--format", "github")
    assert code == 0
    assert out.splitlines()[0].startswith("::warning file=")
    background = (project / "sources" / "sections" / "background.yaml").read_text()
    line = background.splitlines().index("  - id: format") + 1
    assert f",line={line},col=9,title=wgec empty-section::section 'format' has no content" in out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("check", "--format", "xml")[0] == 2
    assert run("frobnicate")[0] == 2


def command(*args: str, cwd: Path | None = None,
            stdout: int = -1) -> subprocess.Popen[str]:
    """`wgec ARGS` in a process of its own, as the installed command runs it (cli.run)."""
    return subprocess.Popen([sys.executable, "-m", "wgec_report.cli", *args], cwd=cwd,
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def test_the_command_exits_with_the_codes_click_gives(project: Path) -> None:
    """cli.run ends the process itself (os._exit): the codes and the output are Click's."""
    for args, code in ((["--version"], 0), (["check", "--format", "xml"], 2),
                       (["check", str(project)], 0), (["check", "--strict", str(project)], 1)):
        done = command(*args)
        out, err = done.communicate()
        assert done.returncode == code, (args, err)
        assert (out + err).strip()  # what was printed survives the os._exit


def test_a_reader_that_stops_reading_is_no_internal_error(project: Path) -> None:
    """`wgec check | head`: the closed pipe ends wgec quietly, as SIGPIPE would."""
    reading, writing = os.pipe()
    os.close(reading)  # the reader is gone before wgec writes a line
    done = command("check", str(project), stdout=writing)
    os.close(writing)
    _, err = done.communicate()
    assert done.returncode == 128 + 13
    assert "internal error" not in err
    assert "Traceback" not in err


def test_a_folder_without_sources_is_a_clear_error(tmp_path: Path) -> None:
    code, out, _ = run("check", str(tmp_path))
    assert code == 1
    assert "error[no-sources]: no 'sources/' folder in" in out


def test_init_then_check_then_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("init", "myreport")
    assert code == 0, out
    assert (tmp_path / "myreport" / "sources" / "sections" / "background.yaml").is_file()
    assert (tmp_path / "myreport" / ".gitignore").read_text() == "/build/\n"
    assert (tmp_path / "myreport" / "README.md").is_file()
    monkeypatch.chdir(tmp_path / "myreport")
    assert run("check")[0] == 0
    code, out, _ = run("build", "--to", "docx")
    assert code == 0, out
    built = sorted(p.name for p in (tmp_path / "myreport" / "build").iterdir())
    assert built == [".wgec-cache.json", "report.docx"]
    assert "wrote build/report.docx" in out
    code, out, _ = run("build", "-o", str(tmp_path / "out"), "--to", "md,pdf")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".wgec-cache.json", "report.md", "report.pdf"]


def test_init_never_overwrites_sources(tmp_path: Path) -> None:
    assert run("init", str(tmp_path))[0] == 0
    (tmp_path / "sources" / "report.yaml").write_text("title: Mine\n")
    code, _, err = run("init", str(tmp_path))
    assert code == 1
    assert "already has a sources/ folder" in err
    assert (tmp_path / "sources" / "report.yaml").read_text() == "title: Mine\n"


def test_init_keeps_the_files_a_folder_has_and_names_only_those_it_made(
        tmp_path: Path) -> None:
    """A schema of the user's own was replaced, and said "created", as README.md and
    .gitignore never were."""
    (tmp_path / "schemas").mkdir()
    mine = tmp_path / "schemas" / "levels.schema.json"
    mine.write_text('{"mine": 1}\n')
    (tmp_path / "README.md").write_text("Mine\n")
    code, out, _ = run("init", str(tmp_path))
    assert code == 0
    assert mine.read_text() == '{"mine": 1}\n'
    assert (tmp_path / "README.md").read_text() == "Mine\n"
    assert "levels.schema.json" not in out and "README.md" not in out
    assert "report.schema.json" in out and (tmp_path / "schemas" / "report.schema.json").is_file()


@pytest.mark.parametrize("target", ["fifo", "link", "sources/x.docx", "templates/x.docx"])
def test_an_output_file_is_never_put_over_a_device_a_link_or_a_source(
        committed: Path, target: str) -> None:
    """`diff -o` and `translations export -o` rename their file over the path: over a
    device, a pipe or a link they put a file in its place (`-o /dev/null` as root), and
    over a source they replaced it. A usage error now, with nothing touched."""
    path = committed / target
    if target == "fifo":
        os.mkfifo(path)
    elif target == "link":
        (committed / "kept.txt").write_text("kept\n")
        path.symlink_to(committed / "kept.txt")
    path.parent.mkdir(exist_ok=True)
    before = {p: p.read_bytes() for p in (committed / "sources").rglob("*") if p.is_file()}
    for command in (["diff", "HEAD", "-C", str(committed), "-o", str(path)],
                    ["translations", "export", str(committed), "--lang", "fr", "-o", str(path)]):
        code, _, err = run(*command)
        assert code == 2, err
        assert f"'{path}' is" in err and "Traceback" not in err
    if target == "fifo":
        assert path.is_fifo()
    elif target == "link":
        assert path.is_symlink() and path.read_text() == "kept\n"
    else:
        assert not path.exists()
    assert {p: p.read_bytes() for p in (committed / "sources").rglob("*") if p.is_file()} == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_file_that_cannot_be_written_is_named_not_its_temporary(committed: Path) -> None:
    """The error named the temporary file written beside the output, `/proc/.x.k2j.tmp`."""
    code, _, err = run("diff", "HEAD", "-C", str(committed), "-o", "/proc/wgec-redline.docx")
    assert code == 1 and "/proc/wgec-redline.docx" in err and ".tmp" not in err, err


@pytest.mark.parametrize("folder", ["sources", "sources/sections", "templates"])
def test_a_build_never_writes_into_the_sources_or_the_templates(project: Path,
                                                                folder: str) -> None:
    """`build --to html -o templates` made report.html the next build's template; `watch`
    is refused as `build` is, before it watches."""
    for command in ("build", "watch"):
        code, _, err = run(command, str(project), "--to", "md,html", "-o", str(project / folder))
        assert code == 2 and f"the project's {folder.split('/')[0]}/ folder" in err, err
        assert not (project / folder / "report.md").exists()


def test_build_refuses_invalid_sources_and_keeps_earlier_outputs(project: Path) -> None:
    assert run("build", str(project), "--to", "md")[0] == 0
    output = project / "build" / "report.md"
    before = output.read_bytes()
    (project / "sources" / "mapping.yaml").write_text("mapping:\n  - level: nowhere\n")
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "mapping.yaml:2:12: error[unknown-level]: no level with id 'nowhere'" in err
    assert "error: the sources have 1 error; nothing was built" in err
    assert output.read_bytes() == before
    # No temporary files; the cache still describes the report.md that is there.
    assert sorted(p.name for p in output.parent.iterdir()) == [".wgec-cache.json", "report.md"]


def test_unknown_format_is_a_usage_error(project: Path) -> None:
    code, _, err = run("build", str(project), "--to", "odt")
    assert code == 2  # as every other option click cannot read (it had been 1)
    assert "Invalid value for '--to': unknown format 'odt'; choose from md, docx, pdf, html" in (
        err)


def test_a_broken_template_is_located_and_leaves_outputs_alone(project: Path) -> None:
    assert run("build", str(project), "--to", "md")[0] == 0
    before = (project / "build" / "report.md").read_bytes()
    (project / "templates").mkdir()
    (project / "templates" / "characteristics.md.j2").write_text(
        "{% for c in characteristics %}\n- {{ c.nmae }}\n{% endfor %}\n"
    )
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "characteristics.md.j2:2:1: error[template]:" in err
    assert "no field 'nmae' here" in err
    assert (project / "build" / "report.md").read_bytes() == before


def test_a_project_template_overrides_the_default(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "characteristics.md.j2").write_text(
        "{% for c in characteristics %}\n* Characteristic: {{ c.name }}\n{% endfor %}\n"
    )
    assert run("build", str(project), "--to", "md")[0] == 0
    markdown = (project / "build" / "report.md").read_text()
    assert "* Characteristic: Equal footing" in markdown


def test_check_does_not_import_the_heavy_parts(project: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from wgec_report.cli import main\n"
        "try:\n"
        f"    main(['check', {str(project)!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = sorted(m for m in ('jinja2', 'typst', 'pypandoc') if m in sys.modules)\n"
        "print('heavy:' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "heavy:"


@pytest.mark.parametrize("content", [b"not a zip\n", b"PK\x05\x06" + bytes(18)])
def test_a_reference_docx_that_is_no_word_document_is_a_located_error(
        project: Path, content: bytes) -> None:
    """pandoc said only what its zip reader did, with a Haskell call stack."""
    assert run("build", str(project), "--to", "md,docx")[0] == 0
    before = (project / "build" / "report.docx").read_bytes()
    (project / "templates").mkdir()
    (project / "templates" / "reference.docx").write_bytes(content)
    code, _, err = run("build", str(project), "--to", "docx")
    assert code == 1 and "CallStack" not in err, err
    assert "templates/reference.docx:1:1: error[template]: " in err
    assert "is not a Word document" in err
    assert (project / "build" / "report.docx").read_bytes() == before


WGEC = [sys.executable, "-c", "from wgec_report.cli import run; run()"]


def test_a_terminal_whose_encoding_lacks_a_character_shows_it_as_a_question_mark(
        project: Path) -> None:
    """In cp1252 (a Windows console), "→" and "✗" stopped the command with an internal
    error, after the build had written its outputs."""
    (project / "sources" / "sections" / "oops.yaml").write_text("id: oops\n")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    checked = subprocess.run([*WGEC, "check", str(project)], capture_output=True, env=env)
    said = checked.stdout + checked.stderr
    assert checked.returncode == 1 and b"internal error" not in said, said
    assert re.search(rb"\n\? \d+ errors?, \d+ warnings?\n", said), said  # "✗"
    (project / "sources" / "sections" / "oops.yaml").unlink()
    built = subprocess.run([*WGEC, "build", str(project), "--to", "md"], capture_output=True,
                           env=env)
    assert built.returncode == 0 and b"internal error" not in built.stderr, built.stderr


def test_a_closed_standard_output_is_no_error(project: Path) -> None:
    """`wgec check >&-`: an internal error, then a traceback from the exit's flush."""
    for command in (["check", str(project)], ["build", str(project), "--to", "md"]):
        done = subprocess.run([*WGEC, *command], stderr=subprocess.PIPE,
                              preexec_fn=lambda: os.close(1))
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        assert b"internal error" not in done.stderr


def test_ctrl_c_while_the_command_tidies_up_is_an_interruption(project: Path) -> None:
    """Ctrl-C while the last writes finish and typst's files go: a raw KeyboardInterrupt
    traceback. Now the tidying still finishes, and the exit says it was interrupted."""
    code = (
        "import sys\n"
        "import wgec_report.cli as cli\n"
        "tidy, calls = cli._tidy_up, []\n"
        "def interrupted_once():\n"
        "    calls.append(1)\n"
        "    if len(calls) == 1:\n"
        "        raise KeyboardInterrupt\n"
        "    tidy()\n"
        "    print('tidied', file=sys.stderr)\n"
        "cli._tidy_up = interrupted_once\n"
        f"sys.argv = ['wgec', 'check', {str(project)!r}]\n"
        "cli.run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr
    assert "tidied" in done.stderr


def test_the_pre_commit_hook_runs_wgec_check() -> None:
    import yaml

    from .conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "wgec-check"
    assert hook["entry"].split() == ["wgec", "check"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False  # wgec checks the whole project at once
    code, _, _ = run(*hook["entry"].split()[1:], *hook.get("args", []), str(REPO))
    assert code == 0


def test_schema_prints_one_kind_or_all_or_writes_files(tmp_path: Path) -> None:
    import jsonschema

    code, out, _ = run("schema", "levels")
    assert code == 0
    levels = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(levels)
    assert levels["$id"] == "urn:wgec:schema:levels"
    code, out, _ = run("schema")
    assert sorted(json.loads(out)) == sorted(
        ["report", "instruments", "levels", "characteristics", "organizations", "mapping",
         "recommendations", "contributors", "section"])
    code, out, _ = run("schema", "-o", str(tmp_path / "s"))
    assert code == 0
    assert len(list((tmp_path / "s").glob("*.schema.json"))) == 9
    code, out, _ = run("schema", "levels", "-o", str(tmp_path / "one"))  # had written all
    assert code == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["levels.schema.json"]
    assert run("schema", "nonsense")[0] == 2


def test_init_points_every_source_at_its_schema(tmp_path: Path) -> None:
    assert run("init", str(tmp_path / "p"))[0] == 0
    sources = tmp_path / "p" / "sources"
    files = sorted(sources.rglob("*.yaml"))
    assert len(files) == 10
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), first
        assert json.loads(target.read_text())["$schema"].endswith("2020-12/schema")
    assert run("check", str(tmp_path / "p"))[0] == 0


def test_template_problems_are_located(project: Path, tmp_path: Path) -> None:
    templates = project / "templates"
    templates.mkdir()
    (templates / "mapping.md.j2").write_text("Mapping:\n{% include 'nowhere.md.j2' %}\n")
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "mapping.md.j2:2:1: error[template]: template 'nowhere.md.j2' not found" in err
    assert "   2 | {% include 'nowhere.md.j2' %}" in err
    (templates / "mapping.md.j2").write_text("{% include '../../etc/passwd' %}\n")
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "error[template]: template '../../etc/passwd' not found" in err
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    (templates / "mapping.md.j2").unlink()
    (templates / "mapping.md.j2").symlink_to(secret)
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "error[outside-project]: this template links to a place outside" in err
    assert not (project / "build" / "report.md").exists()


def test_a_templates_folder_linked_out_of_the_project_is_refused(
        project: Path, tmp_path: Path) -> None:
    """A build reads nothing but the project and wgec's own files: a templates/ that is a
    link leads out as a linked template does, even after a build with the same files."""
    outside = tmp_path / "shared-templates"
    outside.mkdir()
    (outside / "mapping.md.j2").write_text("OUTSIDE\n")
    (project / "templates").mkdir()
    (project / "templates" / "mapping.md.j2").write_text("OUTSIDE\n")
    assert run("build", str(project), "--to", "md")[0] == 0
    (project / "templates" / "mapping.md.j2").unlink()
    (project / "templates").rmdir()
    (project / "templates").symlink_to(outside)  # the same file, now through a link
    code, out, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert "templates: error[outside-project]: the templates folder links to a place " \
           "outside the project folder" in err
    assert "up to date" not in out
    (project / "templates").unlink()  # a link within the project: said as such
    (project / "shared").mkdir()
    (project / "shared" / "mapping.md.j2").write_text("INSIDE\n")
    (project / "templates").symlink_to(project / "shared")
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert ("the templates folder is a link to another folder of the project; templates "
            "are read from a templates/ folder only") in err


@pytest.mark.parametrize(("name", "line"), [
    ("report.typ", "${ ../../../../etc/hostname() }"),
    ("report.html", "$meta:../secret()$"),
    ("report.html", "${ styles.html() }"),  # a partial beside the template: one file each
    ("report.html", "$if(title)$${ ../../secret() }$endif$"),  # right after a directive
    ("report.typ", "${ title/uppercase:../../secret() }"),  # a variable with a pipe
    ("report.html", '$title/left 3 "$" ""$${ ../../secret() }'),  # a quoted `$` before it
])
def test_a_pandoc_template_that_names_another_file_is_refused(
        project: Path, name: str, line: str) -> None:
    """pandoc reads a partial from anywhere, outside its sandbox; a template that names
    one is a located error, with nothing converted."""
    templates = project / "templates"
    templates.mkdir()
    default = (REPO / "templates" / name).read_text()
    (templates / name).write_text(default + "\n" + line + "\n")
    (templates / "styles.html").write_text("<style></style>\n")
    code, _, err = run("build", str(project), "--to", "pdf" if name.endswith("typ") else "html")
    assert code == 1
    number = default.count("\n") + 2
    column = line.rindex("${") + 1 if "${" in line else 1
    assert (f"templates/{name}:{number}:{column}: error[template]: the template includes the "
            "file ") in err
    assert "(a pandoc partial): wgec templates are one file each" in err
    assert not (project / "build").exists()


@pytest.mark.parametrize("name", ["report.typ", "report.html"])
def test_a_pandoc_template_that_is_not_utf8_is_located(project: Path, name: str) -> None:
    (project / "templates").mkdir()
    (project / "templates" / name).write_bytes(b"ok\n\xe4\xb8\xad caf\xe9 $body$\n")
    code, _, err = run("build", str(project), "--to", "pdf" if name.endswith("typ") else "html")
    assert code == 1
    assert (f"templates/{name}:2:6: error[template]: the template is not UTF-8 text (byte "
            "0xe9); save it as UTF-8") in err
    assert not (project / "build").exists()


@pytest.mark.parametrize(("template", "expected"), [
    ("Intro\n{{ 1/0 }}\n",
     "2:1: error[template]: the template failed: division by zero (ZeroDivisionError)"),
    ("Intro\n{{ none + 1 }}\n", "2:1: error[template]: the template failed: unsupported "
     "operand type(s) for +: 'NoneType' and 'int' (TypeError)"),
    ("Intro\n{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n",
     "2:1: error[template]: a macro or include calls itself without end"),
    ("{{ range(10**9)|list|length }}\n",
     "1:1: error[template]: the template failed: Range too big."),
])
def test_a_template_that_fails_while_rendering_is_located(
        project: Path, template: str, expected: str) -> None:
    """Not "internal error ... a bug in wgec": the template's line, and the last build's
    outputs as they were."""
    assert run("build", str(project), "--to", "md")[0] == 0
    before = (project / "build" / "report.md").read_bytes()
    (project / "templates").mkdir()
    (project / "templates" / "report.md.j2").write_text(template)
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert f"report.md.j2:{expected}" in err
    assert "internal error" not in err
    assert (project / "build" / "report.md").read_bytes() == before


def test_a_template_that_is_not_utf8_is_located_at_its_first_bad_byte(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "report.md.j2").write_bytes(b"Intro\n\xe4\xb8\xad caf\xe9\n")
    code, _, err = run("build", str(project), "--to", "md")
    assert code == 1
    assert ("report.md.j2:2:6: error[template]: the template is not UTF-8 text (byte 0xe9); "
            "save it as UTF-8") in err
    assert not (project / "build").exists()


def test_a_failure_of_the_machine_is_said_as_such_not_as_a_bug_in_wgec(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from wgec_report import build
    from wgec_report.files import display_path

    source = project / "sources" / "report.yaml"

    def failing_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(source))

    monkeypatch.setattr(build, "build_project", failing_disk)
    code, _, err = run("build", str(project))
    assert code == 1
    assert f"error: cannot go on: Input/output error: {display_path(source)}" in err
    assert "internal error" not in err


def test_build_prints_the_word_count_per_section(project: Path) -> None:
    code, out, _ = run("build", str(project), "--to", "md")
    assert code == 0
    lines = out.splitlines()
    assert any(line.split() == ["introduction", "1"] for line in lines)
    assert any(line.startswith("total") and line.endswith("of 10,700") for line in lines)


@pytest.fixture
def repository(committed: Path) -> Path:
    from .conftest import git

    recs = committed / "sources" / "recommendations.yaml"
    recs.write_text(recs.read_text().replace("To invite UN GA", "To invite the General Assembly"))
    git(committed, "commit", "-qam", "Round 2")
    return committed


def test_diff_writes_tracked_changes_and_a_summary(repository: Path) -> None:
    import zipfile

    code, out, _ = run("diff", "round-1", "HEAD", "-C", str(repository))
    assert code == 0, out
    assert "recommendation  consider-un-body  changed: text" in out
    assert "Changes from round-1 to HEAD: 1 changed, 0 added, 0 removed, 0 moved" in out
    document = zipfile.ZipFile(repository / "build" / "redline.docx").read(
        "word/document.xml").decode()
    assert 'w:author="Secretariat"' in document
    assert "<w:delText" in document and "UN GA" in document
    code, out, _ = run("diff", "round-1", "-C", str(repository), "--to", "md",
                       "-o", str(repository / "r.md"), "--author", "Chair",
                       "--date", "2018-01-22")
    assert code == 0
    assert "{--UN GA--}{++the General Assembly++}" in (repository / "r.md").read_text()


def test_diff_errors(repository: Path, tmp_path: Path) -> None:
    code, _, err = run("diff", "no-such-round", "-C", str(repository))
    assert code == 1
    assert "unknown revision 'no-such-round'" in err
    code, _, err = run("diff", "round-1", "-C", str(repository), "--date", "yesterday")
    assert code == 2
    assert "'yesterday' is not a date" in err


def test_build_a_revision(repository: Path) -> None:
    code, out, _ = run("build", str(repository), "--rev", "round-1", "--to", "md",
                       "-o", str(repository / "r1"))
    assert code == 0, out
    assert "To invite UN GA" in (repository / "r1" / "report.md").read_text()
    assert "the General Assembly to consider" not in (repository / "r1" / "report.md").read_text()


def test_translations_round_trip_from_the_command_line(project: Path) -> None:
    import polib

    po_path = project / "fr.po"
    code, out, _ = run("translations", "export", str(project), "--lang", "fr", "-o",
                       str(po_path))
    assert code == 0, out
    po = polib.pofile(str(po_path))
    entry = next(e for e in po if e.msgctxt == "characteristic/inclusive/name")
    entry.msgstr = "Inclusive (fr)"
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    po.save()
    code, out, _ = run("translations", "import", str(po_path), "-C", str(project))
    assert code == 0, out
    assert "fr: 1 imported (1 stamped" in out
    assert "Inclusive (fr)" in (project / "sources" / "characteristics.yaml").read_text()
    code, out, _ = run("translations", "stamp", str(project), "--lang", "fr")
    assert code == 0
    assert run("check", str(project))[0] == 0


@pytest.mark.parametrize("language", [None, "all"])
def test_watch_says_what_each_round_rebuilt_with_the_warnings(
        project: Path, monkeypatch: pytest.MonkeyPatch, language: str | None) -> None:
    """One round of the watch, as the CLI reports it (the watch itself: test_incremental)."""
    import wgec_report.watch as watch

    def one_round(project: Path, build: object, on_rebuild: object, *, on_ready: object) -> None:
        on_ready()  # type: ignore[operator]
        on_rebuild(watch._run(build, ()))  # type: ignore[arg-type, operator]
        many = tuple(f"sources/sections/s{n}.yaml" for n in range(7))  # a git checkout, say
        on_rebuild(watch._run(build, many))  # type: ignore[arg-type, operator]

    monkeypatch.setattr(watch, "watch_project", one_round)
    code, out, err = run("watch", str(project), "--to", "md",
                         *(["--lang", language] if language else []))
    assert code == 0, err
    assert out.startswith(f"watching {project}")
    assert out.rstrip().endswith("stopped watching")
    assert err.count("warning[empty-section]") == 4  # once a round, for any number of languages
    first_four = ", ".join(f"sources/sections/s{n}.yaml" for n in range(4))
    assert f"✓ {first_four}, 3 more: rebuilt nothing (all up to date)" in out
    if language == "all":
        every = "; ".join(f"{lang}: report.md" for lang in ("en", "fr", "ar", "zh"))
        assert f"first build: rebuilt {every} in" in out
    else:
        assert "first build: rebuilt report.md in" in out


def test_a_long_build_shows_a_progress_bar_on_a_terminal_only() -> None:
    import io
    import time

    from rich.console import Console

    from wgec_report.build import Step
    from wgec_report.cli import _LongBuild

    with _LongBuild() as quiet:  # not a terminal (pytest's stderr): nothing at all
        assert quiet._timer is None
    screen = io.StringIO()
    with _LongBuild(lambda: Console(file=screen, force_terminal=True, width=100), 0) as long:
        long.step(Step("check", 0.1))
        for _ in range(100):
            if long._bar is not None:
                break
            time.sleep(0.01)
        long.step(Step("pandoc → DOCX", 2.0))
        time.sleep(0.2)  # a refresh or two
    shown = screen.getvalue()
    assert "building" in shown and "pandoc → DOCX ✓" in shown and "0:00:0" in shown
    with _LongBuild(lambda: Console(file=screen, force_terminal=True), 60) as quick:
        pass  # done before the delay: no bar, no rich import
    assert quick._bar is None


def test_a_build_with_stderr_closed_still_builds(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wgec_report.cli import _LongBuild

    monkeypatch.setattr(sys, "stderr", None)  # `wgec build 2>&-`
    with _LongBuild() as quiet:
        assert quiet._timer is None
