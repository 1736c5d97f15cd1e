"""Where the packaged default report and templates are.

In an installed wheel they sit inside the package (`_default/`); in a source
checkout (editable install, tests) they are the repository's own `sources/`
and `templates/`, which is what editors change.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Location, TemplateError, WgecError, error, whole_file

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


def find_template(project_templates: Path | None, name: str) -> Path | None:
    """A project's own template wins over the packaged default of the same name.

    A project template that is a link to somewhere outside its folder is an
    error: a build reads nothing but the project and wgec's own files.
    """
    for folder in (project_templates, default_templates_dir()):
        if folder is None:
            continue
        candidate = folder / name
        if not candidate.is_file():
            continue
        # The folder where it stands in its parent: a templates/ that is itself a link
        # leads out as surely as a template that is one.
        if not candidate.resolve().is_relative_to(folder.parent.resolve() / folder.name):
            raise _outside(folder if folder.is_symlink() else candidate)
        return candidate
    return None


def _outside(link: Path) -> TemplateError:
    from .files import display_path

    shown = display_path(link)
    if link.is_dir():
        # Templates are read from the folder itself, for the build's record of them.
        within = link.resolve().is_relative_to(link.parent.resolve())
        said = ("the templates folder is a link to another folder of the project; templates "
                "are read from a templates/ folder only" if within else
                "the templates folder links to a place outside the project folder")
        return TemplateError(
            f"the templates folder is a link ({shown})",
            [error(Location(shown), "outside-project", said,
                   "make templates/ a folder of the project instead of a link")])
    return TemplateError(
        f"template {shown} leads outside the templates folder",
        [error(whole_file(shown), "outside-project",
               "this template links to a place outside the project folder",
               "copy the file into templates/ instead of linking to it")])
