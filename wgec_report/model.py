"""The typed report model: frozen dataclasses, each remembering where it came from.

Construction from located nodes lives in `schema.py`; this module only says
what a report is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .errors import Location

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
# The kinds of source file, each with its JSON Schema (`wgec schema`).
SOURCE_FILE_KINDS = (
    "report", "instruments", "levels", "characteristics", "organizations", "mapping",
    "recommendations", "contributors", "section",
)  # fmt: skip
DEFAULT_WORD_LIMIT = 10_700  # UN limit for documents other than Secretariat reports


@dataclass(frozen=True)
class LocatedText:
    """A string as written in a source, with where it sits (for locating text inside it)."""

    value: str
    location: Location
    start: int = 0  # character offsets of the scalar in its file
    end: int = 0
    # For a translation: the hash of the original text it was made from (`of:`),
    # so that `check` sees when the original changed since.
    source_hash: str | None = None


@dataclass(frozen=True)
class Text:
    """A translatable text: language code to string; the original language is always there."""

    by_language: Mapping[str, LocatedText]
    location: Location

    def get(self, language: str, fallback: str) -> str:
        chosen = self.by_language.get(language) or self.by_language.get(fallback)
        if chosen is None:  # only in sources with errors, which are never rendered
            return next((t.value for t in self.by_language.values()), "")
        return chosen.value

    def __iter__(self) -> Iterator[LocatedText]:
        return iter(self.by_language.values())


def text_hash(text: str) -> str:
    """A short, stable fingerprint of an original text (whitespace does not count)."""
    import hashlib

    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:8]


TRANSLATION_STATUSES = ("complete", "in-progress")


@dataclass(frozen=True)
class Translation:
    """How far a language's version of the report has come."""

    language: str
    status: str = "in-progress"  # complete: a missing text is a warning; in progress: info
    unofficial: bool = False  # said on the cover: "Unofficial translation"


@dataclass(frozen=True)
class Ref:
    """An id written in a source to point at another entity."""

    id: str
    location: Location


@dataclass(frozen=True)
class ReportMeta:
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
    translations: Mapping[str, Translation] = field(default_factory=dict)

    def translation(self, language: str) -> Translation:
        return self.translations.get(language, Translation(language))

    @property
    def reproduced_without_formal_editing(self) -> bool:
        if self.formal_editing is not None:
            return not self.formal_editing
        return self.symbol is not None and "/CRP." in self.symbol.value

@dataclass(frozen=True)
class Subparagraph:
    label: str
    text: Text
    location: Location


@dataclass(frozen=True)
class InstrumentParagraph:
    number: int
    location: Location
    text: Text | None = None
    subparagraphs: tuple[Subparagraph, ...] = ()

    def subparagraph(self, label: str) -> Subparagraph | None:
        return next((s for s in self.subparagraphs if s.label == label), None)


@dataclass(frozen=True)
class Instrument:
    id: str
    title: Text
    location: Location
    short_title: Text | None = None
    symbol: LocatedText | None = None
    paragraphs: tuple[InstrumentParagraph, ...] = ()

    def paragraph(self, number: int) -> InstrumentParagraph | None:
        return next((p for p in self.paragraphs if p.number == number), None)


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: Markdown prose, or a quotation of instrument paragraphs."""

    location: Location
    id: str | None = None
    text: Text | None = None
    quote: LocatedText | None = None  # "instrument:locator", e.g. "res-70-125:64-65"
    status: str = "proposed"
    alternative_to: Ref | None = None
    proposed_by: tuple[Ref, ...] = ()
    supported_by: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Section:
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


@dataclass(frozen=True)
class FocusArea:
    id: str
    name: Text
    location: Location


@dataclass(frozen=True)
class Level:
    id: str
    name: Text
    location: Location
    focus_areas: tuple[FocusArea, ...] = ()
    open_ended: bool = False


@dataclass(frozen=True)
class Characteristic:
    id: str
    name: Text
    location: Location
    description: Text | None = None


@dataclass(frozen=True)
class Organization:
    id: str
    abbreviation: Text
    name: Text
    kind: str
    location: Location


@dataclass(frozen=True)
class MappingRow:
    level: Ref
    location: Location
    agencies: tuple[Ref, ...] = ()
    forums: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Recommendation:
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


@dataclass(frozen=True)
class Contributor:
    """A member State, stakeholder group or organization whose proposals the report compiles."""

    id: str
    name: Text
    kind: str
    location: Location


@dataclass(frozen=True)
class Report:
    meta: ReportMeta
    sections: tuple[Section, ...] = ()  # every section file, in file-name order
    instruments: tuple[Instrument, ...] = ()
    levels: tuple[Level, ...] = ()
    characteristics: tuple[Characteristic, ...] = ()
    organizations: tuple[Organization, ...] = ()
    mapping: tuple[MappingRow, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    contributors: tuple[Contributor, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)  # display path -> file text
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
