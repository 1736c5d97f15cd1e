"""Surgical edits of YAML source text: translations written in, nothing else touched.

The sources are the authors' files: their comments, blank lines, quoting and
line folding are theirs. This module never re-dumps YAML. It parses a file
with wgec's own located loader, works out the few character ranges a change
needs, and splices new text into them; everything outside those ranges stays
byte for byte as it was.

A text field takes one of these shapes, and each edit keeps it valid:

    name: Inclusive                 # a plain text: becomes a language mapping
    name:
      en: Inclusive                 # the original, exactly as written
      fr: Inclusif                  # an unreviewed translation
      ar:
        text: شامل                  # a reviewed translation, stamped with the
        of: 1a2b3c4d                # hash of the original it translates

Values are written in the plainest form that loads back to exactly the same
string (checked by loading the written snippet, not assumed): a plain
scalar, a folded `>-` block for long text, a literal `|-` block for text
with line breaks, or a double-quoted scalar with escapes when nothing else
round-trips. Inside flow collections (`{...}`, `[...]`) values are always
double-quoted.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import LANGUAGES
from .sources import MappingNode, Node, Scalar, SequenceNode, SourceFile, load_file

WIDTH = 80  # fold long values to this many columns, as the sources are written
INDENT = 2  # one level of block indentation
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"

# What a line of the new value looks like once the key's column is known.
Render = Callable[[int], str]


@dataclass(frozen=True)
class Slot:
    """Where a value node sits: under which key of which mapping, or in which list."""

    node: Node
    parent: MappingNode | SequenceNode | None
    key: Scalar | None  # the key it is the value of, when the parent is a mapping
    flow: bool  # the node is inside a flow collection, or is one


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    owner: str  # who asked for it (a translatable text's context), to blame errors on


class EditError(Exception):
    """A change this module cannot make safely (the caller reports it)."""


@dataclass
class YamlText:
    """One source file's text, its node tree, and the edits to splice into it.

    Works on the text with `\\r\\n` read as `\\n` (when every line ends so);
    `encode()` gives the bytes back with the file's line endings and byte-order mark.
    """

    text: str
    root: Node | None
    crlf: bool = False
    bom: bool = False
    edits: list[Edit] = field(default_factory=list)
    _slots: dict[int, Slot] = field(default_factory=dict)
    _scalars: dict[tuple[int, int], Slot] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, name: str = "source") -> YamlText:
        bom = data.startswith(b"\xef\xbb\xbf")
        raw = data[3:] if bom else data
        text = raw.decode("utf-8")
        crlf = 0 < text.count("\r\n") == text.count("\n")  # mixed endings: left as they are
        if crlf:
            text = text.replace("\r\n", "\n")
        source = SourceFile(path=Path(name), display=name, relative=name,
                            data=text.encode("utf-8"))
        problems = load_file(source)
        if problems:
            raise EditError(f"{name} does not load: {problems[0].message}")
        document = cls(text=text, root=source.root, crlf=crlf, bom=bom)
        document._index()
        return document

    # -- finding nodes -------------------------------------------------------

    def _index(self) -> None:
        self._line_starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]
        if self.root is not None:
            self._walk(self.root, None, None, False)

    def _walk(self, node: Node, parent: MappingNode | SequenceNode | None, key: Scalar | None,
              flow: bool) -> None:
        flow = flow or (not isinstance(node, Scalar) and self.text[node.start:node.start + 1]
                        in ("{", "["))
        slot = Slot(node, parent, key, flow)
        self._slots[id(node)] = slot
        if isinstance(node, Scalar):
            self._scalars[(node.location.line, node.location.column)] = slot
        elif isinstance(node, MappingNode):
            for item_key, value in node.items:
                self._walk(value, node, item_key, flow)
        elif isinstance(node, SequenceNode):
            for item in node.items:
                self._walk(item, node, None, flow)

    def scalar_at(self, line: int, column: int) -> Slot | None:
        """The value scalar that starts at this line and column (1-based, as locations count)."""
        return self._scalars.get((line, column))

    def slot_of(self, node: Node) -> Slot:
        return self._slots[id(node)]

    # -- positions -----------------------------------------------------------

    def column(self, offset: int) -> int:
        """0-based column of an offset."""
        return offset - self._line_starts[bisect.bisect_right(self._line_starts, offset) - 1]

    def line_of(self, offset: int) -> int:
        """1-based line of an offset."""
        return bisect.bisect_right(self._line_starts, offset)

    def line_end(self, offset: int) -> int:
        found = self.text.find("\n", offset)
        return len(self.text) if found < 0 else found

    def value_end(self, node: Node) -> int:
        """Where a value's own text ends: block scalars and block collections end early.

        The parser's end mark of a block scalar or block collection lies at the
        next token, past blank lines and comments that belong to what follows.
        """
        text = self.text
        if isinstance(node, Scalar):
            head = text[node.start:node.start + 1]
            if head in ("|", ">"):
                header = text[node.start:self.line_end(node.start)].split("#", 1)[0]
                if "+" in header:  # keep chomping: the trailing blank lines are the value's
                    return node.end
                return node.start + len(text[node.start:node.end].rstrip())
            return node.end
        if text[node.start:node.start + 1] in ("{", "["):
            return node.end
        if isinstance(node, MappingNode) and node.items:
            return self.value_end(node.items[-1][1])
        if isinstance(node, SequenceNode) and node.items:
            return self.value_end(node.items[-1])
        return node.end

    def _after_value(self, node: Node) -> tuple[int, bool]:
        """Where text following a value goes, and whether that place starts a line.

        The rest of the value's last line (a comment, say) stays with the value.
        """
        end = self.value_end(node)
        if end > 0 and self.text[end - 1] == "\n":  # a keep-chomped block scalar
            return end, True
        return self.line_end(end), False

    def _colon(self, key: Scalar) -> int:
        position = key.end
        while self.text[position:position + 1] in (" ", "\t"):
            position += 1
        if self.text[position:position + 1] != ":":
            raise EditError(f"no ':' after the key '{key.value}' at line {key.location.line}")
        return position

    def _value_region_start(self, slot: Slot) -> int:
        """Where a key's value may be rewritten from: right after `key:`, unless a comment
        stands between them (then from the value itself, and the comment stays)."""
        if slot.key is None:
            return slot.node.start
        colon = self._colon(slot.key)
        if self.text[colon + 1:slot.node.start].strip() == "":
            return colon + 1
        return slot.node.start

    # -- edits ---------------------------------------------------------------

    def _edit(self, start: int, end: int, text: str, owner: str) -> None:
        self.edits.append(Edit(start, end, text, owner))

    def wrap_scalar(self, slot: Slot, first_key: str, extra: list[tuple[str, Render]],
                    owner: str) -> None:
        """`key: value` -> `key:` + a block mapping `{first_key: value as written, extra...}`.

        The value keeps its text exactly, folded blocks included: its later lines
        move right by one indentation level, under the new key.
        """
        node = slot.node
        if not isinstance(node, Scalar):
            raise EditError("only a text can become a language mapping")
        if slot.flow:
            written = self.text[node.start:node.end]
            items = [f"{first_key}: {written}"] + [f"{k}:{render(-1)}" for k, render in extra]
            self._edit(node.start, node.end, "{" + ", ".join(items) + "}", owner)
            return
        start = self._value_region_start(slot)
        end, at_line_start = self._after_value(node)
        if start == node.start:  # the value begins its line (a list item, or under its key)
            indent = self.column(node.start)
            head = f"{first_key}: "
        else:
            assert slot.key is not None
            indent = self.column(slot.key.start) + INDENT
            head = "\n" + " " * indent + f"{first_key}: "
        body = _reindent(self.text[node.start:end], INDENT)
        lines = "\n".join(" " * indent + f"{k}:{render(indent)}" for k, render in extra)
        tail = lines + "\n" if at_line_start else "\n" + lines
        self._edit(start, end, head + body + tail, owner)

    def replace_value(self, slot: Slot, render: Render, owner: str) -> None:
        """Put a new value after an existing `key:`; a comment after the old value stays."""
        if slot.key is None:
            raise EditError("only a value under a key can be replaced")
        if slot.flow:
            self._edit(slot.node.start, slot.node.end, render(-1).lstrip(" "), owner)
            return
        start = self._value_region_start(slot)
        end = self.value_end(slot.node)
        if end > 0 and self.text[end - 1] == "\n":  # keep-chomped block: keep the line break
            end = start + len(self.text[start:end].rstrip("\n"))
        column = self.column(slot.key.start)
        rendered = render(column)
        if start == slot.node.start:  # comments between key and value: the value's line goes
            start = self.text.rfind("\n", 0, start)
            if not rendered.startswith("\n"):
                rendered = "\n" + " " * (column + INDENT) + rendered.lstrip(" ")
        self._edit(start, end, rendered, owner)

    def add_item(self, mapping: MappingNode, key: str, render: Render, owner: str,
                 position: int | None = None) -> None:
        """Add `key: value` to a mapping, at the indentation of its keys.

        `position` is the new item's index among the items: 0 puts it first, None last.
        """
        slot = self.slot_of(mapping)
        if not mapping.items:
            raise EditError("cannot add to an empty mapping")
        index = len(mapping.items) if position is None else position
        if slot.flow:
            if index == 0:
                first = mapping.items[0][0]
                self._edit(first.start, first.start, f"{key}:{render(-1)}, ", owner)
            else:
                value = mapping.items[index - 1][1]
                self._edit(value.end, value.end, f", {key}:{render(-1)}", owner)
            return
        indent = self.column(mapping.items[0][0].start)
        if index == 0:
            first = mapping.items[0][0]
            self._edit(first.start, first.start,
                       f"{key}:{render(indent)}\n" + " " * indent, owner)
            return
        end, at_line_start = self._after_value(mapping.items[index - 1][1])
        line = " " * indent + f"{key}:{render(indent)}"
        self._edit(end, end, line + "\n" if at_line_start else "\n" + line, owner)

    def result(self) -> tuple[str, list[tuple[Edit, int, int]]]:
        """The edited text, and where each edit's text landed in it (start, end)."""
        ordered = sorted(self.edits, key=lambda e: (e.start, e.end))
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                raise EditError(f"overlapping edits for {before.owner} and {after.owner}")
        pieces: list[str] = []
        placed: list[tuple[Edit, int, int]] = []
        position = 0
        length = 0
        for edit in ordered:
            kept = self.text[position:edit.start]
            pieces.append(kept)
            length += len(kept)
            pieces.append(edit.text)
            placed.append((edit, length, length + len(edit.text)))
            length += len(edit.text)
            position = edit.end
        pieces.append(self.text[position:])
        return "".join(pieces), placed

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


def _reindent(written: str, by: int) -> str:
    """Move every line after the first right by `by` spaces (empty lines stay empty)."""
    lines = written.split("\n")
    return "\n".join([lines[0]] + [" " * by + line if line else line for line in lines[1:]])


# -- writing values ------------------------------------------------------------


def render_text(value: str, key_column: int, key_length: int = 2) -> str:
    """A string as YAML text to follow `key:` (leading space included), for a key at
    `key_column` (-1: inside a flow collection). Loads back to exactly `value`."""
    if key_column < 0:
        return " " + double_quoted(value)
    indent = key_column + INDENT
    if "\n" in value:
        literal = _literal(value, indent)
        if _loads_back(literal, value):
            return literal
        return " " + double_quoted(value)
    fits = key_column + key_length + 2 + len(value) <= WIDTH
    if fits and _plain_ok(value):
        return " " + value
    if not fits:
        folded = _folded(value, indent)
        if folded is not None and _loads_back(folded, value):
            return folded
    return " " + double_quoted(value)


def render_stamped(value: str, stamp: str, key_column: int) -> str:
    """A reviewed translation: `{text: value, of: stamp}` as a block (or flow) mapping."""
    if key_column < 0:
        return " {text: " + double_quoted(value) + f", of: {render_hash(stamp)}}}"
    indent = key_column + INDENT
    pad = " " * indent
    return (f"\n{pad}text:{render_text(value, indent, len('text'))}"
            f"\n{pad}of: {render_hash(stamp)}")


def render_hash(stamp: str) -> str:
    """A text hash as YAML: quoted when other YAML readers would take it for a number
    (`12345678`, or `1234e567`, a float in YAML 1.2), so that editors validating
    the sources against `wgec schema` see a string."""
    return f'"{stamp}"' if re.fullmatch(r"[0-9]+(?:e[0-9]+)?", stamp) else stamp


def _plain_ok(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value:
        return False
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        return False  # `yes`, `12`, `null`: other YAML readers would not see text
    return _loads_back(" " + value, value, plain=True)


def _folded(value: str, indent: int) -> str | None:
    """`>-` with the text broken at single spaces; None when it cannot fold."""
    if value != value.strip() or not value:
        return None
    width = max(WIDTH - indent, 40)
    words = value.split(" ")
    if any(word == "" for word in words):  # runs of spaces: a fold would eat one
        return None
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    pad = " " * indent
    return " >-\n" + "\n".join(pad + line for line in lines)


def _literal(value: str, indent: int) -> str:
    pad = " " * indent
    indicator = str(INDENT) if value[:1] in (" ", "\t") else ""
    body = "\n".join(pad + line if line else "" for line in value.split("\n"))
    return f" |{indicator}-\n{body}"


def _loads_back(rendered: str, value: str, plain: bool = False) -> bool:
    """Does `k:<rendered>` load, with wgec's own loader, as exactly `value`?"""
    source = SourceFile(path=Path("value"), display="value", relative="value",
                        data=f"k:{rendered}\n".encode())
    if load_file(source):
        return False
    root = source.root
    if not isinstance(root, MappingNode) or len(root.items) != 1:
        return False
    loaded = root.items[0][1]
    if not isinstance(loaded, Scalar) or loaded.is_null or loaded.value != value:
        return False
    return loaded.plain or not plain


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def double_quoted(value: str) -> str:
    """A double-quoted YAML scalar; every character that could be misread is escaped."""
    out = ['"']
    for character in value:
        if character in _ESCAPES:
            out.append(_ESCAPES[character])
        elif not _printable(character):
            code = ord(character)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(character)
    out.append('"')
    return "".join(out)


def _printable(character: str) -> bool:
    """YAML's printable set, less the characters wgec refuses in a source as written
    (Unicode line separators, noncharacters) and the byte-order mark."""
    code = ord(character)
    if code in (0x85, 0x2028, 0x2029, 0xFEFF) or 0xFDD0 <= code <= 0xFDEF:
        return False
    return (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def language_position(mapping: MappingNode, language: str) -> int:
    """Where a new language goes among a text's languages: in the order of LANGUAGES."""
    rank = LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES)
    position = 0
    for index, (key, _) in enumerate(mapping.items):
        other = LANGUAGES.index(key.value) if key.value in LANGUAGES else len(LANGUAGES)
        if other < rank:
            position = index + 1
    return position
