"""The JSON Schemas that editors use to complete and check source files.

The schemas must agree with wgec wherever JSON Schema can say what wgec says:
every file wgec accepts validates, and a file wgec rejects for its shape (an
unknown key, a missing key, a wrong type, a bad id or value) does not. The
tests check that against the default report, the case corpus, hand-written
mistakes, and each key of a complete project deleted or emptied in turn.

An editor reads YAML 1.2 (core schema), PyYAML reads YAML 1.1: so the files
are loaded here with a YAML 1.2 core loader, which keeps `2024-01-05`, `yes`
and `on` as strings, as the editor's YAML language server does.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from wgec_report import json_schema
from wgec_report.check import check_project
from wgec_report.json_schema import (
    FILE_KINDS,
    schema_file_name,
    schema_for,
    schema_kind_of,
    write_schemas,
)
from wgec_report.model import LANGUAGES
from wgec_report.refs import parse_locator
from wgec_report.schema import (
    CHARACTERISTIC_KEYS,
    DATE_PATTERN,
    FOCUS_AREA_KEYS,
    ID_PATTERN,
    INSTRUMENT_KEYS,
    INSTRUMENT_PARAGRAPH_KEYS,
    INTEGER_PATTERN,
    LABEL_PATTERN,
    LEVEL_KEYS,
    LIST_FILES,
    MAPPING_KEYS,
    ORGANIZATION_KEYS,
    PARAGRAPH_KEYS,
    RECOMMENDATION_KEYS,
    REPORT_FILE,
    REPORT_KEYS,
    SECTION_KEYS,
    SUBPARAGRAPH_KEYS,
)

REPO = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).parent / "cases"
COMPLETE_CASE = CASES_DIR / "valid-every-file-kind"

# Case folders that wgec accepts but whose files no YAML 1.2 reader can match
# to the schema, with why.
UNREPRESENTABLE_CASES = {
    "valid-yaml11-implicit-types": (
        "`title: 1.10`, `organ: 0755`, `agenda_item: 0x1F` and `working_group: 1e3` are numbers "
        "in YAML 1.2; wgec keeps them as text, the schema wants text to be strings"
    ),
}
# What wgec reports about a file's shape that the schemas can say too.
SHAPE_CODES = frozenset({"unknown-key", "missing-key", "missing-value", "wrong-type",
                         "bad-value", "bad-id", "bad-language", "missing-original"})
EXPRESSIBLE_CODES = (SHAPE_CODES - {"missing-original"}) | {"duplicate-section"}


# -- loading YAML as an editor does -------------------------------------------


class Yaml12Loader(yaml.SafeLoader):
    """The YAML 1.2 core schema: null, true/false, integers and floats; all else is a string."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
):
    Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_regexp), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith(("0o", "0x")):
        return int(value[2:], 8 if value[1] == "o" else 16)
    return int(value)  # leading zeros are decimal in YAML 1.2: 0755 is 755


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = str(loader.construct_scalar(node)).lower()
    if value.endswith(".inf"):
        return -math.inf if value.startswith("-") else math.inf
    return math.nan if value == ".nan" else float(value)


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def load_yaml(data: str | bytes) -> Any:
    return yaml.load(data, Loader=Yaml12Loader)  # a SafeLoader subclass: safe


def test_the_loader_reads_yaml_1_2_core() -> None:
    loaded = load_yaml("date: 2024-01-05\nyes: on\nn: 0755\nx: 0x1F\nf: 1.10\nt: true\n"
                       "T: True\nno: NO\nz: ~\ne:\n")
    assert loaded == {"date": "2024-01-05", "yes": "on", "n": 755, "x": 31, "f": 1.1,
                      "t": True, "T": True, "no": "NO", "z": None, "e": None}


# -- validating ---------------------------------------------------------------

VALIDATORS = {kind: Draft202012Validator(schema_for(kind)) for kind in FILE_KINDS}


def errors_of(kind: str, document: object) -> list[tuple[str, str]]:
    """(JSON path, message) of every error, including those inside anyOf/oneOf."""
    found: list[tuple[str, str]] = []
    pending = list(VALIDATORS[kind].iter_errors(document))
    while pending:
        error = pending.pop()
        found.append((error.json_path, error.message))
        pending.extend(error.context)
    return found


def top_errors(kind: str, document: object) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in VALIDATORS[kind].iter_errors(document)]


def source_files(sources: Path) -> list[Path]:
    """The files wgec reads: sources/*.y(a)ml and sources/sections/*.y(a)ml."""
    return sorted(
        path for folder in (sources, sources / "sections") if folder.is_dir()
        for path in folder.iterdir() if path.suffix in (".yaml", ".yml")
    )


def relative(path: Path, sources: Path) -> str:
    return path.relative_to(sources).as_posix()


# -- the schemas themselves ---------------------------------------------------


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_each_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = schema_for(kind)
    Draft202012Validator.check_schema(schema)
    assert validator_for(schema) is Draft202012Validator
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:wgec:schema:{kind}"
    assert schema["title"] and schema["description"]
    assert json.loads(json.dumps(schema)) == schema  # plain JSON, nothing Python-only


def subschemas(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from subschemas(value)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_every_object_is_closed_and_every_property_described(kind: str) -> None:
    schema = schema_for(kind)
    objects = [s for s in subschemas(schema) if s.get("type") == "object"]
    assert objects
    for obj in objects:
        assert obj.get("additionalProperties") is False, obj
        assert obj["description"]
        for key, prop in obj.get("properties", {}).items():
            assert prop.get("description"), f"{kind}: '{key}' has no description"
            assert prop != json_schema.UNDESCRIBED, f"{kind}: describe schema.py's new '{key}'"
    for name, definition in schema["$defs"].items():
        assert definition.get("description"), f"{kind}: $defs/{name} has no description"
    refs = {s["$ref"] for s in subschemas(schema) if "$ref" in s}
    assert refs == {f"#/$defs/{name}" for name in schema["$defs"]}  # none dangling or unused


# Which definition describes each of schema.py's *_KEYS.
KEYS_OF = {
    "instrument": INSTRUMENT_KEYS, "instrumentParagraph": INSTRUMENT_PARAGRAPH_KEYS,
    "subparagraph": SUBPARAGRAPH_KEYS, "section": SECTION_KEYS,
    "paragraphMapping": PARAGRAPH_KEYS, "level": LEVEL_KEYS, "focusArea": FOCUS_AREA_KEYS,
    "characteristic": CHARACTERISTIC_KEYS, "organization": ORGANIZATION_KEYS,
    "mappingRow": MAPPING_KEYS, "recommendation": RECOMMENDATION_KEYS,
}


def test_the_keys_are_schema_py_keys() -> None:
    assert set(FILE_KINDS) == {REPORT_FILE, *LIST_FILES, "section"}
    assert list(schema_for("report")["properties"]) == list(REPORT_KEYS)
    for kind, key in LIST_FILES.items():
        assert list(schema_for(kind)["properties"]) == [key]
    seen = set()
    for kind in FILE_KINDS:
        for name, definition in schema_for(kind)["$defs"].items():
            if name in KEYS_OF:
                assert list(definition["properties"]) == list(KEYS_OF[name]), name
                seen.add(name)
    assert seen == set(KEYS_OF)


def test_the_module_imports_nothing_heavy() -> None:
    """`wgec schema` must not load the validator, the templates or the typesetters."""
    code = (
        "import sys\n"
        "import wgec_report.json_schema\n"
        "heavy = ('jsonschema', 'jinja2', 'typst', 'pypandoc')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        schema_for("level")
    with pytest.raises(ValueError, match="unknown kind"):
        schema_file_name("sections")


# -- the patterns agree with wgec's rules ----------------------------------------


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None  # as jsonschema applies "pattern"


def test_the_id_label_and_number_patterns_are_schema_py_patterns() -> None:
    samples = ["a", "tunis-agenda", "res-70-125", "un-desa", "0", "2024", "Bad_Id", "a--b",
               "-a", "a-", "a b", "é", "A", "abcd", "abcde", "35", "35a", "-1", "", "a.b",
               "abc\n", "35\n", "\nabc"]
    for value in samples:
        assert matches(json_schema.ID, value) == bool(ID_PATTERN.match(value)), value
        assert matches(json_schema.LABEL, value) == bool(LABEL_PATTERN.match(value)), value
        assert matches(json_schema.DIGITS, value) == bool(INTEGER_PATTERN.match(value)), value


def wgec_accepts_date(value: str) -> bool:
    """schema.Builder._date's rule."""
    try:
        return bool(DATE_PATTERN.match(value)) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


def test_the_date_pattern_accepts_exactly_the_dates_wgec_accepts() -> None:
    years = ["0000", "0001", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "2100",
             "9996", "9999"]
    samples = [f"{y}-{m:02}-{d:02}" for y in years for m in range(14) for d in range(33)]
    samples += ["20240105", "2024-1-5", "2024-W01", "2024-01-05T10:00", "24-01-05", "",
                "2024-01-05\n", " 2024-01-05"]
    for value in samples:
        assert matches(json_schema.DATE, value) == wgec_accepts_date(value), value


def wgec_accepts_quote(value: str) -> bool:
    """check.Checker._quote's rule, for an instrument that exists."""
    instrument, _, locator = value.partition(":")
    return bool(ID_PATTERN.match(instrument.strip())) and bool(locator) and (
        parse_locator(locator) is not None
    )


def test_the_quote_pattern_accepts_exactly_the_quotes_wgec_reads() -> None:
    samples = ["tunis-agenda:69", "tunis-agenda:35(a),35(d)", "res-70-125:64-65",
               "res-70-125:64–65", " tunis-agenda : 35(a) , 35(d) ", "tunis-agenda",
               "tunis-agenda:", "tunis-agenda:35(A)", "tunis-agenda:35(abcde)", ":69",
               "Tunis:69", "tunis-agenda:69;70", "tunis-agenda:69,", "tunis-agenda:a",
               "rec:1", "x:1-2-3", "x:1(a)-2", "tunis-agenda:69\n"]
    for value in samples:
        assert matches(json_schema.QUOTE, value) == wgec_accepts_quote(value), value
    # A reversed range is well-formed but names no paragraphs: only wgec sees that.
    assert matches(json_schema.QUOTE, "res-70-125:65-64")
    assert not wgec_accepts_quote("res-70-125:65-64")


# -- real files validate ------------------------------------------------------------

DEFAULT_FILES = source_files(REPO / "sources")


@pytest.mark.parametrize("path", DEFAULT_FILES,
                         ids=[relative(p, REPO / "sources") for p in DEFAULT_FILES])
def test_the_default_report_validates(path: Path) -> None:
    kind = schema_kind_of(relative(path, REPO / "sources"))
    assert kind is not None
    assert top_errors(kind, load_yaml(path.read_bytes())) == []


def test_the_default_report_has_every_kind() -> None:
    kinds = {schema_kind_of(relative(p, REPO / "sources")) for p in DEFAULT_FILES}
    # The contribution does not say who proposed what: no contributors.yaml.
    assert kinds == set(FILE_KINDS) - {"contributors"}


def case_files(prefix: str = "") -> list[tuple[Path, Path]]:
    return [
        (case, path)
        for case in sorted(CASES_DIR.iterdir()) if case.name.startswith(prefix)
        and (case / "expected.txt").is_file()
        for path in source_files(case / "sources")
    ]


def case_id(case: Path, path: Path) -> str:
    return f"{case.name}/{relative(path, case / 'sources')}"


def load_case_file(case: Path, path: Path) -> tuple[str, Any]:
    """The file's kind and content, or a skip: the file is not one the schemas describe."""
    if case.name in UNREPRESENTABLE_CASES:
        pytest.skip(UNREPRESENTABLE_CASES[case.name])
    kind = schema_kind_of(relative(path, case / "sources"))
    if kind is None:
        pytest.skip("not a kind of source file wgec knows")
    try:
        return kind, load_yaml(path.read_bytes())
    except yaml.YAMLError as exc:
        pytest.skip(f"YAML cannot load it: {type(exc).__name__}")


VALID_CASE_FILES = case_files("valid-")


@pytest.mark.parametrize(("case", "path"), VALID_CASE_FILES,
                         ids=[case_id(c, p) for c, p in VALID_CASE_FILES])
def test_the_valid_cases_validate(case: Path, path: Path) -> None:
    kind, document = load_case_file(case, path)
    assert top_errors(kind, document) == []


def test_the_unrepresentable_cases_really_fail() -> None:
    """Keeps UNREPRESENTABLE_CASES honest: drop a case from it once it validates."""
    for name in UNREPRESENTABLE_CASES:
        sources = CASES_DIR / name / "sources"
        failing = [
            path for path in source_files(sources)
            if (kind := schema_kind_of(relative(path, sources))) is not None
            and top_errors(kind, load_yaml(path.read_bytes()))
        ]
        assert failing, name


def expected_errors(case: Path) -> dict[str, set[str]]:
    """File (relative to sources/) to the codes of the errors wgec must report there."""
    found: dict[str, set[str]] = {}
    for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ": error[" not in line:
            continue
        path = line.split(":", 1)[0].removeprefix("sources/")
        found.setdefault(path, set()).add(line[line.index("error[") + 6 : -1])
    return found


ALL_CASE_FILES = case_files()
CLEAN_CASE_FILES = [
    (case, path) for case, path in ALL_CASE_FILES
    if relative(path, case / "sources") not in expected_errors(case)
]
REJECTED_CASE_FILES = [
    (case, path) for case, path in ALL_CASE_FILES
    if expected_errors(case).get(relative(path, case / "sources"), set()) & EXPRESSIBLE_CODES
]


@pytest.mark.parametrize(("case", "path"), CLEAN_CASE_FILES,
                         ids=[case_id(c, p) for c, p in CLEAN_CASE_FILES])
def test_files_wgec_accepts_validate(case: Path, path: Path) -> None:
    """Any file of the corpus that wgec reports no error in, whatever the case is about."""
    kind, document = load_case_file(case, path)
    assert top_errors(kind, document) == []


@pytest.mark.parametrize(("case", "path"), REJECTED_CASE_FILES,
                         ids=[case_id(c, p) for c, p in REJECTED_CASE_FILES])
def test_files_wgec_rejects_for_their_shape_fail(case: Path, path: Path) -> None:
    kind, document = load_case_file(case, path)
    assert top_errors(kind, document) != []


# -- hand-written mistakes --------------------------------------------------------

MINIMAL_REPORT = "title: T\nsections: [intro]\n"

# (name, kind, YAML, the JSON path of the mistake, a word of the message there,
#  the code wgec reports for it)
MISTAKES = [
    ("unknown-key", "report", "title: T\ntitel: T\nsections: [intro]\n",
     "$", "'titel'", "unknown-key"),
    ("list-where-text", "report", "title: [a, b]\nsections: [intro]\n",
     "$.title", "is not of type 'string'", "wrong-type"),
    ("bad-id", "characteristics", "characteristics:\n  - id: Bad_Id\n    name: N\n",
     "$.characteristics[0].id", "does not match", "bad-id"),
    ("missing-required-key", "organizations",
     "organizations:\n  - id: itu\n    abbreviation: ITU\n    name: ITU\n",
     "$.organizations[0]", "'kind' is a required property", "missing-key"),
    ("bad-enum", "recommendations",
     "recommendations:\n  - id: r\n    text: T\n    status: maybe\n",
     "$.recommendations[0].status", "'maybe' is not one of", "bad-value"),
    ("bad-language-key", "report", "title:\n  en: T\n  de: T\nsections: [intro]\n",
     "$.title", "'de'", "bad-language"),
    ("non-integer-paragraph-number", "instruments",
     "instruments:\n  - id: agenda\n    title: T\n    paragraphs:\n      - number: 35a\n",
     "$.instruments[0].paragraphs[0].number", "'35a'", "wrong-type"),
    ("fractional-paragraph-number", "instruments",
     "instruments:\n  - id: agenda\n    title: T\n    paragraphs:\n      - number: 3.5\n",
     "$.instruments[0].paragraphs[0].number", "3.5", "wrong-type"),
    ("bad-date", "report", "title: T\ndate: 2024-02-30\nsections: [intro]\n",
     "$.date", "does not match", "bad-value"),
    ("bad-insert", "section", "id: intro\ntitle: Intro\ninsert: [mapping, annex]\n",
     "$.insert[1]", "'annex' is not one of", "bad-value"),
    ("paragraph-mapping-unknown-key", "section",
     "id: intro\ntitle: Intro\nparagraphs:\n  - text: T\n    qoute: agenda:69\n",
     "$.paragraphs[0]", "'qoute'", "unknown-key"),
    ("subsection-unknown-key", "section",
     "id: intro\ntitle: Intro\nsubsections:\n  - id: a\n    title: A\n    subsections:\n"
     "      - id: b\n        title: B\n        paragraph: [x]\n",
     "$.subsections[0].subsections[0]", "'paragraph'", "unknown-key"),
    ("open-ended-yes", "levels", "levels:\n  - id: l\n    name: L\n    open_ended: \"yes\"\n",
     "$.levels[0].open_ended", "'yes'", "wrong-type"),
    ("empty-required-text", "report", "title: \"  \"\nsections: [intro]\n",
     "$.title", "does not match", "missing-value"),
    ("null-required-key", "organizations",
     "organizations:\n  - id: itu\n    abbreviation: ITU\n    name: ITU\n    kind:\n",
     "$.organizations[0].kind", "None is not one of", "missing-value"),
    ("paragraph-text-and-quote", "section",
     "id: intro\ntitle: Intro\nparagraphs:\n  - text: T\n    quote: agenda:69\n",
     "$.paragraphs[0]", "is valid under each of", "bad-value"),
    ("paragraph-neither-text-nor-quote", "section",
     "id: intro\ntitle: Intro\nparagraphs:\n  - id: p\n",
     "$.paragraphs[0]", "is not valid under any of", "missing-key"),
    ("bad-subparagraph-label", "instruments",
     "instruments:\n  - id: agenda\n    title: T\n    paragraphs:\n      - number: 35\n"
     "        subparagraphs:\n          - label: A1\n            text: T\n",
     "$.instruments[0].paragraphs[0].subparagraphs[0].label", "does not match", "bad-value"),
    ("original-language-not-issued", "report",
     "title: T\noriginal_language: fr\nlanguages: [en]\nsections: [intro]\n",
     "$.languages", "does not contain", "bad-language"),
    ("default-original-language-not-issued", "report",
     "title: T\nlanguages: [fr]\nsections: [intro]\n",
     "$.languages", "does not contain", "bad-language"),
    ("list-file-key-misspelt", "levels", "level:\n  - id: l\n    name: L\n",
     "$", "'level'", "unknown-key"),
    ("top-level-list", "characteristics", "- id: c\n  name: C\n",
     "$", "is not of type 'object'", "wrong-type"),
    ("mapping-where-list", "report", "title: T\nsections:\n  intro: yes\n",
     "$.sections", "is not of type 'array'", "wrong-type"),
    ("duplicate-section", "report", "title: T\nsections: [intro, intro]\n",
     "$.sections", "non-unique", "duplicate-section"),
    ("reserved-instrument-id", "instruments", "instruments:\n  - id: rec\n    title: T\n",
     "$.instruments[0].id", "should not be valid", "reserved-id"),
    ("malformed-quote", "section",
     "id: intro\ntitle: Intro\nparagraphs:\n  - quote: agenda:35a\n",
     "$.paragraphs[0].quote", "does not match", "bad-reference"),
]


@pytest.mark.parametrize(("kind", "text", "path", "needle"),
                         [m[1:5] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_mistakes_fail_where_they_are(kind: str, text: str, path: str, needle: str) -> None:
    errors = errors_of(kind, load_yaml(text))
    assert any(p == path and needle in message for p, message in errors), errors
    # Every reported error is about the mistake's place or a place that holds it.
    for error in VALIDATORS[kind].iter_errors(load_yaml(text)):
        assert path.startswith(error.json_path), (error.json_path, error.message)


def write_project(root: Path, kind: str, text: str) -> Path:
    """The complete case project, with `text` as its file of `kind`; that file's path."""
    shutil.copytree(COMPLETE_CASE / "sources", root / "sources")
    target = root / "sources" / ("sections/intro.yaml" if kind == "section" else f"{kind}.yaml")
    target.write_text(text, encoding="utf-8")
    return target


def wgec_errors_in(project: Path, target: Path) -> set[str]:
    result = check_project(project)
    return {d.code for d in result.errors if Path(d.location.path).resolve() == target.resolve()}


@pytest.mark.parametrize(("kind", "text", "code"),
                         [(m[1], m[2], m[5]) for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_wgec_rejects_the_mistakes_too(tmp_path: Path, kind: str, text: str, code: str) -> None:
    target = write_project(tmp_path, kind, text)
    assert code in wgec_errors_in(tmp_path, target)


def test_the_complete_project_checks_clean(tmp_path: Path) -> None:
    """The base of the two tests above and below."""
    shutil.copytree(COMPLETE_CASE / "sources", tmp_path / "sources")
    assert check_project(tmp_path).diagnostics == []


# -- each key deleted, or emptied, in turn: wgec and the schema agree ------------


def kind_of_file(name: str) -> str:
    kind = schema_kind_of(name)
    assert kind is not None
    return kind


def keyed_places(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every (path, key) of the mappings in a document that are entities, not texts."""
    if isinstance(node, dict):
        is_text = set(node) <= set(LANGUAGES)
        if not is_text:
            for key in node:
                yield path, key
        for key, value in node.items():
            yield from keyed_places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from keyed_places(value, (*path, index))


def at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


KEY_EDITS = []
for _path in source_files(COMPLETE_CASE / "sources"):
    _name = relative(_path, COMPLETE_CASE / "sources")
    for _where, _key in keyed_places(load_yaml(_path.read_bytes())):
        for _edit in ("delete", "null"):
            _place = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in _where)
            _place = _place.lstrip(".") or "$"
            KEY_EDITS.append(pytest.param(_name, _where, _key, _edit,
                                          id=f"{_name}:{_place}:{_key}:{_edit}"))


@pytest.mark.parametrize(("name", "where", "key", "edit"), KEY_EDITS)
def test_deleting_or_emptying_a_key(
    tmp_path: Path, name: str, where: tuple[str | int, ...], key: str, edit: str
) -> None:
    """Required keys (missing or empty) are errors in both; optional ones in neither."""
    document = load_yaml((COMPLETE_CASE / "sources" / name).read_bytes())
    if edit == "delete":
        del at(document, where)[key]
    else:
        at(document, where)[key] = None
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    shutil.copytree(COMPLETE_CASE / "sources", tmp_path / "sources")
    target = tmp_path / "sources" / name
    target.write_text(text, encoding="utf-8")

    schema_accepts = not top_errors(kind_of_file(name), load_yaml(text))
    wgec_accepts = not (wgec_errors_in(tmp_path, target) & SHAPE_CODES)
    assert schema_accepts == wgec_accepts, top_errors(kind_of_file(name), load_yaml(text))


# -- writing the files, and which file is which -----------------------------------


def test_write_schemas(tmp_path: Path) -> None:
    folder = tmp_path / "editor" / "schemas"
    paths = write_schemas(folder)
    assert paths == [folder / schema_file_name(kind) for kind in FILE_KINDS]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    for kind, path in zip(FILE_KINDS, paths, strict=True):
        raw = path.read_bytes()
        assert raw.endswith(b"}\n") and b"\r" not in raw
        assert raw.startswith(b'{\n  "$schema"')  # indented by 2
        assert json.loads(raw.decode("utf-8")) == schema_for(kind)
    assert write_schemas(folder) == paths  # writing again overwrites


def test_schema_file_names() -> None:
    assert schema_file_name("levels") == "levels.schema.json"
    assert schema_file_name("section") == "section.schema.json"
    assert len({schema_file_name(kind) for kind in FILE_KINDS}) == len(FILE_KINDS)


@pytest.mark.parametrize(("path", "kind"), [
    ("report.yaml", "report"),
    ("report.yml", "report"),
    ("instruments.yaml", "instruments"),
    ("levels.yml", "levels"),
    ("characteristics.yaml", "characteristics"),
    ("organizations.yaml", "organizations"),
    ("mapping.yaml", "mapping"),
    ("recommendations.yaml", "recommendations"),
    ("sections/intro.yaml", "section"),
    ("sections/intro.yml", "section"),
    ("sections\\intro.yaml", "section"),
    ("./levels.yaml", "levels"),
    ("section.yaml", None),  # sections live in sections/
    ("level.yaml", None),  # wgec: unknown-source-file
    ("Levels.yaml", None),
    ("report.YAML", None),  # wgec reads .yaml and .yml only
    ("report.json", None),
    ("notes.txt", None),
    ("sections/deeper/intro.yaml", None),  # subfolders of sections/ are not read
    ("other/intro.yaml", None),
    ("sources/report.yaml", None),  # the path is inside sources/ already
    ("sections", None),
    ("sections/", None),
    ("", None),
])
def test_schema_kind_of(path: str, kind: str | None) -> None:
    assert schema_kind_of(path) == kind
