"""The translators' round trip: PO files out, translations back into the YAML sources.

`export_po` writes one gettext entry per translatable text (msgctxt: the
text's stable context, msgid: the original, msgstr: the translation so far);
`import_po` writes translated entries back into the sources, and `stamp`
marks translations as reviewed against the current original.

A translation is *reviewed* when it carries the hash of the original it was
made from (`of:`, see `model.text_hash`) and that hash is the current
original's. In a PO file, every other translation is fuzzy: a stale one (the
original changed since) and one never reviewed (no `of:`) alike. Importing
keeps that meaning: a non-fuzzy entry is written stamped with the current
original's hash; a fuzzy one is written without a stamp (a stale stamp it
already had stays, so that `check` keeps saying it is stale), and a fuzzy
entry whose text the sources already hold changes nothing (re-importing an old
PO file never takes a review away). So export, translate, import, export
gives the file back as it was.

Sources are edited as text (`yaml_edit`), never re-dumped, and every edit is
checked in memory before a file is touched: an entry whose translation would
make the sources invalid (a broken `[@...]` reference, say) is left out and
reported; files are replaced atomically, then the project is checked again
from disk and restored if anything is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib  # type: ignore[import-untyped,unused-ignore]

from .check import CheckResult, check_blobs, check_loaded, check_project
from .errors import Diagnostic, Location, SourceError, WgecError, error, warning, whole_file
from .files import display_path
from .model import LANGUAGES, LocatedText, Report, one_line, text_hash
from .po_syntax import po_lines, po_syntax_errors
from .sources import (
    LineIndex,
    LoadedSources,
    MappingNode,
    Node,
    Scalar,
    SourceFile,
    load_project,
)
from .translatable import TextField, iter_texts
from .yaml_edit import (
    EditError,
    Slot,
    YamlText,
    language_position,
    render_hash,
    render_stamped,
    render_text,
)

PROJECT_ID = "wgec report"
WRAP_WIDTH = 78  # polib's default, and what gettext tools write
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "ar": "Arabic",
                  "zh": "Chinese", "ru": "Russian"}
PROSE_NOTE = ("Markdown. Keep every [@...] reference (citation or cross-reference) "
              "exactly as written; *emphasis* and **strong** may move with the words.")
_LABEL = "import"  # how the in-memory check of edited sources names its files


def normalize(value: str, prose: bool) -> str:
    """A text as a PO file holds it, both ways.

    Plain-text fields (names, titles) are one line: runs of whitespace become
    one space. Prose is Markdown, where line breaks can matter: it keeps its
    lines, only losing surrounding blank space.
    """
    if not prose:
        return one_line(value)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


# -- export ----------------------------------------------------------------------


def export_po(project: Path, language: str, *, line_numbers: bool = False) -> polib.POFile:
    """A PO file of every translatable text of the checked report, for `language`.

    Deterministic: the same sources give the same bytes (no dates). Occurrences
    name the source file; `line_numbers` adds the line, which moves as soon as a
    translation is imported above it (so the round trip is exact without it).
    """
    checked, loaded = _checked(project, "nothing was exported")
    report = _report(checked)
    language = _target_language(report, loaded, language)
    po = polib.POFile(wrapwidth=WRAP_WIDTH)
    title = _title(report)
    name = LANGUAGE_NAMES.get(language, language)
    po.header = (f"{name} translation of {title}.\n"
                 "Exported by wgec: translate the msgstr of each entry, then\n"
                 "`wgec translations import` this file. An entry marked fuzzy is not\n"
                 "reviewed against the current original: check it, and unmark it.")
    po.metadata = {
        "Project-Id-Version": PROJECT_ID,
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": "wgec",
    }
    relative = {source.display: f"sources/{source.relative}" for source in loaded.files}
    for item in _translatable(report):
        translation = item.field.text.by_language.get(language)
        original = item.original
        path = relative.get(original.location.path, original.location.path)
        entry = polib.POEntry(
            msgctxt=item.field.context,
            msgid=item.msgid,
            msgstr=normalize(translation.value, item.field.prose) if translation else "",
            occurrences=[(path, str(original.location.line) if line_numbers else "")],
            comment=PROSE_NOTE if item.field.prose else "",
        )
        if translation is not None and translation.source_hash != text_hash(original.value):
            entry.flags.append("fuzzy")
        po.append(entry)
    return po


def write_po(project: Path, language: str, out: Path, *,
             line_numbers: bool = False) -> polib.POFile:
    """Export and write the PO file (atomically); returns it, for counts."""
    po = export_po(project, language, line_numbers=line_numbers)
    if out.is_dir():
        raise WgecError(f"{display_path(out)} is a folder; give the PO file's name")
    if not out.parent.is_dir():
        raise WgecError(f"the folder {display_path(out.parent)} does not exist")
    _write_atomic(out, str(po).encode("utf-8"))
    return po


# -- import ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    language: str
    imported: int = 0  # translations written: new, or changed text
    stamped: int = 0  # translations marked reviewed (`of:` written or refreshed)
    fuzzy: int = 0  # imported without a stamp: fuzzy in the PO file, or its msgid outdated
    unchanged: int = 0  # translated entries the sources already held as they are
    untranslated: int = 0  # entries with an empty msgstr: nothing to import
    unknown_contexts: tuple[str, ...] = ()  # msgctxt no text of the report has (any more)
    rejected: tuple[str, ...] = ()  # contexts whose translation would break the sources
    files: tuple[str, ...] = ()  # source files changed (or that would be, on a dry run)
    diagnostics: tuple[Diagnostic, ...] = ()  # warnings, located in the PO file


def import_po(project: Path, po_path: Path, language: str | None = None, *,
              dry_run: bool = False) -> ImportResult:
    """Write the translations of a PO file into the sources (see the module's docstring).

    `language` defaults to the PO file's Language header. Entries whose context
    the report no longer has, or whose translation would make the sources
    invalid, are reported in the result, not raised: the rest is imported.
    """
    po, po_display = _read_po(po_path)
    header = _header_language(po)
    if language is None:
        if not header:
            raise WgecError(
                f"{po_display} does not say its language (no Language header); "
                "pass the language, e.g. --lang fr",
                [error(whole_file(po_display), "po-language",
                       "the PO file has no Language header", "pass --lang")])
        language = header
    elif header and header != language.strip().lower():
        raise WgecError(f"{po_display} is a translation into '{header}', not '{language}'")
    checked, loaded = _checked(project, "nothing was imported")
    report = _report(checked)
    language = _target_language(report, loaded, language)
    by_context = {item.field.context: item for item in _translatable(report)}
    changes: list[_Change] = []
    notes: list[Diagnostic] = []
    unknown: list[str] = []
    seen: set[str] = set()
    counts = {"unchanged": 0, "untranslated": 0}
    for entry in po:
        if entry.obsolete or entry.msgid == "":
            continue
        where = Location(po_display, int(entry.linenum or 0), 1)
        context = entry.msgctxt or ""
        item = by_context.get(context)
        if item is None:
            unknown.append(context)
            notes.append(warning(where, "unknown-context",
                                 f"no text of the report has the context '{context}' "
                                 "(renamed or removed?); entry not imported",
                                 "export a fresh PO file and merge it (msgmerge)"))
            continue
        if context in seen:
            notes.append(warning(where, "duplicate-context",
                                 f"a second entry for '{context}'; only the first is imported"))
            continue
        seen.add(context)
        if not entry.msgstr.strip():
            counts["untranslated"] += 1
            continue
        prose = item.field.prose
        value = normalize(entry.msgstr, prose)
        current = text_hash(item.original.value)
        reviewed = not entry.fuzzy
        if entry.msgid.split() != item.msgid.split():  # as the hash, blind to line breaks
            reviewed = False
            notes.append(warning(where, "outdated-entry",
                                 f"'{context}': the original changed since this PO file was "
                                 "exported; imported as fuzzy (not reviewed)",
                                 "export a fresh PO file to review it against the new original"))
        existing = item.field.text.by_language.get(language)
        same_text = existing is not None and normalize(existing.value, prose) == value
        if reviewed:
            stamp: str | None = current
        elif same_text and existing is not None:
            stamp = existing.source_hash  # a fuzzy entry never takes a review away
        elif existing is None or existing.source_hash == current:
            stamp = None  # a new text, not reviewed
        else:
            stamp = existing.source_hash  # stale: it stays so, and `check` keeps saying it
        if same_text and existing is not None and existing.source_hash == stamp:
            counts["unchanged"] += 1
            continue
        text = existing.value if same_text and existing is not None else value
        changes.append(_Change(item, language, text, stamp, where,
                               new_text=not same_text,
                               new_stamp=stamp is not None and stamp == current and (
                                   existing is None or existing.source_hash != current)))
    outcome = _apply(project, loaded, checked, changes, dry_run=dry_run, reject=True)
    kept = [c for c in changes if c.item.field.context not in outcome.rejected]
    return ImportResult(
        language=language,
        imported=sum(1 for c in kept if c.new_text),
        stamped=sum(1 for c in kept if c.new_stamp),
        fuzzy=sum(1 for c in kept if c.stamp != text_hash(c.item.original.value)),
        unchanged=counts["unchanged"],
        untranslated=counts["untranslated"],
        unknown_contexts=tuple(unknown),
        rejected=tuple(outcome.rejected),
        files=tuple(outcome.files),
        diagnostics=tuple(notes) + tuple(outcome.diagnostics),
    )


# -- stamp -----------------------------------------------------------------------


def stamp(project: Path, language: str | None = None) -> int:
    """Mark translations as reviewed: write `of: <hash of the current original>`.

    Every translation into `language` (every language but the original when
    None) whose stamp is missing or stale is stamped; a plain `fr: text` becomes
    `fr: {text: ..., of: ...}` (as a block mapping), its text kept as written.
    Returns how many translations were stamped: 0 when all already were.
    """
    checked, loaded = _checked(project, "nothing was stamped")
    report = _report(checked)
    languages: Iterable[str]
    if language is not None:
        languages = (_target_language(report, loaded, language, declared=False),)
    else:
        languages = [lang for lang in LANGUAGES if lang != report.meta.original_language]
    changes: list[_Change] = []
    for item in _translatable(report):
        current = text_hash(item.original.value)
        for lang in languages:
            existing = item.field.text.by_language.get(lang)
            if existing is not None and existing.source_hash != current:
                changes.append(_Change(item, lang, existing.value, current, None,
                                       new_text=False, new_stamp=True))
    _apply(project, loaded, checked, changes, dry_run=False, reject=False)
    return len(changes)


# -- the texts -------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """A translatable text of the checked report, with its original."""

    field: TextField
    original: LocatedText
    msgid: str


def _translatable(report: Report) -> Iterator[_Item]:
    original_language = report.meta.original_language
    seen: set[str] = set()
    for text_field in iter_texts(report):
        original = text_field.text.by_language.get(original_language)
        if original is None or text_field.context in seen:
            continue  # only in sources with errors, which are refused before this
        msgid = normalize(original.value, text_field.prose)
        if not msgid:  # `drafting_note: ""`: nothing to translate (and "" is the PO header)
            continue
        seen.add(text_field.context)
        yield _Item(text_field, original, msgid)


def _title(report: Report) -> str:
    title = report.meta.title.by_language.get(report.meta.original_language)
    return one_line(title.value) if title else "the report"


def _checked(project: Path, consequence: str) -> tuple[CheckResult, LoadedSources]:
    loaded = load_project(project)
    checked = check_loaded(loaded)
    _require_valid(checked, consequence)
    return checked, loaded


def _require_valid(checked: CheckResult, consequence: str) -> None:
    if not checked.ok or checked.report is None:
        count = len(checked.errors)
        raise SourceError(
            f"the sources have {count} error{'s' if count != 1 else ''}; {consequence}",
            checked.diagnostics, checked.texts)


def _report(checked: CheckResult) -> Report:
    assert checked.report is not None  # _require_valid saw to it
    return checked.report


def _target_language(report: Report, loaded: LoadedSources, language: str,
                     declared: bool = True) -> str:
    code = language.strip().lower()
    meta = report.meta
    if code not in LANGUAGES:
        raise WgecError(f"'{language}' is not one of the six UN languages "
                        f"({', '.join(LANGUAGES)})")
    if code == meta.original_language:
        raise WgecError(f"'{code}' is the report's original language: it has no translation")
    if declared and code not in meta.languages:
        where = _languages_location(loaded) or meta.location
        raise WgecError(
            f"'{code}' is not among the report's languages ({', '.join(meta.languages)})",
            [error(where, "bad-language", f"'{code}' is not among the report's languages",
                   f"add {code} to 'languages' in sources/report.yaml")],
            {source.display: source.text for source in loaded.files})
    return code


def _languages_location(loaded: LoadedSources) -> Location | None:
    for source in loaded.files:
        if source.relative == "report.yaml" and isinstance(source.root, MappingNode):
            for key, value in source.root.items:
                if key.value == "languages":
                    return value.location
    return None


# -- reading PO files ------------------------------------------------------------


def _read_po(path: Path) -> tuple[polib.POFile, str]:
    shown = display_path(path)
    if not path.is_file():  # polib would read a missing file's name as PO text
        raise WgecError(f"{shown} does not exist" if not path.exists()
                        else f"{shown} is not a file")
    lines = po_lines(path, shown)
    texts = {shown: "\n".join(lines)}  # lines as the diagnostics count them
    problems = po_syntax_errors(shown, lines)
    if problems:
        count = len(problems)
        raise WgecError(f"{shown} is not a readable PO file ({count} syntax "
                        f"error{'s' if count != 1 else ''}); nothing was imported",
                        problems, texts)
    try:
        # The text as checked, not the file again: polib reads what was checked.
        return polib.pofile(texts[shown], wrapwidth=WRAP_WIDTH), shown
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        message = str(exc)
        line = re.search(r"line (\d+)", message)
        where = Location(shown, int(line.group(1)), 1) if line else whole_file(shown)
        raise WgecError(f"{shown} is not a readable PO file",
                        [error(where, "po-syntax", message.replace(f"{path} ", ""))],
                        texts) from exc


def _header_language(po: polib.POFile) -> str:
    """`fr`, `fr_FR`, `zh-Hans` -> the language itself."""
    value = str(po.metadata.get("Language", "")).strip()
    return re.split(r"[_\-@.]", value, maxsplit=1)[0].lower() if value else ""


# -- writing the sources -----------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    item: _Item
    language: str
    text: str  # the translation once written
    stamp: str | None  # its `of:` once written
    origin: Location | None  # the PO entry it comes from
    new_text: bool = False
    new_stamp: bool = False


@dataclass
class _Outcome:
    files: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _apply(project: Path, loaded: LoadedSources, before: CheckResult, changes: list[_Change],
           dry_run: bool, reject: bool) -> _Outcome:
    """Edit, check in memory, write, check from disk.

    With `reject`, changes whose edit the check finds errors in are dropped and
    reported, and the rest tried again; any other error stops everything.
    """
    outcome = _Outcome()
    if not changes:
        return outcome
    originals = {source.display: _read_bytes(source) for source in loaded.files}
    active = list(changes)
    original_language = _report(before).meta.original_language
    while True:
        documents = {display: YamlText.parse(data, display)
                     for display, data in originals.items()}
        by_owner: dict[str, _Change] = {}
        for change in list(active):
            context = change.item.field.context
            document = documents.get(change.item.original.location.path)
            planned = len(document.edits) if document is not None else 0
            try:
                _plan(documents, change, original_language)
            except EditError as exc:
                if not reject:
                    raise WgecError(f"cannot write the translation of '{context}': {exc}") \
                        from exc
                if document is not None:
                    del document.edits[planned:]
                active.remove(change)
                outcome.rejected.append(context)
                outcome.diagnostics.append(_rejection(change, f"cannot be written: {exc}"))
                continue
            by_owner[context] = change
        new_bytes: dict[str, bytes] = {}
        spans: dict[str, list[tuple[str, int, int]]] = {}  # relative -> (owner, first, last line)
        relative_of = {source.display: source.relative for source in loaded.files}
        for display, document in documents.items():
            if not document.edits:
                continue
            text, placed = document.result()
            new_bytes[display] = document.encode(text)
            lines = LineIndex(text)
            spans[relative_of[display]] = [
                (edit.owner, lines.line_and_column(start)[0],
                 lines.line_and_column(max(start, end - 1))[0])
                for edit, start, end in placed
            ]
        blobs = {relative_of[d]: new_bytes.get(d, data) for d, data in originals.items()}
        result = check_blobs(project, blobs, _LABEL)
        if result.errors:
            blamed = _blame(result.errors, spans)
            if not reject or blamed is None:
                raise SourceError(
                    "writing the translations would make the sources invalid; "
                    "nothing was written", result.errors, result.texts)
            for owner, found in blamed.items():
                change = by_owner[owner]
                active.remove(change)
                outcome.rejected.append(owner)
                for problem in found:
                    outcome.diagnostics.append(_rejection(change, problem.message, problem.code))
            if not active:
                return outcome
            continue
        _verify(result, by_owner.values(), original_language)
        outcome.files = [display for display in documents if display in new_bytes]
        if not dry_run:
            _write_all(project, loaded, originals, new_bytes)
        return outcome


def _rejection(change: _Change, message: str, code: str = "translation-rejected") -> Diagnostic:
    where = change.origin or change.item.original.location
    return warning(where, code,
                   f"'{change.item.field.context}' not imported: {message}",
                   "correct the translation in the PO file and import it again")


def _blame(errors: list[Diagnostic], spans: dict[str, list[tuple[str, int, int]]]
           ) -> dict[str, list[Diagnostic]] | None:
    """Which edit each error lies in; None when one lies outside every edit."""
    prefix = f"{_LABEL}:sources/"
    blamed: dict[str, list[Diagnostic]] = {}
    for problem in errors:
        path = problem.location.path
        relative = path[len(prefix):] if path.startswith(prefix) else None
        owners = [owner for owner, first, last in spans.get(relative or "", ())
                  if first <= problem.location.line <= last]
        if not owners:
            return None
        blamed.setdefault(owners[0], []).append(problem)
    return blamed


def _plan(documents: dict[str, YamlText], change: _Change, original_language: str) -> None:
    """The edits that make one translation what `change` says, in its file's document."""
    item = change.item
    original = item.original
    document = documents.get(original.location.path)
    if document is None:
        raise EditError(f"no source file {original.location.path}")
    owner = item.field.context
    slot = _field_slot(document, item, original_language)
    language, text, stamp_value = change.language, change.text, change.stamp

    def render(column: int) -> str:
        if stamp_value is not None:
            return render_stamped(text, stamp_value, column)
        return render_text(text, column, len(language))

    def of(_: int) -> str:
        return " " + render_hash(stamp_value or "")

    if isinstance(slot.node, Scalar):
        document.wrap_scalar(slot, original_language, [(language, render)], owner)
        return
    if not isinstance(slot.node, MappingNode):
        raise EditError(f"'{owner}' is neither a text nor a mapping of languages")
    mapping = slot.node
    found = next(((key, value) for key, value in mapping.items if key.value == language), None)
    if found is None:
        document.add_item(mapping, language, render, owner, language_position(mapping, language))
        return
    _, value = found
    value_slot = document.slot_of(value)
    existing = item.field.text.by_language.get(language)
    same_text = existing is not None and existing.value == text
    if stamp_value is None or isinstance(value, Scalar):
        if stamp_value is None and same_text and isinstance(value, Scalar):
            return
        if stamp_value is not None and same_text:  # `fr: text` -> `fr: {text: (as written), of:}`
            document.wrap_scalar(value_slot, "text", [("of", of)], owner)
            return
        document.replace_value(value_slot, render, owner)
        return
    if not isinstance(value, MappingNode):
        raise EditError(f"the '{language}' translation of '{owner}' is not text")
    parts: dict[str, Node] = {key.value: node for key, node in value.items}
    text_node = parts.get("text")
    if text_node is None:
        raise EditError(f"the '{language}' translation of '{owner}' has no 'text'")
    if not same_text:
        document.replace_value(document.slot_of(text_node),
                               lambda column: render_text(text, column, len("text")), owner)
    of_node = parts.get("of")
    if of_node is None:
        document.add_item(value, "of", of, owner)
    elif not (isinstance(of_node, Scalar) and of_node.value == stamp_value):
        document.replace_value(document.slot_of(of_node), of, owner)


def _field_slot(document: YamlText, item: _Item, original_language: str) -> Slot:
    """The node of a text field: its original's scalar, or the mapping of its languages."""
    original = item.original
    slot = document.scalar_at(original.location.line, original.location.column)
    if slot is None:
        raise EditError(f"the text of '{item.field.context}' is not where the sources said")
    parent = slot.parent
    where = item.field.text.location
    if (isinstance(parent, MappingNode) and slot.key is not None
            and slot.key.value == original_language
            and (parent.location.line, parent.location.column) == (where.line, where.column)):
        return document.slot_of(parent)
    return slot


def _verify(result: CheckResult, changes: Iterable[_Change], original_language: str) -> None:
    """Every edited text loads back as intended, and no original moved a character."""
    report = _report(result)
    texts = {text_field.context: text_field.text for text_field in iter_texts(report)}
    for change in changes:
        context = change.item.field.context
        text = texts.get(context)
        original = text.by_language.get(original_language) if text else None
        written = text.by_language.get(change.language) if text else None
        if (original is None or original.value != change.item.original.value
                or written is None or written.value != change.text
                or written.source_hash != change.stamp):
            raise WgecError(f"internal error: the edit of '{context}' did not load back as "
                            "written; nothing was written. This is a bug in wgec: report it.")


def _read_bytes(source: SourceFile) -> bytes:
    data = source.path.read_bytes()
    text = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("utf-8")
    if text != source.text:
        raise WgecError(f"{source.display} changed while wgec was reading it; try again")
    return data


def _write_all(project: Path, loaded: LoadedSources, originals: dict[str, bytes],
               new_bytes: dict[str, bytes]) -> None:
    paths = {source.display: source.path for source in loaded.files}
    written: list[str] = []
    try:
        for display, data in new_bytes.items():
            _write_atomic(paths[display], data)
            written.append(display)
        after = check_project(project)
        if not after.ok:
            raise SourceError("the sources did not check after writing; they were restored",
                              after.diagnostics, after.texts)
    except BaseException:
        for display in written:
            _write_atomic(paths[display], originals[display])
        raise


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside `path`, then rename over it: never half a file, a source's mode kept,
    a new file's the user's umask (mkstemp's 0600 had made exported PO files private)."""
    from .convert import write_atomically

    write_atomically(path, data)
