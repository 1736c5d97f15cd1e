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
from collections.abc import Iterator
from typing import NamedTuple

# A line's own start: some indentation, then any quote and list markers (`> - # x`).
_LINE_START = r"^([ \t]{0,3}(?:(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]))[ \t]*)*)"
_STRUCTURE = re.compile(
    _LINE_START + r"(?P<what>:::|#{1,6}(?=[ \t]|$)|\[\^?[^\]\n]+\]:)", re.MULTILINE)
# A setext heading's underline: a line of `=` or `-` right under a line of text, in a
# block (lines between blank ones) that a line of dashes does not open, as it does a
# multiline table (whose header and rows are underlined too).
_UNDERLINE = re.compile(r"(?<=[^\n])\n[ \t]{0,3}(?P<what>=+|-+)[ \t]*(?=\n|$)")
_BLOCK = re.compile(r"(?:^|(?<=\n\n))[^\n](?:[^\n]|\n(?!\n))*")
_TABLE_BORDER = re.compile(r"[ \t]{0,3}-{3,}[ \t]*(?:\n|$)")
_CODE_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})", re.MULTILINE)
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
    parts: list[str] = []
    for start, end, is_code in _blocks(markdown):
        text = markdown[start:end]
        if not is_code:
            text = _STRUCTURE.sub(r"\1\\\g<what>", text)
            for first, last in reversed(_underlines(text)):  # each `-` or `=` escaped
                text = text[:first] + "".join("\\" + c for c in text[first:last]) + text[last:]
        parts.append(text)
    return "".join(parts)


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


def structure_lines(markdown: str) -> list[StructureLine]:
    """Every line of `markdown` that `as_text` shows as text, and every `[^1]`."""
    found: list[StructureLine] = []
    for start, end, is_code in _blocks(markdown):
        if is_code:
            continue
        text = markdown[start:end]
        for match in _STRUCTURE.finditer(text):
            what = match.group("what")
            kind = ("div" if what == ":::" else "heading" if what.startswith("#")
                    else "definition")
            found.append(StructureLine(start + match.start("what"), what, kind))
        for first, last in _underlines(text):
            found.append(StructureLine(start + first, text[first:last], "underline"))
        definitions = {line.offset for line in found if line.kind == "definition"}
        for match in _NOTE_REFERENCE.finditer(text):
            offset = start + match.start()
            if offset not in definitions and not _escaped(markdown, offset):
                found.append(StructureLine(offset, match.group(), "note"))
    return sorted(found)


def _escaped(text: str, position: int) -> bool:
    count = 0
    while position - count > 0 and text[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _blocks(markdown: str) -> Iterator[tuple[int, int, bool]]:
    """The text in spans, (start, end, whether a fenced code block), in order."""
    at = 0
    while (opening := _CODE_FENCE.search(markdown, at)) is not None:
        yield at, opening.start(), False
        fence = opening.group(1)
        closing = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$",
                             re.MULTILINE).search(markdown, opening.end())
        at = len(markdown) if closing is None else closing.end()
        yield opening.start(), at, True
    yield at, len(markdown), False


# How deep a text may nest. pandoc's Markdown reader takes about three times longer
# for each level of square brackets (8 levels: a second; 10: eight seconds; 12:
# minutes); typst cannot lay out about 30 levels of quotes and lists (its show rules
# recurse). The report's own structure adds a level or two to a text's.
MAX_BRACKETS = 5
MAX_BLOCKS = 12
# A line that opens at least one quote or list (only such a line can go too deep).
_BLOCK_MARKERS = re.compile(
    r"^(?P<indent>[ \t]*)(?P<markers>(?:(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]))[ \t]*)+)",
    re.MULTILINE)
_BRACKET = re.compile(r"[\[\]]")
_ONE_MARKER = re.compile(r">|[-+*]|\d{1,9}[.)]")


class TooDeep(NamedTuple):
    """Where a text first nests deeper than it may: the offset of what goes too deep,
    what it is as written, and how deep it goes there."""

    offset: int
    marker: str
    kind: str  # "brackets", "blocks"
    depth: int


def too_deep(markdown: str) -> list[TooDeep]:
    """The first place `markdown` nests square brackets deeper than MAX_BRACKETS, and
    the first where it nests quotes and lists deeper than MAX_BLOCKS (a list or quote
    marker is a level, and so are two columns of indentation)."""
    found: list[TooDeep] = []
    depth = 0
    # Only the brackets are looked at, and only in a text with enough of them.
    brackets = _BRACKET.finditer(markdown) if markdown.count("[") > MAX_BRACKETS else ()
    for bracket in brackets:
        at = bracket.start()
        if _escaped(markdown, at):
            continue
        if bracket.group() == "]":
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > MAX_BRACKETS:
            found.append(TooDeep(at, "[", "brackets", depth))
            break
    for line in _BLOCK_MARKERS.finditer(markdown):
        markers = _ONE_MARKER.findall(line.group("markers"))
        depth = len(line.group("indent").expandtabs(4)) // 2 + len(markers)
        if depth > MAX_BLOCKS:
            found.append(TooDeep(line.start("markers"), markers[0], "blocks", depth))
            break
    return found
