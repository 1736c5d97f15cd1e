"""Where the packaged default report and templates are.

In an installed wheel they sit inside the package (`_default/`); in a source
checkout (editable install, tests) they are the repository's own `sources/`
and `templates/`, which is what editors change.
"""

from __future__ import annotations

from pathlib import Path

from .errors import WgecError

_PACKAGE = Path(__file__).resolve().parent


def _default_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_default" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise WgecError(f"the packaged default {name} are missing; reinstall wgec-report")


def default_templates_dir() -> Path:
    return _default_dir("templates")


def default_sources_dir() -> Path:
    return _default_dir("sources")
