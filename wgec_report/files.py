"""Where a project's source files are, and how diagnostics name them.

Kept apart from `sources.py` (which parses them, and imports PyYAML for it)
so that a rebuild with nothing changed can list and hash the files without
loading a YAML parser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SOURCES_DIR = "sources"
SECTIONS_DIR = "sections"
YAML_SUFFIXES = (".yaml", ".yml")
# The kinds of source file, each with its JSON Schema (`wgec schema`).
SOURCE_FILE_KINDS = (
    "report", "instruments", "levels", "characteristics", "organizations", "mapping",
    "recommendations", "contributors", "section",
)  # fmt: skip


def yaml_files(sources_dir: Path) -> Iterator[Path]:
    """The source files: `sources/*.yaml` and `sources/sections/*.yaml`, in name order."""
    for folder in (sources_dir, sources_dir / SECTIONS_DIR):
        if folder.is_dir():
            yield from sorted(p for p in folder.iterdir() if p.suffix.lower() in YAML_SUFFIXES)


def display_path(path: Path) -> str:
    """A path as short as possible that still opens from the current folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative
