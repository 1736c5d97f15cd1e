"""Diagnostics as data, and the one exception type the core raises.

Nothing here prints: the CLI decides how diagnostics are shown and what the
exit code is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Records are NamedTuples, not dataclasses: see the note in model.py.
class Location(NamedTuple):
    """A place in a source file; line and column are 1-based, as editors count.

    Ordered as a tuple of its fields, in this order (path, line, column, ...).
    """

    path: str
    line: int = 0  # 0: the diagnostic is about a folder, not a place in a file
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


def whole_file(path: str) -> Location:
    """A diagnostic about a whole file points at its start, where editors can show it."""
    return Location(path, 1, 1)


class Diagnostic(NamedTuple):
    location: Location
    severity: Severity
    code: str
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)

    def headline(self) -> str:
        """`path:line:col: severity[code]: message`, the form editors and CI parse."""
        return f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"


def error(location: Location, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(location, Severity.ERROR, code, message, hint)


def warning(location: Location, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(location, Severity.WARNING, code, message, hint)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


class WgecError(Exception):
    """A failure the user can act on. Carries located diagnostics when it has them."""

    def __init__(
        self,
        message: str,
        diagnostics: Iterable[Diagnostic] = (),
        texts: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = sorted_diagnostics(diagnostics)
        self.texts = dict(texts or {})  # file texts, to show the lines the diagnostics point at


class SourceError(WgecError):
    """The sources do not validate; `diagnostics` says where and why."""


class ConversionError(WgecError):
    """pandoc or typst failed to turn the Markdown into a document."""


class TemplateError(WgecError):
    """A template is missing, does not parse, or uses a field that does not exist."""


def template_not_utf8(shown: str, data: bytes, bad: UnicodeDecodeError) -> TemplateError:
    """A template (Jinja2 or pandoc) that is not UTF-8, located at its first bad byte."""
    from .sources import location_in_text  # sources imports this module

    before = data[:bad.start].decode("utf-8")  # decodes: the error is further on
    place = location_in_text(shown, before, len(before))
    said = f"the template is not UTF-8 text (byte 0x{data[bad.start]:02x}); save it as UTF-8"
    return TemplateError(f"template error: {said}", [error(place, "template", said)],
                         {shown: data.decode("utf-8", "replace")})
