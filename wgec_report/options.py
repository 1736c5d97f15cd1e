"""What a build is asked for, beyond its sources: kept apart so that reading it is cheap."""

from __future__ import annotations

from typing import NamedTuple


class RenderOptions(NamedTuple):  # a NamedTuple, not a dataclass: see model.py
    """Which text of the negotiation to show, and how.

    The default is the negotiation draft: bracketed text in [brackets],
    alternatives after their original as "7 bis", "7 ter", dropped ones struck
    through. `clean` is the text as it would be agreed: no brackets or labels,
    dropped alternatives left out. `only` keeps paragraphs of those statuses.
    `comments` adds Word comments naming who proposed and supported each
    recommendation (DOCX only).
    """

    clean: bool = False
    only: frozenset[str] | None = None
    comments: bool = False


DEFAULT_OPTIONS = RenderOptions()
