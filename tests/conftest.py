"""Shared fixtures: the repository's default report, copied and built once per session."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed seed: a submission lands or not on its own
# merits, not on the luck of a draw. Locally they explore new examples every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """wgec's cache (compiled templates, typst primers) in a folder of the test run's
    own: never the user's, and nothing left from an earlier run."""
    home = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home))
        yield home


@pytest.fixture(autouse=True)
def no_typst_left_priming() -> Iterator[None]:
    """A build whose sources fail leaves typst priming on a daemon thread; wait for it,
    so that none is still in a typst call when the test run's Python shuts down."""
    yield
    from wgec_report.build import wait_for_priming

    wait_for_priming()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the default report project, safe to edit."""
    target = tmp_path / "project"
    target.mkdir()
    shutil.copytree(REPO / "sources", target / "sources")
    return target


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


@pytest.fixture
def committed(project: Path) -> Path:
    """The project in a git repository of its own, its sources committed, tagged round-1."""
    git(project, "init", "-q")
    git(project, "config", "user.email", "secretariat@example.org")
    git(project, "config", "user.name", "Secretariat")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Round 1")
    git(project, "tag", "round-1")
    return project


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default report built once into Markdown, DOCX and PDF."""
    from wgec_report.build import build_project

    out = tmp_path_factory.mktemp("built")
    build_project(REPO, out_dir=out)
    return out


def normalize(text: str) -> str:
    """Text compared across formats: no whitespace, hyphens or quote styles.

    Line breaks, hyphenation and smart quotes differ between Markdown, Word
    and a typeset PDF; the words must not.
    """
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[\s\-‐­]", "", text)


def docx_paragraphs(path: Path, part: str = "word/document.xml") -> list[str]:
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(part))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def pdf_body_text(path: Path) -> str:
    """The PDF's text without running headers and page numbers, so that text running
    across a page break reads as one."""
    from pypdf import PdfReader

    pages = [(page.extract_text() or "").splitlines() for page in PdfReader(path).pages]
    body = [lines[:-1] if index == 0 else lines[1:-1] for index, lines in enumerate(pages)]
    return "\n".join(line for lines in body for line in lines)
