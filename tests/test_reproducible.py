"""Two builds of the same sources, at different times and in different time zones, are identical."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from wgec_report.build import build_project
from wgec_report.errors import WgecError


def build_twice(project: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes], ...]:
    outputs = []
    for zone in ("UTC", "Pacific/Kiritimati"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        result = build_project(project, ["docx", "pdf"], project / f"out-{zone.replace('/', '-')}")
        outputs.append({p.name: p.read_bytes() for p in result.outputs})
        time.sleep(1.1)  # a clock in the output would now differ
    monkeypatch.delenv("TZ")
    time.tzset()
    return tuple(outputs)


def test_without_a_date_the_documents_carry_none(project: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = build_twice(project, monkeypatch)
    assert first == second
    core = zipfile.ZipFile(project / "out-UTC" / "report.docx").read("docProps/core.xml")
    assert b"dcterms:created" not in core  # not pandoc's 1970-01-01 under --sandbox
    assert b"CreationDate" not in first["report.pdf"]


def test_source_date_epoch_dates_both_documents(project: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1516579200")  # 2018-01-22, the fourth meeting
    first, second = build_twice(project, monkeypatch)
    assert first == second
    core = zipfile.ZipFile(project / "out-UTC" / "report.docx").read("docProps/core.xml")
    assert b'<dcterms:created xsi:type="dcterms:W3CDTF">2018-01-22T00:00:00Z' in core
    assert b"<dcterms:modified" in core
    assert b"/CreationDate(D:20180122000000" in first["report.pdf"]


def test_the_report_date_is_used_when_there_is_no_epoch(project: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    report = project / "sources" / "report.yaml"
    report.write_text(report.read_text() + "date: 2018-01-26\n")
    first, second = build_twice(project, monkeypatch)
    assert first == second
    assert b"/CreationDate(D:20180126000000" in first["report.pdf"]


@pytest.mark.parametrize(("epoch", "expected"), [
    ("abc", "it must be a whole number of seconds since 1970-01-01 00:00 UTC"),
    ("-5", "it must be a whole number of seconds since 1970-01-01 00:00 UTC"),
    ("1.5e9", "it must be a whole number of seconds since 1970-01-01 00:00 UTC"),
    ("٣٤٥", "it must be a whole number of seconds since 1970-01-01 00:00 UTC"),  # not ASCII
    ("253402300800", "a date after the year 9999, which no document can carry"),
    ("99999999999999", "a date after the year 9999, which no document can carry"),
])
def test_a_source_date_epoch_that_is_no_date_stops_the_build(
        project: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, expected: str) -> None:
    """Not ignored (documents dated otherwise than asked), not 'internal error'."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(WgecError) as raised:
        build_project(project, ["md"])
    assert raised.value.message.startswith(f"SOURCE_DATE_EPOCH is '{epoch}': {expected}")
    assert not (project / "build").exists()


def test_the_last_second_a_document_can_carry_is_a_date(project: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")  # 9999-12-31 23:59:59 UTC
    build_project(project, ["docx", "pdf"])
    core = zipfile.ZipFile(project / "build" / "report.docx").read("docProps/core.xml")
    assert b"9999-12-31T23:59:59Z" in core
    assert b"/CreationDate(D:99991231235959" in (project / "build" / "report.pdf").read_bytes()
