"""What a text of prose cannot make: the report's structure.

Prose is pandoc Markdown, and every text is set inside the report's own structure
(a numbered paragraph, a recommendation, a note, each a fenced div), in one
document. A few lines would make structure of their own there instead of text:

- a fenced div's fence (`:::`, `::: {custom-style="Title"}`), which would close the
  paragraph's own div or give the text a Word style;
- a heading (`# ...`, or a line underlined with `---` or `===`), beside the report's
  headings, whose ids its own can clash with (pandoc then fails); a multiline
  table's lines of dashes are not underlines;
- a link or note definition (`[x]: ...`, `[^1]: ...`), which belongs to the whole
  report: two texts that define `[x]` make pandoc fail.

The render shows each as the text it is (`as_text`), and the check says so
(`structure_lines`). Fenced code blocks are text already, and left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from typing import NamedTuple

from .refs import code_spans, escaped, inside, square_brackets

# A line's own start: indentation, then any quote, list and grid-table-cell markers
# (`> - # x`, `(a) ::: x`, `| [x]: y`), in any list or quote of any depth.
# A list marker as pandoc reads one: a bullet, `#.`, an example's (`(@x)`, `@x.`, `@)`:
# `@x. # h` hid a heading, with an id that could clash), a number, a letter
# or a roman numeral with `.` or `)` (or in parentheses), a capital with `.` followed by
# two spaces (one would make "B. Russell" a list); then a space. A letter and a
# numeral of one letter (`i.`) are one alternative: were both to match it, a line of
# `i. i. i. ...` that fails further on would be tried in 2^n ways.
_LIST_MARKER = (r"(?:(?:[-+*]|#\.|\(@[\w-]*\)|@[\w-]*[.)]"
                r"|\(?(?:[0-9]{1,9}|[a-z]|[ivxlcdm]{2,8})[.)]"
                r"|\(?(?:[A-Z]|[IVXLCDM]{2,8})\)|(?:[A-Z]|[IVXLCDM]{2,8})\.(?=[ \t]{2}))"
                r"(?=[ \t]))")
# A definition's `:` or `~` opens a block too (`Term` / `: # heading`).
_CONTAINER = rf"(?:>|\|(?=[ \t])|[:~](?=[ \t])|{_LIST_MARKER})"
_LINE_START = rf"^(?P<start>[ \t]*(?:{_CONTAINER}[ \t]*)*)"
_STRUCTURE = re.compile(_LINE_START + r"(?P<what>:::|#{1,6}(?=[ \t]|$))", re.MULTILINE)
# What a link or note definition's label is made of: square brackets (balanced, on
# one line), and the line breaks that end it.
_BRACKET_OR_BREAK = re.compile(r"[\[\]\n]")
# A setext heading's underline: a line of `=` or `-` right under a line of text, in a
# block (lines between blank ones) that a line of dashes does not open, as it does a
# multiline table (whose header and rows are underlined too).
_UNDERLINE = re.compile(r"(?<=[^\n])\n[ \t]*(?P<what>=+|-+)[ \t]*(?=\n|$)")
_BLOCK = re.compile(r"(?:^|(?<=\n\n))[^\n](?:[^\n]|\n(?!\n))*")
_TABLE_BORDER = re.compile(r"[ \t]{0,3}-{3,}[ \t]*(?:\n|$)")
# A code fence opens a code block only if closed, and after a blank line (or first);
# right under a line of text, only a fence of backticks at the line's very start does
# (pandoc 3.9: an indented one, or one of tildes, is text there).
_CODE_FENCE = re.compile(r"(?:\A|(?<=\n\n))[ \t]*(`{3,}|~{3,})|(?<=\n)(`{3,})")
# A line that closes a code block whose fence is of its character, and no longer.
_CLOSING_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*$", re.MULTILINE)
# `[^1]` where a note is meant: text to the reader (footnotes are inline, `^[...]`).
_NOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\]")


class StructureLine(NamedTuple):
    """A line that would make structure: where what makes it starts, and what it is."""

    offset: int
    marker: str  # as written: ":::", "##", "[x]:", "---"
    kind: str  # "div", "heading", "definition", "underline", "note"


def as_text(markdown: str) -> str:
    """`markdown` with every line that would make structure shown as written: the
    fence, heading mark or definition escaped, and each `-` or `=` of an underline."""
    if not _MAYBE_STRUCTURE.search(markdown):
        return markdown
    parts: list[str] = []
    for start, end, is_code in _blocks(markdown):
        text = markdown[start:end]
        if not is_code:
            text = _STRUCTURE.sub(r"\g<start>\\\g<what>", text)
            escapes = [first for first, _ in _definitions(text)]
            for first, last in _underlines(text):  # each `-` or `=` escaped
                escapes += range(first, last)
            text = _backslashed(text, sorted(escapes))
        parts.append(text)
    return "".join(parts)


def _backslashed(text: str, places: list[int]) -> str:
    """`text` with a backslash before each of `places` (in order), joined once."""
    pieces = []
    done = 0
    for at in places:
        pieces += [text[done:at], "\\"]
        done = at
    pieces.append(text[done:])
    return "".join(pieces)


def _definitions(text: str) -> list[tuple[int, int]]:
    """Each `[label]:` as pandoc reads a definition's start, where it sits (from its
    `[` to after its `:`): the label's brackets balanced within the line, none of them
    escaped, none in a code span (which shows them as written); `[a [b] c]:`,
    `[a @b]:` and `[a\\]b]:` are definitions too, `[a [b]:` is not. Never a wgec
    reference, `[@rec:x]: ...`. One pass, whatever the brackets."""
    found: list[tuple[int, int]] = []
    code = code_spans(text)
    opened: list[int] = []
    for token in _BRACKET_OR_BREAK.finditer(text):
        at = token.start()
        if token.group() == "\n":
            opened.clear()
        elif escaped(text, at) or inside(code, at):
            continue
        elif token.group() == "[":
            opened.append(at)
        elif opened:
            start = opened.pop()
            if (not opened and at > start + 1 and text.startswith(":", at + 1)
                    and not text.startswith("[@", start)):
                found.append((start, at + 2))
    return found


_MAYBE_UNDERLINE = re.compile(r"\n[ \t]{0,3}[-=]")


def _underlines(text: str) -> list[tuple[int, int]]:
    """Where the setext underlines in `text` are (their `-` or `=`), in order."""
    found: list[tuple[int, int]] = []
    if not _MAYBE_UNDERLINE.search(text):  # most texts: no line starts with - or =
        return found
    for block in _BLOCK.finditer(text):
        if _TABLE_BORDER.match(block.group()):
            continue
        found += [(block.start() + m.start("what"), block.start() + m.end("what"))
                  for m in _UNDERLINE.finditer(block.group())]
    return found


# Whatever any structure line or note reference starts with: a text without any (most
# texts: sentences) is passed over in one search.
_MAYBE_STRUCTURE = re.compile(r"^[ \t]*(?:[>|#:~\[(@]|[-+*]|\w{1,9}[.)])|\[\^|\]:|\n[ \t]*[-=]",
                              re.MULTILINE)


def structure_lines(markdown: str) -> list[StructureLine]:
    """Every line of `markdown` that `as_text` shows as text, and every `[^1]`."""
    found: list[StructureLine] = []
    if not _MAYBE_STRUCTURE.search(markdown):
        return found
    for start, end, is_code in _blocks(markdown):
        if is_code:
            continue
        text = markdown[start:end]
        # Said where pandoc would read structure: a fence anywhere (within a div, it
        # closes the div), a heading or a definition where a block starts (the text's
        # first line, one after a blank line, or one that opens a list or quote item).
        # The others are text to pandoc as well.
        for match in _STRUCTURE.finditer(text):
            what = match.group("what")
            if what == ":::" or _starts_a_block(text, match):
                kind = "div" if what == ":::" else "heading"
                found.append(StructureLine(start + match.start("what"), what, kind))
        definitions: set[int] = set()
        for first, last, line in _definitions_and_lines(text):
            if line.end("start") == first and _starts_a_block(text, line):
                found.append(StructureLine(start + first, text[first:last], "definition"))
                definitions.add(start + first)
        for first, last in _underlines(text):
            found.append(StructureLine(start + first, text[first:last], "underline"))
        for match in _NOTE_REFERENCE.finditer(text):
            offset = start + match.start()
            if offset not in definitions and not escaped(markdown, offset):
                found.append(StructureLine(offset, match.group(), "note"))
    return sorted(found)


_LINE = re.compile(_LINE_START, re.MULTILINE)


def _definitions_and_lines(text: str) -> Iterator[tuple[int, int, re.Match[str]]]:
    """Each definition in `text` (as `_definitions`), with the start of its line as
    `_LINE` reads it. Each line is searched for and read once, however many
    definitions it holds: from each definition back to its line's start, a line of
    thousands of `[a]:` took time that grew with its square (2 MB: 8 s)."""
    line_start = searched = 0
    line: re.Match[str] | None = None
    for first, last in _definitions(text):  # in order
        line_start = max(line_start, text.rfind("\n", searched, first) + 1)
        searched = first
        if line is None or line.start() != line_start:
            line = _LINE.match(text, line_start)
        if line is not None:  # always: `_LINE` matches at any line's start
            yield first, last, line


# A line of list or quote markers and nothing else (`-`, `1.`, `@x.`): the item's first
# block is on the next line, unindented too (`-` / `# h` is a heading in a list).
_ONLY_MARKERS = re.compile(
    rf"[ \t]*(?:(?:>|{_LIST_MARKER})[ \t]*)*(?:>|[-+*]|#\.|\(?@[\w-]*[.)]"
    r"|\(?(?:[0-9]{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]{2,8})[.)])[ \t]*")


def _starts_a_block(text: str, line: re.Match[str]) -> bool:
    if line.group("start").strip():  # a list or quote item's first line
        return True
    begin = line.start()
    before = text.rfind("\n", 0, max(0, begin - 1)) + 1
    previous = text[before:begin]
    return (begin == 0 or not previous.strip()
            or _ONLY_MARKERS.fullmatch(previous.rstrip("\n")) is not None)


def _blocks(markdown: str) -> Iterator[tuple[int, int, bool]]:
    """The text in spans, (start, end, whether a fenced code block), in order."""
    closing: _ClosingFences | None = None  # found when a fence opens: most texts have none
    at = 0
    search = 0
    while (opening := _CODE_FENCE.search(markdown, search)) is not None:
        fence = opening.group(1) or opening.group(2)
        closing = closing or _ClosingFences(markdown)
        closed_at = closing.first(fence, opening.end())
        if closed_at is None:  # never closed: text, as far as wgec can tell
            search = opening.end()
            continue
        yield at, opening.start(), False
        at = search = closed_at
        yield opening.start(), at, True
    yield at, len(markdown), False


class _ClosingFences:
    """The lines of a text that can close a code block, found in one pass, and by
    character the longest fence each of them and those after it can close.

    Searching the rest of the text for each opening fence took time that grew with
    the square of a text of fences never closed (8,000 of them: 4 s); here a fence
    that nothing closes is known at once, and the lines passed over on the way to a
    closing one are before where the next fence is looked for.
    """

    def __init__(self, markdown: str) -> None:
        self.starts: dict[str, list[int]] = {"`": [], "~": []}
        self.ends: dict[str, list[int]] = {"`": [], "~": []}
        self.widths: dict[str, list[int]] = {"`": [], "~": []}
        for line in _CLOSING_FENCE.finditer(markdown):
            char = line.group(1)[0]
            self.starts[char].append(line.start())
            self.ends[char].append(line.end())
            self.widths[char].append(len(line.group(1)))
        self.widest_from: dict[str, list[int]] = {}
        for char, widths in self.widths.items():
            widest = [0] * (len(widths) + 1)
            for index in range(len(widths) - 1, -1, -1):
                widest[index] = max(widths[index], widest[index + 1])
            self.widest_from[char] = widest

    def first(self, fence: str, after: int) -> int | None:
        """Where the first line from `after` on that closes `fence` ends; None if none does."""
        char = fence[0]
        index = bisect_left(self.starts[char], after)
        if self.widest_from[char][index] < len(fence):
            return None
        while self.widths[char][index] < len(fence):
            index += 1
        return self.ends[char][index]


# How deep a text may nest. pandoc's Markdown reader takes about three times longer
# for each level of square brackets (8 levels: a second; 10: eight seconds; 12:
# minutes); typst cannot lay out about 30 levels of quotes and lists (its show rules
# recurse). The report's own structure adds a level or two to a text's.
MAX_BRACKETS = 5
MAX_BLOCKS = 12
# A line that opens at least one quote or list (only such a line can go too deep); not
# a line of `* * *` or `- - -`, which is a rule.
_BLOCK_MARKERS = re.compile(
    r"^(?![ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$)(?P<indent>[ \t]*)"
    rf"(?P<markers>(?:(?:>|{_LIST_MARKER})[ \t]*)+)", re.MULTILINE)
# Square brackets, and a link's target closed, `)` (`](` opens one).
_BRACKET = re.compile(r"[\[\])]")
_ONE_MARKER = re.compile(rf">|{_LIST_MARKER}")


class TooDeep(NamedTuple):
    """Where a text first nests deeper than it may: the offset of what goes too deep,
    what it is as written, and how deep it goes there."""

    offset: int
    marker: str
    kind: str  # "brackets", "links", "blocks"
    depth: int


def too_deep(markdown: str) -> list[TooDeep]:
    """The first place `markdown` nests square brackets deeper than MAX_BRACKETS, and
    the first where it nests quotes and lists deeper than MAX_BLOCKS (a list or quote
    marker is a level, and so are four columns of indentation)."""
    found: list[TooDeep] = []
    # Brackets, and link targets left open (`[a](` again and again), each counted on
    # its own; only in a text with enough of them to go too deep.
    depths = {"[": 0, "](": 0}
    brackets = (_BRACKET.finditer(markdown)
                if max(markdown.count("["), markdown.count("](")) > MAX_BRACKETS else ())
    for bracket in brackets:
        at, char = bracket.start(), bracket.group()
        if escaped(markdown, at):
            continue
        if char in ("]", ")"):
            opened = "[" if char == "]" else "]("
            depths[opened] = max(0, depths[opened] - 1)
            if char == "]" and markdown.startswith("](", at):
                depths["]("] += 1
                if depths["]("] > MAX_BRACKETS:
                    found.append(TooDeep(at, "](", "links", depths["]("]))
                    break
            continue
        depths["["] += 1
        if depths["["] > MAX_BRACKETS:
            found.append(TooDeep(at, "[", "brackets", depths["["]))
            break
    for line in _BLOCK_MARKERS.finditer(markdown):
        markers = _ONE_MARKER.findall(line.group("markers"))
        # Four columns of indentation a level: a nested list's items are indented two to
        # four; a pasted text's indented line, which continues a paragraph, no more.
        depth = len(line.group("indent").expandtabs(4)) // 4 + len(markers)
        if depth > MAX_BLOCKS:
            found.append(TooDeep(line.start("markers"), markers[0], "blocks", depth))
            break
    return found


# On a text's first line, besides the containers `_LINE` reads (a list, a quote, a
# definition): a code fence, a rule, a table's border or row.
_OPENS_A_BLOCK = re.compile(r"[ \t]*(?:`{3,}|~{3,}|([-*_])(?:[ \t]*\1){2,}[ \t]*$|[|+])",
                            re.MULTILINE)
# A later line that makes a block a definition list or a table.
_TURNS_A_BLOCK = re.compile(r"\n[ \t]*(?:[:~](?:[ \t]|\n|$)|[|+:]?[ \t]*-{3,})")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LIST_LINE = re.compile(rf"\n[ \t]*{_LIST_MARKER}")
# A bracket in what may be an autolink (`<https://x/a]b>`): pandoc pairs it when it
# reads a span, and a backslash is no escape in the link.
_BRACKET_IN_ANGLES = re.compile(r"<[^<>\s]*[\[\]][^<>\s]*>")


def starts_with_a_paragraph(markdown: str) -> bool:
    """Whether a text's first block is a paragraph, not a list, a quote, a definition
    list, code, a table or a rule: what is put before such a text (a mark) joins its
    first line, and would make the block a paragraph."""
    line = _LINE.match(markdown)
    if line is not None and line.group("start").strip():
        return False
    if _OPENS_A_BLOCK.match(markdown) or _ONLY_MARKERS.fullmatch(markdown.split("\n", 1)[0]):
        return False  # (a marker alone: an empty item, or one on the next line)
    return not _TURNS_A_BLOCK.search(_BLANK_LINE.split(markdown, 1)[0])


def is_one_paragraph(markdown: str) -> bool:
    """Whether a text is one paragraph, wherever it is put: a later line that opens a
    list is text in a paragraph alone, but a sublist in a list item, which every
    numbered paragraph of the report is."""
    return (not _BLANK_LINE.search(markdown) and not _CODE_FENCE.search(markdown)
            and starts_with_a_paragraph(markdown)
            and not _LIST_LINE.search(markdown))


def fits_a_span(markdown: str) -> bool:
    """Whether a span, `[...]{...}`, can hold a text (made `in_a_span`): one paragraph,
    no backslash at its end, which would escape the span's `]`, and no bracket in an
    autolink."""
    return (is_one_paragraph(markdown) and not escaped(markdown, len(markdown))
            and not _BRACKET_IN_ANGLES.search(markdown))


def in_a_span(markdown: str) -> str:
    """A text that `fits_a_span` as the content of a span, `[...]{...}`, read as it was
    alone: each square bracket that has no partner escaped (text to pandoc either way,
    but an unpaired `]` would end the span and a `[` leave it open). Brackets escaped
    or in code spans are not pandoc's, and are left alone."""
    return _backslashed(markdown, square_brackets(markdown)[1])


def last_block(markdown: str) -> str:
    """A text's last block, as far as blank lines tell: the whole text if a code
    fence could hold a blank line (then no block of it is told apart)."""
    if _CODE_FENCE.search(markdown):
        return markdown
    return _BLANK_LINE.split(markdown)[-1]
