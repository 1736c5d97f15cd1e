"""Redlines: the report at one git revision against another, as Word tracked changes.

The two versions are compared as template contexts (`render.report_context`),
entity by entity, aligned by their stable ids rather than by their text: a
recommendation that moved is shown once, in its new place, with the new
numbering; an edited one shows word-level insertions and deletions; one that
was removed is shown where it was, struck through. The merged context goes
through the report's own templates, so the redline looks like the report.

Changes are marked in the Markdown as pandoc spans,
`[old]{.deletion author=".." date=".."}` and `[new]{.insertion ...}`, which
pandoc's DOCX writer turns into `w:del` and `w:ins`. While the redline is
being made they are private sentinel characters (Unicode noncharacters,
which no source may contain), so the same redline can also be written as
CriticMarkup (`{--old--}{++new++}`) for people reading the Markdown.

A span never cuts a Markdown construct in half: footnotes, links, code and
escapes are compared whole (or, when only their inside changed, inside),
emphasis markers and block breaks stay outside every span.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from .errors import WgecError
from .files import TEMPLATES_DIR
from .refs import escaped
from .revisions import describe, git_user_name, load_report, revision_info

# -- marks ------------------------------------------------------------------------------

OPEN_DEL, CLOSE_DEL, OPEN_INS, CLOSE_INS = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
DELETED_SPACE = "\ufdd4"  # a space at the edge of a deletion (see `_run`)
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_DELETION, _INSERTION = "deletion", "insertion"
_OPEN = {_DELETION: OPEN_DEL, _INSERTION: OPEN_INS}
_CLOSE = {_DELETION: CLOSE_DEL, _INSERTION: CLOSE_INS}
FORMATS = ("docx", "md")
REFERENCE_DOCX = "reference.docx"

# Fields that are markup or numbering, never shown as edited text: taken from the
# newer version (or from the only version that has the entity).
STRUCTURAL_KEYS = frozenset({
    "id", "level_id", "open", "attributes", "heading_marks", "depth", "language", "anchor",
    "is_empty", "status", "kind", "number", "label", "annex_label", "marker",
})
# Of those, the ones whose change is a consequence of another change (renumbering,
# nesting) and so is not itself listed as a change.
DERIVED_KEYS = frozenset({
    "id", "level_id", "open", "attributes", "heading_marks", "depth", "language", "anchor",
    "is_empty", "number", "label", "annex_label", "marker",
})
# Numbering a reader sees: wrapped whole when its entity is added or removed.
NUMBER_KEYS = ("number", "label", "annex_label")
# Derived tables: their cells are text to mark, their changes are not counted again.
DERIVED_TABLES = frozenset({"compilation"})

KIND_NAMES = {
    "sections": "section", "subsections": "section", "annexes": "section",
    "paragraphs": "paragraph", "recommendations": "recommendation", "levels": "level",
    "focus_areas": "focus area", "characteristics": "characteristic",
    "mapping": "mapping row", "organizations": "organization", "contributors": "contributor",
}  # fmt: skip


# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    action: str  # "changed", "added", "removed" or "moved"
    kind: str  # "recommendation", "paragraph", "section", "masthead", ...
    id: str  # the entity's id; for a paragraph without one, "<section>[<position>]"
    what: str = ""  # "text", "status: proposed → agreed", "paragraph 12 → 15", ...


@dataclass(frozen=True)
class RedlineSummary:
    changes: tuple[Change, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def removed(self) -> int:
        return self.count("removed")

    @property
    def moved(self) -> int:
        return self.count("moved")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def rows(self) -> list[tuple[str, str, str]]:
        """(kind, id, what) for a terminal table; `what` starts with the action."""
        return [(c.kind, c.id, f"{c.action}: {c.what}" if c.what else c.action)
                for c in self.changes]


@dataclass(frozen=True)
class Redline:
    project: Path
    rev_a: str
    rev_b: str | None  # None: the working tree
    author: str
    date: datetime.datetime  # timezone-aware
    marked_body: str  # the Markdown body with sentinel marks (see `finish_marks`)
    marked_masthead: str
    metadata: dict[str, str]
    language: str
    summary: RedlineSummary
    note: str = ""  # "Changes from HEAD~1 to the working tree"

    @property
    def markdown_body(self) -> str:
        """The body in pandoc Markdown, changes as `.insertion` / `.deletion` spans."""
        return finish_marks(self.marked_body, self.author, self.date)

    @property
    def masthead(self) -> str:
        return finish_marks(self.marked_masthead, self.author, self.date)

    def critic_markup(self) -> str:
        """The whole redline as Markdown with CriticMarkup, metadata block first."""
        from .render import RenderedMarkdown

        body = finish_marks(self.marked_body, self.author, self.date, critic=True)
        return RenderedMarkdown(body, self.metadata, self.language).document()


def finish_marks(marked: str, author: str, date: datetime.datetime, critic: bool = False) -> str:
    """Sentinel marks to pandoc spans (for DOCX) or to CriticMarkup (for people)."""
    if critic:
        return (marked.replace(OPEN_DEL, "{--").replace(CLOSE_DEL, "--}")
                .replace(OPEN_INS, "{++").replace(CLOSE_INS, "++}").replace(DELETED_SPACE, " "))
    attributes = f'author="{_attribute(author)}" date="{_timestamp(date)}"'
    # `![` would open an image and `^[` a footnote: right before a span they are text.
    marked = re.sub(r"(?<!\\)([!^])(?=[\ufdd0\ufdd2])", r"\\\1", marked)
    # `](` right before a span opened no link in the text (a link is one token, never
    # marked inside): escaped, the span's `)` cannot close one (`[TA]([ )]{...}`).
    marked = re.sub(r"(?<!\\)\]\((?=[\ufdd0\ufdd2])", r"]\\(", marked)
    marked = _guard_brackets(marked)
    return (marked.replace(OPEN_DEL, "[").replace(OPEN_INS, "[")
            .replace(CLOSE_DEL, "]{.deletion " + attributes + "}")
            .replace(CLOSE_INS, "]{.insertion " + attributes + "}")
            .replace(DELETED_SPACE, "\u00a0"))


def _guard_brackets(marked: str) -> str:
    """Keep `[...]` right before a span from reading as a reference link `[text][span]`.

    pandoc would take `^[note][word]{.insertion}` for a reference link, find
    no reference and print it all as text. A footnote there goes into an
    empty span, `[^[note]]{}`, which leaves no trace; brackets that are text
    are escaped.
    """
    chars = list(marked)
    for position in range(len(marked) - 1, 0, -1):
        if marked[position] not in (OPEN_DEL, OPEN_INS) or not _unescaped(marked, position - 1,
                                                                           "]"):
            continue
        depth, start = 0, position - 1
        while start >= 0:
            if _unescaped(marked, start, "]"):
                depth += 1
            elif _unescaped(marked, start, "["):
                depth -= 1
                if depth == 0:
                    break
            start -= 1
        if start < 0:
            continue  # a `]` that closes nothing is text already
        if start > 0 and marked[start - 1] == "^":
            chars[start - 1] = "[^"
            chars[position - 1] = "]]{}"
        else:
            chars[start], chars[position - 1] = "\\[", "\\]"
    return "".join(chars)


def _unescaped(text: str, index: int, char: str) -> bool:
    return text[index] == char and not escaped(text, index)


def _attribute(value: str) -> str:
    value = " ".join(_NONCHARACTERS.sub("\ufffd", value).split())
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _timestamp(date: datetime.datetime) -> str:
    return date.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the API ----------------------------------------------------------------------------


def redline(project: Path, rev_a: str, rev_b: str | None = None, author: str | None = None,
            date: datetime.datetime | None = None) -> Redline:
    """The redline from the report at `rev_a` to the report at `rev_b` (None: working tree).

    Changes are attributed to `author` at `date`; by default the author and
    commit date of `rev_b`, or for the working tree `git config user.name`
    (else "wgec") and now.
    """
    from .render import render_context, render_markdown, report_context

    report_a = load_report(project, rev_a)
    report_b = load_report(project, rev_b)
    if author is None or date is None:
        if rev_b is not None:
            info = revision_info(project, rev_b)
            author = info.author if author is None else author
            date = info.date if date is None else date
        else:
            author = (git_user_name(project) or "wgec") if author is None else author
            date = datetime.datetime.now(datetime.UTC) if date is None else date
    if date.tzinfo is None:
        date = date.astimezone()  # a naive time is the local time, as people mean it
    language = report_b.meta.original_language
    templates = project / TEMPLATES_DIR
    old = _clean(report_context(report_a, language))
    new = _clean(report_context(report_b, language))
    merger = _Merger(old, new)
    merged = merger.merge()
    marked_body = render_context(merged, templates)
    rendered_b = render_markdown(report_b, templates)
    rendered_a = render_markdown(report_a, templates, language)
    masthead = _merge_masthead(_clean(rendered_a.masthead), _clean(rendered_b.masthead),
                               merger.changes)
    note = f"Changes from {describe(rev_a)} to {describe(rev_b)}"
    metadata = {**rendered_b.metadata, "redline": note}
    return Redline(project=project, rev_a=rev_a, rev_b=rev_b, author=author or "wgec",
                   date=date, marked_body=marked_body, marked_masthead=masthead,
                   metadata=metadata, language=language,
                   summary=RedlineSummary(tuple(merger.changes)), note=note)


def redline_docx(result: Redline) -> bytes:
    """The DOCX: the masthead of the newer version, a note naming the revisions, the body."""
    from .convert import markdown_to_docx
    from .render import escape_markdown
    from .resources import find_template

    reference = find_template(result.project / TEMPLATES_DIR, REFERENCE_DOCX)
    note = f'::: {{custom-style="Editing Note"}}\n{escape_markdown(result.note)}\n:::\n\n'
    markdown = result.masthead + note + result.markdown_body
    docx = markdown_to_docx(markdown, result.metadata, reference, result.date)
    return track_paragraph_marks(docx, result.author, result.date)


def write_redline(result: Redline, out_path: Path, fmt: str) -> None:
    """Write the redline as "docx" (Word tracked changes) or "md" (CriticMarkup)."""
    from .convert import write_atomically

    if fmt == "docx":
        data = redline_docx(result)
    elif fmt == "md":
        data = result.critic_markup().encode("utf-8")
    else:
        raise WgecError(f"unknown redline format '{fmt}'; choose from {', '.join(FORMATS)}")
    if not out_path.parent.is_dir():
        raise WgecError(f"the folder {out_path.parent} does not exist")
    write_atomically(out_path, data)


# -- word-level diff of Markdown strings ------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "space", "break", "mark", "atom"
    text: str
    head: str = ""  # for a footnote, link or span: "^[" or "[" ...
    inner: str = ""  # ... the Markdown inside the brackets ...
    tail: str = ""  # ... and "]" or "](#target)" or "]{.class}"

    @property
    def key(self) -> str:
        if self.kind == "space":
            return " "
        if self.kind == "break":
            return re.sub(r"[ \t]", "", self.text)
        return self.text

    @property
    def wrappable(self) -> bool:
        return self.kind in ("word", "space", "atom")


_LIST_MARKER = r"(?:[-+*]|#{1,6}|\(?(?:[0-9]{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+)[.)])[ \t]+"
_BLOCK_PREFIX = re.compile(rf"(?:[ \t]*>)*[ \t]*(?:{_LIST_MARKER})?")
_BREAK = re.compile(r"[ \t]*\n(?:[ \t]*>)*[ \t]*\n(?:(?:[ \t]*>)*[ \t]*\n)*")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SPACE = re.compile(r"[ \t]*\n(?:[ \t]*>)*[ \t]*|[ \t]+")
_MARK = re.compile(r"\*{1,3}|_{1,3}|~~|~|\^")
_WORD = re.compile(r"[^\s\\\[\]^*_~`]+(?:_+[^\s\\\[\]^*_~`]+)*")


def tokenize(text: str) -> list[_Token]:
    """Markdown text to tokens whose texts join back to exactly `text`."""
    tokens: list[_Token] = []
    prefix = _BLOCK_PREFIX.match(text)
    position = 0
    if prefix and prefix.end():
        tokens.append(_Token("break", prefix.group()))
        position = prefix.end()
    while position < len(text):
        token = _next_token(text, position)
        tokens.append(token)
        position += len(token.text)
    return tokens


def _next_token(text: str, i: int) -> _Token:
    match = _BREAK.match(text, i)
    if match and _is_a_break(text, match):
        end = match.end()
        prefix = _BLOCK_PREFIX.match(text, end)
        end = prefix.end() if prefix else end
        return _Token("break", text[i:end])
    match = _SPACE.match(text, i)
    if match:
        return _Token("space", match.group())
    char = text[i]
    if char == "\\":
        return _Token("atom", text[i:i + 2]) if i + 1 < len(text) else _Token("word", "\\")
    if char == "^" and text.startswith("^[", i):
        close = _bracket_end(text, i + 1)
        if close is not None and _inline(text, i, close):
            return _Token("atom", text[i:close], "^[", text[i + 2:close - 1], "]")
    if char == "`":
        ticks = re.match(r"`+", text[i:])
        assert ticks is not None
        end = text.find(ticks.group(), i + len(ticks.group()))
        if end >= 0 and _inline(text, i, end):
            return _Token("atom", text[i:end + len(ticks.group())])
    if char == "[":
        atom = _bracketed(text, i)
        if atom is not None:
            return atom
    match = _MARK.match(text, i)
    if match:
        return _Token("mark", match.group())
    match = _WORD.match(text, i)
    if match:
        return _Token("word", match.group())
    return _Token("word", char)  # a lone bracket or backtick: text


def _bracket_end(text: str, i: int) -> int | None:
    """The index after the `]` that closes the `[` at `i`, skipping escapes and code."""
    depth = 0
    j = i
    while j < len(text):
        char = text[j]
        if char == "\\":
            j += 2
            continue
        if char == "`":
            ticks = re.match(r"`+", text[j:])
            assert ticks is not None
            end = text.find(ticks.group(), j + len(ticks.group()))
            if end >= 0:
                j = end + len(ticks.group())
                continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _closing(text: str, i: int, opening: str, closing: str) -> int | None:
    """The index after the `closing` that matches `opening` at `i` (quotes and escapes skipped)."""
    depth, j, quote = 0, i, ""
    while j < len(text):
        char = text[j]
        if char == "\\":
            j += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char == '"' and opening == "{":
            quote = char
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _bracketed(text: str, i: int) -> _Token | None:
    """A link `[text](target){attrs}` or a span `[text]{attrs}` starting at `i`, whole."""
    close = _bracket_end(text, i)
    if close is None:
        return None
    end = close
    if text.startswith("(", end):
        after = _closing(text, end, "(", ")")
        if after is None:
            return None
        end = after
        if text.startswith("{", end):
            attributes = _closing(text, end, "{", "}")
            if attributes is not None and _attributes_ok(text[end:attributes]):
                end = attributes
    elif text.startswith("{", end):
        after = _closing(text, end, "{", "}")
        if after is None or not _attributes_ok(text[end:after]):
            return None  # `[text]{]}` is no span: pandoc reads it as text
        end = after
    else:
        return None  # `[text]` alone is text in brackets
    if not _inline(text, i, end):
        return None
    return _Token("atom", text[i:end], "[", text[i + 1:close - 1], text[close - 1:end])


def _inline(text: str, start: int, end: int) -> bool:
    """No paragraph break in `text[start:end]`: a link, span, note or code never spans
    one in pandoc's Markdown (`[TA](` and `)` two paragraphs apart are text)."""
    return not any(_is_a_break(text, match) for match in _BREAK.finditer(text, start, end))


def _is_a_break(text: str, match: re.Match[str]) -> bool:
    """Whether a `_BREAK` is one to pandoc: a blank line always; a line of `>` alone only
    in a quotation. After a line of text, `>` lines go on its paragraph (a quotation
    needs a blank line before it): `[TA](` then `>` and `> UN)` is one link."""
    if _BLANK_LINE.search(match.group()):
        return True
    line = text.rfind("\n", 0, match.start()) + 1
    return text[line:match.start()].lstrip(" \t").startswith(">")


def _attributes_ok(block: str) -> bool:
    """Whether `{...}` can be a pandoc attribute block (brackets never are in one)."""
    return not any(c in block for c in "[]")


def diff_markdown(old: str, new: str) -> str:
    """`new`, with what changed from `old` marked with sentinel deletion/insertion marks."""
    if old == new:
        return new
    if not old.strip():
        return _whole(tokenize(new), _INSERTION)
    if not new.strip():
        return _whole(tokenize(old), _DELETION)
    return "".join(_diff_tokens(tokenize(old), tokenize(new)))


def _whole(tokens: list[_Token], kind: str) -> str:
    return "".join(_run(tokens, kind, keep_marks=True, keep_breaks=True))


def _diff_tokens(old: list[_Token], new: list[_Token]) -> Iterator[str]:
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag == "equal":
            yield from (token.text for token in new[j1:j2])
        elif j1 == j2 and _whole_blocks(old, i1, i2):
            # Whole paragraphs (or quoted paragraphs) deleted: they stay paragraphs.
            yield from _run(old[i1:i2], _DELETION, _balanced(old[i1:i2]), keep_breaks=True)
        else:
            yield from _replace(old[i1:i2], new[j1:j2])


def _whole_blocks(tokens: list[_Token], i1: int, i2: int) -> bool:
    """Whether tokens[i1:i2] are whole blocks with the break before or after them."""
    def is_break(index: int) -> bool:
        return 0 <= index < len(tokens) and tokens[index].kind == "break"

    starts = i1 == 0 or is_break(i1 - 1) or is_break(i1)
    ends = i2 == len(tokens) or is_break(i2) or is_break(i2 - 1)
    return starts and ends and any(is_break(i) for i in range(i1, i2))


def _opcodes(old: list[_Token], new: list[_Token]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with spaces between two changes taken into the change.

    "UN GA" → "the General Assembly" then reads as one deletion and one
    insertion, not as a word-by-word interleaving around a shared space.
    """
    matcher = difflib.SequenceMatcher(None, [t.key for t in old], [t.key for t in new],
                                      autojunk=False)
    ops = matcher.get_opcodes()
    merged: list[tuple[str, int, int, int, int]] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(ops):
        only_spaces = all(t.kind == "space" for t in new[j1:j2])
        between = 0 < index < len(ops) - 1
        if tag == "equal" and not (only_spaces and between):
            merged.append((tag, i1, i2, j1, j2))
        elif merged and merged[-1][0] != "equal":
            _, a1, _, b1, _ = merged.pop()
            merged.append(("replace", a1, i2, b1, j2))
        else:
            merged.append(("replace", i1, i2, j1, j2))
    return _slide_to_blocks(merged, old, new)


def _slide_to_blocks(ops: list[tuple[str, int, int, int, int]], old: list[_Token],
                     new: list[_Token]) -> list[tuple[str, int, int, int, int]]:
    """Slide a pure deletion or insertion over equal tokens onto whole blocks.

    Deleting "(b) y" between "(a) x" and "(c) z" can also be read as deleting
    "b) y … (" when both quoted paragraphs start alike; the redline should
    strike the whole quoted paragraph instead.
    """
    tags = [op[0] for op in ops]
    spans = [list(op[1:]) for op in ops]  # i1, i2, j1, j2
    for k in range(1, len(ops) - 1):
        i1, i2, j1, j2 = spans[k]
        if tags[k] == "equal" or tags[k - 1] != "equal" or tags[k + 1] != "equal" or (
            i1 != i2 and j1 != j2
        ):
            continue
        deleting = j1 == j2
        tokens, low, high = (old, i1, i2) if deleting else (new, j1, j2)
        floor = spans[k - 1][0 if deleting else 2]
        ceiling = spans[k + 1][1 if deleting else 3]
        if _whole_blocks(tokens, low, high):
            continue
        for step in (-1, 1):
            shift, a, b = 0, low, high
            while (a - 1 >= floor and tokens[a - 1].key == tokens[b - 1].key if step < 0
                   else b + 1 <= ceiling and tokens[a].key == tokens[b].key):
                a, b, shift = a + step, b + step, shift + step
                if _whole_blocks(tokens, a, b):
                    break
            else:
                continue
            # The equal stretch before ends, and the one after starts, `shift` further.
            spans[k - 1][1] += shift
            spans[k - 1][3] += shift
            spans[k] = [i1 + shift, i2 + shift, j1 + shift, j2 + shift]
            spans[k + 1][0] += shift
            spans[k + 1][2] += shift
            break
    return [(tag, s[0], s[1], s[2], s[3]) for tag, s in zip(tags, spans, strict=True)]


def _replace(old: list[_Token], new: list[_Token]) -> Iterator[str]:
    """A changed stretch. Footnotes and links whose frame is unchanged are compared inside."""
    old_parts, new_parts = _split_containers(old), _split_containers(new)
    if len(old_parts) > 1 and len(old_parts) == len(new_parts) and all(
        _frame(a) == _frame(b) for a, b in zip(old_parts[1::2], new_parts[1::2], strict=True)
    ):
        for index, (a, b) in enumerate(zip(old_parts, new_parts, strict=True)):
            if index % 2:  # a container: same frame, compare what is inside
                container_a, container_b = a[0], b[0]
                yield container_b.head
                yield diff_markdown(container_a.inner, container_b.inner)
                yield container_b.tail
            elif [t.key for t in a] == [t.key for t in b]:
                yield from (t.text for t in b)
            else:
                yield from _plain_replace(a, b)
        return
    yield from _plain_replace(old, new)


def _split_containers(tokens: list[_Token]) -> list[list[_Token]]:
    """Text, container, text, container, ..., text."""
    parts: list[list[_Token]] = [[]]
    for token in tokens:
        if token.head:
            parts.extend([[token], []])
        else:
            parts[-1].append(token)
    return parts


def _frame(part: list[_Token]) -> tuple[str, str]:
    return part[0].head, part[0].tail


def _plain_replace(old: list[_Token], new: list[_Token]) -> Iterator[str]:
    # Emphasis markers that are only in the old text are dropped unless they pair up
    # among themselves: the output keeps the new text's markers, so it stays well-formed.
    yield from _run(old, _DELETION, keep_marks=_balanced(old), keep_breaks=False)
    yield from _run(new, _INSERTION, keep_marks=True, keep_breaks=True)


def _balanced(tokens: list[_Token]) -> bool:
    counts: dict[str, int] = {}
    for token in tokens:
        if token.kind == "mark":
            counts[token.text] = counts.get(token.text, 0) + 1
    return all(count % 2 == 0 for count in counts.values())


def _run(tokens: list[_Token], kind: str, keep_marks: bool, keep_breaks: bool) -> Iterator[str]:
    """Tokens inside marks of `kind`, split around emphasis markers and block breaks."""
    pending: list[_Token] = []

    def flush() -> Iterator[str]:
        text = "".join(_inside_span(t) for t in pending)
        pending.clear()
        if not text:
            return
        # pandoc trims spaces at the edges of a span. An inserted one stays outside,
        # unmarked (rejecting leaves two spaces; accepting, the new text exactly). A
        # deleted one goes inside as a no-break space, as Word deletes "word " whole,
        # unless it is the only space left between the words around it.
        core = text.strip(" ")
        if not core:  # only spaces: an inserted one needs no mark, a deleted one does
            yield text if kind == _INSERTION else OPEN_DEL + DELETED_SPACE + CLOSE_DEL
            return
        start = text.index(core)
        lead, trail = text[:start], text[start + len(core):]
        if kind == _DELETION and trail:
            core, trail = core + DELETED_SPACE, trail[1:]
        elif kind == _DELETION and lead:
            core, lead = DELETED_SPACE + core, lead[1:]
        yield lead + _OPEN[kind] + core + _CLOSE[kind] + trail

    for token in tokens:
        if token.wrappable or (token.kind == "break" and not keep_breaks):
            pending.append(token if token.kind != "break" else _Token("space", " "))
            continue
        yield from flush()
        if token.kind == "break" or keep_marks:
            yield token.text
    yield from flush()


def _inside_span(token: _Token) -> str:
    if token.kind == "space":
        return " "  # a line break inside a span could start a block in a template's indent
    if token.kind == "word" and token.text in ("[", "]", "\\", "`"):
        return "\\" + token.text
    if token.kind == "word":
        # A bracket inside a word ("{]}") would close the span early: make it text.
        return _LONE_BRACKET.sub(r"\\\1", token.text)
    if token.kind == "atom" and token.tail.startswith("]("):
        # A bracket in a link's target ("[TA]([)") is counted by the span around the
        # link, and closes it early; escaped, it is the same target to pandoc.
        return (token.head + token.inner + "]"
                + _LONE_BRACKET.sub(r"\\\1", token.tail[1:]))
    return token.text


_LONE_BRACKET = re.compile(r"(?<!\\)([\[\]])")


# -- merging two template contexts ------------------------------------------------------


@dataclass
class _Indexed:
    entity: dict[str, Any]
    parent: str


@dataclass
class _Merger:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    old_index: dict[tuple[str, str], _Indexed] = field(default_factory=dict)
    new_index: dict[tuple[str, str], _Indexed] = field(default_factory=dict)
    leading_deleted: list[dict[str, Any]] = field(default_factory=list)

    def merge(self) -> dict[str, Any]:
        self.old_index = _index(self.old)
        self.new_index = _index(self.new)
        merged = self.entity("report", "", self.old, self.new, ())
        if self.leading_deleted:
            _place_leading_recommendations(merged, self.leading_deleted, self.old, self.new)
        return merged

    def record(self, action: str, kind: str, ident: str, what: str, path: tuple[str, ...]
               ) -> None:
        if not DERIVED_TABLES.intersection(path):
            self.changes.append(Change(action, kind, ident, what))

    def entity(self, kind: str, ident: str, old: dict[str, Any] | None,
               new: dict[str, Any] | None, path: tuple[str, ...]) -> dict[str, Any]:
        """One entity (or the report, or a derived table), merged field by field.

        `old` is None for an added entity, `new` for a removed one: all their
        text is then inserted or deleted.
        """
        displayed = bool(DERIVED_TABLES.intersection(path))
        both = old is not None and new is not None
        a, b = old or {}, new or {}
        merged: dict[str, Any] = {}
        changed: list[str] = []
        for key in [*b, *(k for k in a if k not in b)]:
            before, after = a.get(key), b.get(key)
            is_text = isinstance(after if key in b else before, str) and (
                key not in STRUCTURAL_KEYS or (displayed and key not in ("id", "attributes")))
            if _is_entity_list(before) or _is_entity_list(after):
                merged[key] = self.entities(key, before or [], after or [], (*path, key), ident)
            elif isinstance(after, dict) or isinstance(before, dict):
                merged[key] = self.entity(key, key, before if isinstance(before, dict) else None,
                                          after if isinstance(after, dict) else None,
                                          (*path, key))
            elif is_text:
                old_text = before if isinstance(before, str) else ""
                new_text = after if isinstance(after, str) else ""
                merged[key] = diff_markdown(old_text, new_text)
                if both and old_text != new_text:
                    changed.append(key.replace("_", " "))
            else:
                merged[key] = after if key in b else before
                if key in NUMBER_KEYS and not both:
                    merged[key] = self.numbering(kind, merged[key],
                                                 _DELETION if new is None else _INSERTION)
                elif key == "inserts" and new is None:
                    merged[key] = []  # what a removed section inserted is shown where it is now
                if both and key not in DERIVED_KEYS and before != after:
                    changed.append(_change_of(key, before, after))
        if changed:
            if kind == "report":
                for what in changed:
                    self.record("changed", "report", what, "", path)
            else:
                self.record("changed", kind, ident, ", ".join(changed), path)
        return merged

    def numbering(self, kind: str, value: Any, mark: str) -> Any:
        """An added or removed entity's number or label, marked like its text."""
        if kind in ("paragraph", "recommendation") and isinstance(value, int):
            return value  # a list item's number: Word numbers it (removed ones: see below)
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            return value
        return _whole(tokenize(str(value)), mark)

    def entities(self, key: str, old: list[Any], new: list[Any], path: tuple[str, ...],
                 parent: str) -> list[Any]:
        """A list of entities, aligned by id; removed ones stay where they were."""
        kind = _kind(key, path)
        old_keys, new_keys = _keys(old, new)
        old_by_key = dict(zip(old_keys, old, strict=True))
        common = set(old_keys) & set(new_keys)
        position = {k: i for i, k in enumerate(old_keys)}
        staying = set(_longest_increasing([k for k in new_keys if k in common], position))
        # A removed entity follows the nearest entity before it that did not move.
        removed_after: dict[str | tuple[str, ...] | None, list[tuple[int, Any]]] = {}
        anchor: str | tuple[str, ...] | None = None
        for index, (k, item) in enumerate(zip(old_keys, old, strict=True)):
            if k in staying:
                anchor = k
            elif k not in common and not self.elsewhere(self.new_index, kind, item):
                removed_after.setdefault(anchor, []).append((index, item))
        merged: list[Any] = []
        shown: list[bool] = []  # False: a removed entity

        def add_removed(anchor_key: str | tuple[str, ...] | None) -> None:
            for index, item in removed_after.get(anchor_key, []):
                ident = _describe_id(item, parent, index)
                self.record("removed", kind, ident, _numbered(item), path)
                merged.append(self.entity(kind, ident, item, None, path))
                shown.append(False)

        add_removed(None)
        for index, (k, item) in enumerate(zip(new_keys, new, strict=True)):
            ident = _describe_id(item, parent, index)
            previous = old_by_key.get(k)
            if previous is not None:
                if k not in staying:
                    self.record("moved", kind, ident, _moved(previous, item), path)
            else:
                found = self.elsewhere(self.old_index, kind, item)
                if found is not None:
                    previous = found.entity
                    self.record("moved", kind, ident,
                                f"from {found.parent or 'top'} to {parent or 'top'}", path)
                else:
                    self.record("added", kind, ident, _numbered(item), path)
            merged.append(self.entity(kind, ident, previous, item, path))
            shown.append(True)
            add_removed(k)
        return self.show_removed(kind, merged, shown)

    def elsewhere(self, index: dict[tuple[str, str], _Indexed], kind: str, item: Any
                  ) -> _Indexed | None:
        ident = _entity_id(item) if isinstance(item, dict) else None
        return index.get((kind, ident)) if ident else None

    def show_removed(self, kind: str, merged: list[Any], shown: list[bool]) -> list[Any]:
        """Removed numbered paragraphs keep their old number, struck through, out of the list.

        A Markdown list numbers its items itself, so a removed item left in the
        list would shift every number after it. A removed paragraph becomes an
        unnumbered block; a removed recommendation (whose template has no such
        block) joins the recommendation before it as a further paragraph.
        """
        if kind not in ("paragraph", "recommendation"):
            return merged
        any_shown = any(shown)
        result: list[Any] = []
        host: dict[str, Any] | None = None  # the last entity shown
        for item, keep in zip(merged, shown, strict=True):
            if keep or not isinstance(item, dict) or item.get("label") or (
                kind == "recommendation" and not any_shown
            ):  # (a list of removed recommendations only: Word numbers them as they were)
                result.append(item)
                host = item if keep and isinstance(item, dict) else host
                continue
            number = item.get("number")
            text = str(item.get("text") or "")
            if isinstance(number, int):
                text = (OPEN_DEL + f"{number}. " + text[1:] if text.startswith(OPEN_DEL)
                        else OPEN_DEL + f"{number}.{DELETED_SPACE}" + CLOSE_DEL + text)
            if kind == "paragraph":
                result.append({**item, "number": None, "marker": "", "open": "",
                               "text": text})
            elif host is not None:
                host["text"] = f"{host.get('text', '')}\n\n{text}"
            else:
                self.leading_deleted.append({**item, "text": text})
        return result


def _place_leading_recommendations(merged: dict[str, Any], removed: list[dict[str, Any]],
                                   old: dict[str, Any], new: dict[str, Any]) -> None:
    """Removed recommendations that came first: a block before the list, in its section."""
    host = next((s for s in _walk_sections(merged)
                 if "recommendations" in (s.get("inserts") or [])), None)
    blocks = [r["text"] for r in removed]
    if host is None:
        first = next((r for r in merged.get("recommendations", []) if isinstance(r, dict)), None)
        if first is None:  # pragma: no cover - show_removed keeps them in the list then
            return
        first["text"] = "\n\n".join([*blocks, first["text"]])
        return
    shape = _paragraph_shape(new) or _paragraph_shape(old) or {}
    paragraphs = host.setdefault("paragraphs", [])
    for text in blocks:
        block = dict.fromkeys(shape)
        block.update({"id": None, "number": None, "label": None, "marker": "", "open": "",
                      "text": text})
        paragraphs.append(block)


def _paragraph_shape(context: dict[str, Any]) -> dict[str, Any] | None:
    for section in _walk_sections(context):
        for paragraph in section.get("paragraphs") or []:
            if isinstance(paragraph, dict):
                return paragraph
    return None


def _walk_sections(context: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [*(context.get("sections") or []), *(context.get("annexes") or [])]
    while stack:
        section = stack.pop(0)
        if isinstance(section, dict):
            yield section
            stack[0:0] = section.get("subsections") or []


def _is_entity_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _kind(key: str, path: tuple[str, ...]) -> str:
    name = KIND_NAMES.get(key, key.rstrip("s").replace("_", " "))
    table = next((part for part in path[:-1] if part in DERIVED_TABLES), None)
    return f"{table} {name}" if table else name  # "compilation recommendation"


_ANCHOR = re.compile(r"\{#(?:para|rec|sec)-([^\s}]+)")


def _entity_id(item: dict[str, Any]) -> str | None:
    for key in ("id", "level_id"):
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
    found = _ANCHOR.search(str(item.get("open") or ""))
    return found.group(1) if found else None


def _keys(old: list[Any], new: list[Any]
          ) -> tuple[list[str | tuple[str, ...]], list[str | tuple[str, ...]]]:
    """Alignment keys: the id, or for an entity without one its place after the last id.

    Entities without an id that are left unmatched are then paired in order
    when their texts are alike (a quotation whose paragraph was renamed).
    """

    def positional(items: list[Any]) -> list[str | tuple[str, ...]]:
        keys: list[str | tuple[str, ...]] = []
        last, count = "", 0
        for item in items:
            ident = _entity_id(item) if isinstance(item, dict) else None
            if ident:
                keys.append(ident)
                last, count = ident, 0
            else:
                keys.append(("after", last, str(count)))
                count += 1
        return keys

    old_keys, new_keys = positional(old), positional(new)
    old_left = [i for i, k in enumerate(old_keys) if isinstance(k, tuple) and k not in new_keys]
    new_left = [j for j, k in enumerate(new_keys) if isinstance(k, tuple) and k not in old_keys]
    for i, j in zip(old_left, new_left, strict=False):
        if _alike(old[i], new[j]):
            new_keys[j] = old_keys[i]
    return old_keys, new_keys


def _alike(a: Any, b: Any) -> bool:
    text_a = str(a.get("text", "")) if isinstance(a, dict) else str(a)
    text_b = str(b.get("text", "")) if isinstance(b, dict) else str(b)
    return difflib.SequenceMatcher(None, text_a.split(), text_b.split()).ratio() >= 0.5


def _longest_increasing(keys: Sequence[Any], position: dict[Any, int]) -> list[Any]:
    """The most entities that kept their order: the others moved."""
    tails: list[int] = []  # index into keys of the smallest tail of each length
    previous: list[int] = [-1] * len(keys)
    for index, key in enumerate(keys):
        value = position[key]
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if position[keys[tails[middle]]] < value:
                low = middle + 1
            else:
                high = middle
        previous[index] = tails[low - 1] if low else -1
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    result: list[Any] = []
    index = tails[-1] if tails else -1
    while index >= 0:
        result.append(keys[index])
        index = previous[index]
    return result[::-1]


def _index(context: dict[str, Any]) -> dict[tuple[str, str], _Indexed]:
    """Every entity with an id, by kind and id, to follow those that change parent."""
    found: dict[tuple[str, str], _Indexed] = {}
    seen: set[tuple[str, str]] = set()

    def visit(value: Any, path: tuple[str, ...], parent: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in DERIVED_TABLES:
                    continue
                if _is_entity_list(child):
                    kind = _kind(key, (*path, key))
                    for item in child:
                        ident = _entity_id(item)
                        if ident:
                            if (kind, ident) in seen:
                                found.pop((kind, ident), None)  # ambiguous: not followed
                            else:
                                found[(kind, ident)] = _Indexed(item, parent)
                            seen.add((kind, ident))
                        visit(item, (*path, key), ident or parent)
                else:
                    visit(child, (*path, key), parent)

    visit(context, (), "")
    return found


def _describe_id(item: Any, parent: str, index: int) -> str:
    ident = _entity_id(item) if isinstance(item, dict) else None
    return ident or f"{parent}[{index + 1}]"


def _number_of(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    value = item.get("label") or item.get("number")
    return "" if value is None or isinstance(value, bool) else str(value)


def _numbered(item: Any) -> str:
    number = _number_of(item)
    return f"paragraph {number}" if number and str(number)[:1].isdigit() else number


def _moved(old: Any, new: Any) -> str:
    before, after = _number_of(old), _number_of(new)
    return f"{before} → {after}" if before and after and before != after else ""


def _change_of(key: str, before: Any, after: Any) -> str:
    if isinstance(before, list) or isinstance(after, list):
        return key.replace("_", " ")
    return f"{key.replace('_', ' ')}: {before} → {after}"


def _clean(value: Any) -> Any:
    """The noncharacters used as marks, out of the sources' text (they have no meaning there)."""
    if isinstance(value, str):
        return _NONCHARACTERS.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


# -- the masthead -----------------------------------------------------------------------

_MASTHEAD_BLOCK = re.compile(r'::: \{custom-style="([^"]+)"\}\n(.*?)\n:::\n\n', re.S)


def _masthead_blocks(masthead: str) -> list[tuple[str, str]] | None:
    blocks = [(m.group(1), m.group(2)) for m in _MASTHEAD_BLOCK.finditer(masthead)]
    rebuilt = "".join(f'::: {{custom-style="{s}"}}\n{t}\n:::\n\n' for s, t in blocks)
    return blocks if rebuilt == masthead else None


def _merge_masthead(old: str, new: str, changes: list[Change]) -> str:
    """The newer masthead, with its changed lines (title, date, symbol, ...) marked."""
    old_blocks, new_blocks = _masthead_blocks(old), _masthead_blocks(new)
    if old == new or old_blocks is None or new_blocks is None:
        return new
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, [s for s, _ in old_blocks],
                                      [s for s, _ in new_blocks], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for (style, before), (_, after) in zip(old_blocks[i1:i2], new_blocks[j1:j2],
                                                   strict=True):
                out.append((style, diff_markdown(before, after)))
                if before != after:
                    changes.append(Change("changed", "masthead", style))
            continue
        for style, before in old_blocks[i1:i2]:
            out.append((style, diff_markdown(before, "")))
            changes.append(Change("removed", "masthead", style))
        for style, after in new_blocks[j1:j2]:
            out.append((style, diff_markdown("", after)))
            changes.append(Change("added", "masthead", style))
    return "".join(f'::: {{custom-style="{s}"}}\n{t}\n:::\n\n' for s, t in out)


# -- DOCX: paragraph marks and revision ids ---------------------------------------------

_PARAGRAPH = re.compile(rb"<w:p(?:\s[^>]*)?>.*?</w:p>", re.S)
_REVISION = {b"del": re.compile(rb"<w:del\b[^>]*[^/]>.*?</w:del>", re.S),
             b"ins": re.compile(rb"<w:ins\b[^>]*[^/]>.*?</w:ins>", re.S)}
_CELL = re.compile(rb"(<w:tc(?:\s[^>]*)?>.*?</w:tc>)", re.S)
_RUN = re.compile(rb"<w:r[\s>]")
_REVISION_ID = re.compile(rb'(<w:(?:ins|del)\b[^>]*?\bw:id=")(\d+)(")')
_ANY_ID = re.compile(rb'\bw:id="(\d+)"')
_TRACKED_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")


def track_paragraph_marks(docx: bytes, author: str, date: datetime.datetime) -> bytes:
    """Finish pandoc's tracked changes the way Word records them.

    A paragraph whose every run is deleted (or inserted) gets its paragraph
    mark deleted (or inserted) too, so that accepting (or rejecting) all
    changes leaves no empty paragraph behind; not in a table cell nor at the
    end of the document, whose last paragraph mark Word keeps. Every
    revision gets its own id: pandoc counts insertions and deletions apart.
    """
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(docx))
    parts = {name: source.read(name) for name in _TRACKED_PARTS if name in source.namelist()}
    next_id = 1 + max((int(n) for data in parts.values() for n in _ANY_ID.findall(data)),
                      default=0)
    stamp = f'w:author="{xml_escape(author, {chr(34): "&quot;"})}" w:date="{_timestamp(date)}"'

    def renumber(match: re.Match[bytes]) -> bytes:
        nonlocal next_id
        next_id += 1
        return match.group(1) + str(next_id - 1).encode() + match.group(3)

    def mark(match: re.Match[bytes]) -> bytes:
        nonlocal next_id
        paragraph = match.group()
        for name, pattern in _REVISION.items():
            other = _REVISION[b"ins" if name == b"del" else b"del"]
            if not pattern.search(paragraph) or other.search(paragraph):
                continue
            if _RUN.search(pattern.sub(b"", paragraph)):
                continue  # some text is not part of this change
            tag = (b"<w:" + name + b' w:id="' + str(next_id).encode() + b'" '
                   + stamp.encode("utf-8") + b" />")
            next_id += 1
            return _with_mark(paragraph, tag)
        return paragraph

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                data = _REVISION_ID.sub(renumber, data)
                if info.filename == "word/document.xml":
                    last = data.rfind(b"<w:p>")  # the document's last paragraph: left alone
                    pieces = _CELL.split(data[:last])
                    data = b"".join(piece if _CELL.fullmatch(piece) else _PARAGRAPH.sub(mark, piece)
                                    for piece in pieces) + data[last:]
            target.writestr(info, data, compress_type=info.compress_type)
    return out.getvalue()


def _with_mark(paragraph: bytes, tag: bytes) -> bytes:
    """`tag` in the paragraph mark's run properties (`w:pPr/w:rPr`, which comes last)."""
    start = paragraph.index(b">") + 1
    properties = re.match(rb"\s*<w:pPr>(.*?)</w:pPr>", paragraph[start:], re.S)
    if properties is None:
        return paragraph[:start] + b"<w:pPr><w:rPr>" + tag + b"</w:rPr></w:pPr>" + paragraph[start:]
    inner = properties.group(1)
    if b"<w:rPr>" in inner:
        inner = inner.replace(b"<w:rPr>", b"<w:rPr>" + tag, 1)
    else:
        cut = min((inner.find(t) for t in (b"<w:sectPr", b"<w:pPrChange") if t in inner),
                  default=len(inner))
        inner = inner[:cut] + b"<w:rPr>" + tag + b"</w:rPr>" + inner[cut:]
    end = start + properties.end()
    return paragraph[:start] + paragraph[start:start + properties.start(1)] + inner + \
        b"</w:pPr>" + paragraph[end:]


def summary_lines(summary: RedlineSummary) -> Iterable[str]:
    """The summary as plain lines (the CLI draws a table from `rows()`)."""
    yield (f"{summary.changed} changed, {summary.added} added, {summary.removed} removed, "
           f"{summary.moved} moved")
    for kind, ident, what in summary.rows():
        yield f"  {kind:<16} {ident:<40} {what}"
