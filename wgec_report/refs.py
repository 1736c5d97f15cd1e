"""The inline reference syntax: parse, resolve, render.

In prose, `[@` ... `]` holds one or more references separated by `;`:

    [@tunis-agenda:69]          a paragraph of an instrument
    [@tunis-agenda:69-71]       a range of paragraphs
    [@tunis-agenda:35(a),35(d)] subparagraphs, and lists of any of these
    [@rec:<id>]                 a recommendation, by its paragraph: "paragraph 31"
    [@para:<id>]                a paragraph that has an id: "paragraph 12"
    [@sec:<id>]                 a section: "section 2.1", "chapter II", "annex I"

Citations of instruments become footnotes; the others become internal links.
A locator (the part after the colon) is also what a quotation names.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

INTERNAL_KINDS = ("rec", "sec", "para")
REF_GROUP = re.compile(r"\[@([^\[\]]*)\]")  # may span lines; whitespace makes it invalid
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_TARGET = re.compile(rf"(?P<kind>{_ID}):(?P<target>[^;]+)\Z")
_SPAN = re.compile(r"(?P<first>[0-9]+)(?:[-–](?P<last>[0-9]+)|\((?P<sub>[a-z]{1,4})\))?\Z")
_CLOSING_PUNCTUATION = ".,;:!?…"


class ParagraphSpan(NamedTuple):
    first: int
    last: int
    sub: str | None = None

    def __str__(self) -> str:
        if self.sub:
            return f"{self.first} ({self.sub})"
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


class Citation(NamedTuple):
    instrument: str
    spans: tuple[ParagraphSpan, ...]


class InternalRef(NamedTuple):
    kind: str  # one of INTERNAL_KINDS
    target: str


Reference = Citation | InternalRef


class RefGroup(NamedTuple):
    """One `[@...]` in a text: where it is and what it says (or why it can't be read)."""

    start: int
    end: int
    raw: str
    references: tuple[Reference, ...] = ()
    problem: str = ""


def parse_locator(locator: str) -> tuple[ParagraphSpan, ...] | None:
    """`69`, `69-71`, `35(a)`, or a comma-separated list of them; None if malformed."""
    spans: list[ParagraphSpan] = []
    for part in locator.split(","):
        match = _SPAN.match(part.strip())
        if match is None:
            return None
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else first
        if last < first:
            return None
        spans.append(ParagraphSpan(first, last, match["sub"]))
    return tuple(spans)


def parse_target(text: str) -> Reference | str:
    """`kind:target` to a reference, or a message saying what is wrong with it."""
    if "\n" in text:
        return "a reference must be written on one line"
    match = _TARGET.match(text.strip())
    if match is None:
        return (
            f"'{' '.join(text.split())}' is not a reference; write [@instrument:paragraph], "
            "[@rec:id] or [@sec:id]"
        )
    kind, target = match["kind"], match["target"]
    if kind in INTERNAL_KINDS:
        target = target.strip()
        if not re.fullmatch(_ID, target):
            return f"'{target}' is not a valid id"
        return InternalRef(kind, target)
    spans = parse_locator(target)
    if spans is None:
        return f"'{target}' is not a paragraph number, range (69-71) or subparagraph (35(a))"
    return Citation(kind, spans)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where the `code` spans of a Markdown text are: their content is shown as written."""
    return [m.span() for m in CODE_SPAN.finditer(text)] if "`" in text else []


def inside(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` is in one of `spans`: in order and apart, as one search finds
    them (a binary search: a text may hold thousands of spans and of places to ask of)."""
    return span_at(spans, position) is not None


def span_at(spans: list[tuple[int, int]], position: int) -> tuple[int, int] | None:
    """The one of `spans` (in order and apart) that holds `position`, if one does."""
    at = bisect_right(spans, position, key=_start) - 1
    return spans[at] if at >= 0 and position < spans[at][1] else None


def _start(span: tuple[int, int]) -> int:
    return span[0]


def find_references(text: str) -> Iterator[RefGroup]:
    """Every `[@...]` group of a text, in order; unclosed ones come with a problem."""
    if "[@" not in text:
        return
    code = code_spans(text)

    def is_literal(position: int) -> bool:
        # `\[@...]` is literal text; `\\[@...]` an escaped backslash, then a reference.
        return escaped(text, position) or inside(code, position)

    groups = [m for m in REF_GROUP.finditer(text) if not is_literal(m.start())]
    starts = {m.start() for m in groups}
    within = [(m.start() + 1, m.end()) for m in groups]  # a `[@` in a group is its text
    never_closed = "'[@' opens a reference that is never closed with ']'"
    unclosed = [
        RefGroup(i, i + 2, "[@", (), never_closed)
        for i in occurrences(text, "[@")
        if i not in starts and not is_literal(i) and not inside(within, i)
    ]
    parsed = [_parse_group(m.start(), m.end(), m.group(0), m.group(1)) for m in groups]
    yield from sorted(parsed + unclosed, key=lambda g: g.start)


def occurrences(text: str, needle: str, start: int = 0, end: int | None = None
                ) -> Iterator[int]:
    """Where `needle` starts in `text[start:end]`, every time, overlapping ones too."""
    end = len(text) if end is None else end
    position = text.find(needle, start, end)
    while position >= 0:
        yield position
        position = text.find(needle, position + 1, end)


def _parse_group(start: int, end: int, raw: str, inner: str) -> RefGroup:
    references: list[Reference] = []
    problem = ""
    for index, part in enumerate(inner.split(";")):
        part = part.strip()
        if index > 0:
            if not part.startswith("@"):
                problem = problem or f"each reference in '{raw}' starts with '@'"
                continue
            part = part[1:]
        result = parse_target(part)
        if isinstance(result, str):
            problem = problem or result
        else:
            references.append(result)  # the good ones still count: cited, and checked
    return RefGroup(start, end, raw, tuple(references), problem)


def format_spans(spans: tuple[ParagraphSpan, ...], para: str = "para. {n}",
                 paras: str = "paras. {n}", and_word: str = "and") -> str:
    """'para. 69', 'paras. 69–71', 'para. 35 (a) and (d)', 'paras. 64 and 65'.

    The words come from the language's catalogue: "par. 69", "第69段".
    """
    pieces: list[str] = []
    previous_first: int | None = None
    for span in spans:
        if span.sub and span.first == previous_first:
            pieces.append(f"({span.sub})")  # same paragraph: "35 (a) and (d)"
        else:
            pieces.append(str(span))
        previous_first = span.first
    one = len({(s.first, s.last) for s in spans}) == 1 and spans[0].first == spans[0].last
    label = para if one else paras
    if len(pieces) == 1:
        return label.format(n=pieces[0])
    return label.format(n=f"{', '.join(pieces[:-1])} {and_word} {pieces[-1]}")


class RenderContext(NamedTuple):
    """What rendering needs to know about the report, already escaped for Markdown."""

    instrument_titles: Mapping[str, str]
    paragraph_numbers: Mapping[str, str]  # "rec:<id>", "para:<id>" to "12" or "12 bis"
    section_names: Mapping[str, str]  # section id to "section 2.1", "chapter II", "annex I"
    # The language's words (catalogue): "paragraph {n}", "para. {n}", ...
    paragraph: str = "paragraph {n}"
    para: str = "para. {n}"
    paras: str = "paras. {n}"
    and_word: str = "and"
    not_in_text: str = "a paragraph not in this text"
    note_before_punctuation: bool = False  # French and Spanish: "issues¹."
    citation: str = "{title}, {location}"  # Arabic "{title}، {location}", Chinese with "，"
    citation_separator: str = "; "
    note_end: str = "."


# What, written right after a note's or a link's `]`, pandoc reads as part of it: a
# link's target `(x)`, attributes `{.x}`, a reference label `[x]` (the note is then
# text). The note or link is then put in a span of no attributes, `[...]{}`, which
# ends it and is nothing in a document. (An HTML comment would show: the reader
# takes no raw HTML.)
_CONTINUING_A_BRACKET = ("(", "{", "[")


def render_references(markdown: str, context: RenderContext, escape: Callable[[str], str]) -> str:
    """Replace every reference group in Markdown prose with footnotes and links.

    English puts the footnote marker after punctuation, so a group directly
    followed by punctuation swaps places with it.
    """
    out: list[str] = []
    position = 0
    groups = list(find_references(markdown))
    # The text's own notes and links' texts, where a note or a link cannot go.
    pairs = square_brackets(markdown)[0] if groups else []
    in_notes, as_notes = _notes_in(markdown, pairs, groups)
    link_texts = _link_texts(markdown, pairs)
    for group in groups:
        if group.start < position:
            continue
        links, notes = _render_group(group, context, escape,
                                     linked=not _within(link_texts, group.start))
        before = markdown[position:group.start]
        after_end = group.end
        punctuation = ""
        in_a_note = inside(in_notes, group.start)
        if group.start in as_notes:  # `^[@…]`, written as a note: its caret is the note's
            before = before[:-1]
        if notes and in_a_note:  # a note in a note: Word drops it
            links += (" " if links else "") + context.citation_separator.join(notes)
            notes = []
        if group.start in as_notes and not in_a_note:
            said = context.citation_separator.join(filter(None, [links, *notes]))
            rendered = f"^[{said}{context.note_end if notes else ''}]"
            if context.note_before_punctuation:  # "Tunis.^[@…]", as "Tunis.[@…]"
                kept = _before_the_punctuation(before)
                before, rendered = kept, rendered + before[len(kept):]
        else:
            after = ""
            if notes:
                before = _without_trailing_spaces(before)
                if context.note_before_punctuation:  # "Tunis.[@…]": the mark before the stop
                    kept = _before_the_punctuation(before)
                    before, after = kept, before[len(kept):]  # " ?": its space with it
                while (not context.note_before_punctuation and after_end < len(markdown)
                       and markdown[after_end] in _CLOSING_PUNCTUATION):
                    punctuation += markdown[after_end]
                    after_end += 1
            if links and notes:
                links = " " + links  # the space stripped for the note
            rendered = links + punctuation
            if notes:
                rendered += f"^[{context.citation_separator.join(notes)}{context.note_end}]"
            rendered += after
        if markdown.startswith(_CONTINUING_A_BRACKET, after_end):
            rendered = f"[{rendered}]{{}}"
        if (rendered.startswith("[") and before.endswith("!")
                and not escaped(before, len(before) - 1)):
            before = before[:-1] + "\\!"  # "Tunis ![@sec:x]": a link after `!` is an image
        out.append(before)
        out.append(rendered)
        position = after_end
    out.append(markdown[position:])
    return "".join(out)


def _before_the_punctuation(text: str) -> str:
    """`text` without the closing punctuation it ends in and the spaces before that (a
    French `Tunis ?` has one, often a no-break one): where French and Spanish put a
    note's mark. A text that ends in no punctuation is left as it is."""
    kept = _without_closing_punctuation(text)
    if kept == text:
        return text
    while (spaced := _without_trailing_spaces(kept).rstrip("\u00a0\u202f")) != kept:
        kept = spaced
    return kept


def _without_closing_punctuation(text: str) -> str:
    r"""`text` without the closing punctuation it ends in (not an escaped one: `1\.`)."""
    end = len(text)
    while end and text[end - 1] in _CLOSING_PUNCTUATION and not escaped(text, end - 1):
        end -= 1
    return text[:end]


def _notes_in(markdown: str, pairs: list[tuple[int, int]],
              groups: list[RefGroup]) -> tuple[list[tuple[int, int]], set[int]]:
    """Where a text's own notes, `^[...]`, are (outermost, in order; `pairs`: its
    square brackets, `square_brackets`): a reference in one is cited in its words, as
    a note within a note cannot be (pandoc's Word writer drops it). Then the
    references written as notes, `^[@…]`, by their start: a reference's brackets are
    its own, not a note's. A superscript's closing `^` before a bracket opens no
    note: `^2^[...]`."""
    carets = {start - 1 for start, _ in pairs
              if start and markdown.startswith("^", start - 1) and not escaped(markdown, start - 1)}
    if not carets:
        return [], set()
    closing = {end - 1 for _, end in _scripts(markdown, [(g.start, g.end) for g in groups])}
    notes = carets - closing
    as_notes = {group.start for group in groups if group.start - 1 in notes}
    return _outermost([(start - 1, end + 1) for start, end in pairs
                       if start - 1 in notes and start not in as_notes]), as_notes


def _link_texts(markdown: str, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where a text's links' texts are, `[...]` before `(` (outermost, in order,
    brackets included): a reference to a paragraph or a section in one is named, not
    linked, as a link within a link cannot be (pandoc printed the Markdown)."""
    return _outermost([(start, end + 1) for start, end in pairs
                       if markdown.startswith("(", end + 1)])


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Of spans that nest or stand apart, those in none of the others, in order."""
    outermost: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if not outermost or start >= outermost[-1][1]:
            outermost.append((start, end))
    return outermost


def square_brackets(markdown: str) -> tuple[list[tuple[int, int]], list[int]]:
    """A text's square brackets as pandoc pairs them, out of code spans and not
    escaped: the pairs (where each opens and closes, as they close), and where the
    unpaired ones are."""
    code = code_spans(markdown)
    opened: list[int] = []
    pairs: list[tuple[int, int]] = []
    unpaired: list[int] = []
    for bracket in _SQUARE_BRACKETS.finditer(markdown):
        at = bracket.start()
        if escaped(markdown, at) or inside(code, at):
            continue
        if bracket.group() == "[":
            opened.append(at)
        elif opened:
            pairs.append((opened.pop(), at))
        else:
            unpaired.append(at)
    return pairs, sorted(unpaired + opened)


def _within(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` is inside one of `spans` (as `inside`), not at its start."""
    at = bisect_right(spans, position, key=_start) - 1
    return at >= 0 and spans[at][0] < position < spans[at][1]


_SQUARE_BRACKETS = re.compile(r"[\[\]]")


def _without_trailing_spaces(markdown: str) -> str:
    """The text before a note, its spaces taken off: escaped ones (a backslash and a
    space, pandoc's no-break space) too, whose backslash, left alone, would escape
    the note's `^`."""
    stripped = markdown.rstrip(" ")
    while stripped != markdown and escaped(stripped, len(stripped)):  # it escaped a space
        markdown = stripped[:-1]
        stripped = markdown.rstrip(" ")
    return stripped


_SCRIPT_MARK_OR_SPACE = re.compile(r"[\^~ \t\n]")  # pandoc's spaces: no-break ones are text


def script_spans(markdown: str, groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where a text's superscripts, `^x^`, and subscripts, `~x~`, are as pandoc reads
    them (outermost, in order, marks included): a mark out of code, then no unescaped
    space or line break (in a code span neither) until the same mark. `^[` opens a
    note, not a superscript, and `~~` is strikeout. `groups`, the text's `[@...]`
    references, are read as a whole (their spaces end nothing): a reference inside
    such a span cannot be made, since its footnote's `^` would close a superscript,
    and a link's words are spaced."""
    return _outermost(_scripts(markdown, groups))


def _scripts(markdown: str, groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every superscript and subscript of `script_spans`, nested ones too, as they close."""
    if "^" not in markdown and "~" not in markdown:
        return []
    code = sorted([*code_spans(markdown), *groups])  # marks there are text
    spans: list[tuple[int, int]] = []
    opened: dict[str, int] = {}
    for found in _SCRIPT_MARK_OR_SPACE.finditer(markdown):
        at, mark = found.start(), found.group()
        if mark in " \t\n":  # in a code span too, but for a reference's own
            if not (inside(groups, at) or (mark != "\n" and escaped(markdown, at))):
                opened.clear()
        elif inside(code, at) or escaped(markdown, at):
            continue
        elif mark == "~" and "~" in (markdown[at - 1:at], markdown[at + 1:at + 2]):
            continue  # strikeout
        elif mark in opened:
            spans.append((opened.pop(mark), at + 1))
        elif not (mark == "^" and markdown.startswith("[", at + 1)):
            opened[mark] = at
    return spans


def escaped(markdown: str, position: int) -> bool:
    r"""Whether a backslash escapes the character at `position`, as pandoc reads it.

    Backslashes pair up from the left: `\\![` is an escaped backslash, then an
    image; only an odd run of them escapes what follows.
    """
    return backslashes_before(markdown, position) % 2 == 1


def backslashes_before(text: str, position: int) -> int:
    start = position
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return position - start


def _render_group(
    group: RefGroup, context: RenderContext, escape: Callable[[str], str],
    linked: bool = True,
) -> tuple[str, list[str]]:
    """The group's links, "and"-joined (their words alone, not `linked`, in a link's
    text, where a link cannot be), and the texts of its notes."""
    links: list[str] = []
    notes: list[str] = []
    for ref in group.references:
        if isinstance(ref, Citation):
            title = context.instrument_titles.get(ref.instrument, escape(ref.instrument))
            spans = format_spans(ref.spans, context.para, context.paras, context.and_word)
            notes.append(context.citation.format(title=title, location=spans))
        elif ref.kind == "sec":
            name = context.section_names.get(ref.target, "section")
            links.append(f"[{name}](#sec-{ref.target})" if linked else name)
        else:
            number = context.paragraph_numbers.get(f"{ref.kind}:{ref.target}")
            if number is None:  # left out of this text (build --only): nothing to link to
                links.append(context.not_in_text)
            else:
                name = context.paragraph.format(n=number)
                links.append(f"[{name}](#{ref.kind}-{ref.target})" if linked else name)
    return " and ".join(links), notes
