"""The translators' round trip: PO export, import into the YAML sources, stamps.

Most tests run on a copy of the default report; the shapes a text can take in
YAML (folded blocks, flow mappings, comments in odd places, CRLF) on a small
report written here.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import polib  # type: ignore[import-untyped,unused-ignore]
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report.check import check_project
from wgec_report.cli import main
from wgec_report.errors import SourceError, WgecError
from wgec_report.model import LANGUAGES, Report, text_hash
from wgec_report.sources import (
    MappingNode,
    Scalar,
    SequenceNode,
    SourceFile,
    load_file,
    load_project,
)
from wgec_report.translatable import TextField, iter_texts
from wgec_report.translations import (
    export_po,
    import_po,
    normalize,
    stamp,
    write_po,
)
from wgec_report.yaml_edit import double_quoted, render_hash, render_stamped, render_text

# -- helpers ---------------------------------------------------------------------


def checked(project: Path) -> Report:
    result = check_project(project)
    assert result.ok, [d.headline() for d in result.errors]
    assert result.report is not None
    return result.report


def texts(project: Path) -> dict[str, TextField]:
    return {field.context: field for field in iter_texts(checked(project))}


def declare(project: Path, *languages: str) -> None:
    """Make sure the report declares these languages (whatever the default sources say)."""
    report_file = project / "sources" / "report.yaml"
    text = report_file.read_text(encoding="utf-8")
    source = SourceFile(report_file, "report.yaml", "report.yaml", data=text.encode())
    assert not load_file(source)
    assert isinstance(source.root, MappingNode)
    found = {key.value: value for key, value in source.root.items}
    node = found.get("languages")
    current = [item.value for item in getattr(node, "items", ()) if isinstance(item, Scalar)]
    wanted = current + [lang for lang in languages if lang not in current]
    if node is None:
        text += f"languages: [{', '.join(['en', *wanted])}]\n"
    elif wanted != current:
        end = node.end
        if isinstance(node, SequenceNode) and text[node.start] != "[":  # a block list
            end = node.items[-1].end
        text = text[:node.start] + "[" + ", ".join(wanted) + "]" + text[end:]
    report_file.write_text(text, encoding="utf-8")
    assert set(languages) <= set(checked(project).meta.languages)


def po_from(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def field_line_ranges(project: Path) -> dict[str, list[tuple[int, int]]]:
    """Per source file, the lines each text field spans (the lines an import may edit)."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    loaded = {s.display: s.relative for s in load_project(project).files}
    for field in iter_texts(checked(project)):
        where = field.text.location
        last = where.end_line - 1 if where.end_column == 1 else where.end_line
        ranges.setdefault(loaded[where.path], []).append((where.line, max(where.line, last)))
    return ranges


def assert_only_fields_changed(before: dict[str, str], after: dict[str, str],
                               ranges: dict[str, list[tuple[int, int]]]) -> None:
    """Every line outside the text fields is still there, unchanged and in order."""
    for relative, old in before.items():
        new = after[relative]
        old_lines, new_lines = old.splitlines(), new.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                for line in range(i1 + 1, i2 + 1):
                    assert any(first <= line <= last for first, last in ranges.get(relative, ())), (
                        f"{relative}:{line} changed outside a text field: {old_lines[line - 1]!r}")
        old_comments = [line for line in old_lines if line.lstrip().startswith("#")]
        new_comments = [line.strip() for line in new_lines if line.lstrip().startswith("#")]
        assert [line.strip() for line in old_comments] == new_comments, relative


def snapshot(project: Path) -> dict[str, str]:
    root = project / "sources"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.yaml"))}


# -- export ----------------------------------------------------------------------


def test_export_has_one_entry_per_text(project: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    report = checked(project)
    fields = [f for f in iter_texts(report)
              if normalize(f.text.by_language[report.meta.original_language].value, f.prose)]
    assert [e.msgctxt for e in po] == [f.context for f in fields]
    assert len({e.msgctxt for e in po}) == len(po)
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Project-Id-Version"] == "wgec report"
    assert po.metadata["X-Generator"] == "wgec"
    assert not any("Date" in key for key in po.metadata)
    for entry, field in zip(po, fields, strict=True):
        original = field.text.by_language[report.meta.original_language].value
        assert entry.msgid == normalize(original, field.prose)
        assert entry.occurrences[0][0].startswith("sources/")
        assert ("[@...]" in entry.comment) == field.prose
        translation = field.text.by_language.get("fr")
        assert entry.msgstr == (normalize(translation.value, field.prose) if translation else "")


def test_export_is_deterministic(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    first, second = tmp_path / "a.po", tmp_path / "b.po"
    write_po(project, "fr", first)
    write_po(project, "fr", second)
    assert first.read_bytes() == second.read_bytes()
    assert str(export_po(project, "fr")).encode() == first.read_bytes()
    assert first.read_bytes().decode("utf-8")  # UTF-8, whatever the scripts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.po", "b.po", "project"]


def test_an_exported_file_has_the_umask_s_mode_and_a_rewritten_source_its_own(
        project: Path, tmp_path: Path) -> None:
    """A new PO file was 0600 (mkstemp's), unlike every other output: a translator's
    colleague could not read it."""
    import os
    import stat

    declare(project, "fr")
    umask = os.umask(0o022)
    try:
        write_po(project, "fr", tmp_path / "fr.po")
        recommendations = project / "sources" / "recommendations.yaml"
        recommendations.chmod(0o640)
        before = recommendations.read_bytes()
        assert stamp(project) > 0
        assert recommendations.read_bytes() != before  # rewritten, with its stamps
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fr.po").stat().st_mode) == 0o644
    assert stat.S_IMODE(recommendations.stat().st_mode) == 0o640


def test_export_with_line_numbers(project: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr", line_numbers=True)
    report = checked(project)
    field = next(iter_texts(report))
    original = field.text.by_language[report.meta.original_language]
    assert po[0].occurrences == [("sources/report.yaml", str(original.location.line))]


def test_export_refuses_bad_languages(project: Path) -> None:
    with pytest.raises(WgecError, match="six UN languages"):
        export_po(project, "de")
    with pytest.raises(WgecError, match="original language"):
        export_po(project, "en")
    report = checked(project)
    missing = next(lang for lang in LANGUAGES if lang not in report.meta.languages)
    with pytest.raises(WgecError, match="not among the report's languages") as caught:
        export_po(project, missing)
    assert caught.value.diagnostics[0].location.path.endswith("report.yaml")


def test_export_refuses_invalid_sources(project: Path) -> None:
    levels = project / "sources" / "levels.yaml"
    levels.write_text(levels.read_text(encoding="utf-8") + "  - id: Bad Id\n    name: x\n",
                      encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        export_po(project, "fr")
    assert caught.value.diagnostics


# -- the round trip ----------------------------------------------------------------

TRICKY = [
    'Rapport : « guillemets » et "quotes"',
    "Deux-points: au milieu # pas un commentaire",
    "- commence par un tiret",
    "[entre crochets] au début",
    "تقرير الفريق العامل المعني بتعزيز التعاون",
    "加强合作问题工作组报告草稿：第一部分",
    "yes",
    "null",
    "123",
    "Fin par deux-points:",
    "back\\slash et 'apostrophe'",
    "%pourcent & *étoile* !exclamation @arobase `backtick`",
    "un texte bien plus long que la largeur d’une ligne du fichier YAML, qui doit donc "
    "être replié en bloc sans perdre une seule espace ni un seul caractère",
    "长" * 120,
]


def test_round_trip_default_report(project: Path, tmp_path: Path) -> None:
    """Export, translate, import, export again: the same file."""
    declare(project, "fr")
    before = snapshot(project)
    ranges = field_line_ranges(project)
    po = export_po(project, "fr")
    plain = [e for e in po if not e.comment]
    prose = [e for e in po if e.comment]
    assert plain and prose
    for index, entry in enumerate(po):
        if not entry.msgstr:
            entry.msgstr = TRICKY[index % len(TRICKY)] if not entry.comment else (
                "Traduction : " + entry.msgid)  # keeps every [@...] reference
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    translated = tmp_path / "fr.po"
    po.save(str(translated))

    result = import_po(project, translated)

    assert result.language == "fr"
    assert not result.unknown_contexts and not result.rejected
    assert result.stamped == len(po)  # every entry reviewed: every one stamped
    assert result.fuzzy == 0 and result.untranslated == 0
    assert result.files
    after = snapshot(project)
    assert_only_fields_changed(before, after, ranges)
    report_texts = texts(project)
    for entry in po:
        written = report_texts[entry.msgctxt].text.by_language["fr"]
        assert normalize(written.value, bool(entry.comment)) == entry.msgstr
        assert written.source_hash == text_hash(
            report_texts[entry.msgctxt].text.by_language["en"].value)
    again = tmp_path / "again.po"
    write_po(project, "fr", again)
    assert again.read_bytes() == translated.read_bytes()

    # A second import changes nothing.
    second = import_po(project, translated)
    assert second.imported == second.stamped == 0
    assert second.unchanged == len(po)
    assert snapshot(project) == after
    leftovers = [p for p in (project / "sources").rglob("*") if p.name.startswith(".")]
    assert not leftovers  # no temporary files


def test_import_keeps_fuzzy_entries_unreviewed(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    untranslated = [e for e in po if not e.msgstr and not e.comment][:2]
    assert len(untranslated) == 2
    untranslated[0].msgstr = "Revu"
    untranslated[1].msgstr = "Pas encore revu"
    untranslated[1].flags.append("fuzzy")
    path = tmp_path / "fr.po"
    po.save(str(path))
    result = import_po(project, path)
    assert result.fuzzy >= 1 and result.stamped >= 1
    fields = texts(project)
    reviewed = fields[untranslated[0].msgctxt].text.by_language["fr"]
    unreviewed = fields[untranslated[1].msgctxt].text.by_language["fr"]
    assert reviewed.source_hash is not None and unreviewed.source_hash is None
    again = {e.msgctxt: e for e in export_po(project, "fr")}
    assert again[untranslated[1].msgctxt].fuzzy
    assert not again[untranslated[0].msgctxt].fuzzy
    assert str(export_po(project, "fr")) == path.read_text(encoding="utf-8")


def test_stamp_then_changed_original_is_fuzzy(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    for entry in po:
        if not entry.msgstr:
            entry.msgstr = "FR " + entry.msgid
    path = tmp_path / "fr.po"
    po.save(str(path))
    import_po(project, path)
    stamp(project, "fr")
    assert not export_po(project, "fr").fuzzy_entries()

    # Change one original: its translation, and only it, goes stale.
    report = checked(project)
    field = next(f for f in iter_texts(report) if f.context.startswith("recommendation/"))
    original = field.text.by_language[report.meta.original_language]
    loaded = {s.display: s for s in load_project(project).files}
    source = loaded[original.location.path]
    written = source.text[original.start:original.end]
    first_word = re.search(r"[A-Za-z]", written)
    assert first_word is not None
    at = original.start + first_word.start()
    source.path.write_text(source.text[:at] + "Revised " + source.text[at:], encoding="utf-8")
    stale = export_po(project, "fr")
    assert [e.msgctxt for e in stale.fuzzy_entries()] == [field.context]
    assert next(e for e in stale if e.msgctxt == field.context).msgid.startswith("Revised ")

    # The old PO file's entry no longer matches the original: imported, not stamped.
    entries = po_from(path)
    entry = next(e for e in entries if e.msgctxt == field.context)
    entry.msgstr = "FR nouvelle version"
    entries.save(str(path))
    result = import_po(project, path)
    assert result.imported == 1 and result.stamped == 0 and result.fuzzy == 1
    assert any(d.code == "outdated-entry" for d in result.diagnostics)
    assert texts(project)[field.context].text.by_language["fr"].source_hash != text_hash(
        texts(project)[field.context].text.by_language["en"].value)

    assert stamp(project, "fr") == 1
    assert not export_po(project, "fr").fuzzy_entries()


def test_stamp_is_idempotent(project: Path) -> None:
    declare(project, "fr")
    report = checked(project)
    original_language = report.meta.original_language
    translations = sum(
        1 for f in iter_texts(report) for lang, text in f.text.by_language.items()
        if lang != original_language
        and text.source_hash != text_hash(f.text.by_language[original_language].value))
    assert translations  # the default report ships unreviewed translations
    first = stamp(project)
    after = snapshot(project)
    assert first == translations
    assert stamp(project) == 0
    assert snapshot(project) == after
    checked(project)
    for field in iter_texts(checked(project)):
        original = field.text.by_language[report.meta.original_language].value
        for lang, text in field.text.by_language.items():
            if lang != report.meta.original_language:
                assert text.source_hash == text_hash(original)


def test_unknown_context_is_reported(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    po.append(polib.POEntry(msgctxt="level/no-such-level/name", msgid="Gone", msgstr="Parti"))
    target = next(e for e in po if not e.msgstr and not e.comment)
    target.msgstr = "Traduit"
    path = tmp_path / "fr.po"
    po.save(str(path))
    result = import_po(project, path)
    assert result.unknown_contexts == ("level/no-such-level/name",)
    unknown = next(d for d in result.diagnostics if d.code == "unknown-context")
    assert unknown.location.path.endswith("fr.po") and unknown.location.line > 1
    assert result.imported == 1
    assert texts(project)[target.msgctxt].text.by_language["fr"].value == "Traduit"


def test_po_without_language_needs_one(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    del po.metadata["Language"]
    path = tmp_path / "nolang.po"
    po.save(str(path))
    with pytest.raises(WgecError, match="does not say its language"):
        import_po(project, path)
    assert import_po(project, path, "fr").language == "fr"
    with pytest.raises(WgecError, match="does not exist"):
        import_po(project, tmp_path / "missing.po")
    broken = tmp_path / "broken.po"
    broken.write_text('msgid "x"\nmsgstr "y"\ngarbage\n', encoding="utf-8")
    with pytest.raises(WgecError, match="not a readable PO file") as caught:
        import_po(project, broken, "fr")
    assert caught.value.diagnostics[0].location.line == 3


def test_language_header_and_argument_must_agree(project: Path, tmp_path: Path) -> None:
    declare(project, "fr", "ar")
    path = tmp_path / "fr.po"
    write_po(project, "fr", path)
    with pytest.raises(WgecError, match="not 'ar'"):
        import_po(project, path, "ar")


def test_translation_that_breaks_the_sources_is_rejected(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    prose = next(e for e in po if e.comment)
    plain = next(e for e in po if not e.comment)
    prose.msgstr = "Voir [@no-such-instrument:1]."
    plain.msgstr = "Bien traduit"
    path = tmp_path / "fr.po"
    po.save(str(path))
    before = texts(project)[prose.msgctxt].text.by_language.get("fr")
    result = import_po(project, path)
    assert result.rejected == (prose.msgctxt,)
    rejected = [d for d in result.diagnostics if prose.msgctxt in d.message]
    assert rejected and rejected[0].location.path.endswith("fr.po")
    assert "no-such-instrument" in rejected[0].message
    fields = texts(project)
    after = fields[prose.msgctxt].text.by_language.get("fr")
    assert (after and after.value) == (before and before.value)
    assert fields[plain.msgctxt].text.by_language["fr"].value == "Bien traduit"


def test_dry_run_writes_nothing(project: Path, tmp_path: Path) -> None:
    declare(project, "fr")
    po = export_po(project, "fr")
    next(e for e in po if not e.msgstr).msgstr = "Quelque chose"
    path = tmp_path / "fr.po"
    po.save(str(path))
    before = snapshot(project)
    result = import_po(project, path, dry_run=True)
    assert result.imported == 1 and result.files
    assert snapshot(project) == before


# -- malformed PO files ------------------------------------------------------------
#
# polib reads a string with no closing quote, an entry cut short or an unknown escape
# without a word (and gets them wrong): `import` refuses the whole file, located.

PO_HEADER = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'


def import_from_cli(project: Path, po_file: Path) -> tuple[int, str]:
    """`wgec translations import`: its exit code and what it printed (stderr included)."""
    result = CliRunner().invoke(main, ["translations", "import", str(po_file),
                                       "-C", str(project)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def assert_refused(project: Path, po_file: Path, *located: str) -> str:
    """The import fails, each `FILE:LINE:COL: error[po-syntax]: message` is printed, and
    the sources are as they were."""
    before = snapshot(project)
    code, output = import_from_cli(project, po_file)
    assert code == 1, output
    for headline in located:
        assert f"{po_file.name}:{headline}" in output, output
    assert f"{po_file.name} is not a readable PO file" in output
    assert "Traceback" not in output
    assert snapshot(project) == before
    return output


def translated_po(project: Path, tmp_path: Path) -> Path:
    """The default report's French PO file, every entry translated and reviewed."""
    declare(project, "fr")
    po = export_po(project, "fr")
    for entry in po:
        entry.msgstr = entry.msgstr or "Traduction : " + entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    path = tmp_path / "fr.po"
    po.save(str(path))
    return path


def test_truncated_po_file_is_refused(project: Path, tmp_path: Path) -> None:
    full = translated_po(project, tmp_path)
    lines = full.read_text(encoding="utf-8").split("\n")
    # Cut in the middle of a continuation line of the second half (as `head -c` would).
    number = next(n for n in range(len(lines) // 2, len(lines))
                  if lines[n].startswith('"') and len(lines[n]) > 20)
    truncated = tmp_path / "truncated.po"
    truncated.write_text("\n".join([*lines[:number], lines[number][:12]]), encoding="utf-8")
    output = assert_refused(
        project, truncated,
        f"{number + 1}:1: error[po-syntax]: unterminated string: "
        "a PO string ends with a double quote on its line")
    assert f"{number + 1:>4} | {lines[number][:12]}" in output  # the line, shown


def test_po_file_cut_after_a_keyword_is_refused(project: Path, tmp_path: Path) -> None:
    """Cut at the end of a line: every string is whole, but the last entry is not."""
    lines = translated_po(project, tmp_path).read_text(encoding="utf-8").split("\n")
    number = max(n for n, line in enumerate(lines) if line.startswith("msgid "))
    truncated = tmp_path / "cut.po"
    truncated.write_text("\n".join(lines[:number + 1]) + "\n", encoding="utf-8")
    assert_refused(project, truncated,
                   f"{number + 1}:1: error[po-syntax]: the file ends after this msgid, "
                   "before its msgstr or msgid_plural")


@pytest.mark.parametrize(("entry", "located"), [
    ('msgctxt "report/title"\nmsgid "Test report\nmsgstr "Rapport"\n',
     ["7:7: error[po-syntax]: unterminated string"]),
    ('msgctxt "report/title"\nmsgid "Test report"\nmsgstr "Rapport',
     ["8:8: error[po-syntax]: unterminated string"]),
    ('msgctxt "report/title"\nmsgid "Test report\nmsgstr "X',  # the audit's file
     ["7:7: error[po-syntax]: unterminated string", "8:8: error[po-syntax]: unterminated"]),
    ('msgctxt "report/title"\nmsgid "Test report"\nmsgstr "Rapport \\"cité\\"\n',
     ["8:8: error[po-syntax]: unterminated string"]),  # its last quote is escaped
    ('msgctxt "report/title"\nmsgid "Test report"\nmsgstr ""\n"Rapport"\n"d’essai\n',
     ["10:1: error[po-syntax]: unterminated string"]),
    ('msgctxt "report/title"\nmsgid "Test report"\nmsgstr "Un "rapport""\n',
     ["8:13: error[po-syntax]: text after the string's closing double quote"]),
])
def test_unterminated_string_is_refused(mini: Path, tmp_path: Path, entry: str,
                                        located: list[str]) -> None:
    path = tmp_path / "fr.po"
    path.write_text(PO_HEADER + "\n" + entry, encoding="utf-8")
    assert_refused(mini, path, *located)


def test_invalid_escape_is_refused(mini: Path, tmp_path: Path) -> None:
    path = tmp_path / "fr.po"
    path.write_text(PO_HEADER + '\nmsgctxt "report/title"\nmsgid "Test report"\n'
                    'msgstr "ABC\\q \\400 \\101 \\x41 \\a \\\\q"\n', encoding="utf-8")
    output = assert_refused(
        mini, path,
        "8:12: error[po-syntax]: invalid escape '\\q' in a PO string",
        "8:15: error[po-syntax]: invalid escape '\\400': an escaped byte goes up to \\377",
        # valid gettext, but polib would import them backslash and all
        "8:20: error[po-syntax]: the escape '\\101' is valid gettext",
        "8:25: error[po-syntax]: the escape '\\x41' is valid gettext",
        "8:30: error[po-syntax]: the escape '\\a' is valid gettext")
    assert "'\\\\q'" not in output  # an escaped backslash is one
    assert "(5 syntax errors)" in output


def test_file_of_one_unterminated_msgid_is_a_syntax_error(mini: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.po"
    path.write_text('msgid "x\n', encoding="utf-8")
    output = assert_refused(mini, path, "1:7: error[po-syntax]: unterminated string")
    assert "Language" not in output  # the syntax, not the missing header
    assert "(1 syntax error)" in output  # not also "no msgstr": the cut string says it


def test_valid_escapes_and_poedit_lines_import(mini: Path, tmp_path: Path) -> None:
    """What gettext tools and Poedit write: previous strings, obsolete entries, plurals,
    flags, multi-line strings, every escape polib reads; CRLF and a byte order mark."""
    path = tmp_path / "fr.po"
    text = PO_HEADER + r"""
# A translator's comment
#. An extracted comment
#: sources/report.yaml
#, fuzzy, c-format
#| msgctxt "report/title"
#| msgid ""
#| "Old test "
#| "report"
msgctxt "report/title"
msgid "Test report"
msgstr ""
"Rapport \"d’essai\" \\ "
"fin\tici"

msgctxt "paragraph/named/text"
msgid "A paragraph with languages."
msgstr "Un paragraphe\navec\tdes langues."

msgid "One"
msgid_plural "Many"
msgstr[0] "Un"
msgstr[1] "Plusieurs"

#~ msgctxt "gone/title"
#~ msgid ""
#~ "Gone"
#~ msgstr "Parti"
#~| msgid "Older"
#~ msgid "Old"
#~ msgstr "Vieux"
"""
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = import_po(mini, path)
    assert result.imported == 2 and result.fuzzy == 1
    fields = texts(mini)
    # A name is one line (runs of white space become one space); prose keeps its own.
    assert fields["report/title"].text.by_language["fr"].value == 'Rapport "d’essai" \\ fin ici'
    assert (fields["paragraph/named/text"].text.by_language["fr"].value
            == "Un paragraphe\navec\tdes langues.")


# -- the shapes of a text in YAML --------------------------------------------------

MINI_REPORT = """\
# The report: comments stay where they are.
title: Test report  # a trailing comment
original_language: en
languages: [en, fr, ar, zh]
sections:
  - intro
"""
MINI_SECTION = """\
id: intro
title: Introduction
# a comment before the note
drafting_note: >-
  A folded note that spans
  two lines.
paragraphs:
  - A plain paragraph, as a list item.
  - id: named
    text:
      en: A paragraph with languages.  # en
      zh: 一段
      # a comment between languages
  - id: flowed
    text: {en: Flow text}
  - id: stamped
    text:
      en: Reviewed text.
      fr:
        text: Texte revu.
        of: 00000000
  - id: literal
    text: |
      First line,
      second line.
  - id: commented
    text: # why this paragraph
      Text on its own line
      over two lines.
"""


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    project = tmp_path / "mini"
    (project / "sources" / "sections").mkdir(parents=True)
    (project / "sources" / "report.yaml").write_text(MINI_REPORT, encoding="utf-8")
    (project / "sources" / "sections" / "intro.yaml").write_text(MINI_SECTION, encoding="utf-8")
    checked(project)
    return project


def translate(project: Path, tmp_path: Path, language: str, values: dict[str, str],
              fuzzy: tuple[str, ...] = ()) -> polib.POFile:
    po = export_po(project, language)
    for entry in po:
        if entry.msgctxt in values:
            entry.msgstr = values[entry.msgctxt]
            if "fuzzy" in entry.flags and entry.msgctxt not in fuzzy:
                entry.flags.remove("fuzzy")
            if entry.msgctxt in fuzzy and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
    path = tmp_path / f"{language}.po"
    po.save(str(path))
    import_po(project, path)
    assert str(export_po(project, language)) == path.read_text(encoding="utf-8")
    return po


def section_text(project: Path) -> str:
    return (project / "sources" / "sections" / "intro.yaml").read_text(encoding="utf-8")


def test_import_into_each_shape(mini: Path, tmp_path: Path) -> None:
    translate(mini, tmp_path, "fr", {
        "report/title": "Rapport d’essai",
        "section/intro/title": "Introduction",
        "section/intro/drafting_note": "Une note pliée.",
        "paragraph/intro/1/text": "Un paragraphe simple, élément de liste.",
        "paragraph/named/text": "Un paragraphe avec des langues.",
        "paragraph/flowed/text": "Texte {en flux}, virgule",
        "paragraph/stamped/text": "Texte revu, corrigé.",
        "paragraph/literal/text": "Première ligne,\ndeuxième ligne.",
        "paragraph/commented/text": "Texte sur sa propre ligne.",
    })
    h = {context: text_hash(field.text.by_language["en"].value)
         for context, field in texts(mini).items()}
    report = (mini / "sources" / "report.yaml").read_text(encoding="utf-8")
    assert report == MINI_REPORT.replace(
        "title: Test report  # a trailing comment\n",
        "title:\n  en: Test report  # a trailing comment\n"
        f"  fr:\n    text: Rapport d’essai\n    of: {render_hash(h['report/title'])}\n")
    assert section_text(mini) == f"""\
id: intro
title:
  en: Introduction
  fr:
    text: Introduction
    of: {render_hash(h['section/intro/title'])}
# a comment before the note
drafting_note:
  en: >-
    A folded note that spans
    two lines.
  fr:
    text: Une note pliée.
    of: {render_hash(h['section/intro/drafting_note'])}
paragraphs:
  - en: A plain paragraph, as a list item.
    fr:
      text: Un paragraphe simple, élément de liste.
      of: {render_hash(h['paragraph/intro/1/text'])}
  - id: named
    text:
      en: A paragraph with languages.  # en
      fr:
        text: Un paragraphe avec des langues.
        of: {render_hash(h['paragraph/named/text'])}
      zh: 一段
      # a comment between languages
  - id: flowed
    text: {{en: Flow text, fr: {{text: "Texte {{en flux}}, virgule", \
of: {render_hash(h['paragraph/flowed/text'])}}}}}
  - id: stamped
    text:
      en: Reviewed text.
      fr:
        text: Texte revu, corrigé.
        of: {render_hash(h['paragraph/stamped/text'])}
  - id: literal
    text:
      en: |
        First line,
        second line.
      fr:
        text: |-
          Première ligne,
          deuxième ligne.
        of: {render_hash(h['paragraph/literal/text'])}
  - id: commented
    text: # why this paragraph
      en: Text on its own line
        over two lines.
      fr:
        text: Texte sur sa propre ligne.
        of: {render_hash(h['paragraph/commented/text'])}
"""


def test_fuzzy_import_writes_plain_translations(mini: Path, tmp_path: Path) -> None:
    values = {"section/intro/drafting_note": "Une note pliée, pas encore revue.",
              "paragraph/named/text": "Pas revu."}
    translate(mini, tmp_path, "fr", values, fuzzy=tuple(values))
    text = section_text(mini)
    assert "  fr: Une note pliée, pas encore revue.\n" in text
    assert "      fr: Pas revu.\n" in text
    assert "  en: >-\n    A folded note that spans\n    two lines.\n" in text


def test_fuzzy_import_keeps_a_stale_stamp(mini: Path, tmp_path: Path) -> None:
    translate(mini, tmp_path, "fr", {"paragraph/stamped/text": "Autre texte."},
              fuzzy=("paragraph/stamped/text",))
    assert "        text: Autre texte.\n        of: 00000000\n" in section_text(mini)
    assert texts(mini)["paragraph/stamped/text"].text.by_language["fr"].source_hash == "00000000"


def test_stamp_keeps_the_translation_as_written(mini: Path) -> None:
    path = mini / "sources" / "sections" / "intro.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      zh: 一段\n", "      zh: >-\n        一段\n        文字\n"), encoding="utf-8")
    assert stamp(mini, "zh") == 1
    h = render_hash(text_hash("A paragraph with languages."))
    assert ("      zh:\n        text: >-\n          一段\n          文字\n"
            f"        of: {h}\n      # a comment between languages\n") in section_text(mini)
    assert stamp(mini) == 1  # the stale French one
    assert stamp(mini) == 0


def test_rewrapped_original_stays_reviewed(mini: Path, tmp_path: Path) -> None:
    """Line breaks in an original do not count: its translation is not stale."""
    translate(mini, tmp_path, "fr", {"paragraph/literal/text": "Première ligne,\ndeuxième."})
    path = mini / "sources" / "sections" / "intro.yaml"
    rewrapped = path.read_text(encoding="utf-8").replace(
        "        First line,\n        second line.\n",
        "        First line, second\n        line.\n")
    path.write_text(rewrapped, encoding="utf-8")
    entry = next(e for e in export_po(mini, "fr") if e.msgctxt == "paragraph/literal/text")
    assert entry.msgid == "First line, second\nline." and not entry.fuzzy
    result = import_po(mini, tmp_path / "fr.po")
    assert result.imported == result.stamped == 0 and not result.diagnostics


def test_crlf_and_byte_order_mark_are_kept(mini: Path, tmp_path: Path) -> None:
    path = mini / "sources" / "sections" / "intro.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI_SECTION.replace("\n", "\r\n").encode())
    translate(mini, tmp_path, "fr", {"section/intro/drafting_note": "Une note."})
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert "  fr:\r\n    text: Une note.\r\n" in data.decode("utf-8-sig")


def test_mixed_line_endings_are_left_alone(mini: Path, tmp_path: Path) -> None:
    path = mini / "sources" / "sections" / "intro.yaml"
    mixed = MINI_SECTION.replace("title: Introduction\n", "title: Introduction\r\n")
    path.write_bytes(mixed.encode())
    translate(mini, tmp_path, "fr", {"section/intro/drafting_note": "Une note."})
    data = path.read_bytes()
    assert data.count(b"\r\n") == 1
    assert data.startswith(b"id: intro\ntitle: Introduction\r\n")


def test_keep_chomped_block(mini: Path, tmp_path: Path) -> None:
    path = mini / "sources" / "sections" / "intro.yaml"
    path.write_text(MINI_SECTION.replace("    text: |\n", "    text: |+\n")
                    .replace("      second line.\n", "      second line.\n\n")
                    + "# the end\n", encoding="utf-8")
    translate(mini, tmp_path, "fr", {"paragraph/literal/text": "Ligne."})
    value = texts(mini)["paragraph/literal/text"].text.by_language["en"].value
    assert value == "First line,\nsecond line.\n\n"
    assert section_text(mini).endswith("# the end\n")


@pytest.mark.parametrize("value", [
    *TRICKY,
    "\tTabulation\tà\tl’intérieur",
    "ligne un\n\n- une liste\n- en Markdown\n\n  indentée",
    "\u200fعلامة من اليمين إلى اليسار",  # imported as Arabic: a right-to-left mark
    "emoji 🙂 et espace insécable\u00a0!",
])
def test_tricky_text_round_trips(mini: Path, tmp_path: Path, value: str) -> None:
    language = "ar" if "\u200f" in value else "fr"
    for context, prose in (("section/intro/title", False), ("paragraph/named/text", True),
                           ("paragraph/flowed/text", True)):
        expected = normalize(value, prose)
        translate(mini, tmp_path, language, {context: expected})
        assert texts(mini)[context].text.by_language[language].value == expected


# -- writing values ----------------------------------------------------------------


def loads(rendered: str) -> str:
    source = SourceFile(Path("v"), "v", "v", data=f"k:{rendered}\n".encode())
    assert not load_file(source), rendered
    assert isinstance(source.root, MappingNode)
    value = source.root.items[0][1]
    assert isinstance(value, Scalar) and not value.is_null
    return value.value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.integers(min_value=0, max_value=30))
def test_every_string_loads_back_exactly(value: str, column: int) -> None:
    assert loads(render_text(value, column)) == value
    assert loads(" " + double_quoted(value)) == value
    flow = render_stamped(value, "1a2b3c4d", -1)
    source = SourceFile(Path("v"), "v", "v", data=f"k:{flow}\n".encode())
    assert not load_file(source)


def test_hashes_that_look_like_numbers_are_quoted() -> None:
    assert render_hash("12345678") == '"12345678"'
    assert render_hash("1234e567") == '"1234e567"'
    assert render_hash("1a2b3c4d") == "1a2b3c4d"
