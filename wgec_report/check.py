"""Every semantic and cross-reference rule. Returns diagnostics; never stops early.

Imports nothing heavy: `wgec check` runs on every push and must start fast.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from .errors import Diagnostic, Location, error, sorted_diagnostics, warning, whole_file
from .i18n import is_right_to_left
from .model import (
    INSERTS,
    Instrument,
    InstrumentParagraph,
    LocatedText,
    Paragraph,
    Ref,
    Report,
    Subparagraph,
    Text,
)
from .prose import (
    MAX_BLOCKS,
    MAX_BRACKETS,
    structure_lines,
    too_deep,
)
from .refs import (
    INTERNAL_KINDS,
    REF_GROUP,
    Citation,
    InternalRef,
    ParagraphSpan,
    backslashes_before,
    code_spans,
    escaped,
    find_references,
    inside,
    occurrences,
    parse_locator,
    script_spans,
    span_at,
)
from .schema import CloseIds, ComparisonBudget, build_report
from .sources import LoadedSources, line_index, load_project

# `![` opens an image, but for a French "Tunis ![@…]": a reference after a `!`, followed
# by neither a target nor a label (the reference is rendered before pandoc reads it).
IMAGE = re.compile(r"!\[(?!@[^\[\]]*\](?![(\[]))")
# pandoc's Typst writer turns `{typst:text:fill=...}` into Typst code: never allowed.
TYPST_ATTRIBUTE = re.compile(r"\btypst:[A-Za-z]", re.IGNORECASE)
RTL_MARKS = re.compile("[\u200f\u202b\u202e\u2067\u061c]")
RAW_MARKUP = re.compile(
    r"\{=[A-Za-z0-9_-]+\}"  # pandoc raw attribute: ```{=typst} or `x`{=openxml}
    r"|<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # HTML tags and comments
    r"|\\[A-Za-z]{2,}\b\{?"  # TeX commands: \textbf{, \newpage
)
_MARKDOWN_INSTEAD = "use Markdown (*emphasis*, **strong**) or plain words"
_RAW_MARKUP_HINTS = {
    "{=": "remove the raw block: wgec renders Markdown only",
    "<!": "remove the comment; a YAML comment (# ...) is the place for notes",
    "<": _MARKDOWN_INSTEAD,
    "\\": _MARKDOWN_INSTEAD,
}


def _link_target(written: str) -> str:
    """A link's target as pandoc reads it: angle brackets taken off, backslash escapes
    and entities undone (`<\\#annex-1>`, `&#35;annex-1`)."""
    target = written[1:-1] if written.startswith("<") and written.endswith(">") else written
    target = re.sub(r"\\([^\w\s])", r"\1", target)
    if "&" in target:
        import html

        target = html.unescape(target)
    return target.strip()


def _reference_in_script(location: Location, mark: str) -> Diagnostic:
    """A reference inside a superscript (`mark`: ^) or a subscript (~): its footnote's
    `^` or its link's spaced words would end the span, the rest shown as Markdown."""
    kind = "superscript" if mark == "^" else "subscript"
    return error(location, "reference-in-superscript",
                 f"a reference inside a {kind} ({mark}...{mark}) cannot be made: its "
                 f"footnote or link would end the {kind}, and the rest would show as "
                 "Markdown",
                 f"put the reference after the {kind}'s closing '{mark}'")


def _nesting_said(kind: str, depth: int) -> tuple[str, str]:
    """The message and the hint for a text nested `depth` deep (see `prose.too_deep`)."""
    if kind == "brackets":
        return (f"square brackets nested {depth} deep: pandoc takes three times longer to "
                f"read each level beyond {MAX_BRACKETS} (twelve take minutes)",
                "write brackets that are text as \\[ and \\], or nest them less")
    if kind == "links":
        return (f"{depth} links' targets, '](', left open one inside another: pandoc takes "
                "minutes to read a few hundred", "close each link's target with ')'")
    return (f"quotes and lists nested {depth} deep, beyond the {MAX_BLOCKS} a text may have: "
            "the PDF cannot be typeset much deeper", "nest them less")


# A link's target, `](...)`, and an id in an attribute, `[text]{#id}`, `` `x`{.c #id} ``.
# `<...>` stops at another `<`, read then as a target without spaces: were it to run on
# to the line's end, each of a line's thousand `](<` would be read to its end.
_LINK_TARGET = re.compile(r"\]\(\s*(?P<target><[^<>\n]*>|[^)\s]*)")
# An attribute, `{...}` up to its end; then an id in it that is not in a quoted value.
_ATTRIBUTE = re.compile(r"(?<=[\])`])\{[^{}\n]*\}")
_ID_IN_ATTRIBUTE = re.compile(r"\"[^\"]*\"|'[^']*'|(?<=[{ \t])(?P<id>#[A-Za-z][\w:.-]*)")
_IN_BOLD = "make it a section or a subsection, or write it in **bold**"
# What `prose.structure_lines` finds, by kind: the message (with the marker) and the hint.
_STRUCTURE_SAID = {
    "div": ("'{}' at the start of a line is shown as text: the report's own structure "
            "(paragraphs, recommendations, styles) is made of such blocks",
            "remove it: a text cannot change the report's layout"),
    "heading": ("a heading in a text is shown as text ('{}'): the report's headings are "
                "its sections'", _IN_BOLD),
    "underline": ("a line of '{}' under a line of text makes no heading here: it is shown "
                  "as text", _IN_BOLD),
    "definition": ("'{}' at the start of a line is shown as text: a link or note defined "
                   "here would be the whole report's",
                   "write the link in place, [text](https://...), and a note in place, "
                   "^[text of the note]"),
    "note": ("'{}' is shown as text: notes are written in place",
             "write the note where it goes: ^[text of the note]"),
}


def image_offsets(markdown: str) -> list[int]:
    """Where each image pandoc would read in the text starts (the `!`, or what pandoc
    reads as one).

    An image in a code span counts too. Whether pandoc reads a code span there
    depends on everything before it (an escaped backtick, a backtick in a link's
    URL or in an attribute opens none), which only pandoc's own parser knows;
    and an image is a file read, so a code span that is not one must not hide it.
    `![x]` and `![x][y]` are reported as well, though a text's own `[x]: ...`
    definitions are shown as text (see prose.py): better a word too many.
    """
    return _image_offsets(_readings(markdown))


def _image_offsets(readings: Iterable[_Reading]) -> list[int]:
    found = {
        reading.origin(match.start())
        for reading in readings
        for match in IMAGE.finditer(reading.text)
        if not escaped(reading.text, match.start())
    }
    return sorted(found)


def typst_attribute_offsets(markdown: str) -> list[int]:
    """Where each `typst:` attribute name may be; in code spans too, as for images."""
    return _typst_attribute_offsets(markdown, _readings(markdown))


def _typst_attribute_offsets(markdown: str, readings: Iterable[_Reading]) -> list[int]:
    if "&" not in markdown and "typst" not in markdown.lower():  # most texts: nothing to read
        return []
    return sorted({reading.origin(match.start()) for reading in readings
                   for match in TYPST_ATTRIBUTE.finditer(reading.text)})


class _Reading(NamedTuple):
    """A text pandoc reads as Markdown, and where each of its characters comes from."""

    text: str
    origins: tuple[int, ...] | None = None  # None: the text is the source itself

    def origin(self, offset: int) -> int:
        return offset if self.origins is None else self.origins[offset]


# pandoc reads a superscript's or a subscript's text twice: first as plain characters,
# undoing backslash escapes and entities (`^\![x](y)^` is `^![x](y)^`), then what that
# gives as Markdown. A `^` or `~` may open one; its text holds no space or line break.
_SCRIPT_MARKS = re.compile(r"[\^~]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _readings(markdown: str) -> Iterator[_Reading]:
    """The text, then every superscript's and subscript's text as pandoc reads it again.

    A second reading is only made when it differs from the text as written (an
    escape or an entity undone): otherwise the first one already saw all of it.
    """
    yield _Reading(markdown)
    if not ("^" in markdown or "~" in markdown) or not ("\\" in markdown or "&" in markdown):
        return
    for mark in _SCRIPT_MARKS.finditer(markdown):
        if escaped(markdown, mark.start()):  # `\^` opens nothing
            continue
        inner = _script_text(markdown, mark.start())
        if inner is None:
            continue
        for reading in _readings(inner.text):
            yield _Reading(reading.text, tuple(inner.origin(reading.origin(i))
                                               for i in range(len(reading.text))))


_MAX_SCRIPT = 200


def _script_text(markdown: str, start: int) -> _Reading | None:
    """The characters of the `^...^` or `~...~` that may open at `start`, escapes and
    entities undone; None when it does not close before a space, or undoes nothing."""
    close = markdown[start]
    characters: list[str] = []
    origins: list[int] = []
    undone = False
    position = start + 1
    # Read no further than a superscript could sensibly run: each mark is read from,
    # and `^\^\^\...` would otherwise take time that grows with the square of the text
    # (10,000 characters: 22 s). A longer one is not read again: an image in it would
    # still stop the build (pandoc, sandboxed, warns), just without a location.
    limit = min(len(markdown), start + 1 + _MAX_SCRIPT)
    while position < limit and markdown[position] not in (close, " ", "\t", "\n"):
        entity = _ENTITY.match(markdown, position)
        if markdown[position] == "\\" and position + 1 < len(markdown) and not (
                markdown[position + 1].isalnum() or markdown[position + 1] == "\n"):
            text, end = markdown[position + 1], position + 2
        elif entity is not None:
            import html  # only for a text with an entity inside a superscript

            text, end = html.unescape(entity.group()), entity.end()
        else:
            text, end = markdown[position], position + 1
        undone = undone or end - position > 1
        characters.append(text)
        origins.extend([position] * len(text))
        position = end
    if position >= limit or markdown[position] != close or not undone:
        return None
    return _Reading("".join(characters), tuple(origins))


def _shorten(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# Organ, then the body and the document's own segments, then suffixes:
# E/CN.16/2018/CRP.1, A/RES/70/125, A/70/125, E/CN.16/2018/L.2/Rev.1.
SYMBOL_ORGANS = ("A", "E", "S", "ST", "TD", "UNEP", "DP", "ICCD", "CEDAW", "CCPR", "CRC",
                 "HRC", "TD/B")
_SYMBOL_SEGMENT = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*(?:\.)?\Z|[A-Z][A-Za-z]*\.[0-9]+\Z")
_SYMBOL_SUFFIX = re.compile(r"(?:Add|Rev|Corr|Amend)\.[0-9]+\Z")


def symbol_problem(symbol: str) -> str:
    """What is wrong with a document symbol's shape, or "" when nothing is."""
    if symbol != symbol.strip() or " " in symbol:
        return f"document symbol '{symbol}' has spaces"
    parts = symbol.split("/")
    if parts[0] not in SYMBOL_ORGANS:
        return (f"document symbol '{symbol}' does not start with an organ "
                f"({', '.join(SYMBOL_ORGANS[:4])}, ...)")
    if len(parts) < 2 or any(not part for part in parts):
        return f"document symbol '{symbol}' has an empty part"
    for part in parts[1:]:
        if not (_SYMBOL_SEGMENT.match(part) or _SYMBOL_SUFFIX.match(part)):
            return f"'{part}' is not a valid part of a document symbol"
    suffixes = [p for p in parts if _SYMBOL_SUFFIX.match(p)]
    if suffixes and not _SYMBOL_SUFFIX.match(parts[-1]):
        return f"in '{symbol}', suffixes such as /Rev.1 come last"
    return ""


_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


def count_words(report: Report) -> dict[str, int]:
    """Words per top-level section (and annex), footnote citations included, as the UN counts."""
    from .refs import format_spans

    titles = {i.id: i.title.get(report.meta.original_language, "") for i in report.instruments}
    language = report.meta.original_language

    def words(text: str) -> int:
        # Joined once: adding to the text for each citation relies on CPython growing it
        # in place, which it does not always do (profiled, 80,000 citations: 2 minutes).
        cited = [" " + titles.get(ref.instrument, "") + " " + format_spans(ref.spans)
                 for group in find_references(text) for ref in group.references
                 if isinstance(ref, Citation)]
        return len(_WORD.findall(REF_GROUP.sub(" ", "".join([text, *cited]))))

    instruments = {i.id: ParagraphIndex(i) for i in report.instruments}
    counts: dict[str, int] = {}
    for top in (*report.ordered_sections(), *report.annexes()):
        total = 0
        for section in top.walk():
            total += words(section.title.get(language, language))
            for paragraph in section.paragraphs:
                if paragraph.text is not None:
                    total += words(paragraph.text.get(language, language))
                elif paragraph.quote is not None:
                    total += sum(words(t) for t in quoted_texts(report, paragraph.quote.value,
                                                                 instruments))
            for insert in section.inserts:
                total += _insert_words(report, insert.id, words)
        counts[top.id] = total
    return counts


def quoted_texts(report: Report, quote: str,
                 instruments: Mapping[str, ParagraphIndex]) -> Iterator[str]:
    """The texts a `quote:` paragraph shows (those that exist; `check` reports the rest);
    `instruments`: the report's paragraphs, by instrument id."""
    instrument_id, _, locator = quote.partition(":")
    index = instruments.get(instrument_id.strip())
    if index is None:
        return
    language = report.meta.original_language
    for span in parse_locator(locator) or ():
        for paragraph in index.numbered(span.first, span.last):
            if span.sub is None and paragraph.text is not None:
                yield paragraph.text.get(language, language)
            for sub in (paragraph.subparagraphs if span.sub is None
                        else index.labelled(paragraph, span.sub)):
                yield sub.text.get(language, language)


class ParagraphIndex:
    """An instrument's paragraphs by number (the first of each number, in order), and
    each one's subparagraphs by label, indexed once: they were all read for each
    citation (10,000 citations of an instrument of 10,000 paragraphs: 8 s)."""

    def __init__(self, instrument: Instrument) -> None:
        first: dict[int, InstrumentParagraph] = {}
        for paragraph in instrument.paragraphs:
            first.setdefault(paragraph.number, paragraph)
        self.numbers = sorted(first)
        self.paragraphs = [first[number] for number in self.numbers]
        self.labels: dict[int, dict[str, list[Subparagraph]]] = {}

    def numbered(self, first: int, last: int) -> list[InstrumentParagraph]:
        """The paragraphs numbered `first` to `last`, as `Instrument.paragraphs_in`."""
        return self.paragraphs[bisect_left(self.numbers, first):
                               bisect_right(self.numbers, last)]

    def labelled(self, paragraph: InstrumentParagraph, label: str) -> list[Subparagraph]:
        """The subparagraphs labelled `label` of `paragraph` (one of `numbered`'s)."""
        labels = self.labels.get(paragraph.number)
        if labels is None:
            labels = self.labels[paragraph.number] = {}
            for sub in paragraph.subparagraphs:
                labels.setdefault(sub.label, []).append(sub)
        return labels.get(label, [])


def _insert_words(report: Report, kind: str, words: Callable[[str], int]) -> int:
    language = report.meta.original_language
    if kind == "recommendations":
        return sum(words(r.text.get(language, language)) for r in report.recommendations)
    if kind == "characteristics":
        return sum(words(c.name.get(language, language)) for c in report.characteristics)
    if kind == "focus-areas":
        return sum(words(f.name.get(language, language)) for f in report.focus_areas())
    names = {o.id: o.abbreviation.get(language, language) for o in report.organizations}
    return sum(words(" ".join(names.get(r.id, "") for r in (*row.agencies, *row.forums)))
               for row in report.mapping)


def translation_coverage(report: Report) -> dict[str, tuple[int, int]]:
    """Per declared language but the original: (texts translated, texts in all)."""
    from .translatable import iter_texts

    fields = [f for f in iter_texts(report)
              if report.meta.original_language in f.text.by_language]
    return {
        language: (sum(1 for f in fields if language in f.text.by_language), len(fields))
        for language in report.meta.languages if language != report.meta.original_language
    }


class CheckResult(NamedTuple):
    report: Report | None
    diagnostics: list[Diagnostic]
    files: int
    texts: dict[str, str]  # display path -> file text, for excerpts under diagnostics
    places: dict[str, str]  # path inside sources/ -> file text, whatever the folder or revision

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_project(project: Path) -> CheckResult:
    loaded = load_project(project)
    return check_loaded(loaded)


def check_blobs(project: Path, blobs: dict[str, bytes], label: str) -> CheckResult:
    """Check sources given as bytes (a git revision's), named `label:sources/...`."""
    from .sources import load_blobs

    return check_loaded(load_blobs(project, blobs, label))


def check_loaded(loaded: LoadedSources) -> CheckResult:
    report, diagnostics = build_report(loaded)
    found = list(loaded.diagnostics) + diagnostics
    if report is not None:
        found.extend(check_report(report))
    texts = {source.display: source.text for source in loaded.files}
    places = {source.relative: source.text for source in loaded.files}
    return CheckResult(report, sorted_diagnostics(found), len(loaded.files), texts, places)


def check_report(report: Report) -> list[Diagnostic]:
    return list(_Checker(report).run())


def _missing(span: ParagraphSpan, present: list[int]) -> Iterator[tuple[int, int]]:
    """The runs of the span's numbers that are not among `present` (sorted), in order."""
    expected = span.first
    for number in present:
        if number > expected:
            yield expected, number - 1
        expected = number + 1
    if expected <= span.last:
        yield expected, span.last


def _not_there(instrument: str, first: int, last: int) -> tuple[str, str]:
    """What is said of paragraphs `first` to `last` missing from an instrument."""
    if first == last:
        return (f"paragraph {first} of '{instrument}' is not in instruments.yaml",
                f"add '- number: {first}' to the paragraphs of '{instrument}'")
    return (f"paragraphs {first}–{last} of '{instrument}' are not in instruments.yaml",
            f"add them to the paragraphs of '{instrument}', or cite only those it has")


class _Markers(NamedTuple):
    ends_in_value: list[int]  # where each marker ends, counted as str.count counts them
    in_file: list[int]  # where each starts in the file, within the scalar


def _ends_of(value: str, marker: str) -> list[int]:
    """The ends of `marker`'s non-overlapping occurrences in `value`, in order."""
    ends = []
    found = value.find(marker)
    while found >= 0:
        ends.append(found + len(marker))
        found = value.find(marker, found + len(marker))
    return ends


def _starts_of(text: str, marker: str, start: int, end: int) -> list[int]:
    """The starts of every occurrence of `marker` within `text[start:end]`."""
    return list(occurrences(text, marker, start, end))


# How many markers of a text are each searched for on their own (`str.find`, far
# faster a character than `_Needles`).
_FEW_MARKERS = 16


class _Needles:
    """Strings to find in texts, each text read once whatever their number (Aho-Corasick).

    A trie of the needles; each node has a fallback, the node of the longest proper
    suffix of its path that is in the trie too (where the search goes on when the
    next character leads nowhere from it), and the nearest node down its fallbacks
    where a needle ends.
    """

    def __init__(self, needles: set[str]) -> None:
        self.needles = needles
        self.children: list[dict[str, int]] = [{}]
        self.needle_at: list[str] = [""]  # the needle that ends at each node; "" for none
        for needle in needles:
            node = 0
            for char in needle:
                child = self.children[node].get(char)
                if child is None:
                    child = self.children[node][char] = len(self.children)
                    self.children.append({})
                    self.needle_at.append("")
                node = child
            self.needle_at[node] = needle
        self.fallback = [0] * len(self.children)
        self.next_needle = [0] * len(self.children)  # down the fallbacks; 0: none
        self._link_fallbacks()
        # Where a needle may start: from the root, read on to it in one search.
        first_chars = "".join(map(re.escape, self.children[0]))
        self.first_chars = re.compile(f"[{first_chars}]" if first_chars else "(?!)")

    def _link_fallbacks(self) -> None:
        children, fallback, needle_at = self.children, self.fallback, self.needle_at
        queue = deque(children[0].values())  # breadth first: a fallback is nearer the root
        while queue:
            node = queue.popleft()
            for char, child in children[node].items():
                queue.append(child)
                state = fallback[node]
                while state and char not in children[state]:
                    state = fallback[state]
                fallback[child] = suffix = children[state].get(char, 0)
                self.next_needle[child] = (suffix if needle_at[suffix]
                                           else self.next_needle[suffix])

    def starts_in(self, text: str, start: int, end: int) -> dict[str, list[int]]:
        """Where each needle starts within `text[start:end]`, overlapping ones too, in order."""
        found: dict[str, list[int]] = {needle: [] for needle in self.needles}
        children, fallback, root = self.children, self.fallback, self.children[0]
        needle_at, next_needle = self.needle_at, self.next_needle
        node, position, end = 0, max(0, start), min(end, len(text))
        while position < end:
            char = text[position]
            position += 1  # where `char` ends
            if node == 0 and char not in root:
                onward = self.first_chars.search(text, position, end)
                if onward is None:
                    break
                position = onward.start()
                continue
            child = children[node].get(char)
            while child is None and node:
                node = fallback[node]
                child = children[node].get(char)
            node = child or 0
            ending = node if needle_at[node] else next_needle[node]
            while ending:
                needle = needle_at[ending]
                found[needle].append(position - len(needle))
                ending = next_needle[ending]
        return found


def _ends_apart(starts: list[int], width: int) -> list[int]:
    """The ends of the occurrences at `starts` (in order) that overlap none before them,
    as `str.find` finds them one after another (`_ends_of`)."""
    ends: list[int] = []
    for start in starts:
        if not ends or start >= ends[-1]:
            ends.append(start + width)
    return ends


def _located_by(raw: str) -> str:
    """What raw markup is located by in its file: a TeX command by its name, written as
    is (its backslash is written twice in a double-quoted scalar, where YAML halves
    every run of backslashes); the others by their first two characters."""
    return raw[1:] if raw.startswith("\\") else raw[:2]


class _Checker:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.instruments = {i.id: i for i in report.instruments}
        self.paragraph_indexes = {i.id: ParagraphIndex(i) for i in report.instruments}
        self.sections = {s.id: s for top in report.sections for s in top.walk()}
        self.recommendations = {r.id: r for r in report.recommendations}
        self.organizations = {o.id: o for o in report.organizations}
        self.levels = {level.id: level for level in report.levels}
        self.focus_areas = {f.id: f for f in report.focus_areas()}
        self.recommendations_shown = any(
            ref.id == "recommendations" for top in report.sections for s in top.walk()
            for ref in s.inserts
        )
        self.cited: set[str] = set()
        # What [@rec:], [@sec:] and [@para:] may name: built once, not per reference.
        self.internal_targets: dict[str, set[str]] = {
            "rec": set(self.recommendations),
            "sec": set(self.sections),
            "para": {p.id for p in self._paragraphs() if p.id and p.quote is None},
        }
        self.markers: dict[tuple[str, str, int, int, str], _Markers] = {}
        self.used_organizations: set[str] = set()
        # Each kind's ids, indexed for hints the first time one of them is misspelt; all
        # compared in full with a misspelling only while the check's budget lasts.
        self.comparisons = ComparisonBudget()
        self.close_ids: dict[str, CloseIds] = {}

    def run(self) -> Iterator[Diagnostic]:
        yield from self._symbol()
        yield from self._word_count()
        yield from self._unique_ids()
        yield from self._section_order()
        yield from self._sections()
        yield from self._prose()
        yield from self._mapping()
        yield from self._recommendations()
        yield from self._negotiation()
        yield from self._translations()
        yield from self._unused()

    # -- masthead and length ---------------------------------------------------

    def _symbol(self) -> Iterator[Diagnostic]:
        symbol = self.report.meta.symbol
        if symbol is None:
            return
        problem = symbol_problem(symbol.value)
        if problem:
            yield error(symbol.location, "bad-symbol", problem,
                        "UN symbols look like E/CN.16/2018/CRP.1 or A/RES/70/125; see "
                        "docs/sources.md")

    def _word_count(self) -> Iterator[Diagnostic]:
        total = sum(count_words(self.report).values())
        limit = self.report.meta.word_limit
        if total > limit:
            yield warning(
                whole_file(self.report.meta.location.path),
                "word-limit",
                f"the report has {total:,} words, over the limit of {limit:,}",
                "UN limits are 8,500 words for Secretariat reports and 10,700 for others; "
                "set word_limit in report.yaml",
            )

    # -- ids -----------------------------------------------------------------

    def _unique_ids(self) -> Iterator[Diagnostic]:
        r = self.report
        kinds: list[tuple[str, Iterable[tuple[str, Location]]]] = [
            ("instrument", ((i.id, i.location) for i in r.instruments)),
            ("section", ((s.id, s.location) for top in r.sections for s in top.walk())),
            ("level", ((x.id, x.location) for x in r.levels)),
            ("focus area", ((f.id, f.location) for f in r.focus_areas())),
            ("characteristic", ((c.id, c.location) for c in r.characteristics)),
            ("organization", ((o.id, o.location) for o in r.organizations)),
            ("recommendation", ((x.id, x.location) for x in r.recommendations)),
            ("contributor", ((c.id, c.location) for c in r.contributors)),
            ("paragraph", ((p.id, p.location) for p in self._paragraphs() if p.id)),
        ]
        for kind, entries in kinds:
            first_seen: dict[str, Location] = {}
            for ident, location in entries:
                if ident in first_seen:
                    first = first_seen[ident]
                    yield error(
                        location,
                        "duplicate-id",
                        f"{kind} id '{ident}' is already used at {first}",
                        "ids must be unique within their kind; rename one",
                    )
                else:
                    first_seen[ident] = location
        for instrument in r.instruments:
            if instrument.id in INTERNAL_KINDS:
                yield error(
                    instrument.location,
                    "reserved-id",
                    f"'{instrument.id}' is reserved for [@{instrument.id}:...] references",
                    "choose another id for the instrument",
                )
            first_numbers: dict[int, Location] = {}
            for paragraph in instrument.paragraphs:
                if paragraph.number in first_numbers:
                    yield error(
                        paragraph.location,
                        "duplicate-id",
                        f"paragraph {paragraph.number} of '{instrument.id}' is already listed "
                        f"at {first_numbers[paragraph.number]}",
                    )
                first_numbers.setdefault(paragraph.number, paragraph.location)

    # -- sections ------------------------------------------------------------

    def _section_order(self) -> Iterator[Diagnostic]:
        top_level = {s.id: s for s in self.report.sections}
        seen: set[str] = set()
        for ref in (*self.report.meta.section_order, *self.report.meta.annex_order):
            if ref.id not in top_level and ref.id not in self.report.section_files:
                yield error(
                    ref.location,
                    "unknown-section",
                    f"no section file with id '{ref.id}'",
                    self._did_you_mean("top-level section", ref.id, top_level)
                    or f"create sources/sections/{ref.id}.yaml",
                )
            elif ref.id in seen:
                yield error(ref.location, "duplicate-section",
                            f"section '{ref.id}' is listed twice in the order (sections and "
                            "annexes together)")
            seen.add(ref.id)
        for section in self.report.sections:
            stem = PurePosixPath(section.file).stem
            if section.id not in seen and stem not in seen:
                yield error(
                    section.location,
                    "section-not-in-order",
                    f"section '{section.id}' ({section.file}) is not in the report's "
                    "section order",
                    "add it to 'sections:' (or 'annexes:') in report.yaml, or delete the file",
                )
            if section.id != stem:
                yield error(
                    section.location,
                    "section-file-name",
                    f"section id '{section.id}' does not match its file name '{section.file}'",
                    f"rename the file to sections/{section.id}.yaml or the id to '{stem}'",
                )

    def _sections(self) -> Iterator[Diagnostic]:
        inserted: dict[str, Ref] = {}
        for top in self.report.sections:
            for section in top.walk():
                if section.is_empty:
                    yield warning(
                        section.location,
                        "empty-section",
                        f"section '{section.id}' has no content yet",
                        "fine while drafting; the document shows it as to be drafted",
                    )
                for ref in section.inserts:
                    if ref.id in inserted:
                        yield warning(ref.location, "duplicate-insert",
                                      f"'{ref.id}' is already shown at {inserted[ref.id].location}")
                    inserted.setdefault(ref.id, ref)
                for paragraph in section.paragraphs:
                    if paragraph.quote is not None:
                        yield from self._quote(paragraph.quote)
        r = self.report
        first_of_kind = {
            "focus-areas": r.levels[0].location if r.levels else None,
            "characteristics": r.characteristics[0].location if r.characteristics else None,
            "mapping": r.mapping[0].location if r.mapping else None,
            "recommendations": r.recommendations[0].location if r.recommendations else None,
        }
        for kind in INSERTS:
            where = first_of_kind[kind]
            if where is not None and kind not in inserted:
                yield warning(
                    whole_file(where.path),
                    "not-shown",
                    f"the report has {kind.replace('-', ' ')} but no section shows them",
                    f"add 'insert: {kind}' to a section",
                )

    def _quote(self, quote: LocatedText) -> Iterator[Diagnostic]:
        instrument_id, _, locator = quote.value.partition(":")
        instrument = self.instruments.get(instrument_id.strip())
        spans = parse_locator(locator) if locator else None
        if instrument is None:
            yield self._unknown_instrument(quote.location, instrument_id.strip())
            return
        if spans is None:
            yield error(
                quote.location,
                "bad-reference",
                f"'{quote.value}' does not say which paragraphs to quote",
                "write instrument:paragraphs, e.g. res-70-125:64-65 or tunis-agenda:35(a),35(d)",
            )
            return
        self.cited.add(instrument.id)
        yield from self._paragraphs_exist(instrument, Citation(instrument.id, spans),
                                          quote.location, quoting=True)

    # -- prose and references ------------------------------------------------

    def _prose(self) -> Iterator[Diagnostic]:
        for text in self._prose_texts():
            for located in text:
                yield from self._references_in(located)
                yield from self._markup_in(located)

    def _markup_in(self, located: LocatedText) -> Iterator[Diagnostic]:
        """Markdown that would not come out as written: images, raw HTML, TeX, raw blocks."""
        value = located.value
        readings = tuple(_readings(value))  # read once, for images and for attributes
        # Located by what is written there: `![`, or the `\!` or `&#33;` that a
        # superscript's second reading turns into one.
        for offset in _image_offsets(readings):
            yield error(
                self._locate(located, offset, value[offset:offset + 2]),
                "image",
                "images are not allowed: the build reads no files besides the sources",
                "remove the image; describe it in words, or put it in an annex later",
            )
        for offset in _typst_attribute_offsets(value, readings):
            yield error(
                self._locate(located, offset, value[offset:offset + len("typst:")]),
                "typst-attribute",
                "a pandoc attribute that starts with 'typst:' would run Typst code in "
                "the PDF",
                "remove the attribute; use Markdown for emphasis",
            )
        code = code_spans(value)
        yield from self._links_and_ids_in(located, code)
        for deep in too_deep(value):
            yield error(self._locate(located, deep.offset, deep.marker), "nesting",
                        *_nesting_said(deep.kind, deep.depth))
        lines = structure_lines(value)
        raws = [match for match in RAW_MARKUP.finditer(value)
                if not escaped(value, match.start())]  # `\<b>`, `\\textbf`: text, as written
        self._find_markers(located, [*(line.marker for line in lines),
                                     *(_located_by(match.group()) for match in raws)])
        for line in lines:
            message, hint = _STRUCTURE_SAID[line.kind]
            yield warning(self._locate(located, line.offset, line.marker), "prose-structure",
                          message.format(line.marker), hint)
        for match in raws:
            raw = match.group(0)
            raw_attribute = raw.startswith("{=")
            if raw_attribute or not inside(code, match.start()):
                yield warning(
                    self._locate_raw(located, match.start(), raw),
                    "raw-markup",
                    f"'{_shorten(raw)}' is shown as text: wgec never passes raw "
                    "HTML, TeX or format-specific markup through",
                    _RAW_MARKUP_HINTS[raw[:2] if raw[:2] in _RAW_MARKUP_HINTS else raw[:1]],
                )

    def _links_and_ids_in(self, located: LocatedText,
                          code: list[tuple[int, int]]) -> Iterator[Diagnostic]:
        """Links typst could not make (no target; an anchor no place of the report has)
        and ids that a text gives (the report's ids are its own: typst refuses one
        given twice)."""
        value = located.value
        if "](" not in value and "{" not in value:  # most texts: no link, no attribute
            return
        for match in _LINK_TARGET.finditer(value):
            if escaped(value, match.start()) or inside(code, match.start()):
                continue
            target = _link_target(match.group("target"))
            if not target:
                yield error(self._locate(located, match.start(), "]("), "link-target",
                            "a link with no target: the PDF cannot be made with it",
                            "give its web address, [text](https://...), or remove the "
                            "brackets")
            elif target.startswith("#") and not self._is_anchor(target[1:]):
                yield error(self._locate(located, match.start(), "]("), "link-target",
                            f"no place of the report has the anchor '{target}'",
                            "link to a section, paragraph or recommendation with a "
                            "cross-reference: [@sec:id], [@para:id], [@rec:id]")
        ids = [(attribute.start() + found.start("id"), found.group("id"))
               for attribute in _ATTRIBUTE.finditer(value)
               if not inside(code, attribute.start())
               for found in _ID_IN_ATTRIBUTE.finditer(attribute.group()) if found.group("id")]
        self._find_markers(located, [given for _, given in ids])
        for offset, given in ids:
            yield error(self._locate(located, offset, given), "link-target",
                        f"a text gives the id '{given}': the report's ids are its "
                        "sections', paragraphs' and recommendations'",
                        f"remove '{given}' from the attribute")

    def _is_anchor(self, anchor: str) -> bool:
        kind, _, ident = anchor.partition("-")
        return kind in ("sec", "para", "rec") and ident in self.internal_targets[kind] and (
            kind != "rec" or self.recommendations_shown)

    def _locate_raw(self, located: LocatedText, offset: int, raw: str) -> Location:
        if not raw.startswith("\\"):
            return self._locate(located, offset, _located_by(raw))
        # A TeX command, by its name; then its backslash, written twice (`\\`) where
        # YAML halves every run of backslashes.
        name = self._offset_in_file(located, offset + 1, _located_by(raw))
        if name < 0:
            return located.location
        text = self.report.texts.get(located.location.path, "")
        meant = backslashes_before(located.value, offset + 1)
        width = 2 if backslashes_before(text, name) == 2 * meant else 1
        return self._location_at(located.location.path, name - width)

    def _references_in(self, located: LocatedText) -> Iterator[Diagnostic]:
        groups = list(find_references(located.value))
        scripts = script_spans(located.value, [(group.start, group.end) for group in groups])
        for group in groups:
            location = self._locate(located, group.start)
            if group.problem:
                yield error(location, "bad-reference", group.problem)
            script = span_at(scripts, group.start)
            if script is not None:
                yield _reference_in_script(location, located.value[script[0]])
            for ref in group.references:
                if isinstance(ref, InternalRef):
                    yield from self._internal(ref, location)
                else:
                    instrument = self.instruments.get(ref.instrument)
                    if instrument is None:
                        yield self._unknown_instrument(location, ref.instrument)
                        continue
                    self.cited.add(instrument.id)
                    yield from self._paragraphs_exist(instrument, ref, location, quoting=False)

    def _internal(self, ref: InternalRef, location: Location) -> Iterator[Diagnostic]:
        targets = self.internal_targets[ref.kind]
        if ref.target not in targets:
            what = {"rec": "recommendation", "sec": "section", "para": "paragraph"}[ref.kind]
            yield error(
                location,
                "unknown-reference",
                f"no {what} with id '{ref.target}'",
                self._did_you_mean(ref.kind, ref.target, targets),
            )
        elif ref.kind == "rec" and not self.recommendations_shown:
            yield error(
                location,
                "unknown-reference",
                f"recommendation '{ref.target}' is not in the document: no section shows "
                "the recommendations, so the link would lead nowhere",
                "add 'insert: recommendations' to a section",
            )

    def _unknown_instrument(self, location: Location, ident: str) -> Diagnostic:
        return error(
            location,
            "unknown-reference",
            f"no instrument with id '{ident}'",
            self._did_you_mean("instrument", ident, self.instruments)
            or "instruments are declared in instruments.yaml; sections use [@sec:id], "
            "recommendations [@rec:id]",
        )

    def _paragraphs_exist(
        self, instrument: Instrument, citation: Citation, location: Location, quoting: bool
    ) -> Iterator[Diagnostic]:
        index = self.paragraph_indexes[instrument.id]
        for span in citation.spans:
            present = index.numbered(span.first, span.last)
            for first, last in _missing(span, [paragraph.number for paragraph in present]):
                yield error(location, "unknown-paragraph", *_not_there(instrument.id, first, last))
            for paragraph in present:
                number = paragraph.number
                if span.sub is not None:
                    if not index.labelled(paragraph, span.sub):
                        yield error(
                            location,
                            "unknown-paragraph",
                            f"paragraph {number} of '{instrument.id}' has no subparagraph "
                            f"({span.sub})",
                        )
                elif quoting and paragraph.text is None and not paragraph.subparagraphs:
                    yield error(
                        location,
                        "quote-without-text",
                        f"paragraph {number} of '{instrument.id}' is quoted but has no text",
                        "add its 'text' in instruments.yaml",
                    )

    def _locate(self, located: LocatedText, offset: int, marker: str = "[@") -> Location:
        """Where the `marker` at `offset` of a scalar's value sits in its file."""
        found = self._offset_in_file(located, offset, marker)
        if found < 0:
            return located.location
        return self._location_at(located.location.path, found)

    def _offset_in_file(self, located: LocatedText, offset: int, marker: str) -> int:
        """The file offset of the `marker` at `offset` of a scalar's value; -1 if not found.

        Folding and quoting change a scalar's text, but a marker such as `[@`
        is written as is: the n-th one in the value is the n-th one in the source.
        """
        if not marker:
            return -1
        ends_in_value, in_file = self._markers(located, marker)
        nth = bisect_right(ends_in_value, offset)  # the markers wholly before `offset`
        return in_file[nth] if nth < len(in_file) else -1

    def _find_markers(self, located: LocatedText, markers: Iterable[str]) -> None:
        """Where each of `markers` stands in a scalar's value and in its file, ahead of
        `_markers`: when there are many (thousands of distinct TeX commands, ids or
        definitions in one text), all in one pass over each, not one search of the
        whole text per marker, which took time that grew with the square of the text
        (20,000 TeX commands: 6 s)."""
        scalar = (located.value, located.location.path, located.start, located.end)
        new = {marker for marker in markers if marker and (*scalar, marker) not in self.markers}
        if len(new) <= _FEW_MARKERS:  # as fast found one by one, when asked for
            return
        needles = _Needles(new)
        in_value = needles.starts_in(located.value, 0, len(located.value))
        in_file = needles.starts_in(self.report.texts.get(located.location.path, ""),
                                    located.start, located.end)
        for marker in new:
            self.markers[(*scalar, marker)] = _Markers(
                _ends_apart(in_value[marker], len(marker)), in_file[marker])

    def _markers(self, located: LocatedText, marker: str) -> _Markers:
        """Where `marker` stands in a scalar's value and in its file, found once per
        scalar: a text with thousands of references is located in linear time."""
        key = (located.value, located.location.path, located.start, located.end, marker)
        found = self.markers.get(key)
        if found is None:
            found = self.markers[key] = _Markers(
                _ends_of(located.value, marker),
                _starts_of(self.report.texts.get(located.location.path, ""), marker,
                           located.start, located.end))
        return found

    def _did_you_mean(self, kind: str, word: str, ids: Iterable[str]) -> str:
        """The hint for a misspelt id of `kind`, whose ids are `ids` (read the first time)."""
        close = self.close_ids.get(kind)
        if close is None:
            close = self.close_ids[kind] = CloseIds(ids, self.comparisons)
        return close.did_you_mean(word)

    def _location_at(self, path: str, offset: int) -> Location:
        line, column = line_index(self.report.texts.get(path, "")).line_and_column(offset)
        return Location(path, line, column)

    def _prose_texts(self) -> Iterator[Text]:
        r = self.report
        if r.meta.preliminary_note:
            yield r.meta.preliminary_note
        for top in r.sections:
            for section in top.walk():
                if section.drafting_note:
                    yield section.drafting_note
        for paragraph in self._paragraphs():
            if paragraph.text:
                yield paragraph.text
        for characteristic in r.characteristics:
            if characteristic.description:
                yield characteristic.description
        for recommendation in r.recommendations:
            yield recommendation.text

    def _paragraphs(self) -> Iterator[Paragraph]:
        for top in self.report.sections:
            for section in top.walk():
                yield from section.paragraphs

    # -- mapping and recommendations -----------------------------------------

    def _mapping(self) -> Iterator[Diagnostic]:
        mapped: dict[str, Location] = {}
        for row in self.report.mapping:
            yield from self._known_level(row.level)
            if row.level.id in mapped:
                yield error(row.level.location, "duplicate-mapping",
                            f"level '{row.level.id}' is already mapped at {mapped[row.level.id]}")
            mapped.setdefault(row.level.id, row.level.location)
            for ref in row.agencies:
                yield from self._known_organization(ref, column="agencies")
            for ref in row.forums:
                yield from self._known_organization(ref, column="forums")
        if self.report.mapping:
            for level in self.report.levels:
                if level.id not in mapped:
                    yield warning(level.location, "unmapped-level",
                                  f"level '{level.id}' has no row in mapping.yaml")

    def _recommendations(self) -> Iterator[Diagnostic]:
        for recommendation in self.report.recommendations:
            for ref in recommendation.organizations:
                yield from self._known_organization(ref, column=None)
            for ref in recommendation.levels:
                yield from self._known_level(ref)
            for ref in recommendation.focus_areas:
                if ref.id not in self.focus_areas:
                    yield error(ref.location, "unknown-focus-area",
                                f"no focus area with id '{ref.id}'",
                                self._did_you_mean("focus area", ref.id, self.focus_areas))

    def _known_level(self, ref: Ref) -> Iterator[Diagnostic]:
        if ref.id not in self.levels:
            yield error(ref.location, "unknown-level", f"no level with id '{ref.id}'",
                        self._did_you_mean("level", ref.id, self.levels))

    def _known_organization(self, ref: Ref, column: str | None) -> Iterator[Diagnostic]:
        organization = self.organizations.get(ref.id)
        if organization is None:
            yield error(
                ref.location,
                "unknown-organization",
                f"no organization with id '{ref.id}'",
                self._did_you_mean("organization", ref.id, self.organizations)
                or "declare it in organizations.yaml",
            )
            return
        self.used_organizations.add(ref.id)
        if column == "forums" and organization.kind != "forum":
            yield warning(ref.location, "mapping-column",
                          f"'{ref.id}' is not a forum (its kind is {organization.kind}), "
                          "but is listed among the forums")
        if column == "agencies" and organization.kind == "forum":
            yield warning(ref.location, "mapping-column",
                          f"'{ref.id}' is a forum, listed among the UN agencies")

    # -- negotiation: alternatives and provenance ------------------------------

    def _negotiation(self) -> Iterator[Diagnostic]:
        contributors = {c.id for c in self.report.contributors}
        self.used_contributors: set[str] = set()
        recommendations = {r.id: r.alternative_to for r in self.report.recommendations}
        recommendation_ids = CloseIds(recommendations, self.comparisons)  # for hints
        for recommendation in self.report.recommendations:
            yield from self._contributors(recommendation.proposed_by,
                                          recommendation.supported_by, contributors)
            if recommendation.alternative_to is not None:
                yield from self._alternative(recommendation.id, recommendation.alternative_to,
                                             recommendations, "recommendation",
                                             recommendation_ids)
        for top in self.report.sections:
            for section in top.walk():
                paragraphs = {p.id: p.alternative_to for p in section.paragraphs
                              if p.id and p.quote is None}  # a quotation has no alternatives
                paragraph_ids = CloseIds(paragraphs, self.comparisons)
                for paragraph in section.paragraphs:
                    yield from self._contributors(paragraph.proposed_by, paragraph.supported_by,
                                                  contributors)
                    if paragraph.alternative_to is not None:
                        yield from self._alternative(paragraph.id or "", paragraph.alternative_to,
                                                     paragraphs, "paragraph of this section",
                                                     paragraph_ids)

    def _contributors(self, proposed: tuple[Ref, ...], supported: tuple[Ref, ...],
                      known: set[str]) -> Iterator[Diagnostic]:
        for ref in (*proposed, *supported):
            if ref.id in known:
                self.used_contributors.add(ref.id)
                continue
            yield error(ref.location, "unknown-contributor", f"no contributor with id '{ref.id}'",
                        self._did_you_mean("contributor", ref.id, known)
                        or "declare it in contributors.yaml")

    def _alternative(self, ident: str, target: Ref, candidates: dict[str, Ref | None],
                     what: str, close: CloseIds) -> Iterator[Diagnostic]:
        """An alternative names an original of its own kind and place, which is no
        alternative; `close`: the candidates' ids, for hints."""
        if target.id == ident:
            yield error(target.location, "bad-alternative",
                        f"'{ident}' cannot be an alternative to itself")
        elif target.id not in candidates:
            yield error(target.location, "bad-alternative",
                        f"no {what} with id '{target.id}' to be an alternative to",
                        close.did_you_mean(target.id, excluding=ident))
        elif candidates[target.id] is not None:
            yield error(target.location, "bad-alternative",
                        f"'{target.id}' is itself an alternative; name the original it is an "
                        "alternative to, so that all read as 7 bis, 7 ter, ...")

    # -- translations ------------------------------------------------------------

    def _translations(self) -> Iterator[Diagnostic]:
        """Missing translations (for a complete language), stale ones, stray RTL marks."""
        from .model import text_hash
        from .translatable import iter_texts

        meta = self.report.meta
        original = meta.original_language
        others = [lang for lang in meta.languages if lang != original]
        for field in iter_texts(self.report):
            source = field.text.by_language.get(original)
            if source is None:
                continue
            for language in others:
                translated = field.text.by_language.get(language)
                if translated is None:
                    if meta.translation(language).status == "complete":
                        yield warning(
                            field.text.location, "missing-translation",
                            f"{field.context} has no {language} translation, and {language} "
                            "is marked complete",
                            f"translate it, or set translations: {{{language}: "
                            "{status: in-progress}}")
                    continue
                if translated.source_hash and translated.source_hash != text_hash(source.value):
                    yield warning(
                        translated.location, "stale-translation",
                        f"the {language} translation of {field.context} was made from an "
                        "earlier version of the original",
                        "update the translation, then run `wgec translations stamp`")
            for language, translated in field.text.by_language.items():
                if not is_right_to_left(language) and RTL_MARKS.search(translated.value):
                    yield error(
                        translated.location, "rtl-mark",
                        f"right-to-left mark in {language} text of {field.context}",
                        "remove the invisible U+200F/U+202B/U+202E/U+2067 character")

    # -- legal but suspicious ------------------------------------------------

    def _unused(self) -> Iterator[Diagnostic]:
        for organization in self.report.organizations:
            if organization.id not in self.used_organizations:
                yield warning(
                    organization.location,
                    "unused-organization",
                    f"organization '{organization.id}' is neither mapped nor named by a "
                    "recommendation",
                )
        for contributor in self.report.contributors:
            if contributor.id not in self.used_contributors:
                yield warning(contributor.location, "unused-contributor",
                              f"contributor '{contributor.id}' has proposed and supported "
                              "nothing")
        for instrument in self.report.instruments:
            if instrument.id not in self.cited:
                yield warning(instrument.location, "uncited-instrument",
                              f"instrument '{instrument.id}' is never cited")
