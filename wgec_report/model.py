"""The typed report model: immutable records, each remembering where it came from.

Construction from located nodes lives in `schema.py`; this module only says
what a report is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

from .errors import Location

# Why NamedTuple and not @dataclass(frozen=True): creating a dataclass runs
# exec() on generated source for each method, ~1 ms per class at import; the
# ~35 records `wgec check` imports cost ~30-40 ms of a ~125 ms run, against the
# start-up budget of issue 7. A NamedTuple class costs ~0.1 ms and builds
# instances faster. Do not "tidy" these back into dataclasses. Mind that a
# record is now a tuple: iterable, indexable, sized, equal to any tuple with
# the same fields. A class that defines __iter__ (Text) stays a plain class.

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
# Where a paragraph stands in the negotiation. "bracketed": not agreed, set in
# [square brackets]; "dropped": an alternative the group no longer considers,
# kept in the sources for the record.
STATUSES = ("proposed", "agreed", "bracketed", "dropped")
CONTRIBUTOR_KINDS = ("member-state", "stakeholder-group", "organization", "chair", "other")
# Labels of alternatives to paragraph 7: "7 bis", "7 ter", ... (UN usage).
ALTERNATIVE_LABELS = ("bis", "ter", "quater", "quinquies", "sexies", "septies", "octies",
                      "novies", "decies")
ORGANIZATION_KINDS = ("agency", "forum", "body", "group", "other")
# What a section can show besides its own paragraphs: blocks made from the
# other source files.
INSERTS = ("focus-areas", "characteristics", "mapping", "recommendations")
# How headings are numbered: UN style (I., A., 1.), decimal as the WGEC
# contribution numbers its parts (1., 2.1), or not at all.
HEADING_NUMBERS = ("roman", "arabic", "none")
DEFAULT_WORD_LIMIT = 10_700  # UN limit for documents other than Secretariat reports


class LocatedText(NamedTuple):
    """A string as written in a source, with where it sits (for locating text inside it)."""

    value: str
    location: Location
    start: int = 0  # character offsets of the scalar in its file
    end: int = 0
    # For a translation: the hash of the original text it was made from (`of:`),
    # so that `check` sees when the original changed since.
    source_hash: str | None = None


class Text:
    """A translatable text: language code to string; the original language is always there.

    Not a NamedTuple: iterating a Text yields its texts; iterating a tuple, its fields.
    """

    __slots__ = ("by_language", "location")

    def __init__(self, by_language: Mapping[str, LocatedText], location: Location) -> None:
        self.by_language: Final = by_language
        self.location: Final = location

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Text):
            return NotImplemented
        return self.by_language == other.by_language and self.location == other.location

    def __repr__(self) -> str:
        return f"Text(by_language={self.by_language!r}, location={self.location!r})"

    def get(self, language: str, fallback: str) -> str:
        chosen = self.by_language.get(language) or self.by_language.get(fallback)
        if chosen is None:  # only in sources with errors, which are never rendered
            return next((t.value for t in self.by_language.values()), "")
        return chosen.value

    def __iter__(self) -> Iterator[LocatedText]:
        return iter(self.by_language.values())


# What breaks a line: ASCII white space and the Unicode line separators. Not the
# no-break and typographic spaces (U+00A0 in "10 000", before a French colon; U+202F;
# U+2009; U+3000 in Chinese), which are part of the text as written.
_LINE_BREAKING_SPACE = re.compile(r"[ \t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """A plain-text field (a name, a title) as one line: each run of line-breaking white
    space one space, none at either end; every other character as written."""
    return _LINE_BREAKING_SPACE.sub(" ", text).strip(" ")


def text_hash(text: str) -> str:
    """A short, stable fingerprint of an original text (whitespace does not count)."""
    import hashlib

    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:8]


TRANSLATION_STATUSES = ("complete", "in-progress")


class Translation(NamedTuple):
    """How far a language's version of the report has come."""

    language: str
    status: str = "in-progress"  # complete: a missing text is a warning; in progress: info
    unofficial: bool = False  # said on the cover: "Unofficial translation"


# Read-only empty defaults (a NamedTuple has no default_factory; nothing mutates them).
_NO_TRANSLATIONS: Mapping[str, Translation] = MappingProxyType({})
_NO_TEXTS: Mapping[str, str] = MappingProxyType({})


class Ref(NamedTuple):
    """An id written in a source to point at another entity."""

    id: str
    location: Location


class ReportMeta(NamedTuple):
    title: Text
    original_language: str
    languages: tuple[str, ...]
    section_order: tuple[Ref, ...]
    location: Location
    subtitle: Text | None = None
    organ: Text | None = None
    body: Text | None = None
    working_group: Text | None = None
    symbol: LocatedText | None = None
    distribution: LocatedText | None = None
    date: LocatedText | None = None
    meeting: Text | None = None
    agenda_item: Text | None = None
    preliminary_note: Text | None = None
    annex_order: tuple[Ref, ...] = ()
    heading_numbers: str = "roman"
    word_limit: int = DEFAULT_WORD_LIMIT
    formal_editing: bool | None = None  # None: derived from the symbol (a CRP is not edited)
    toc: bool = False  # a table of contents after the title
    compilation: bool = False  # an annex "Compilation of proposals": who proposed what
    translations: Mapping[str, Translation] = _NO_TRANSLATIONS

    def translation(self, language: str) -> Translation:
        return self.translations.get(language, Translation(language))

    @property
    def reproduced_without_formal_editing(self) -> bool:
        if self.formal_editing is not None:
            return not self.formal_editing
        return self.symbol is not None and "/CRP." in self.symbol.value

class Subparagraph(NamedTuple):
    label: str
    text: Text
    location: Location


class InstrumentParagraph(NamedTuple):
    number: int
    location: Location
    text: Text | None = None
    subparagraphs: tuple[Subparagraph, ...] = ()

    def subparagraph(self, label: str) -> Subparagraph | None:
        return next((s for s in self.subparagraphs if s.label == label), None)


class Instrument(NamedTuple):
    id: str
    title: Text
    location: Location
    short_title: Text | None = None
    symbol: LocatedText | None = None
    paragraphs: tuple[InstrumentParagraph, ...] = ()

    def paragraphs_in(self, first: int, last: int) -> list[InstrumentParagraph]:
        """The paragraphs numbered `first` to `last`, by number (of two with one number,
        the first), found in one pass: a range may be far longer than the instrument."""
        found: dict[int, InstrumentParagraph] = {}
        for paragraph in self.paragraphs:
            if first <= paragraph.number <= last:
                found.setdefault(paragraph.number, paragraph)
        return [found[number] for number in sorted(found)]


class Paragraph(NamedTuple):
    """A body paragraph: Markdown prose, or a quotation of instrument paragraphs."""

    location: Location
    id: str | None = None
    text: Text | None = None
    quote: LocatedText | None = None  # "instrument:locator", e.g. "res-70-125:64-65"
    status: str = "proposed"
    alternative_to: Ref | None = None
    proposed_by: tuple[Ref, ...] = ()
    supported_by: tuple[Ref, ...] = ()


class Section(NamedTuple):
    id: str
    title: Text
    location: Location
    drafting_note: Text | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    inserts: tuple[Ref, ...] = ()
    subsections: tuple[Section, ...] = ()
    file: str = ""  # the source file (relative to sources/) of a top-level section

    def walk(self) -> Iterator[Section]:
        yield self
        for sub in self.subsections:
            yield from sub.walk()

    @property
    def is_empty(self) -> bool:
        return not (self.paragraphs or self.inserts or self.subsections)


class FocusArea(NamedTuple):
    id: str
    name: Text
    location: Location


class Level(NamedTuple):
    id: str
    name: Text
    location: Location
    focus_areas: tuple[FocusArea, ...] = ()
    open_ended: bool = False


class Characteristic(NamedTuple):
    id: str
    name: Text
    location: Location
    description: Text | None = None


class Organization(NamedTuple):
    id: str
    abbreviation: Text
    name: Text
    kind: str
    location: Location


class MappingRow(NamedTuple):
    level: Ref
    location: Location
    agencies: tuple[Ref, ...] = ()
    forums: tuple[Ref, ...] = ()


class Recommendation(NamedTuple):
    id: str
    text: Text
    location: Location
    status: str = "proposed"
    organizations: tuple[Ref, ...] = ()
    levels: tuple[Ref, ...] = ()
    focus_areas: tuple[Ref, ...] = ()
    alternative_to: Ref | None = None
    proposed_by: tuple[Ref, ...] = ()
    supported_by: tuple[Ref, ...] = ()


class Contributor(NamedTuple):
    """A member State, stakeholder group or organization whose proposals the report compiles."""

    id: str
    name: Text
    kind: str
    location: Location


class Report(NamedTuple):
    meta: ReportMeta
    sections: tuple[Section, ...] = ()  # every section file, in file-name order
    instruments: tuple[Instrument, ...] = ()
    levels: tuple[Level, ...] = ()
    characteristics: tuple[Characteristic, ...] = ()
    organizations: tuple[Organization, ...] = ()
    mapping: tuple[MappingRow, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    contributors: tuple[Contributor, ...] = ()
    texts: Mapping[str, str] = _NO_TEXTS  # display path -> file text
    # Ids (file names) of every file in sections/, including ones that failed to load:
    # a section whose file is broken is reported there, not as missing.
    section_files: frozenset[str] = frozenset()

    def ordered_sections(self) -> list[Section]:
        """Top-level sections of the body in the report's order (unknown ids skipped)."""
        return self._in_order(self.meta.section_order)

    def annexes(self) -> list[Section]:
        """Annexes in order, after the body: "Annex I", "Annex II", ..."""
        return self._in_order(self.meta.annex_order)

    def _in_order(self, refs: tuple[Ref, ...]) -> list[Section]:
        by_id = {s.id: s for s in self.sections}
        ordered = dict.fromkeys(ref.id for ref in refs if ref.id in by_id)
        return [by_id[ident] for ident in ordered]  # once each, even if listed twice

    def all_sections(self) -> Iterator[Section]:
        for section in (*self.ordered_sections(), *self.annexes()):
            yield from section.walk()

    def focus_areas(self) -> Iterator[FocusArea]:
        for level in self.levels:
            yield from level.focus_areas
