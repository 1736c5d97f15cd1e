"""PO files checked as gettext reads them, before polib does.

polib forgives what gettext does not, and what it forgives it gets wrong: a
string with no closing quote loses its last character, an entry cut short at
the end of the file is dropped or imported as untranslated, an escape it does
not know is kept as written, backslash and all. Any of these would reach the
sources without a word, so the file is first checked as gettext's lexer and
grammar see it, line by line (a PO string never spans lines), and every
problem is reported, located, before polib reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polib  # type: ignore[import-untyped,unused-ignore]

from .errors import Diagnostic, Location, WgecError, error
from .sources import location_in_text

_PO_SPACE = " \t\f\v"  # what gettext skips between tokens (a CR ends a line, as for polib)
_PO_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr)(?![\w\[])")
_PREVIOUS_KEYWORDS = ("msgctxt", "msgid", "msgid_plural")  # after `#|`: the previous original
# A whole string: escapes pair a backslash with the next character, so `\"` never closes it.
_PO_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# Gettext's escapes: one character, or up to three octal digits, or \x and hex digits.
_PO_ESCAPE = re.compile(r"\\(?:[0-7]{1,3}|x[0-9A-Fa-f]*|.)", re.DOTALL)
_READ_ESCAPES = frozenset('\\"ntrbfv')  # the escapes polib turns into their characters
_ESCAPES_HELP = r'\\ \" \n \t \r \b \f \v'

# gettext's grammar of an entry: [msgctxt] msgid (msgstr | msgid_plural msgstr[0]...).
# After each keyword (or none yet), the keywords that may come next.
_NEXT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "": ("msgctxt", "msgid"),
    "msgctxt": ("msgid",),
    "msgid": ("msgstr", "msgid_plural"),
    "msgid_plural": ("msgstr[N]",),
    "msgstr": ("msgctxt", "msgid"),
    "msgstr[N]": ("msgstr[N]", "msgctxt", "msgid"),
}
_ENTRY_DONE = ("", "msgstr", "msgstr[N]")  # where an entry may end (or none has begun)


def po_lines(path: Path, shown: str) -> list[str]:
    """The PO file's lines, decoded as polib decodes them (its charset, else UTF-8)."""
    data = path.read_bytes()
    encoding = _po_encoding(path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as bad:
        raise _undecodable(shown, data, encoding, bad) from bad
    return _split_lines(text.removeprefix("\ufeff"))


def _po_encoding(path: Path) -> str:
    encoding: str = polib.detect_encoding(str(path))
    try:
        "".encode(encoding)
    except LookupError:  # a codec but no text encoding (base64): polib reads UTF-8 then
        return "utf-8"
    return encoding


def _split_lines(text: str) -> list[str]:
    """Lines as polib reads them (universal newlines), never at U+2028 and friends."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _undecodable(shown: str, data: bytes, encoding: str, bad: UnicodeDecodeError) -> WgecError:
    before = "\n".join(_split_lines(data[:bad.start].decode(encoding, "replace")))
    said = (f"byte 0x{data[bad.start]:02x} is not {encoding} text, the charset of the "
            "PO file's Content-Type header (UTF-8 when it names none)")
    texts = {shown: "\n".join(_split_lines(data.decode(encoding, "replace")))}
    return WgecError(f"{shown} is not a readable PO file",
                     [error(location_in_text(shown, before, len(before)), "po-syntax", said,
                            "save it as UTF-8, or correct its charset")], texts)


@dataclass
class _EntryShape:
    """Where the file is in gettext's grammar of an entry: the last keyword seen."""

    last: str = ""  # "msgstr[N]" for any msgstr[n]; "" before the first entry
    where: Location | None = None  # the last keyword's place
    obsolete: bool = False  # the current entry's lines start with #~

    def keyword(self, keyword: str, where: Location, obsolete: bool) -> Diagnostic | None:
        kind = "msgstr[N]" if keyword.startswith("msgstr[") else keyword
        starts_entry = kind == "msgctxt" or (kind == "msgid" and self.last != "msgctxt")
        problem = None
        if kind not in _NEXT_KEYWORDS[self.last]:
            problem = error(where, "po-syntax", self._unexpected(keyword))
        elif not starts_entry:
            problem = self._same_entry(where, obsolete)
        if starts_entry:
            self.obsolete = obsolete
        self.last, self.where = kind, where  # go on from here: one mistake, one error
        return problem

    def continuation(self, where: Location, obsolete: bool) -> Diagnostic | None:
        if not self.last:
            return error(where, "po-syntax",
                         "a string with no keyword before it: a PO file starts with msgid "
                         "(or msgctxt), and a string on its own line continues the one above")
        return self._same_entry(where, obsolete)

    def end(self) -> Diagnostic | None:
        if self.last in _ENTRY_DONE or self.where is None:
            return None
        follower = " or ".join(_NEXT_KEYWORDS[self.last]).replace("[N]", "[0]")
        return error(self.where, "po-syntax",
                     f"the file ends after this {self.last}, before its {follower}",
                     "was the file cut short? Get the whole file again")

    def _unexpected(self, keyword: str) -> str:
        if self.last in _ENTRY_DONE or self.where is None:
            return f"unexpected {keyword}: an entry starts with msgctxt or msgid"
        expected = " or ".join(_NEXT_KEYWORDS[self.last]).replace("[N]", "[0]")
        return (f"unexpected {keyword}: the {self.last} of line {self.where.line} "
                f"must be followed by {expected}")

    def _same_entry(self, where: Location, obsolete: bool) -> Diagnostic | None:
        if obsolete == self.obsolete:
            return None
        return error(where, "po-syntax",
                     "an entry mixes obsolete lines (#~) with others: either every line "
                     "of an entry starts with #~, or none does")


def po_syntax_errors(shown: str, lines: list[str]) -> list[Diagnostic]:
    """Every problem gettext would find in the file's strings and keywords, located."""
    problems: list[Diagnostic] = []
    shape = _EntryShape()
    for number, line in enumerate(lines, start=1):
        at = _skip_spaces(line, 0)
        if line.startswith(("#|", "#~|"), at):  # a previous original, as msgmerge keeps it
            body = line.index("|", at) + 1
            problems += _statement_errors(shown, number, line, body, None, obsolete=False)
        elif line.startswith("#~", at):  # an obsolete entry: PO syntax after the mark
            problems += _statement_errors(shown, number, line, at + 2, shape, obsolete=True)
        elif not line.startswith("#", at):  # comments (#, #., #:, #,) are free text
            problems += _statement_errors(shown, number, line, at, shape, obsolete=False)
    unfinished = shape.end()
    # An entry cut short in a string the file ends in: that string's error says it all.
    if unfinished is not None and not (
            problems and problems[-1].location.line >= unfinished.location.line):
        problems.append(unfinished)
    return problems


def _statement_errors(shown: str, number: int, line: str, at: int,
                      shape: _EntryShape | None, obsolete: bool) -> list[Diagnostic]:
    """A keyword and its string, or a continuation string, from `at`; `shape` None for the
    previous original (`#|`), whose keywords are not the entry's."""
    at = _skip_spaces(line, at)
    if at == len(line):
        return []
    where = Location(shown, number, at + 1)
    problems: list[Diagnostic] = []
    if line[at] == '"':
        found = shape.continuation(where, obsolete) if shape is not None else None
        problems += [found] if found else []
        return problems + _string_errors(shown, number, line, at)
    keyword = _PO_KEYWORD.match(line, at)
    if keyword is None or (shape is None and keyword.group() not in _PREVIOUS_KEYWORDS):
        return [error(where, "po-syntax",
                      "not a line of a PO file: expected msgctxt, msgid, msgid_plural, "
                      "msgstr or msgstr[n] and a string, a string in double quotes, "
                      "or a comment (#)")]
    if shape is not None:
        found = shape.keyword(keyword.group(), where, obsolete)
        problems += [found] if found else []
    string_at = _skip_spaces(line, keyword.end())
    if string_at == keyword.end() or not line.startswith('"', string_at):
        return [*problems, error(Location(shown, number, keyword.end() + 1), "po-syntax",
                                 f"{keyword.group()} must be followed by a space and a "
                                 "string in double quotes")]
    return problems + _string_errors(shown, number, line, string_at)


def _string_errors(shown: str, number: int, line: str, at: int) -> list[Diagnostic]:
    """What is wrong with the string that opens at `at`: it must end on its line, with
    nothing after it, and hold only escapes that polib reads as gettext does."""
    closed = _PO_STRING.match(line, at)
    end = closed.end() if closed else len(line)
    problems = [problem for escape in _PO_ESCAPE.finditer(line, at + 1, end - bool(closed))
                if (problem := _escape_error(shown, number, escape)) is not None]
    if closed is None:
        problems.append(error(
            Location(shown, number, at + 1, number, len(line) + 1), "po-syntax",
            "unterminated string: a PO string ends with a double quote on its line",
            "was the file cut short? Get the whole file again; else close the string"))
        return problems
    after = _skip_spaces(line, end)
    if after < len(line):
        problems.append(error(
            Location(shown, number, after + 1, number, len(line) + 1), "po-syntax",
            "text after the string's closing double quote",
            'a double quote inside a PO string is written \\"; one string per line'))
    return problems


def _escape_error(shown: str, number: int, escape: re.Match[str]) -> Diagnostic | None:
    text = escape.group()
    if text[1] in _READ_ESCAPES:
        return None
    where = Location(shown, number, escape.start() + 1, number, escape.end() + 1)
    byte = _escaped_byte(text)
    if byte is None and text != "\\a":
        return error(where, "po-syntax",
                     f"invalid escape '{text}' in a PO string: the escapes are {_ESCAPES_HELP}",
                     "a backslash itself is written \\\\")
    if byte is not None and byte > 0xFF:
        return error(where, "po-syntax",
                     f"invalid escape '{text}': an escaped byte goes up to \\377 (\\xff)")
    # gettext reads \a, octal and hex escapes; polib keeps them as written, backslash and
    # all, and no PO editor writes them for text: refused rather than imported wrong.
    return error(where, "po-syntax",
                 f"the escape '{text}' is valid gettext, but polib, which reads PO files for "
                 "wgec, would import it as written",
                 "write the character itself")


def _escaped_byte(escape: str) -> int | None:
    """The byte an octal (\\101) or hexadecimal (\\x41) escape stands for, else None."""
    if escape[1] in "01234567":
        return int(escape[1:], 8)
    if escape[1] == "x" and len(escape) > 2:
        return int(escape[2:], 16)
    return None


def _skip_spaces(line: str, at: int) -> int:
    while at < len(line) and line[at] in _PO_SPACE:
        at += 1
    return at
