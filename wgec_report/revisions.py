"""The sources of a report project at a git revision, read without touching the working tree.

Blobs come straight from git's object store (`git ls-tree`, `git cat-file
--batch`): no checkout, no stash, no temporary worktree, so a redline or a
build of an old round leaves the editor's files, index and branch as they
were. git runs with argument lists, never through a shell, and a revision
that looks like an option is refused before git sees it.

`None` stands for the working tree: the files on disk.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path
from typing import NamedTuple

from .check import CheckResult, check_blobs, check_project
from .errors import SourceError, WgecError
from .files import SOURCES_DIR, display_path
from .model import Report

WORKING_TREE = "the working tree"  # how messages name `None`
_GIT_TIMEOUT = 120  # seconds; reading a few YAML blobs takes milliseconds


class RevisionInfo(NamedTuple):
    full_hash: str
    short_hash: str
    author: str
    date: datetime.datetime  # the commit date, timezone-aware
    subject: str


def describe(rev: str | None) -> str:
    """How messages and documents name a revision: as the user wrote it."""
    return WORKING_TREE if rev is None else rev


def read_sources(project: Path, rev: str | None) -> dict[str, bytes]:
    """Every file under the project's sources/ at `rev`, keyed by its path inside sources/.

    Keys use forward slashes: "report.yaml", "sections/intro.yaml". With
    `rev=None` the files are read from disk.
    """
    if rev is None:
        return _read_working_tree(project)
    top, prefix = _locate(project)
    commit = _resolve(top, rev)
    folder = f"{prefix}{SOURCES_DIR}/"
    listing = _git(top, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", folder])
    objects: list[tuple[str, str]] = []  # (path inside sources/, blob id)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        header, _, raw_path = entry.partition(b"\t")
        mode, kind, object_id = header.decode("ascii").split()
        path = os.fsdecode(raw_path)
        # ls-tree's paths are patterns, not literal names: keep only what is really inside.
        if not path.startswith(folder) or kind != "blob" or mode not in ("100644", "100755"):
            continue  # symbolic links and submodules are not source files
        objects.append((path[len(folder):], object_id))
    if not objects:
        where = f"{prefix}{SOURCES_DIR}/" if prefix else f"{SOURCES_DIR}/"
        raise WgecError(f"no {where} folder at revision {rev} ({commit[:12]}) "
                        f"in the git repository {display_path(top)}")
    return dict(zip((p for p, _ in objects), _cat_blobs(top, [o for _, o in objects]),
                    strict=True))


def revision_info(project: Path, rev: str) -> RevisionInfo:
    """The commit `rev` names: its hashes, author, commit date and subject."""
    top, _ = _locate(project)
    commit = _resolve(top, rev)
    output = _git(top, ["log", "-1", "--no-show-signature", "--no-walk", "--encoding=UTF-8",
                        "--format=%H%x00%h%x00%an%x00%cI%x00%s", commit, "--"])
    fields = output.decode("utf-8", "replace").rstrip("\n").split("\0")
    if len(fields) != 5:  # pragma: no cover - git always prints the five fields asked for
        raise WgecError(f"git printed something unexpected for revision {rev}")
    full, short, author, date, subject = fields
    return RevisionInfo(full, short, author, datetime.datetime.fromisoformat(date), subject)


def git_user_name(project: Path) -> str | None:
    """`git config user.name` as seen from the project, or None if unset or git is missing."""
    try:
        completed = subprocess.run(["git", "-C", str(project), "config", "user.name"],
                                   capture_output=True, check=False, env=_environment(),
                                   timeout=_GIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    name = completed.stdout.decode("utf-8", "replace").strip()
    return name if completed.returncode == 0 and name else None


def check_revision(project: Path, rev: str | None) -> CheckResult:
    """`wgec check` of the sources at `rev`; diagnostics read `REV:sources/levels.yaml:3:5`."""
    if rev is None:
        return check_project(project)
    return check_blobs(project, read_sources(project, rev), rev)


def load_report(project: Path, rev: str | None) -> Report:
    """The report at `rev`, or a SourceError naming the revision whose sources do not validate."""
    checked = check_revision(project, rev)
    if not checked.ok or checked.report is None:
        raise SourceError(f"the sources at {describe(rev)} do not validate",
                          checked.diagnostics, checked.texts)
    return checked.report


# -- git ---------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({
        "LC_ALL": "C",  # git's messages in English: they are matched below
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
        "GIT_LITERAL_PATHSPECS": "1",  # a project folder named `*` is a name, not a glob
        "GIT_OPTIONAL_LOCKS": "0",
    })
    return environment


def _git(cwd: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    command = ["git", "-C", str(cwd), *args]
    try:
        completed = subprocess.run(command, input=stdin, capture_output=True, check=False,
                                   env=_environment(), timeout=_GIT_TIMEOUT)
    except FileNotFoundError:
        raise WgecError("git is not installed (or not on PATH); it is needed to read "
                        "a revision's sources") from None
    except OSError as exc:
        raise WgecError(f"cannot run git: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise WgecError(f"git {args[0]} took more than {_GIT_TIMEOUT} s and was stopped") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip()
        raise _GitFailed(detail or f"git {args[0]} failed (exit code {completed.returncode})")
    return completed.stdout


class _GitFailed(WgecError):
    pass


def _locate(project: Path) -> tuple[Path, str]:
    """The repository's top folder and the project's path inside it ("" or "sub/dir/")."""
    if not project.is_dir():
        raise WgecError(f"the project folder {display_path(project)} does not exist")
    try:
        top = _git(project, ["rev-parse", "--show-toplevel"])
        prefix = _git(project, ["rev-parse", "--show-prefix"])
    except _GitFailed as exc:
        if "not a git repository" in exc.message:
            raise WgecError(
                f"{display_path(project) or '.'} is not in a git repository: revisions "
                "can only be read from git (run `git init` and commit the sources)"
            ) from None
        raise WgecError(f"git cannot read the repository of {display_path(project)}: "
                        f"{exc.message}") from None
    return Path(os.fsdecode(top.rstrip(b"\n"))), os.fsdecode(prefix.rstrip(b"\n"))


def _resolve(top: Path, rev: str) -> str:
    """The full commit hash `rev` names, or an error saying which revision is unknown."""
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
        raise WgecError(f"'{rev}' is not a revision (a revision is a commit hash, a branch, "
                        "a tag or an expression such as HEAD~1)")
    try:
        output = _git(top, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{rev}^{{commit}}"])
    except _GitFailed:
        raise WgecError(f"unknown revision '{rev}': no such commit, branch or tag in the git "
                        f"repository {display_path(top)}") from None
    return output.decode("ascii").strip()


def _cat_blobs(top: Path, object_ids: list[str]) -> list[bytes]:
    """The contents of blobs, in order, from one `git cat-file --batch`."""
    output = _git(top, ["cat-file", "--batch"], "".join(f"{o}\n" for o in object_ids).encode())
    blobs: list[bytes] = []
    position = 0
    for object_id in object_ids:
        end = output.index(b"\n", position)
        header = output[position:end].decode("ascii", "replace").split()
        if len(header) != 3 or header[1] != "blob":
            raise WgecError(f"git cannot read object {object_id} ({' '.join(header[1:])}); "
                            "is the clone partial or damaged?")
        size = int(header[2])
        blobs.append(output[end + 1:end + 1 + size])
        position = end + 1 + size + 1  # the content is followed by a newline
    return blobs


def _read_working_tree(project: Path) -> dict[str, bytes]:
    folder = project / SOURCES_DIR
    if not folder.is_dir():
        raise WgecError(f"no {SOURCES_DIR}/ folder in {display_path(project) or '.'}")
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found
