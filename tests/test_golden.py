"""The Markdown of known sources, byte for byte, against a copy kept in tests/golden/.

Any change to what wgec writes shows here as a diff to read, not only where a test
happens to look. When a change is meant, write the copies anew and review their
diff before committing it:

    WGEC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.render import RenderOptions

from .conftest import REPO

GOLDEN = Path(__file__).parent / "golden"
NEGOTIATION = Path(__file__).parent / "fixtures" / "negotiation-sources"


def built_markdown(sources: Path, tmp_path: Path, language: str | None = None,
                   options: RenderOptions = RenderOptions()) -> str:  # noqa: B008
    project = tmp_path / "report"
    shutil.copytree(sources, project / "sources")
    build_project(project, ["md"], tmp_path / "out", language=language, options=options)
    return (tmp_path / "out" / (language or "") / "report.md").read_text(encoding="utf-8")


def matches_golden(markdown: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("WGEC_UPDATE_GOLDEN"):
        golden.write_text(markdown, encoding="utf-8", newline="\n")
    expected = golden.read_text(encoding="utf-8")
    if markdown != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True),
                                    markdown.splitlines(keepends=True),
                                    f"tests/golden/{name}", "built")
        pytest.fail("the Markdown differs from its golden copy (WGEC_UPDATE_GOLDEN=1 writes "
                    "it anew):\n" + "".join(diff), pytrace=False)


def test_the_default_report(tmp_path: Path) -> None:
    matches_golden(built_markdown(REPO / "sources", tmp_path), "report.md")


def test_the_default_report_in_arabic(tmp_path: Path) -> None:
    """Right to left, with the untranslated English kept left to right."""
    matches_golden(built_markdown(REPO / "sources", tmp_path, "ar"), "report.ar.md")


def test_a_negotiation_draft(tmp_path: Path) -> None:
    """Brackets, alternatives (bis, ter), a dropped text, the compilation of proposals."""
    matches_golden(built_markdown(NEGOTIATION, tmp_path), "negotiation.md")


def test_a_negotiation_draft_clean(tmp_path: Path) -> None:
    matches_golden(built_markdown(NEGOTIATION, tmp_path, options=RenderOptions(clean=True)),
                   "negotiation.clean.md")
