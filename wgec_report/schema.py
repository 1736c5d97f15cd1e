"""The shape of each source file, and the model's construction from located nodes.

Every problem of shape (unknown key, missing key, wrong type, bad id) becomes
a located diagnostic; construction goes on past it so that one run reports
everything. Cross-references are the checker's job.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath
from typing import TypeVar

from .errors import Diagnostic, Location, error, whole_file
from .files import display_path
from .model import (
    CONTRIBUTOR_KINDS,
    DEFAULT_WORD_LIMIT,
    HEADING_NUMBERS,
    INSERTS,
    LANGUAGES,
    ORGANIZATION_KINDS,
    STATUSES,
    TRANSLATION_STATUSES,
    Characteristic,
    Contributor,
    FocusArea,
    Instrument,
    InstrumentParagraph,
    Level,
    LocatedText,
    MappingRow,
    Organization,
    Paragraph,
    Recommendation,
    Ref,
    Report,
    ReportMeta,
    Section,
    Subparagraph,
    Text,
    Translation,
)
from .sources import (
    LoadedSources,
    MappingNode,
    Node,
    Scalar,
    SequenceNode,
    SourceFile,
)

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
INTEGER_PATTERN = re.compile(r"[0-9]+\Z")
LABEL_PATTERN = re.compile(r"[a-z]{1,4}\Z")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
T = TypeVar("T")

# One entry per kind of source file: the file name (without .yaml) and the
# single top-level key that holds its list.
LIST_FILES = {
    "instruments": "instruments",
    "levels": "levels",
    "characteristics": "characteristics",
    "organizations": "organizations",
    "mapping": "mapping",
    "recommendations": "recommendations",
    "contributors": "contributors",
}
REPORT_FILE = "report"

REPORT_KEYS = (
    "title", "subtitle", "organ", "body", "working_group", "symbol", "distribution", "date",
    "original_language", "languages", "meeting", "agenda_item", "preliminary_note", "sections",
    "annexes", "heading_numbers", "word_limit", "formal_editing", "toc", "compilation",
    "translations",
)  # fmt: skip
INSTRUMENT_KEYS = ("id", "title", "short_title", "symbol", "paragraphs")
INSTRUMENT_PARAGRAPH_KEYS = ("number", "text", "subparagraphs")
SUBPARAGRAPH_KEYS = ("label", "text")
SECTION_KEYS = ("id", "title", "drafting_note", "paragraphs", "insert", "subsections")
PARAGRAPH_KEYS = ("id", "text", "quote", "status", "alternative_to", "proposed_by",
                  "supported_by")
LEVEL_KEYS = ("id", "name", "focus_areas", "open_ended")
FOCUS_AREA_KEYS = ("id", "name")
CHARACTERISTIC_KEYS = ("id", "name", "description")
ORGANIZATION_KEYS = ("id", "abbreviation", "name", "kind")
MAPPING_KEYS = ("level", "agencies", "forums")
RECOMMENDATION_KEYS = ("id", "text", "status", "organizations", "levels", "focus_areas",
                       "alternative_to", "proposed_by", "supported_by")
CONTRIBUTOR_KEYS = ("id", "name", "kind")
TRANSLATION_KEYS = ("status", "unofficial")
STAMPED_KEYS = ("text", "of")  # a translation with the hash of the original it translates
HASH_PATTERN = re.compile(r"[0-9a-f]{8}\Z")
DISTRIBUTIONS = ("General", "Limited", "Restricted")


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = close_match(word, choices)
    return f"did you mean '{close[0]}'?" if close else ""


def close_match(word: str, choices: Sequence[str]) -> list[str]:
    """The choice `word` is most likely a misspelling of, if any (a list of one or none)."""
    return list(_closest(word, tuple(choices)))


@functools.lru_cache(maxsize=256)
def _closest(word: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    # Remembered: a renamed id cited a thousand times is misspelt a thousand times
    # alike, and each comparison with every id of a large report takes milliseconds.
    import difflib  # only when there is a misspelling to correct

    return tuple(difflib.get_close_matches(word, choices, n=1, cutoff=0.6))


# How many comparisons of a misspelling with an id one check makes, in all, with
# difflib's ratio (tens of microseconds each, for ids alike): a second at most. A
# report's few misspellings are compared with every id, as `did_you_mean` does.
FULL_COMPARISONS = 10_000
# An id, or a misspelling, longer than this is left out of `CloseIds`' index; one
# longer than _LONGEST_LESS_TWO is looked up less a character, not less two.
_LONGEST_INDEXED = 100
_LONGEST_LESS_TWO = 40
# The most ids of the index that a misspelling is compared with (a typo has a few).
_MOST_NEAR = 100


class ComparisonBudget:
    """The comparisons with every id that one check may still make (`CloseIds`)."""

    def __init__(self, comparisons: int = FULL_COMPARISONS) -> None:
        self.left = comparisons


class CloseIds:
    """The ids of one kind, and for each misspelling of one of them its hint.

    While the check's `ComparisonBudget` lasts, a misspelling is compared with every
    id, as `did_you_mean` does. Thousands of misspellings of thousands of ids would
    take minutes so (2,000 of 2,000 ids: two), and beyond the budget a misspelling is
    compared only with the ids an edit or two from it: those that it, or it less one
    or two characters, is, or is an id less a character (an index of these, built
    once). A typo gets the same hint either way (but for one in a thousand or so,
    another as close); a word that is no near miss of an id, none.
    """

    def __init__(self, ids: Iterable[str], budget: ComparisonBudget) -> None:
        self.ids = tuple(ids)
        self.budget = budget
        self.hints: dict[tuple[str, str], str] = {}
        self.by_deletion: dict[str, list[str]] | None = None

    def did_you_mean(self, word: str, excluding: str = "") -> str:
        """The hint for `word`, "did you mean '...'?", or "" when no id (but `excluding`)
        is close to it."""
        key = (word, excluding)
        if key not in self.hints:  # a misspelling cited a thousand times is compared once
            import difflib  # only when there is a misspelling to correct

            if self.budget.left >= len(self.ids):
                self.budget.left -= len(self.ids)
                candidates: Sequence[str] = self.ids
            else:
                candidates = self._near(word)
            close = difflib.get_close_matches(
                word, [c for c in candidates if c != excluding], n=1, cutoff=0.6)
            self.hints[key] = f"did you mean '{close[0]}'?" if close else ""
        return self.hints[key]

    def _near(self, word: str) -> list[str]:
        """The ids an edit or two from `word`, the nearest first (at most _MOST_NEAR)."""
        if len(word) > _LONGEST_INDEXED:
            return []
        if self.by_deletion is None:
            self.by_deletion = {}
            for ident in self.ids:
                if len(ident) <= _LONGEST_INDEXED:
                    for less in _less_a_character(ident):
                        self.by_deletion.setdefault(less, []).append(ident)
        keys = _less_a_character(word)
        if len(word) <= _LONGEST_LESS_TWO:  # each of them less another character
            keys += [word[:first] + word[first + 1:second] + word[second + 1:]
                     for second in range(1, len(word)) for first in range(second)]
        near = dict.fromkeys(ident for key in keys for ident in self.by_deletion.get(key, ()))
        return list(near)[:_MOST_NEAR]


def _less_a_character(word: str) -> list[str]:
    """`word`, and `word` less each of its characters, each once, in that order."""
    return list(dict.fromkeys([word, *(word[:index] + word[index + 1:]
                                       for index in range(len(word)))]))


# Line breaks other than the line feed, which a double-quoted scalar can hold as escapes
# ("\r", "\u2028"; written as they are, the loader refuses them): Jinja2's `indent`
# and pandoc break lines at them, the prose checks at a line feed. A text is given one
# kind of line break, so that each of them sees the lines the others do.
_OTHER_LINE_BREAKS = re.compile("\r\n?|[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class Builder:
    """Builds a `Report` from loaded sources, collecting diagnostics."""

    __slots__ = ("_said_of", "diagnostics", "original_language", "sources")

    def __init__(self, sources: LoadedSources, diagnostics: list[Diagnostic] | None = None,
                 original_language: str = "en") -> None:
        self.sources = sources
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics
        self.original_language = original_language
        self._said_of: set[str] | None = None  # the files loading found problems in

    # -- files ---------------------------------------------------------------

    def build(self) -> Report | None:
        by_kind: dict[str, SourceFile] = {}
        sections: list[Section] = []
        for source in self.sources.files:
            kind = self._kind_of(source, by_kind)
            if kind is not None and kind != "section":
                by_kind[kind] = source
        report_file = by_kind.get(REPORT_FILE)
        meta = self._report_meta(report_file) if report_file is not None else None
        if report_file is None and not any(
            d.code == "no-sources" for d in self.sources.diagnostics
        ):
            self.diagnostics.append(
                error(
                    whole_file(display_path(self.sources.project / "sources" / "report.yaml")),
                    "missing-file",
                    "the report metadata file sources/report.yaml is missing",
                    "run `wgec init` for a complete example",
                )
            )
        for source in self.sources.files:
            if source.relative.startswith("sections/"):
                section = self._top_section(source)
                if section is not None:
                    sections.append(section)
        lists = {kind: self._list_file(by_kind.get(kind), key) for kind, key in LIST_FILES.items()}
        if meta is None:
            return None
        return Report(
            meta=meta,
            sections=tuple(sections),
            instruments=tuple(self._each(lists["instruments"], self._instrument)),
            levels=tuple(self._each(lists["levels"], self._level)),
            characteristics=tuple(self._each(lists["characteristics"], self._characteristic)),
            organizations=tuple(self._each(lists["organizations"], self._organization)),
            mapping=tuple(self._each(lists["mapping"], self._mapping_row)),
            recommendations=tuple(self._each(lists["recommendations"], self._recommendation)),
            contributors=tuple(self._each(lists["contributors"], self._contributor)),
            texts={s.display: s.text for s in self.sources.files},
            section_files=frozenset(
                PurePosixPath(s.relative).stem for s in self.sources.files
                if s.relative.startswith("sections/")
            ),
        )

    def _kind_of(self, source: SourceFile, seen: dict[str, SourceFile]) -> str | None:
        path = PurePosixPath(source.relative)
        if len(path.parts) == 2:
            return "section"
        known = (REPORT_FILE, *LIST_FILES)
        if path.stem not in known:
            self.diagnostics.append(
                error(
                    whole_file(source.display),
                    "unknown-source-file",
                    f"'{path.name}' is not a kind of source file wgec knows",
                    did_you_mean(path.stem + ".yaml", [k + ".yaml" for k in known])
                    or f"source files are {', '.join(k + '.yaml' for k in known)} and "
                    "sections/*.yaml",
                )
            )
            return None
        if path.stem in seen:
            self.diagnostics.append(
                error(
                    whole_file(source.display),
                    "duplicate-file",
                    f"{seen[path.stem].display} already holds the {path.stem}",
                    "merge the two files into one",
                )
            )
            return None
        return path.stem

    def _root_mapping(self, source: SourceFile) -> MappingNode | None:
        if source.root is None:
            if self._said_of is None:  # once: thousands of files may have no content
                self._said_of = {d.location.path for d in self.sources.diagnostics}
            if source.display not in self._said_of:
                self.diagnostics.append(
                    error(Location(source.display, 1, 1), "empty-file",
                          "the file holds no YAML content",
                          "delete it, or see `wgec init` for what it should hold")
                )
            return None
        if isinstance(source.root, Scalar) and source.root.is_null:  # `---` and comments only
            self.diagnostics.append(
                error(whole_file(source.display), "empty-file", "the file holds no YAML content",
                      "delete it, or see `wgec init` for what it should hold")
            )
            return None
        if not isinstance(source.root, MappingNode):
            self._wrong_type(source.root, "a mapping of keys to values at the top of the file")
            return None
        return source.root

    def _list_file(self, source: SourceFile | None, key: str) -> list[Node]:
        if source is None:
            return []
        root = self._root_mapping(source)
        if root is None:
            return []
        fields = self._fields(root, (key,), f"{key}.yaml")
        node = fields.get(key)
        if node is None:
            if key not in fields.misspelt:
                self._missing(root, key, f"{key}.yaml")
            return []
        return self._items(node)

    # -- entities ------------------------------------------------------------

    def _report_meta(self, source: SourceFile) -> ReportMeta | None:
        root = self._root_mapping(source)
        if root is None:
            return None
        f = self._fields(root, REPORT_KEYS, "the report")
        original = self._language(f.get("original_language")) or "en"
        self.original_language = original
        language_nodes = self._items(f.get("languages"))
        languages = tuple(lang for n in language_nodes if (lang := self._language(n))) or (
            original,
        )
        if language_nodes and original not in languages:
            self.diagnostics.append(
                error(f.location_of("languages"), "bad-language",
                      f"the original language '{original}' is not among the report's languages",
                      f"add {original} to 'languages'")
            )
        title = self._text(f, "title", required=True)
        order = tuple(self._ref(n) for n in self._items(f.get("sections")))
        self._require(root, f, "sections", "the report")
        if title is None:
            return None
        return ReportMeta(
            title=title,
            original_language=original,
            languages=languages,
            section_order=tuple(r for r in order if r is not None),
            location=root.location,
            subtitle=self._text(f, "subtitle"),
            organ=self._text(f, "organ"),
            body=self._text(f, "body"),
            working_group=self._text(f, "working_group"),
            symbol=self._plain_string(f.get("symbol")),
            distribution=self._choice(f.get("distribution"), DISTRIBUTIONS),
            date=self._date(f.get("date")),
            meeting=self._text(f, "meeting"),
            agenda_item=self._text(f, "agenda_item"),
            preliminary_note=self._text(f, "preliminary_note"),
            annex_order=tuple(r for n in self._items(f.get("annexes")) if (r := self._ref(n))),
            heading_numbers=_value(self._choice(f.get("heading_numbers"), HEADING_NUMBERS),
                                   "roman"),
            word_limit=_positive(self._integer(f.get("word_limit")), DEFAULT_WORD_LIMIT),
            formal_editing=self._boolean(f.get("formal_editing")),
            toc=bool(self._boolean(f.get("toc"))),
            compilation=bool(self._boolean(f.get("compilation"))),
            translations=self._translations(f.get("translations"), languages),
        )

    def _translations(self, node: Node | None, languages: tuple[str, ...]
                      ) -> dict[str, Translation]:
        """`translations: {fr: {status: complete, unofficial: true}}`, per language."""
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return {}
        if not isinstance(node, MappingNode):
            self._wrong_type(node, "a mapping of language code to its translation's status")
            return {}
        found: dict[str, Translation] = {}
        for key, value in node.items:
            if key.value not in languages:
                self.diagnostics.append(error(
                    key.location, "bad-language",
                    f"'{key.value}' is not among the report's languages ({', '.join(languages)})",
                    "add it to 'languages' first"))
                continue
            if not isinstance(value, MappingNode):
                self._wrong_type(value, "a mapping with status and unofficial")
                continue
            f = self._fields(value, TRANSLATION_KEYS, "a translation")
            status = self._choice(f.get("status"), TRANSLATION_STATUSES)
            found[key.value] = Translation(
                key.value, status.value if status else "in-progress",
                bool(self._boolean(f.get("unofficial"))))
        return found

    def _instrument(self, node: MappingNode) -> Instrument | None:
        f = self._fields(node, INSTRUMENT_KEYS, "an instrument")
        ident, title = self._id(f), self._text(f, "title", required=True)
        if ident is None or title is None:
            return None
        return Instrument(
            id=ident,
            title=title,
            location=f.location_of("id"),
            short_title=self._text(f, "short_title"),
            symbol=self._plain_string(f.get("symbol")),
            paragraphs=tuple(self._each(self._items(f.get("paragraphs")),
                                        self._instrument_paragraph)),
        )

    def _instrument_paragraph(self, node: MappingNode) -> InstrumentParagraph | None:
        f = self._fields(node, INSTRUMENT_PARAGRAPH_KEYS, "an instrument paragraph")
        number = self._integer(f.get("number"))
        self._require(node, f, "number", "an instrument paragraph")
        if number is None:
            return None
        return InstrumentParagraph(
            number=number,
            location=f.location_of("number"),
            text=self._text(f, "text"),
            subparagraphs=tuple(self._each(self._items(f.get("subparagraphs")),
                                           self._subparagraph)),
        )

    def _subparagraph(self, node: MappingNode) -> Subparagraph | None:
        f = self._fields(node, SUBPARAGRAPH_KEYS, "a subparagraph")
        label_node = f.get("label")
        label = self._plain_string(label_node)
        text = self._text(f, "text", required=True)
        self._require(node, f, "label", "a subparagraph")
        if label is not None and not LABEL_PATTERN.match(label.value):
            self.diagnostics.append(
                error(label.location, "bad-value",
                      f"subparagraph label '{label.value}' must be lower-case letters, like 'a'")
            )
            return None
        if label is None or text is None:
            return None
        return Subparagraph(label=label.value, text=text, location=label.location)

    def _top_section(self, source: SourceFile) -> Section | None:
        root = self._root_mapping(source)
        if root is None:
            return None
        section = self._section(root)
        if section is None:
            return None
        return Section(
            id=section.id, title=section.title, location=section.location,
            drafting_note=section.drafting_note, paragraphs=section.paragraphs,
            inserts=section.inserts, subsections=section.subsections, file=source.relative,
        )  # fmt: skip

    def _section(self, node: MappingNode) -> Section | None:
        f = self._fields(node, SECTION_KEYS, "a section")
        ident, title = self._id(f), self._text(f, "title", required=True)
        inserts = tuple(
            ref for n in self._items(f.get("insert"), single_ok=True)
            if (ref := self._insert(n)) is not None
        )
        paragraphs = tuple(p for n in self._items(f.get("paragraphs"))
                           if (p := self._paragraph(n)) is not None)
        subsections = tuple(self._each(self._items(f.get("subsections")), self._section))
        if ident is None or title is None:
            return None
        return Section(
            id=ident,
            title=title,
            location=f.location_of("id"),
            drafting_note=self._text(f, "drafting_note"),
            paragraphs=paragraphs,
            inserts=inserts,
            subsections=subsections,
        )

    def _insert(self, node: Node) -> Ref | None:
        choice = self._choice(node, INSERTS)
        return Ref(choice.value, choice.location) if choice else None

    def _paragraph(self, node: Node) -> Paragraph | None:
        if isinstance(node, MappingNode) and set(node.keys()) & set(PARAGRAPH_KEYS):
            f = self._fields(node, PARAGRAPH_KEYS, "a paragraph")
            text, quote = self._text(f, "text"), self._plain_string(f.get("quote"))
            ident = self._id(f, required=False)
            if (text is None) == (quote is None):
                empty = [k for k in ("text", "quote") if k in f.present and f.get(k) is not None
                         and _is_blank(f.get(k))]  # type: ignore[arg-type]
                if empty:
                    self.diagnostics.append(error(f.location_of(empty[0]), "missing-value",
                                                  f"'{empty[0]}' is empty"))
                elif "text" not in f.present and "quote" not in f.present:
                    self.diagnostics.append(
                        error(node.location, "missing-key",
                              "a paragraph needs either 'text' or 'quote'")
                    )
                elif text is not None:
                    self.diagnostics.append(
                        error(f.location_of("quote"), "bad-value",
                              "a paragraph has either 'text' or 'quote', not both")
                    )
                return None
            status = self._choice(f.get("status"), STATUSES)
            return Paragraph(
                location=node.location, id=ident, text=text, quote=quote,
                status=status.value if status else "proposed",
                alternative_to=self._ref(f.get("alternative_to")),
                proposed_by=self._refs(f.get("proposed_by")),
                supported_by=self._refs(f.get("supported_by")),
            )
        text = self._text_value(node)
        if text is None:
            if _is_blank(node):  # `- ` or `- {}` with nothing in it
                self.diagnostics.append(error(node.location, "missing-value",
                                              "empty paragraph", "remove the empty `-` line"))
            return None
        return Paragraph(location=node.location, text=text)

    def _level(self, node: MappingNode) -> Level | None:
        f = self._fields(node, LEVEL_KEYS, "a level")
        ident, name = self._id(f), self._text(f, "name", required=True)
        areas = tuple(self._each(self._items(f.get("focus_areas")), self._focus_area))
        open_ended = self._boolean(f.get("open_ended"))
        if ident is None or name is None:
            return None
        return Level(ident, name, f.location_of("id"), areas, bool(open_ended))

    def _focus_area(self, node: MappingNode) -> FocusArea | None:
        f = self._fields(node, FOCUS_AREA_KEYS, "a focus area")
        ident, name = self._id(f), self._text(f, "name", required=True)
        if ident is None or name is None:
            return None
        return FocusArea(ident, name, f.location_of("id"))

    def _characteristic(self, node: MappingNode) -> Characteristic | None:
        f = self._fields(node, CHARACTERISTIC_KEYS, "a characteristic")
        ident, name = self._id(f), self._text(f, "name", required=True)
        description = self._text(f, "description")
        if ident is None or name is None:
            return None
        return Characteristic(ident, name, f.location_of("id"), description)

    def _organization(self, node: MappingNode) -> Organization | None:
        f = self._fields(node, ORGANIZATION_KEYS, "an organization")
        ident = self._id(f)
        abbreviation = self._text(f, "abbreviation", required=True)
        name = self._text(f, "name", required=True)
        kind = self._choice(f.get("kind"), ORGANIZATION_KINDS)
        self._require(node, f, "kind", "an organization")
        if ident is None or abbreviation is None or name is None or kind is None:
            return None
        return Organization(ident, abbreviation, name, kind.value, f.location_of("id"))

    def _mapping_row(self, node: MappingNode) -> MappingRow | None:
        f = self._fields(node, MAPPING_KEYS, "a mapping row")
        level = self._ref(f.get("level"))
        self._require(node, f, "level", "a mapping row")
        if level is None:
            return None
        return MappingRow(
            level=level,
            location=node.location,
            agencies=self._refs(f.get("agencies")),
            forums=self._refs(f.get("forums")),
        )

    def _recommendation(self, node: MappingNode) -> Recommendation | None:
        f = self._fields(node, RECOMMENDATION_KEYS, "a recommendation")
        ident, text = self._id(f), self._text(f, "text", required=True)
        status = self._choice(f.get("status"), STATUSES)
        if ident is None or text is None:
            return None
        return Recommendation(
            id=ident,
            text=text,
            location=f.location_of("id"),
            status=status.value if status else "proposed",
            organizations=self._refs(f.get("organizations")),
            levels=self._refs(f.get("levels")),
            focus_areas=self._refs(f.get("focus_areas")),
            alternative_to=self._ref(f.get("alternative_to")),
            proposed_by=self._refs(f.get("proposed_by")),
            supported_by=self._refs(f.get("supported_by")),
        )

    def _contributor(self, node: MappingNode) -> Contributor | None:
        f = self._fields(node, CONTRIBUTOR_KEYS, "a contributor")
        ident, name = self._id(f), self._text(f, "name", required=True)
        kind = self._choice(f.get("kind"), CONTRIBUTOR_KINDS)
        self._require(node, f, "kind", "a contributor")
        if ident is None or name is None or kind is None:
            return None
        return Contributor(ident, name, kind.value, f.location_of("id"))

    # -- values --------------------------------------------------------------

    def _fields(self, node: MappingNode, allowed: Sequence[str], what: str) -> _Fields:
        fields = _Fields(node, what)
        for key, _ in node.items:
            if key.value not in allowed:
                close = close_match(key.value, allowed)
                fields.misspelt.update(close)
                self.diagnostics.append(
                    error(
                        key.location,
                        "unknown-key",
                        f"unknown key '{key.value}' in {what}",
                        f"did you mean '{close[0]}'?" if close
                        else f"allowed keys: {', '.join(allowed)}",
                    )
                )
        return fields

    def _each(self, nodes: list[Node], make: Callable[[MappingNode], T | None]) -> list[T]:
        built: list[T] = []
        for node in nodes:
            if not isinstance(node, MappingNode):
                self._wrong_type(node, "a mapping (key: value lines)")
                continue
            item = make(node)
            if item is not None:
                built.append(item)
        return built

    def _items(self, node: Node | None, single_ok: bool = False) -> list[Node]:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return []
        if isinstance(node, SequenceNode):
            return list(node.items)
        if single_ok and isinstance(node, Scalar):
            return [node]
        self._wrong_type(node, "a list")
        return []

    def _require(self, node: MappingNode, f: _Fields, key: str, what: str) -> None:
        value = f.get(key)
        if value is None:
            if key not in f.misspelt:
                self._missing(node, key, what)
        elif isinstance(value, Scalar) and (value.is_null or not value.value.strip()):
            self.diagnostics.append(error(value.location, "missing-value", f"'{key}' is empty"))

    def _missing(self, node: MappingNode, key: str, what: str) -> None:
        self.diagnostics.append(
            error(node.location, "missing-key", f"{what} needs '{key}'")
        )

    def _wrong_type(self, node: Node, expected: str) -> None:
        self.diagnostics.append(
            error(node.location, "wrong-type", f"expected {expected}, found {_describe(node)}")
        )

    def _text(self, f: _Fields, key: str, required: bool = False) -> Text | None:
        node = f.get(key)
        if node is None:
            if not required:
                return None
            if key not in f.misspelt:  # a misspelt key is reported once, as unknown
                self._missing(f.node, key, f.what)
            # Keep the entity, so that its id still resolves: one missing name must
            # not turn every reference to it into a second, misleading error.
            return Text({}, f.node.location)
        text = self._text_value(node)
        if required and _is_blank(node):
            self.diagnostics.append(error(node.location, "missing-value", f"'{key}' is empty"))
        if text is None and required:
            return Text({}, node.location)
        return text

    def _text_value(self, node: Node) -> Text | None:
        """A string, or a mapping of language code to string."""
        if isinstance(node, Scalar):
            if node.is_null:
                return None
            return Text({self.original_language: self._located(node)}, node.location)
        if isinstance(node, MappingNode):
            values: dict[str, LocatedText] = {}
            for key, value in node.items:
                if key.value not in LANGUAGES:
                    self.diagnostics.append(
                        error(
                            key.location,
                            "bad-language",
                            f"'{key.value}' is not one of the six UN languages",
                            did_you_mean(key.value, LANGUAGES)
                            or f"text is keyed by language: {', '.join(LANGUAGES)}",
                        )
                    )
                elif isinstance(value, Scalar) and not value.is_null:
                    values[key.value] = self._located(value)
                elif isinstance(value, MappingNode) and key.value != self.original_language:
                    translated = self._stamped_translation(value)
                    if translated is not None:
                        values[key.value] = translated
                else:
                    self._wrong_type(value, "text")
            if values and self.original_language not in values:
                self.diagnostics.append(
                    error(
                        node.location,
                        "missing-original",
                        f"no text in the original language ('{self.original_language}')",
                        f"add an '{self.original_language}:' entry",
                    )
                )
            return Text(values, node.location) if values else None
        self._wrong_type(node, "text")
        return None

    def _stamped_translation(self, node: MappingNode) -> LocatedText | None:
        """`fr: {text: ..., of: 1a2b3c4d}`: a translation and the original it was made from."""
        f = self._fields(node, STAMPED_KEYS, "a translation")
        text = f.get("text")
        self._require(node, f, "text", "a translation")
        if not isinstance(text, Scalar) or text.is_null:
            if text is not None:
                self._wrong_type(text, "text")
            return None
        stamp = self._plain_string(f.get("of"))
        if stamp is not None and not HASH_PATTERN.match(stamp.value):
            self.diagnostics.append(error(stamp.location, "bad-value",
                                          f"'{stamp.value}' is not a text hash (8 hex digits)",
                                          "run `wgec translations stamp` to write it"))
            stamp = None
        located = self._located(text)
        return LocatedText(located.value, located.location, located.start, located.end,
                           stamp.value if stamp else None)

    def _located(self, node: Scalar) -> LocatedText:
        return LocatedText(_OTHER_LINE_BREAKS.sub("\n", node.value), node.location, node.start,
                           node.end)

    def _plain_string(self, node: Node | None) -> LocatedText | None:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return None
        if not isinstance(node, Scalar):
            self._wrong_type(node, "text")
            return None
        return self._located(node)

    def _id(self, f: _Fields, required: bool = True) -> str | None:
        node = f.get("id")
        if node is None:
            if required and "id" not in f.misspelt:
                self._missing(f.node, "id", f.what)
            return None
        text = self._plain_string(node)
        if text is None:
            if required:
                self.diagnostics.append(error(node.location, "missing-value", "'id' is empty"))
            return None
        if not ID_PATTERN.match(text.value):
            self.diagnostics.append(_bad_id(text))
            return None
        return text.value

    def _ref(self, node: Node | None) -> Ref | None:
        text = self._plain_string(node)
        if text is None:
            return None
        if not ID_PATTERN.match(text.value):
            self.diagnostics.append(_bad_id(text))
            return None
        return Ref(text.value, text.location)

    def _refs(self, node: Node | None) -> tuple[Ref, ...]:
        return tuple(ref for n in self._items(node) if (ref := self._ref(n)) is not None)

    def _choice(self, node: Node | None, choices: Sequence[str]) -> LocatedText | None:
        text = self._plain_string(node)
        if text is None:
            return None
        if text.value not in choices:
            self.diagnostics.append(
                error(
                    text.location,
                    "bad-value",
                    f"'{text.value}' is not one of: {', '.join(choices)}",
                    did_you_mean(text.value, choices),
                )
            )
            return None
        return text

    def _language(self, node: Node | None) -> str | None:
        choice = self._choice(node, LANGUAGES)
        return choice.value if choice else None

    def _integer(self, node: Node | None) -> int | None:
        text = self._plain_string(node)
        if text is None:
            return None
        if not INTEGER_PATTERN.match(text.value):
            self.diagnostics.append(
                error(text.location, "wrong-type", f"expected a whole number, found '{text.value}'")
            )
            return None
        return int(text.value)

    def _boolean(self, node: Node | None) -> bool | None:
        text = self._plain_string(node)
        if text is None:
            return None
        if text.value not in ("true", "false"):
            self.diagnostics.append(
                error(text.location, "wrong-type",
                      f"expected true or false, found '{text.value}'")
            )
            return None
        return text.value == "true"

    def _date(self, node: Node | None) -> LocatedText | None:
        text = self._plain_string(node)
        if text is None:
            return None
        try:
            if not DATE_PATTERN.match(text.value):
                raise ValueError(text.value)  # fromisoformat also takes 20240105 and weeks
            datetime.date.fromisoformat(text.value)
        except ValueError:
            self.diagnostics.append(
                error(text.location, "bad-value",
                      f"'{text.value}' is not a date; write it as YYYY-MM-DD")
            )
            return None
        return text


class _Fields:
    __slots__ = ("by_key", "misspelt", "node", "what")

    def __init__(self, node: MappingNode, what: str) -> None:
        self.node = node
        self.what = what  # "a level", for messages
        self.misspelt: set[str] = set()  # allowed keys an unknown key is close to
        self.by_key = {key.value: (key, value) for key, value in node.items}

    @property
    def present(self) -> set[str]:
        return set(self.by_key)

    def get(self, key: str) -> Node | None:
        pair = self.by_key.get(key)
        return pair[1] if pair else None

    def location_of(self, key: str) -> Location:
        pair = self.by_key.get(key)
        return pair[1].location if pair else self.node.location


def _value(text: LocatedText | None, default: str) -> str:
    return text.value if text is not None else default


def _positive(number: int | None, default: int) -> int:
    return number if number else default


def _is_blank(node: Node) -> bool:
    """Nothing written: `key:`, `key: ""`, `key: {}`, or a language mapping of blanks."""
    if isinstance(node, Scalar):
        return node.is_null or not node.value.strip()
    if isinstance(node, MappingNode):
        values = [value for _, value in node.items]
        return all(isinstance(v, Scalar) and _is_blank(v) for v in values)
    return False


def _bad_id(text: LocatedText) -> Diagnostic:
    suggestion = re.sub(r"[^a-z0-9]+", "-", text.value.lower()).strip("-")
    return error(
        text.location,
        "bad-id",
        f"'{text.value}' is not a valid id: use lower-case letters, digits and single hyphens",
        f"for example '{suggestion}'" if suggestion else "",
    )


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    assert isinstance(node, Scalar)
    return "nothing" if node.is_null else f"'{_shorten(node.value)}'"


def _shorten(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def build_report(sources: LoadedSources) -> tuple[Report | None, list[Diagnostic]]:
    builder = Builder(sources)
    report = builder.build()
    return report, builder.diagnostics
