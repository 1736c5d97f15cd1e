"""The incremental build: an output is rebuilt only when something it depends on changed.

Each output is keyed by a hash of what it is made from: the sources' text,
the templates that format uses, the options that touch it, the language,
and the versions of wgec, pandoc and typst. The keys live beside the outputs
in `.wgec-cache.json`, with a hash of each output's bytes, so an output that
was edited or deleted by hand is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CACHE_FILE = ".wgec-cache.json"
CACHE_VERSION = 1

# The templates each format is made through, besides the Markdown templates (*.j2).
FORMAT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "md": (), "docx": ("reference.docx",), "pdf": ("report.typ",), "html": ("report.html",),
}
# Which formats run pandoc, and which typst.
USES_PANDOC = frozenset({"docx", "pdf", "html"})
USES_TYPST = frozenset({"pdf"})


def digest(parts: Iterable[str | bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))  # no two lists of parts hash alike
        hasher.update(data)
    return hasher.hexdigest()


def _template_files(folders: Iterable[Path]) -> dict[str, bytes]:
    """The templates in effect: a project's own file wins over the default of that name."""
    found: dict[str, bytes] = {}
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.name not in found:
                    found[path.name] = path.read_bytes()
    return found


def output_keys(
    texts: Mapping[str, str],
    template_folders: Iterable[Path],
    formats: Iterable[str],
    settings: Mapping[str, str],
    tool_versions: Mapping[str, str],
    format_settings: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """A key per output format; equal keys mean the output would come out the same.

    `settings` holds what shapes every output (language, options, the date
    source); `tool_versions` is asked only for the tools a format runs.
    """
    templates = _template_files(template_folders)
    markdown_templates = [f"{name}\0".encode() + data for name, data in templates.items()
                          if name.endswith(".j2")]
    sources = [f"{name}\0{text}" for name, text in sorted(texts.items())]
    common: list[str | bytes] = [*sources, *markdown_templates,
              *(f"{key}={value}" for key, value in sorted(settings.items()))]
    keys: dict[str, str] = {}
    for fmt in formats:
        own = [templates.get(name, b"") for name in FORMAT_TEMPLATES.get(fmt, ())]
        tools = [f"wgec={tool_versions['wgec']}"]
        if fmt in USES_PANDOC:
            tools.append(f"pandoc={tool_versions['pandoc']}")
        if fmt in USES_TYPST:
            tools.append(f"typst={tool_versions['typst']}")
        extra = sorted((format_settings or {}).get(fmt, {}).items())
        keys[fmt] = digest([f"format={fmt}", *common, *own, *tools,
                            *(f"{key}={value}" for key, value in extra)])
    return keys


@dataclass
class BuildCache:
    """What was built into one output folder, and from what."""

    folder: Path
    entries: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> BuildCache:
        try:
            data = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(folder)  # no cache, or an unreadable one: build everything
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls(folder)
        entries = data.get("outputs")
        return cls(folder, entries if isinstance(entries, dict) else {})

    def current(self, fmt: str, key: str, path: Path) -> bool:
        """The output exists, is what was written, and was made from the same inputs."""
        entry = self.entries.get(fmt)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return False
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256")
        except OSError:
            return False

    def fallbacks(self, fmt: str) -> int:
        value = self.entries.get(fmt, {}).get("fallbacks", 0)
        return value if isinstance(value, int) else 0

    def record(self, fmt: str, key: str, data: bytes, fallbacks: int) -> None:
        self.entries[fmt] = {"key": key, "sha256": hashlib.sha256(data).hexdigest(),
                             "fallbacks": fallbacks}

    def save(self) -> None:
        from .convert import write_atomically

        document = {"version": CACHE_VERSION, "outputs": self.entries}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        if self.folder.is_dir():
            write_atomically(self.folder / CACHE_FILE, text.encode("utf-8"))


def date_setting() -> str:
    """The date the documents carry depends on SOURCE_DATE_EPOCH: part of every key."""
    return os.environ.get("SOURCE_DATE_EPOCH", "")
