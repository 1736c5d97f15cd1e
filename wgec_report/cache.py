"""The incremental build: an output is rebuilt only when something it depends on changed.

Each output is keyed by a hash of what it is made from: the sources' text,
the templates that format uses, the options that touch it, the language,
and the versions of wgec, pandoc and typst. The keys live beside the outputs
in `.wgec-cache.json`, with a hash of each output's bytes, so an output that
was edited or deleted by hand is made again.

A rebuild with nothing changed does not even parse the sources: each output
also records the hash of the source files' bytes it was made from (the
snapshot, read before the check), and the build's summary (warnings, word
counts) is kept beside them. When the bytes, templates, options and tools are
all the same as last time, the summary is shown again and nothing else runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import Diagnostic, Location, Severity, warning, whole_file
from .files import (
    SECTIONS_DIR,
    SOURCES_DIR,
    display_path,
    is_scratch_file,
    user_cache_folder,
    yaml_files,
)

CACHE_FILE = ".wgec-cache.json"
CACHE_VERSION = 3
BOM = b"\xef\xbb\xbf"

# The templates each format is made through, besides the Markdown templates (*.j2).
FORMAT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "md": (), "docx": ("reference.docx",), "pdf": ("report.typ",), "html": ("report.html",),
}
# Which formats run pandoc, and which typst.
USES_PANDOC = frozenset({"docx", "pdf", "html"})
USES_TYPST = frozenset({"pdf"})


def encoded(text: str) -> bytes:
    """`text` as UTF-8 bytes, whatever it holds. A path's str keeps a name's bytes that
    are not UTF-8 as lone surrogates (Python's surrogateescape), which plain UTF-8
    refuses to encode; "surrogatepass" encodes every str, and two strs apart, which is
    all a hash needs (any other str gives the same bytes as plain UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def digest(parts: Iterable[str | bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = encoded(part) if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))  # no two lists of parts hash alike
        hasher.update(data)
    return hasher.hexdigest()


LINK = "\0link"  # after a template's name: where a link of that name in the project leads


def template_files(folders: Iterable[Path]) -> dict[str, bytes]:
    """The templates in effect, by their path in the folder (`partials/note.md.j2`), in
    subfolders too (a template can include any of them): a project's own file wins
    over the default of that name. Editors' temporary files (`is_scratch_file`) are
    no templates. A link is known by where it leads too (`name` + LINK; a folder that
    is itself a link, by LINK alone): one that leads out of the folder is left out,
    and the build refuses it if a template uses it, so changing it must change the
    keys."""
    found: dict[str, bytes] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        with contextlib.suppress(OSError):  # the folder itself a link: the build refuses it
            if folder.is_symlink():
                found.setdefault(LINK, encoded(os.readlink(folder)))
        inside = folder.resolve()
        for parent, folders_in, names in os.walk(folder):  # links to folders not followed
            folders_in[:] = sorted(name for name in folders_in if not is_scratch_file(name))
            files = sorted(name for name in names if not is_scratch_file(name))
            for name in [*folders_in, *files]:
                path = Path(parent, name)
                relative = path.relative_to(folder).as_posix()
                with contextlib.suppress(OSError):  # gone meanwhile: a watch sees it go
                    if path.is_symlink():
                        found.setdefault(relative + LINK, encoded(os.readlink(path)))
                    if (name in files and relative not in found and path.is_file()
                            and path.resolve().is_relative_to(inside)):
                        found[relative] = path.read_bytes()
    return found


def output_keys(
    texts: Mapping[str, str | bytes],
    templates: Mapping[str, bytes],
    formats: Iterable[str],
    settings: Mapping[str, str],
    tool_versions: Mapping[str, str],
    format_settings: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """A key per output format; equal keys mean the output would come out the same.

    `settings` holds what shapes every output (language, options, the date
    source); `tool_versions` is asked only for the tools a format runs.
    """
    # Every template but the ones a format is made through goes into the Markdown:
    # a Jinja2 template can include a file of any name.
    only_for_a_format = {name for names in FORMAT_TEMPLATES.values() for name in names}
    # In name order: the same templates give the same key, whichever folder each
    # was found in first (a default copied unchanged into the project changes nothing).
    markdown_templates = [encoded(f"{name}\0") + data for name, data in sorted(templates.items())
                          if name.removesuffix(LINK) not in only_for_a_format]
    sources = [(encoded(f"{name}\0") + (encoded(text) if isinstance(text, str) else text))
               for name, text in sorted(texts.items())]
    common: list[str | bytes] = [*sources, *markdown_templates,
              *(f"{key}={value}" for key, value in sorted(settings.items()))]
    keys: dict[str, str] = {}
    for fmt in formats:
        own = [templates.get(name + link, b"") for name in FORMAT_TEMPLATES.get(fmt, ())
               for link in ("", LINK)]
        tools = [f"wgec={tool_versions['wgec']}"]
        if fmt in USES_PANDOC:
            tools.append(f"pandoc={tool_versions['pandoc']}")
        if fmt in USES_TYPST:
            tools.append(f"typst={tool_versions['typst']}")
        extra = sorted((format_settings or {}).get(fmt, {}).items())
        keys[fmt] = digest([f"format={fmt}", *common, *own, *tools,
                            *(f"{key}={value}" for key, value in extra)])
    return keys


def read_snapshot(project: Path) -> dict[str, bytes] | None:
    """The bytes of every source file, by the path diagnostics name it with; no parsing.

    None when the sources are not plainly there (no folder, a link out of the
    project, an unreadable file, a link loop, a FIFO): the check has something to say
    about those.
    """
    sources_dir = project / SOURCES_DIR
    sections = sources_dir / SECTIONS_DIR
    try:
        if not sources_dir.is_dir() or (sections.is_symlink() and not sections.exists()):
            return None  # no sources, or a sections folder that is a link loop (or broken)
        inside = project.resolve()
        snapshot: dict[str, bytes] = {}
        for path in yaml_files(sources_dir):
            # Before anything follows or opens it: a link loop raises OSError here (and
            # RuntimeError in resolve()), and reading a FIFO would wait forever.
            if not stat.S_ISREG(path.stat().st_mode):
                return None
            if not path.resolve().is_relative_to(inside):  # the file or its folder a link
                return None
            snapshot[display_path(path)] = path.read_bytes()
    except OSError:
        return None
    return snapshot


def snapshot_texts(snapshot: Mapping[str, bytes]) -> dict[str, str]:
    """The files' texts, to show the lines that replayed warnings point at."""
    return {name: data.removeprefix(BOM).decode("utf-8", "replace")
            for name, data in snapshot.items()}


def summary_key(snapshot: Mapping[str, bytes], requested_language: str) -> str:
    """What the check's findings and the word counts depend on."""
    from . import __version__

    return digest(["summary", f"wgec={__version__}", f"language={requested_language}",
                   *(encoded(f"{name}\0") + data for name, data in sorted(snapshot.items()))])


def diagnostic_to_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """Every field as it is (the reporters' JSON, for users, fills in end positions)."""
    return {**diagnostic.location._asdict(), "severity": diagnostic.severity.value,
            "code": diagnostic.code, "message": diagnostic.message, "hint": diagnostic.hint}


def diagnostic_from_json(data: Mapping[str, Any]) -> Diagnostic:
    path, *numbers = Location._fields  # the path, then line and column numbers
    location = Location(str(data[path]), *(int(data[name]) for name in numbers))
    return Diagnostic(location, Severity(data["severity"]), str(data["code"]),
                      str(data["message"]), str(data["hint"]))


class Summary(NamedTuple):  # NamedTuple and a plain class, not dataclasses: see model.py
    """What a build says besides writing files: kept to be said again by a replay."""

    key: str
    language: str
    warnings: list[Diagnostic]
    pdf_warnings: list[Diagnostic]  # said only when the PDF is asked for
    words: dict[str, int]
    word_limit: int

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "language": self.language,
                "warnings": [diagnostic_to_json(w) for w in self.warnings],
                "pdf_warnings": [diagnostic_to_json(w) for w in self.pdf_warnings],
                # Pairs, in the report's order (the cache file's keys are sorted).
                "words": [[name, count] for name, count in self.words.items()],
                "word_limit": self.word_limit}

    @classmethod
    def from_json(cls, data: object) -> Summary | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(str(data["key"]), str(data["language"]),
                       [diagnostic_from_json(w) for w in data["warnings"]],
                       [diagnostic_from_json(w) for w in data["pdf_warnings"]],
                       {str(name): int(count) for name, count in data["words"]},
                       int(data["word_limit"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a cache from elsewhere or edited by hand: build normally


class BuildCache:
    """What was built into one output folder, and from what."""

    def __init__(self, folder: Path, entries: dict[str, dict[str, object]] | None = None,
                 summary: Summary | None = None) -> None:
        self.folder = folder
        self.entries = entries if entries is not None else {}
        self.summary = summary

    @classmethod
    def load(cls, folder: Path) -> BuildCache:
        try:
            data = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(folder)  # no cache, or an unreadable one: build everything
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls(folder)
        entries = data.get("outputs")
        return cls(folder, entries if isinstance(entries, dict) else {},
                   Summary.from_json(data.get("summary")))

    def current(self, fmt: str, key: str, path: Path) -> bool:
        """The output exists, is what was written, and was made from the same inputs."""
        entry = self.entries.get(fmt)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return False
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256")
        except OSError:
            return False

    def unchanged(self, fmt: str, inputs_key: str, path: Path) -> bool:
        """Like `current`, by the key of the raw source bytes: no check was needed to know."""
        entry = self.entries.get(fmt)
        if not isinstance(entry, dict) or entry.get("inputs") != inputs_key:
            return False
        return self.current(fmt, str(entry.get("key")), path)

    def record_inputs(self, fmt: str, inputs_key: str) -> None:
        if fmt in self.entries:
            self.entries[fmt]["inputs"] = inputs_key

    def fallbacks(self, fmt: str) -> int:
        value = self.entries.get(fmt, {}).get("fallbacks", 0)
        return value if isinstance(value, int) else 0

    def warnings(self, fmt: str) -> list[Diagnostic]:
        """What the tool warned of when it made the output (typst, of the PDF)."""
        said = self.entries.get(fmt, {}).get("warnings", [])
        try:
            return [diagnostic_from_json(item) for item in said] if isinstance(said, list) else []
        except (KeyError, TypeError, ValueError, AttributeError):
            return []  # edited by hand: nothing to say again

    def record(self, fmt: str, key: str, data: bytes, fallbacks: int,
               warnings: Sequence[Diagnostic] = ()) -> None:
        self.entries[fmt] = {"key": key, "sha256": hashlib.sha256(data).hexdigest(),
                             "fallbacks": fallbacks,
                             "warnings": [diagnostic_to_json(w) for w in warnings]}

    def save(self) -> Diagnostic | None:
        """Write the cache file; a warning if it cannot be (the outputs are made: the
        next build makes them again)."""
        from .convert import write_atomically

        document: dict[str, object] = {"version": CACHE_VERSION, "outputs": self.entries}
        if self.summary is not None:
            document["summary"] = self.summary.to_json()
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        path = self.folder / CACHE_FILE
        try:
            if self.folder.is_dir():
                write_atomically(path, text.encode("utf-8"))
        except OSError as exc:
            return warning(whole_file(display_path(path)), "cache-not-saved",
                           f"cannot save what was built: {exc.strerror}",
                           "remove or rename it: until then every build makes every output again")
        return None


def date_setting() -> str:
    """The date the DOCX and PDF carry depends on SOURCE_DATE_EPOCH: part of their keys."""
    return os.environ.get("SOURCE_DATE_EPOCH", "")


# The last Typst a project's PDF was made from, per output folder and language,
# for the next build to lay out while it checks the sources (the `primer` of
# `convert.Typesetter`). Kept in the user's cache, never beside the outputs: a
# project is shared, and typst would lay out whatever a folder in it held. The
# most recent few; a file left half-written by a killed build goes after an hour.
PRIMERS_FOLDER = "typst-primers"
KEPT_PRIMERS = 16
_PRIMER_NAME = re.compile(r"[0-9a-f]{32}\.typ")
_UNFINISHED_PRIMER = re.compile(r"\.[0-9a-f]{32}\.typ\.\w+\.tmp")  # write_atomically's
UNFINISHED_AFTER = 3600  # seconds


def primer_path(project: Path, out_dir: Path, language: str) -> Path | None:
    """Where the last Typst of `project`'s PDF in `language`, built into `out_dir`, is
    kept (None: no cache). Per project too: a folder that receives another project's
    report would be primed with a document that has nothing in common with it."""
    folder = user_cache_folder(PRIMERS_FOLDER)
    if folder is None:
        return None
    key = digest([str(project.resolve()), str(out_dir.resolve()), language])[:32]
    return folder / f"{key}.typ"


def read_primer(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def keep_primer(path: Path, source: str) -> None:
    """Replace the primer at `path` (whole), and drop the oldest beyond KEPT_PRIMERS.
    A primer that cannot be written is none: never an error."""
    from .convert import write_atomically

    try:
        write_atomically(path, source.encode("utf-8"))
        _trim_primers(path.parent)
    except OSError:
        pass  # write_atomically has removed its temporary file


def _trim_primers(folder: Path) -> None:
    """Only files of the names wgec gives are ever removed."""
    primers: list[tuple[int, Path]] = []
    now = time.time()
    for entry in os.scandir(folder):
        if _PRIMER_NAME.fullmatch(entry.name):
            primers.append((entry.stat(follow_symlinks=False).st_mtime_ns, Path(entry.path)))
        elif (_UNFINISHED_PRIMER.fullmatch(entry.name)
              and now - entry.stat(follow_symlinks=False).st_mtime > UNFINISHED_AFTER):
            Path(entry.path).unlink(missing_ok=True)
    for _, old in sorted(primers, reverse=True)[KEPT_PRIMERS:]:
        old.unlink(missing_ok=True)
