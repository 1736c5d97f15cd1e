"""Where the external tools are, and which ones they are, found without starting them.

The pandoc that runs is the one `pypandoc-binary` ships, never one on PATH.
Nothing here imports importlib.metadata or runs a process: a rebuild with
nothing changed asks these questions and must stay cheap.
"""

from __future__ import annotations

import functools
import importlib.util
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
    """What identifies each tool's output: wgec's version, pandoc's binary, typst's version.

    pandoc is known by the size and time of its binary: another pandoc (an
    upgrade of pypandoc-binary, a reinstall) gives a different identity
    without pandoc being started to ask.
    """
    import typst

    try:
        stat = pandoc_path().stat()
        pandoc = f"{stat.st_size}-{stat.st_mtime_ns}"
    except (ConversionError, OSError):
        pandoc = "missing"  # the build itself reports it, when it needs pandoc
    # The stubs of `typst` do not declare __version__; the module has it.
    typst_version = str(getattr(typst, "__version__", "unknown"))
    return {"wgec": __version__, "pandoc": pandoc, "typst": typst_version}
