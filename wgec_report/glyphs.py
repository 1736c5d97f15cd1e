"""Which characters the fonts wgec ships can draw, and warnings for those none can.

Typst draws an empty box for a character no font has, and says nothing. The
PDF is set with the fonts in `wgec_report/fonts` only (never the machine's),
so their character maps say exactly what will print. fontTools is imported
on first use only: `wgec check` never loads it.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .convert import FONTS
from .errors import Diagnostic, Location, warning

if TYPE_CHECKING:
    from .model import LocatedText, Report

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

# Characters that are never drawn, so need no glyph: variation selectors, the
# combining grapheme joiner, Mongolian free variation selectors, Hangul fillers.
_INVISIBLE = frozenset(
    [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x034F, *range(0x180B, 0x1810),
     0x115F, 0x1160, 0x3164, 0xFFA0]
)


class Coverage:
    """The shipped fonts' families and the ranges of characters one of them has a glyph for.

    Ranges rather than a set of every code point: the CJK font alone maps tens of
    thousands, and a set of them takes longer to build than a whole render.
    """

    __slots__ = ("ends", "families", "starts")

    def __init__(self, families: Sequence[str], ranges: Iterable[tuple[int, int]]) -> None:
        self.families = tuple(families)
        spans = sorted(ranges)
        self.starts = [first for first, _ in spans]
        self.ends = [last for _, last in spans]

    @classmethod
    def of_codepoints(cls, families: Sequence[str], codepoints: Iterable[int]) -> Coverage:
        ranges: list[tuple[int, int]] = []
        for point in sorted(set(codepoints)):
            if ranges and point == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
        return cls(families, ranges)

    def covers(self, char: str) -> bool:
        point = ord(char)
        index = bisect.bisect_right(self.starts, point) - 1
        return index >= 0 and point <= self.ends[index]


COVERAGE_FILE = FONTS / "coverage.txt"


@functools.cache
def coverage() -> Coverage:
    """What the shipped fonts cover, from `fonts/coverage.txt` (made by `read_coverage`).

    Reading the fonts' character maps takes fontTools a quarter of a second;
    the summary, checked against the fonts by a test, takes a millisecond.
    """
    try:
        lines = COVERAGE_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return read_coverage()
    families = lines[0].removeprefix("families: ").split(" | ")
    ranges: list[tuple[int, int]] = []
    for part in lines[1].removeprefix("codepoints: ").split(","):
        first, _, last = part.partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return Coverage(families, ranges)


def coverage_summary(found: Coverage) -> str:
    """The text of `fonts/coverage.txt`: the families, then code point ranges in hex."""
    ranges = [f"{first:X}" if first == last else f"{first:X}-{last:X}"
              for first, last in zip(found.starts, found.ends, strict=True)]
    return f"families: {' | '.join(found.families)}\ncodepoints: {','.join(ranges)}\n"


def read_coverage() -> Coverage:
    """Read the character maps of the shipped fonts with fontTools."""
    from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]

    families: list[str] = []
    codepoints: set[int] = set()
    for path in sorted(FONTS.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        if path.suffix.lower() in (".ttc", ".otc"):
            faces = list(TTCollection(str(path), lazy=True).fonts)
        else:
            faces = [TTFont(str(path), lazy=True)]
        for face in faces:
            name = face["name"]
            family = name.getDebugName(16) or name.getDebugName(1) or path.stem
            if family not in families:
                families.append(family)
            codepoints.update(face.getBestCmap() or {})
    return Coverage.of_codepoints(families, codepoints)


def needs_glyph(char: str) -> bool:
    """False for characters that take no glyph: whitespace, controls, format characters
    (U+200E LEFT-TO-RIGHT MARK, U+200F, U+200D ZERO WIDTH JOINER, U+00AD SOFT HYPHEN...)
    and variation selectors."""
    if char.isspace() or ord(char) in _INVISIBLE:
        return False
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` that no shipped font can draw."""
    if text.isascii():  # every shipped font covers printable ASCII
        return set()
    fonts = coverage()
    return {char for char in set(text) if needs_glyph(char) and not fonts.covers(char)}


def describe(char: str) -> str:
    """`U+1F600 GRINNING FACE ('😀')`."""
    name = unicodedata.name(char, "") or "<unnamed>"
    return f"U+{ord(char):04X} {name} ({char!r})"


def glyph_warnings(report: Report, language: str) -> list[Diagnostic]:
    """A `missing-glyph` warning for each text of the `language` version holding a
    character no shipped font can draw, at that text (at the character itself when
    it is written as is in the source).

    A text not translated into `language` is checked in the original language,
    since that is what the build prints in its place.
    """
    from .translatable import iter_texts

    original = report.meta.original_language
    found: list[Diagnostic] = []
    for field in iter_texts(report):
        located = field.text.by_language.get(language) or field.text.by_language.get(original)
        if located is None:
            continue
        missing = missing_glyphs(located.value)
        if not missing:
            continue
        chars = sorted(missing)
        families = ", ".join(coverage().families)
        found.append(warning(
            _locate(report, located, chars),
            "missing-glyph",
            f"no glyph for {_listed(chars)} in the fonts wgec ships "
            f"({families}): the PDF would show an empty box",
            "use another character, or write it out in words",
        ))
    return found


LISTED = 5  # characters named in one warning; the others are counted


def _listed(chars: Sequence[str]) -> str:
    named = ", ".join(describe(char) for char in chars[:LISTED])
    others = len(chars) - LISTED
    if others > 0:
        named += f" and {others} other character{'s' if others > 1 else ''}"
    return named


def _locate(report: Report, located: LocatedText, chars: list[str]) -> Location:
    """The first uncovered character in the source file, if it is written there as is
    (not as an escape such as "\\U0001F600"); else the text itself."""
    text = report.texts.get(located.location.path, "")
    offsets = [text.find(c, located.start, located.end) for c in chars]
    offsets = [offset for offset in offsets if offset >= 0]
    if not text or not offsets or located.end <= located.start:
        return located.location
    from .sources import line_index

    line, column = line_index(text).line_and_column(min(offsets))
    return Location(located.location.path, line, column)
