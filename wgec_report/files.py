"""Where a project's source files are, how diagnostics name them, and where wgec
keeps what it remembers between runs.

Kept apart from `sources.py` (which parses them, and imports PyYAML for it)
so that a rebuild with nothing changed can list and hash the files without
loading a YAML parser.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

SOURCES_DIR = "sources"
TEMPLATES_DIR = "templates"  # a project's own templates, over wgec's
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


def is_scratch_file(name: str) -> bool:
    """Whether a file name is one of the temporary files editors and tools write beside
    the files they edit (`sed -i`'s `sedAb12Cd`, vim's `.x.yaml.swp` and `4913`, emacs's
    `.#x.yaml` and `x.yaml~`): never a template, whatever a folder holds."""
    return (name.startswith((".", "#")) or name.endswith("~") or name == "4913"
            or (name.startswith("sed") and len(name) == 9))


def display_path(path: Path) -> str:
    """A path as short as possible that still opens from the current folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def user_cache_folder(name: str) -> Path | None:
    """`$XDG_CACHE_HOME/wgec/NAME` (by default `~/.cache/wgec/NAME`), made if missing;
    None when it cannot be made, or when someone else could write into it.

    The user's own folder, never the project's: a project's files come from
    many hands, and what wgec keeps here (compiled templates, the last Typst of
    a build) is run or laid out without a second look.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative one is ignored (and would be here)
        base = os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "wgec" / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if (not stat.S_ISDIR(info.st_mode)  # a link: the folder would be somewhere else
            or info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return None
    return folder


def typesetter_file() -> Path:
    """A new empty file for typst's markup, `report.typ`, alone in a new folder only
    this user can enter (which typst takes as its root: the markup can read nothing
    else). Made before typst starts, so that `remove_typesetter_file` never races
    its creation."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="wgec-typst-")) / "report.typ"
    path.touch()
    return path


def remove_typesetter_file(path: Path) -> None:
    """Remove a `typesetter_file` and its folder; never an error."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
        path.parent.rmdir()


def unsafe_output_file(path: Path, project: Path) -> str | None:
    """Why a command will not write its one output file at `path`, if it will not.

    Outputs are written beside their place and renamed over it, so that none is ever
    half written: over a device, a pipe or a link, the rename would put a file in its
    place (`-o /dev/null`, run as root, would replace the device). And an output in
    the project's sources or templates would replace what the report is made from.
    """
    try:
        info = path.lstat()
    except OSError:  # none there yet (or unreachable: the write will say so)
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        return "is a symbolic link, which the output would replace; give the file it leads to"
    if info is not None and not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, a pipe, a socket): outputs are files"
    held = _project_folder_holding(path.parent, project)
    if held is None:
        return None
    return f"is in the project's {held[0]}/ folder: an output there would replace its files"


def unsafe_output_folder(folder: Path, project: Path) -> str | None:
    """Why outputs will not go into `folder`, if they will not: it is the project's
    sources or templates folder, or in one (`build -o templates` would have made the
    next build's template of its HTML)."""
    held = _project_folder_holding(folder, project)
    if held is None:
        return None
    name, itself = held
    return (f"is {'' if itself else 'in '}the project's {name}/ folder: outputs there would "
            "replace its files")


def _project_folder_holding(folder: Path, project: Path) -> tuple[str, bool] | None:
    """`sources` or `templates`, if `folder` is in that folder of the project, and
    whether it is that very folder."""
    where = Path(os.path.realpath(folder))
    for name in (SOURCES_DIR, TEMPLATES_DIR):
        own = Path(os.path.realpath(project / name))
        if where == own or own in where.parents:
            return name, where == own
    return None
