"""Finding the source files and loading them as strict, located YAML.

The loader builds its own small node tree from the parser's events (libyaml
when available) instead of `yaml.safe_load`: it never constructs Python
objects, never expands an alias, keeps every scalar as the text the author
wrote, and remembers where each node starts and ends. Meaning is the model's
business, not this module's.
"""

from __future__ import annotations

import bisect
import errno
import functools
import re
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import yaml

from .errors import Diagnostic, Location, error, whole_file
from .files import SECTIONS_DIR, SOURCES_DIR, YAML_SUFFIXES, display_path, yaml_files

MAX_DEPTH = 64  # far beyond any real source; stops a `[[[[...` stack overflow

try:  # libyaml is an order of magnitude faster; the pure-Python parser gives the same events
    from yaml import CSafeLoader as _EventLoader

    # Event marks count characters with either parser, but libyaml reads a str as its
    # UTF-8 bytes and gives a ReaderError's position as a byte offset into them.
    _READER_ERROR_IN_BYTES = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]

    _READER_ERROR_IN_BYTES = False

_RESOLVER = yaml.resolver.Resolver()
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


# The nodes are NamedTuples, not dataclasses, for start-up time (see model.py). A
# NamedTuple cannot inherit fields, so each kind repeats location, start and end
# (character offsets into the file's text: used to locate text inside a scalar),
# and `Node` is their union.


class Scalar(NamedTuple):
    location: Location
    start: int
    end: int
    value: str
    plain: bool  # written without quotes or block indicators

    @property
    def is_null(self) -> bool:
        return self.plain and self.value in _NULL_WORDS


class MappingNode(NamedTuple):
    location: Location
    start: int
    end: int
    items: tuple[tuple[Scalar, Node], ...]

    def keys(self) -> list[str]:
        return [key.value for key, _ in self.items]


class SequenceNode(NamedTuple):
    location: Location
    start: int
    end: int
    items: tuple[Node, ...]


Node = Scalar | MappingNode | SequenceNode


class SourceFile:
    __slots__ = ("data", "display", "path", "relative", "root", "text")

    def __init__(self, path: Path, display: str, relative: str, text: str = "",
                 root: Node | None = None, data: bytes | None = None) -> None:
        self.path = path  # absolute
        self.display = display  # how diagnostics name it
        self.relative = relative  # path inside the project's sources/ folder, with forward slashes
        self.text = text
        self.root = root
        self.data = data  # the file's bytes when they do not come from disk

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, display={self.display!r})"

    def location_of_offset(self, offset: int) -> Location:
        return location_in_text(self.display, self.text, offset)


class LoadedSources:
    __slots__ = ("diagnostics", "files", "project")

    def __init__(self, project: Path, files: list[SourceFile] | None = None,
                 diagnostics: list[Diagnostic] | None = None) -> None:
        self.project = project
        self.files: list[SourceFile] = [] if files is None else files
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics

    def __repr__(self) -> str:
        return f"LoadedSources(project={self.project!r}, files={len(self.files)})"

    def text_of(self, display: str) -> str:
        for source in self.files:
            if source.display == display:
                return source.text
        return ""


def location_in_text(display: str, text: str, offset: int) -> Location:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(display, line, column)


class LineIndex:
    """Character offset to line and column, counting lines as editors do (at `\n` only).

    libyaml's own marks also break lines at U+2028, U+2029 and U+0085, which
    text pasted from Word or PDF contains; their line numbers would then be off.
    """

    def __init__(self, text: str) -> None:
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_and_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


@functools.lru_cache(maxsize=256)
def line_index(text: str) -> LineIndex:
    """A file's `LineIndex`, made once for all the places found in it (thousands of
    diagnostics may fall in one file). Room for a large report's files, which the
    check visits in turn, rule by rule; bounded, for a watch that runs for days."""
    return LineIndex(text)


def find_source_files(project: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    """The YAML files of a project: `sources/*.yaml` and `sources/sections/*.yaml`."""
    sources_dir = project / SOURCES_DIR
    if not project.is_dir():
        return [], [
            error(
                Location(display_path(project)),
                "no-sources",
                f"the project folder {display_path(project)} does not exist",
                "pass the folder that holds sources/, or run `wgec init` there",
            )
        ]
    if not sources_dir.is_dir():
        return [], [
            error(
                Location(display_path(sources_dir)),
                "no-sources",
                f"no '{SOURCES_DIR}/' folder in {display_path(project) or '.'}",
                "run `wgec init` to create a report project, or pass the project folder",
            )
        ]
    found: list[SourceFile] = []
    problems = _sections_folder_loop(sources_dir)
    project_real = project.resolve()
    for path in yaml_files(sources_dir):
        display = display_path(path)
        # Asked first: resolve() raises RuntimeError on a link loop, and nothing may
        # open a FIFO or a device.
        problem = _not_to_be_read(path, display)
        if problem is None and not path.resolve().is_relative_to(project_real):
            problem = error(
                whole_file(display),
                "outside-project",
                "this file links to a place outside the project folder",
                "copy the file into sources/ instead of linking to it",
            )
        if problem is not None:
            problems.append(problem)
            continue
        relative = path.relative_to(sources_dir).as_posix()
        found.append(SourceFile(path=path, display=display, relative=relative))
    return found, problems


# The files that are neither regular files nor folders, as the messages name them.
_SPECIAL_FILES = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_to_be_read(path: Path, display: str) -> Diagnostic | None:
    """An `unreadable` error for a source that stat alone shows must not be opened: a
    link loop, or a FIFO, a device or a socket (reading a FIFO waits for a writer
    forever; opening a device may do anything). None for anything else: a folder or a
    missing link target is load_file's to report, in the system's words."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return None
        return error(whole_file(display), "unreadable",
                     f"cannot read file: it is a symbolic-link loop ({exc.strerror})",
                     "point the link at a real file, or replace it with one")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = next((kind for is_kind, kind in _SPECIAL_FILES if is_kind(mode)), "a special file")
    return error(whole_file(display), "unreadable",
                 f"cannot read file: not a regular file but {kind}",
                 "replace it with a real YAML file")


def _sections_folder_loop(sources_dir: Path) -> list[Diagnostic]:
    """An `unreadable` error at a sections folder that is a link loop: listing it finds
    no file, and without this the report's sections would only seem to be missing."""
    folder = sources_dir / SECTIONS_DIR
    try:
        folder.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return [error(Location(display_path(folder)), "unreadable",
                          f"cannot read the sections folder: it is a symbolic-link loop "
                          f"({exc.strerror})",
                          f"make {SOURCES_DIR}/{SECTIONS_DIR} a folder, "
                          "or a link to a folder of the project")]
    return []


def load_project(project: Path) -> LoadedSources:
    files, diagnostics = find_source_files(project)
    loaded = LoadedSources(project=project, diagnostics=diagnostics)
    for source in files:
        loaded.diagnostics.extend(load_file(source))
        loaded.files.append(source)
    return loaded


def load_blobs(project: Path, blobs: dict[str, bytes], label: str) -> LoadedSources:
    """Sources that are not on disk: files of a git revision, say.

    `blobs` maps paths inside sources/ ("levels.yaml", "sections/intro.yaml")
    to their bytes; diagnostics name them as `label:sources/<path>`.
    """
    loaded = LoadedSources(project=project)
    for relative in sorted(blobs, key=lambda p: (p.count("/"), p)):
        path = PurePosixPath(relative)
        if path.suffix.lower() not in YAML_SUFFIXES or len(path.parts) > 2 or (
            len(path.parts) == 2 and path.parts[0] != SECTIONS_DIR
        ):
            continue
        source = SourceFile(path=project / SOURCES_DIR / relative,
                            display=f"{label}:{SOURCES_DIR}/{relative}", relative=relative,
                            data=blobs[relative])
        loaded.diagnostics.extend(load_file(source))
        loaded.files.append(source)
    return loaded


def load_file(source: SourceFile) -> list[Diagnostic]:
    """Read, decode and compose one file into `source.text` and `source.root`."""
    try:
        data = source.data if source.data is not None else source.path.read_bytes()
    except OSError as exc:
        return [error(whole_file(source.display), "unreadable",
                      f"cannot read file: {exc.strerror}")]
    text, problem = decode_source(source.display, data)
    if problem is not None:
        return [problem]
    source.text = text
    separators = list(_unicode_line_breaks(source.display, text))
    if separators:
        return separators  # YAML would read them as line breaks and misplace everything after
    composer = _Composer(source.display, text)
    source.root = composer.compose()
    return composer.diagnostics


def decode_source(display: str, data: bytes) -> tuple[str, Diagnostic | None]:
    """Bytes to text: UTF-8 only (a UTF-8 BOM is tolerated), errors located to the byte."""
    foreign = _foreign_encoding(data)
    if foreign:
        return "", error(Location(display, 1, 1), "encoding", foreign,
                         "re-save the file as UTF-8 (without BOM)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        location = location_in_text(display, good, len(good))
        return "", error(
            location,
            "encoding",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            "re-save the file as UTF-8 (latin-1 or Windows-1252 editor setting is the usual cause)",
        )


# YAML 1.2, section 5.2: a stream's first bytes tell its encoding, by a byte-order mark
# or by the zero bytes around a first character that is ASCII (as a YAML file's is).
# UTF-32 comes first: its little-endian BOM begins with UTF-16's.
_BYTE_ORDER_MARKS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
                     (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))
_ZERO_BYTE_PATTERNS = ((re.compile(rb"\A\x00\x00\x00[^\x00]"), "utf-32-be", "UTF-32"),
                       (re.compile(rb"\A[^\x00]\x00\x00\x00"), "utf-32-le", "UTF-32"),
                       (re.compile(rb"\A\x00[^\x00]"), "utf-16-be", "UTF-16"),
                       (re.compile(rb"\A[^\x00]\x00"), "utf-16-le", "UTF-16"))


def _foreign_encoding(data: bytes) -> str:
    """What says the bytes are UTF-16 or UTF-32, not UTF-8; "" when nothing does."""
    for mark, name in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return f"file is {name} encoded; sources must be UTF-8"
    for pattern, codec, name in _ZERO_BYTE_PATTERNS:
        # Without a BOM the whole file must read as text in that encoding too: a
        # UTF-8 file with a stray zero byte is better told where its U+0000 is.
        if pattern.match(data) and _reads_as_text(data, codec):
            return f"file is not UTF-8: it looks {name} encoded (without a byte-order mark)"
    return ""


_C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _reads_as_text(data: bytes, codec: str) -> bool:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return False
    return not _C0_CONTROLS.search(text)


_UNICODE_LINE_BREAKS = {"\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR",
                        "\u0085": "NEXT LINE"}


_BAD_CHARACTERS = re.compile("[\u2028\u2029\u0085\ufdd0-\ufdef]")


def _unicode_line_breaks(display: str, text: str) -> Iterator[Diagnostic]:
    """U+2028 and friends, usually pasted from Word or a PDF, and Unicode noncharacters.

    Noncharacters (U+FDD0 to U+FDEF) are never text; wgec's redlines use them
    internally as change markers, so a source may not hold them.
    """
    if not _BAD_CHARACTERS.search(text):
        return
    lines = LineIndex(text)
    for match in _BAD_CHARACTERS.finditer(text):
        character = match.group(0)
        line, column = lines.line_and_column(match.start())
        name = _UNICODE_LINE_BREAKS.get(character)
        yield error(
            Location(display, line, column),
            "bad-character",
            f"U+{ord(character):04X} {name}: YAML reads it as a line break" if name
            else f"U+{ord(character):04X} is a Unicode noncharacter, never text",
            "replace it with a space or a real line break (it often comes from pasted text)"
            if name else "delete it",
        )


class _Composer:
    """Turns parser events into located nodes, collecting every problem on the way."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.text = text
        self.diagnostics: list[Diagnostic] = []
        self.lines = LineIndex(text)

    def compose(self) -> Node | None:
        try:  # the pure-Python parser checks every character here; libyaml as it reads
            self.parser = _EventLoader(self.text)
        except yaml.reader.ReaderError as exc:
            self.diagnostics.append(self._reader_error(exc))
            return None
        try:
            return self._compose_stream()
        except yaml.MarkedYAMLError as exc:
            self.diagnostics.append(self._syntax_error(exc))
        except yaml.reader.ReaderError as exc:
            self.diagnostics.append(self._reader_error(exc))
        except yaml.YAMLError as exc:  # pragma: no cover - every parser error carries a mark
            self.diagnostics.append(error(Location(self.display), "yaml-syntax", str(exc)))
        finally:
            self.parser.dispose()
        return None

    def _reader_error(self, exc: yaml.reader.ReaderError) -> Diagnostic:
        line, column = self.lines.line_and_column(_reader_error_offset(self.text, exc.position))
        return error(
            Location(self.display, line, column),
            "yaml-syntax",
            f"character U+{exc.character:04X} is not allowed in YAML"
            if isinstance(exc.character, int)
            else "character not allowed in YAML",
            "remove the control character",
        )

    def _compose_stream(self) -> Node | None:
        self.parser.get_event()  # StreamStart
        root: Node | None = None
        if not self.parser.check_event(yaml.StreamEndEvent):
            self.parser.get_event()  # DocumentStart
            root = self._compose_node(0)
            self.parser.get_event()  # DocumentEnd
        if not self.parser.check_event(yaml.StreamEndEvent):
            extra: Any = self.parser.peek_event()
            self.diagnostics.append(
                error(
                    self._location(extra.start_mark),
                    "yaml-multiple-documents",
                    "a source file holds one YAML document; found a second one here",
                    "remove the `---` line or split the file",
                )
            )
        return root

    def _compose_node(self, depth: int) -> Node:
        # Events come from libyaml; their stubs call every mark optional, which they never are.
        event: Any = self.parser.get_event()
        location = self._location(event.start_mark, event.end_mark)
        start, end = int(event.start_mark.index), int(event.end_mark.index)
        if depth > MAX_DEPTH:
            raise _too_deep(event)
        if isinstance(event, yaml.AliasEvent):
            self._reject_alias(location, event.anchor, used=True)
            return Scalar(location, start, end, "", True)
        if event.anchor is not None:
            self._reject_alias(location, event.anchor, used=False)
        if event.tag is not None:
            self.diagnostics.append(
                error(
                    location,
                    "yaml-tag",
                    f"YAML tags are not allowed (found '{_shorthand(event.tag)}')",
                    "remove the tag; sources hold plain text, lists and mappings only",
                )
            )
        if isinstance(event, yaml.ScalarEvent):
            plain = event.style in (None, "") and event.implicit[0]
            return Scalar(location, start, end, event.value, plain)
        if isinstance(event, yaml.SequenceStartEvent):
            return self._compose_sequence(event, location, depth)
        return self._compose_mapping(event, location, depth)

    def _compose_sequence(self, start: Any, location: Location, depth: int) -> Node:
        items: list[Node] = []
        while not self.parser.check_event(yaml.SequenceEndEvent):
            items.append(self._compose_node(depth + 1))
        end: Any = self.parser.get_event()
        return SequenceNode(self._span(location, end), start.start_mark.index, end.end_mark.index,
                            tuple(items))

    def _compose_mapping(self, start: Any, location: Location, depth: int) -> Node:
        items: list[tuple[Scalar, Node]] = []
        seen: dict[object, Scalar] = {}
        while not self.parser.check_event(yaml.MappingEndEvent):
            key = self._compose_node(depth + 1)
            value = self._compose_node(depth + 1)
            if not isinstance(key, Scalar):
                self.diagnostics.append(
                    error(key.location, "yaml-complex-key", "mapping keys must be plain text")
                )
                continue
            identity = _key_identity(key)
            if identity in seen:
                first = seen[identity].location
                self.diagnostics.append(
                    error(
                        key.location,
                        "yaml-duplicate-key",
                        f"duplicate key '{key.value}' (first defined at line {first.line})"
                        if key.value == seen[identity].value
                        else f"key '{key.value}' means the same as '{seen[identity].value}' "
                        f"at line {first.line} (YAML reads both as one key)",
                        "keep one of them; YAML parsers would silently keep only the last",
                    )
                )
                continue
            seen[identity] = key
            items.append((key, value))
        end: Any = self.parser.get_event()
        return MappingNode(self._span(location, end), start.start_mark.index, end.end_mark.index,
                           tuple(items))

    def _reject_alias(self, location: Location, anchor: str | None, used: bool) -> None:
        what = f"alias '*{anchor}'" if used else f"anchor '&{anchor}'"
        self.diagnostics.append(
            error(
                location,
                "yaml-alias",
                f"YAML anchors and aliases are not allowed (found {what})",
                "write the value out in full; aliases hide content and can explode in size",
            )
        )

    def _location(self, start: Any, end: Any = None) -> Location:
        end = end or start
        line, column = self.lines.line_and_column(start.index)
        end_line, end_column = self.lines.line_and_column(end.index)
        return Location(self.display, line, column, end_line, end_column)

    def _span(self, location: Location, end_event: Any) -> Location:
        end_line, end_column = self.lines.line_and_column(end_event.end_mark.index)
        return Location(location.path, location.line, location.column, end_line, end_column)

    def _syntax_error(self, exc: yaml.MarkedYAMLError) -> Diagnostic:
        mark: Any = exc.problem_mark or exc.context_mark
        context: Any = exc.context_mark
        problem = exc.problem or "invalid YAML"
        hint = ""
        if mark is None:
            return error(whole_file(self.display), "yaml-syntax", problem)
        if 0 <= mark.index < len(self.text) and self.text[mark.index] == "\t":
            problem = "tab character where YAML expects indentation or a value"
            hint = "indent with spaces; YAML does not allow tabs for indentation"
        elif context is not None and not self.text[mark.index:].strip():
            # Ran off the end of the file: the fix is where the bracket or quote opened.
            opened = self._location(context)
            return error(opened, "yaml-syntax", f"{exc.context} that is never closed",
                         f"the file ends before it is closed ({problem})")
        elif problem.startswith("mapping values are not allowed"):
            hint = "a value that contains ': ' must be quoted"
        elif exc.context and context is not None:
            line, column = self.lines.line_and_column(context.index)
            if (line, column) != self.lines.line_and_column(mark.index):
                hint = f"{exc.context} at line {line}, column {column}"
        return error(self._location(mark), "yaml-syntax", problem, hint)


def _reader_error_offset(text: str, position: int) -> int:
    """A ReaderError's position in `text` as a character offset, whichever parser gave it."""
    if not _READER_ERROR_IN_BYTES:
        return position
    # libyaml stops at a character's first byte; "ignore" only keeps a position
    # inside a character (which never comes) from raising.
    return len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))


class _TooDeep(yaml.MarkedYAMLError):
    pass


def _too_deep(event: Any) -> _TooDeep:
    problem = f"nesting deeper than {MAX_DEPTH} levels"
    return _TooDeep(problem=problem, problem_mark=event.start_mark)


def _key_identity(key: Scalar) -> object:
    """Keys that YAML 1.1 reads as the same value collide (`yes:` and `true:`)."""
    if not key.plain:
        return ("str", key.value)
    tag = _RESOLVER.resolve(yaml.ScalarNode, key.value, (True, False))  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:bool":
        return ("bool", key.value.lower() in {"yes", "true", "on", "y"})
    if tag == "tag:yaml.org,2002:null":
        return ("null",)
    return ("str", key.value)


def _shorthand(tag: str) -> str:
    """`tag:yaml.org,2002:python/object` as its author wrote it: `!!python/object`."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag
