"""The fixed words documents print, per UN language, from `catalogue/<lang>.yaml`.

Masthead wording, "Annex", "para.", table headings, dates written out: none
of it is in code, so a translator can correct a word without a programmer.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from .errors import WgecError

try:  # libyaml: 1 ms for a catalogue where the pure-Python loader takes 8, in every build
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
# pandoc wants BCP 47 tags; bare `zh` makes it warn (and warnings fail the build).
BCP47 = {"en": "en", "fr": "fr", "es": "es", "ar": "ar", "zh": "zh-Hans", "ru": "ru"}
RIGHT_TO_LEFT = frozenset({"ar"})


@functools.cache
def catalogue(language: str) -> dict[str, Any]:
    path = CATALOGUE_DIR / f"{language}.yaml"
    try:
        words = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError:
        raise WgecError(f"no catalogue of fixed words for language '{language}'") from None
    if not isinstance(words, dict):
        raise WgecError(f"the catalogue {path} is not a mapping of words")
    return words


def long_date(iso: str, language: str) -> str:
    """2018-01-22 as UN documents write it: 22 January 2018, 22 janvier 2018, 2018年1月22日."""
    words = catalogue(language)
    year, month, day = (int(part) for part in iso.split("-"))
    return str(words["date"]).format(day=day, month=words["months"][month - 1], year=year)


def is_right_to_left(language: str) -> bool:
    return language in RIGHT_TO_LEFT
