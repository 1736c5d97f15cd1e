"""A non-editable install carries the default report and templates: init, check, build work."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("wgec_report-*.whl"))


def test_wheel_contains_the_default_sources_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted(REPO.glob("sources/**/*.yaml")) + sorted(REPO.glob("templates/*")):
        assert f"wgec_report/_default/{path.relative_to(REPO).as_posix()}" in names


def test_installed_wheel_can_init_check_and_build(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    wgec = [sys.executable, "-c", "from wgec_report.cli import main; main()"]

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*wgec, *args], cwd=cwd, env=env, capture_output=True, text=True)

    where = run("--version", cwd=tmp_path)
    assert where.returncode == 0
    assert run("init", "myreport", cwd=tmp_path).returncode == 0
    project = tmp_path / "myreport"
    check = run("check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    build = run("build", "--to", "md", cwd=project)
    assert build.returncode == 0, build.stdout + build.stderr
    assert (project / "build" / "report.md").read_text().startswith("---\ntitle:")
    located = subprocess.run(
        [sys.executable, "-c",
         "import wgec_report.resources as r; print(r.default_templates_dir())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )
    assert located.stdout.strip().startswith(str(target))
