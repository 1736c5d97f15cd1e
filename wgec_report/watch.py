"""`wgec watch`: rebuild whenever a source or template changes.

A failed build is reported and the watch goes on; the incremental cache
keeps each rebuild to what the change touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import WgecError
from .files import SECTIONS_DIR, SOURCES_DIR, YAML_SUFFIXES, is_scratch_file

DEBOUNCE_MS = 300  # editors save in bursts (temporary file, rename): wait for quiet


@dataclass(frozen=True)
class Rebuild:
    """One round of the watch: what changed, and how the build went."""

    changed: tuple[str, ...]
    seconds: float
    result: object | None  # a BuildResult, or None when the build failed
    error: WgecError | None = None


def watched_folders(project: Path) -> list[Path]:
    return [folder for folder in (project / "sources", project / "templates") if folder.is_dir()]


def watch_project(
    project: Path,
    build: Callable[[], object],
    on_rebuild: Callable[[Rebuild], None],
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> None:
    """Build once, then again after every change to sources/ or templates/, until `stop`.

    `build` raises WgecError when the sources are broken; that is reported
    through `on_rebuild` and the watch goes on.
    """
    import logging

    import watchfiles

    # watchfiles says "KeyboardInterrupt caught, stopping watch" on Ctrl-C; the CLI
    # says it has stopped, once.
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    on_rebuild(_run(build, ()))
    for changes in watchfiles.watch(*watched_folders(project), debounce=debounce_ms,
                                    stop_event=stop, raise_interrupt=False,
                                    watch_filter=lambda _, path: is_read_by_wgec(project, path)):
        changed = tuple(sorted({_relative(project, path) for _, path in changes}))
        on_rebuild(_run(build, changed))


def is_read_by_wgec(project: Path, path: str) -> bool:
    """Whether a change to `path` can change a build: a YAML source, or any file in
    templates/ (a template can include a file of any name, in a subfolder too); not
    the temporary files editors and tools write beside them (`is_scratch_file`),
    which no build reads."""
    where = _relative(project, path).split("/")
    name = where[-1]
    if any(is_scratch_file(part) for part in where):
        return False
    if where[:-1] in ([SOURCES_DIR], [SOURCES_DIR, SECTIONS_DIR]):
        return name.lower().endswith(YAML_SUFFIXES)
    return where[0] == "templates" and len(where) >= 2


def _run(build: Callable[[], object], changed: Iterable[str]) -> Rebuild:
    started = time.perf_counter()
    try:
        result = build()
    except WgecError as exc:
        return Rebuild(tuple(changed), time.perf_counter() - started, None, exc)
    return Rebuild(tuple(changed), time.perf_counter() - started, result)


def _relative(project: Path, path: str) -> str:
    try:
        return Path(path).relative_to(project.resolve()).as_posix()
    except ValueError:
        try:
            return Path(path).relative_to(project).as_posix()
        except ValueError:
            return path
