"""Where the external tools are, and which ones they are, found without starting them.

The pandoc that runs is the one `pypandoc-binary` ships, never one on PATH.
Nothing here imports importlib.metadata or runs a process: a rebuild with
nothing changed asks these questions and must stay cheap.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import ConversionError


@functools.cache
def pandoc_path() -> Path:
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or spec.origin is None:
        raise ConversionError("pypandoc-binary is not installed; reinstall wgec-report")
    folder = Path(spec.origin).parent / "files"
    for name in ("pandoc", "pandoc.exe"):
        if (folder / name).is_file():
            return folder / name
    raise ConversionError(
        f"the pandoc shipped with pypandoc-binary is missing from {folder}; "
        "reinstall with `pip install --force-reinstall pypandoc-binary`"
    )


def tool_versions() -> dict[str, str]:
    """What identifies each tool's output: wgec's version and files, and the pandoc and
    typst installed.

    pandoc and typst are known by the size and time of their binaries (the
    pandoc executable, the compiled `typst` module): another release, or a
    reinstall, gives a different identity without either being started or
    loaded to ask. wgec by its version and the size and time of each of its
    files: its code, label catalogue and fonts make the documents too, and
    change without a new version in a checkout (an editable install).
    """
    return {"wgec": f"{__version__} {_wgec_files()}",
            "pandoc": _identity(pandoc_path), "typst": _identity(_typst_module)}


@functools.cache
def _wgec_files() -> str:
    return package_identity(Path(__file__).parent)


def package_identity(package: Path) -> str:
    """The path, size and time of each file of `package` (Python's bytecode aside)."""
    files: list[str] = []
    for folder, folders_in, names in os.walk(package):
        folders_in[:] = sorted(name for name in folders_in if name != "__pycache__")
        for name in sorted(names):
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            relative = os.path.relpath(os.path.join(folder, name), package)
            files.append(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(files)


@functools.cache
def _typst_module() -> Path:
    spec = importlib.util.find_spec("typst")
    if spec is None or spec.origin is None:
        raise ConversionError("the typst package is not installed; reinstall wgec-report")
    found = sorted(Path(spec.origin).parent.glob("_typst*"))
    if not found:
        raise ConversionError("the typst package has no compiled module; reinstall it")
    return found[0]


def _identity(locate: Callable[[], Path]) -> str:
    try:
        stat = locate().stat()
    except (ConversionError, OSError):
        return "missing"  # the build itself says so, when it needs the tool
    return f"{stat.st_size}-{stat.st_mtime_ns}"


# A proxy nothing can be reached through: a connection to port 0 is refused at once.
NO_NETWORK_PROXY = "http://127.0.0.1:0"
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                    "ALL_PROXY", "all_proxy")


def cut_off_the_network() -> None:
    """Make typst (in this process) and pandoc (started from it) unable to reach the
    network: typst would download a Typst package a template imports however it names
    it (`#let p = "@prev" + "iew/x:1.0.0"; #import p`), and the same sources must make
    the same documents on every machine, from nothing outside the project. Both tools
    take their proxy from these variables.

    Changes this process's environment once, from the thread that builds, before any
    thread of the build starts (setting a variable while another thread starts a
    process is not safe); a second call changes nothing.
    """
    if all(os.environ.get(name) == NO_NETWORK_PROXY for name in _PROXY_VARIABLES) and not (
            "NO_PROXY" in os.environ or "no_proxy" in os.environ):
        return
    for name in _PROXY_VARIABLES:
        os.environ[name] = NO_NETWORK_PROXY
    for name in ("NO_PROXY", "no_proxy"):
        os.environ.pop(name, None)
