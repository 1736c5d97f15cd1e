"""Every translatable text of a report, named by a stable context.

The context ("recommendation/consider-un-body/text") is built from ids and
field names, never from positions that move, so that it can serve as a
translation's key: in PO files (msgctxt), coverage tables and stale checks.
Paragraphs without an id fall back to their position in their section.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .model import Report, Section, Text


class TextField(NamedTuple):
    context: str  # "level/content/name"
    text: Text
    prose: bool  # Markdown (with references) rather than plain text


def iter_texts(report: Report) -> Iterator[TextField]:
    meta = report.meta
    for name in ("title", "subtitle", "organ", "body", "working_group", "meeting",
                 "agenda_item"):
        value = getattr(meta, name)
        if value is not None:
            yield TextField(f"report/{name}", value, prose=False)
    if meta.preliminary_note is not None:
        yield TextField("report/preliminary_note", meta.preliminary_note, prose=True)
    for top in report.sections:
        yield from _section_texts(top)
    for instrument in report.instruments:
        yield TextField(f"instrument/{instrument.id}/title", instrument.title, prose=False)
        if instrument.short_title is not None:
            yield TextField(f"instrument/{instrument.id}/short_title", instrument.short_title,
                            prose=False)
        for paragraph in instrument.paragraphs:
            where = f"instrument/{instrument.id}/paragraph/{paragraph.number}"
            if paragraph.text is not None:
                yield TextField(f"{where}/text", paragraph.text, prose=False)
            for sub in paragraph.subparagraphs:
                yield TextField(f"{where}/{sub.label}/text", sub.text, prose=False)
    for level in report.levels:
        yield TextField(f"level/{level.id}/name", level.name, prose=False)
        for area in level.focus_areas:
            yield TextField(f"focus-area/{area.id}/name", area.name, prose=False)
    for characteristic in report.characteristics:
        yield TextField(f"characteristic/{characteristic.id}/name", characteristic.name,
                        prose=False)
        if characteristic.description is not None:
            yield TextField(f"characteristic/{characteristic.id}/description",
                            characteristic.description, prose=True)
    for organization in report.organizations:
        yield TextField(f"organization/{organization.id}/abbreviation",
                        organization.abbreviation, prose=False)
        yield TextField(f"organization/{organization.id}/name", organization.name, prose=False)
    for recommendation in report.recommendations:
        yield TextField(f"recommendation/{recommendation.id}/text", recommendation.text,
                        prose=True)
    for contributor in report.contributors:
        yield TextField(f"contributor/{contributor.id}/name", contributor.name, prose=False)


def _section_texts(section: Section) -> Iterator[TextField]:
    where = f"section/{section.id}"
    yield TextField(f"{where}/title", section.title, prose=False)
    if section.drafting_note is not None:
        yield TextField(f"{where}/drafting_note", section.drafting_note, prose=True)
    for index, paragraph in enumerate(section.paragraphs, start=1):
        if paragraph.text is not None:
            name = paragraph.id or f"{section.id}/{index}"
            yield TextField(f"paragraph/{name}/text", paragraph.text, prose=True)
    for sub in section.subsections:
        yield from _section_texts(sub)
