"""`wgec watch`: rebuild whenever a source or template changes.

A failed build is reported and the watch goes on; the incremental cache
keeps each rebuild to what the change touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import WgecError
from .files import (
    SECTIONS_DIR,
    SOURCES_DIR,
    TEMPLATES_DIR,
    YAML_SUFFIXES,
    display_path,
    is_scratch_file,
)

if TYPE_CHECKING:  # imported by the watch itself: `wgec build` never needs it
    from watchfiles import Change

DEBOUNCE_MS = 300  # editors save in bursts (temporary file, rename): wait for quiet


@dataclass(frozen=True)
class Rebuild:
    """One round of the watch: what changed, and how the build went."""

    changed: tuple[str, ...]
    seconds: float
    result: object | None  # a BuildResult, or None when the build failed
    error: WgecError | None = None


READY_MS = 100  # how soon the first build starts, once the watcher is in place


def watch_project(
    project: Path,
    build: Callable[[], object],
    on_rebuild: Callable[[Rebuild], None],
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Build once, then again after every change to what a build reads, until `stop`;
    `on_ready` when the watch has begun, before the first build.

    sources/ and templates/ are watched, and nothing else of the project (a
    virtual environment, a link to a parent folder: thousands of folders that
    could exhaust the system's watches). Either may appear, vanish or be replaced
    (a git checkout) while the watch runs: that is seen at the next quiet moment,
    and the watch starts afresh on what is there. A watcher is in place before
    each build it starts with, so that an edit made during the build is seen.
    `build` raises WgecError when the sources are broken; that is reported
    through `on_rebuild` and the watch goes on.
    """
    import logging

    if not project.is_dir():
        raise WgecError(f"there is no folder {display_path(project)} to watch")
    root = project.resolve()  # once: the current folder may be deleted under the watch
    # watchfiles says "KeyboardInterrupt caught, stopping watch" on Ctrl-C; the CLI
    # says it has stopped, once.
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    due: tuple[str, ...] | None = ()  # the changes to build as soon as the watcher is ready
    before: Mapping[str, tuple[int, int]] = {}  # the folders watched before those changes
    while True:
        folders = _folders(root)
        rounds = _rounds(root, folders, debounce_ms, stop)
        try:
            while (changes := _next_round(rounds, root)) is not None:
                if not root.is_dir():  # its watch went with it: a folder made again is not seen
                    raise WgecError(f"the folder being watched, {root}, was removed or moved")
                if due == ():  # the first build
                    if on_ready is not None:
                        on_ready()
                    on_rebuild(_run(build, due))
                elif due is not None and (changing := _changing_a_build(root, before, due)):
                    on_rebuild(_run(build, changing))
                elif lasting := _lasting(root, changes):
                    on_rebuild(_run(build, tuple(sorted(_relative(root, p) for p in lasting))))
                due = None
                if moved := _moved(root, folders, changes):  # watch what is there, then build
                    due, before = moved, folders
                    break
            else:
                return  # stopped
        finally:
            rounds.close()


def _folders(root: Path) -> dict[str, tuple[int, int]]:
    """The folders a build reads that exist, by name, each known by its device and inode
    (a folder replaced by another of the same name is another folder)."""
    found: dict[str, tuple[int, int]] = {}
    for name in (SOURCES_DIR, TEMPLATES_DIR):
        with contextlib.suppress(OSError):
            info = os.stat(root / name)
            if stat.S_ISDIR(info.st_mode):
                found[name] = (info.st_dev, info.st_ino)
    return found


def _moved(root: Path, folders: Mapping[str, tuple[int, int]],
           changes: Iterable[tuple[object, str]]) -> tuple[str, ...]:
    """The watched folders gone, made or replaced since `folders` was taken. A folder's
    own events count too: one removed and made again may get the same inode back."""
    now = _folders(root)
    changed = {name for name in {*folders, *now} if folders.get(name) != now.get(name)}
    touched = {name for _, path in changes for name in folders if path == str(root / name)}
    return tuple(sorted(changed | touched))


def _changing_a_build(root: Path, before: Mapping[str, object],
                      moved: tuple[str, ...]) -> tuple[str, ...]:
    """The folders among `moved` that can change a build: not a templates/ made where
    there was none that holds no file yet (`mkdir templates` before writing into it).
    Asked once the new watcher is in place: a template written in the meantime counts."""
    return tuple(name for name in moved if name != TEMPLATES_DIR or name in before
                 or not _holds_no_file(root / name))


def _rounds(root: Path, folders: Mapping[str, object], debounce_ms: int,
            stop: threading.Event | None) -> Generator[set[tuple[Change, str]], None, None]:
    """watchfiles' rounds of changes in `folders` (or, with none, in the project folder
    itself, not in its subfolders: to see one made), a round at least every
    READY_MS. Unfiltered: a round of changes no build reads is a quiet moment too."""
    import watchfiles

    paths = [root / name for name in folders] or [root]
    return watchfiles.watch(*paths, debounce=debounce_ms, stop_event=stop, raise_interrupt=False,
                            yield_on_timeout=True, rust_timeout=READY_MS, watch_filter=None,
                            recursive=bool(folders),
                            ignore_permission_denied=True)  # what no build could read either


def is_read_by_wgec(project: Path, path: str) -> bool:
    """Whether a change to `path` (in `project`, a resolved path) can change a build: a
    YAML source, sources/ or sources/sections/ themselves (moved, replaced), or
    anything in templates/ (a template can include a file of any name, in a
    subfolder too); not the temporary files editors and tools write beside them
    (`is_scratch_file`), which no build reads."""
    where = _relative(project, path).split("/")
    if any(is_scratch_file(part) for part in where):
        return False
    if where[0] == SOURCES_DIR:
        inside = where[1:]
        if inside in ([], [SECTIONS_DIR]):
            return True
        return inside[:-1] in ([], [SECTIONS_DIR]) and inside[-1].lower().endswith(YAML_SUFFIXES)
    return where[0] == TEMPLATES_DIR


def _next_round(rounds: Iterator[set[tuple[Change, str]]],
                root: Path) -> set[tuple[Change, str]] | None:
    """The next changes (None: the watch was stopped); the watcher's own failures (the
    system's limit of watched folders reached, say) as a WgecError."""
    try:
        return next(rounds)
    except StopIteration:
        return None
    except (OSError, RuntimeError) as exc:  # watchfiles' errors are RuntimeErrors
        raise WgecError(f"cannot watch {root}: {exc}") from None


def _lasting(root: Path, changes: Iterable[tuple[object, str]]) -> set[str]:
    """The paths changed that a build reads (`is_read_by_wgec`), less the files that
    came and went in the meantime (a tool's temporary file, of whatever name,
    `tmpq3x9z1ab`, written, then renamed over a template, which no build can have
    read), and less the folders made in templates/ that are still empty (a `mkdir`
    before the templates are written: a folder moved in with its files counts)."""
    from watchfiles import Change

    read = {(change, path) for change, path in changes if is_read_by_wgec(root, path)}
    added = {path for change, path in read if change == Change.added}
    deleted = {path for change, path in read if change == Change.deleted}
    gone = {path for path in added & deleted if not os.path.lexists(path)}
    return {path for _, path in read
            if path not in gone and not _empty_folder_in_templates(root, path)}


def _empty_folder_in_templates(root: Path, path: str) -> bool:
    if _relative(root, path).split("/")[:1] != [TEMPLATES_DIR] or path == str(root / TEMPLATES_DIR):
        return False
    return _holds_no_file(Path(path))


def _holds_no_file(folder: Path) -> bool:
    """A folder with nothing in it but folders with nothing in them (`mkdir -p`); not
    a file, nor a folder gone or unreadable (said by the build, if it reads it)."""
    waiting = [folder]
    while waiting:
        try:
            with os.scandir(waiting.pop()) as entries:
                for entry in entries:
                    if not entry.is_dir(follow_symlinks=False):
                        return False
                    waiting.append(Path(entry.path))
        except OSError:
            return False
    return True


def _run(build: Callable[[], object], changed: Iterable[str]) -> Rebuild:
    started = time.perf_counter()
    try:
        result = build()
    except WgecError as exc:
        return Rebuild(tuple(changed), time.perf_counter() - started, None, exc)
    except OSError as exc:  # a file gone or locked mid-build: said, and the next round builds
        failure = WgecError(f"the build could not go on: {exc}")
        return Rebuild(tuple(changed), time.perf_counter() - started, None, failure)
    return Rebuild(tuple(changed), time.perf_counter() - started, result)


def _relative(project: Path, path: str) -> str:
    try:
        return Path(path).relative_to(project).as_posix()
    except ValueError:
        return path
