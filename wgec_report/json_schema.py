"""JSON Schemas (draft 2020-12) of the source files, for editors.

An editor with a YAML language server (VS Code's YAML extension, for one)
uses them to complete keys, show what a key means and flag mistakes while
the author types. `wgec check` stays the authority: the schemas say what
one file may hold (keys, types, ids, fixed sets of words) and nothing about
what files say to each other (whether an id exists, is unique, or names the
right file).

The rules come from `schema.py` and `model.py`, whose constants they reuse:

- An optional key with no value (`subtitle:`, `~`, `null`) means the same as
  leaving it out, so optional keys also take null; required ones do not.
- wgec reads every scalar as the text written, but a YAML 1.2 parser (the
  editor's) reads `35` as a number and `true` as a boolean. So `number` takes
  an integer or a string of digits and `open_ended` a boolean or the string
  `"true"`/`"false"`, while texts, ids, symbols, labels, dates and the fixed
  words take strings only: a bare `title: 1.10` is legal for wgec but flagged
  here, and quoting it (`title: "1.10"`) satisfies both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from .files import SECTIONS_DIR, SOURCE_FILE_KINDS, YAML_SUFFIXES
from .model import (
    CONTRIBUTOR_KINDS,
    HEADING_NUMBERS,
    INSERTS,
    LANGUAGES,
    ORGANIZATION_KINDS,
    STATUSES,
)
from .refs import INTERNAL_KINDS
from .schema import (
    CHARACTERISTIC_KEYS,
    CONTRIBUTOR_KEYS,
    DISTRIBUTIONS,
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

Schema = dict[str, object]

SECTION_KIND = "section"
FILE_KINDS: tuple[str, ...] = SOURCE_FILE_KINDS
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_LANGUAGE = "en"  # the original language when report.yaml names none (schema.Builder)

_LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "ar": "Arabic",
                   "zh": "Chinese", "ru": "Russian"}
_INSERT_MEANINGS = {
    "focus-areas": "a table of focus areas per level (levels.yaml)",
    "characteristics": "the bulleted list of characteristics (characteristics.yaml)",
    "mapping": "the table of organizations by level (mapping.yaml)",
    "recommendations": "the numbered recommendations (recommendations.yaml)",
}
_STATUS_MEANINGS = {
    "proposed": "Proposed (the default); printed without a mark.",
    "agreed": "Agreed; printed without a mark.",
    "bracketed": "Not agreed; printed in square brackets.",
    "dropped": "An alternative no longer considered: kept for the record, left out of a "
    "clean text.",
}


# The end of the string. Python's `$` also matches before a final line break,
# which schema.py's `\Z` does not; the look-ahead makes both engines agree.
_END = r"(?!\n)$"


def _anchored(pattern: re.Pattern[str]) -> str:
    """A pattern that schema.py uses with `match` and `\\Z`, as a whole-string ECMA-262 pattern."""
    return "^(?:" + pattern.pattern.removesuffix(r"\Z") + ")" + _END


ID = _anchored(ID_PATTERN)
LABEL = _anchored(LABEL_PATTERN)
DIGITS = _anchored(INTEGER_PATTERN)
# schema.py: four digits, two, two, and a real day of the Gregorian calendar
# (datetime.date.fromisoformat, which has no year 0000).
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DATE = (
    r"^(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    rf"|{_LEAP_YEAR}-02-29)"
) + _END
# check.py reads a quote as `<instrument id>:<locator>`; refs.parse_locator
# takes comma-separated spans `69`, `69-71` (or an en dash) and `35(a)`.
_SPAN = r"[0-9]+(?:[-–][0-9]+|\([a-z]{1,4}\))?"
_ID_BODY = ID_PATTERN.pattern.removesuffix(r"\Z")
QUOTE = rf"^\s*{_ID_BODY}\s*:\s*{_SPAN}\s*(?:,\s*{_SPAN}\s*)*$"
NOT_BLANK = r"\S"


# -- building blocks ----------------------------------------------------------


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _field(
    description: str, schema: Schema, *, optional: bool = True, **annotations: object
) -> Schema:
    """A key's schema; an optional key also takes null, which wgec reads as the key left out."""
    if optional:
        return {"description": description, **annotations, "anyOf": [schema, {"type": "null"}]}
    return {"description": description, **annotations, **schema}


def _list_of(item: Schema, **extra: object) -> Schema:
    return {"type": "array", "items": item, **extra}


# A key schema.py accepts that this module does not describe yet: any value,
# rather than a false error in every editor (a test catches it).
UNDESCRIBED: Schema = {"description": "Accepted by wgec; not described in this schema yet."}


def _object(
    description: str, keys: Sequence[str], fields: Mapping[str, Schema], required: Sequence[str]
) -> Schema:
    """A mapping with exactly `keys` (schema.py's *_KEYS tuple, in its order)."""
    schema: Schema = {
        "type": "object",
        "description": description,
        "properties": {key: fields.get(key, UNDESCRIBED) for key in keys},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = [key for key in keys if key in required]
    return schema


def _enum(values: Sequence[str], meanings: Mapping[str, str] | None = None) -> Schema:
    schema: Schema = {"type": "string", "enum": list(values)}
    if meanings is not None:
        schema["enumDescriptions"] = [meanings.get(value, value) for value in values]
    return schema


def _pattern(pattern: str, message: str, **extra: object) -> Schema:
    # patternErrorMessage is a VS Code extension keyword: JSON Schema ignores it,
    # the YAML language server shows it instead of the bare regular expression.
    return {"type": "string", "pattern": pattern, "patternErrorMessage": message, **extra}


# -- shared parts ---------------------------------------------------------------


def _shared_defs() -> dict[str, Schema]:
    language_list = ", ".join(LANGUAGES)
    return {
        "id": _pattern(
            ID,
            "An id is lower-case letters and digits, in groups joined by single hyphens, "
            "like tunis-agenda or res-70-125.",
            description="An id: lower-case ASCII letters and digits, in groups joined by "
            "single hyphens (tunis-agenda, res-70-125, un-desa).",
        ),
        "idList": {
            "description": "A list of ids.",
            **_list_of(_ref("id")),
        },
        "language": {
            "description": f"A UN language code: {language_list}.",
            **_enum(LANGUAGES, _LANGUAGE_NAMES),
        },
        "languageMapping": {
            "type": "object",
            "description": "The text by language: one entry per language code "
            f"({language_list}). It must hold the report's original language.",
            "properties": {
                code: {"description": f"The text in {_LANGUAGE_NAMES.get(code, code)}: a "
                       "string, or (for a translation) text with the hash of the original "
                       "it was made from.",
                       "anyOf": [{"type": "string"}, _ref("stampedTranslation")]}
                for code in LANGUAGES
            },
            "additionalProperties": False,
            "minProperties": 1,
        },
        "translationStatus": {
            "type": "object",
            "description": "How far a language's translation has come.",
            "properties": {
                "status": {"enum": ["complete", "in-progress"],
                           "description": "complete or in-progress (default)."},
                "unofficial": {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}],
                               "description": "Marked \"Unofficial translation\" on the cover."},
            },
            "additionalProperties": False,
        },
        "stampedTranslation": {
            "type": "object",
            "description": "A translation and the original it was made from: `wgec "
            "translations stamp` writes `of`, and `wgec check` warns when the original "
            "changes since.",
            "properties": {
                "text": {"type": "string", "description": "The translation."},
                "of": {"type": "string", "pattern": "^[0-9a-f]{8}$",
                       "description": "Hash of the original text it translates."},
            },
            "required": ["text"],
            "additionalProperties": False,
        },
        "text": {
            "description": "A text: a string (in the report's original language), or a "
            "mapping of language code to string.",
            "anyOf": [{"type": "string"}, _ref("languageMapping")],
        },
        "requiredText": {
            "description": "A text that must not be empty: a string (in the report's original "
            "language), or a mapping of language code to string.",
            "anyOf": [
                _pattern(NOT_BLANK, "This text must not be empty."),
                _ref("languageMapping"),
            ],
        },
    }


def _instrument_defs() -> dict[str, Schema]:
    return {
        "instrument": _object(
            "An instrument the report cites or quotes: a resolution, outcome document, agenda.",
            INSTRUMENT_KEYS,
            {
                "id": _field(
                    "Used in [@<id>:…] citations and quote: paragraphs. May not be "
                    + " or ".join(INTERNAL_KINDS) + ", which [@rec:…] and [@sec:…] use.",
                    {**_ref("id"), "not": {"enum": list(INTERNAL_KINDS)}},
                    optional=False,
                ),
                "title": _field("The title as footnotes give it, e.g. Tunis Agenda for the "
                                "Information Society.", _ref("requiredText"), optional=False),
                "short_title": _field("A short title. Accepted; not used in any output yet.",
                                      _ref("text")),
                "symbol": _field("The UN document symbol, e.g. A/RES/70/125. Accepted; not "
                                 "used in any output yet.", {"type": "string"}),
                "paragraphs": _field("The paragraphs the report cites or quotes.",
                                     _list_of(_ref("instrumentParagraph"))),
            },
            required=("id", "title"),
        ),
        "instrumentParagraph": _object(
            "A paragraph of an instrument. Only cited: its number is enough. Quoted: it also "
            "needs its text or its subparagraphs.",
            INSTRUMENT_PARAGRAPH_KEYS,
            {
                "number": _field("The paragraph number, unique within the instrument: digits "
                                 "only.", _ref("wholeNumber"), optional=False),
                "text": _field("The paragraph's text (plain text). Needed only to quote the "
                               "whole paragraph.", _ref("text")),
                "subparagraphs": _field("The lettered subparagraphs: (a), (b), …",
                                        _list_of(_ref("subparagraph"))),
            },
            required=("number",),
        ),
        "subparagraph": _object(
            "A lettered subparagraph, cited as 35(a).",
            SUBPARAGRAPH_KEYS,
            {
                "label": _field("The letter(s) of the subparagraph: a, b, …, 1 to 4 lower-case "
                                "letters.", _ref("label"), optional=False),
                "text": _field("The subparagraph's text (plain text).", _ref("requiredText"),
                               optional=False),
            },
            required=("label", "text"),
        ),
        "wholeNumber": {
            "description": "A whole number, written with digits only.",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                _pattern(DIGITS, "A paragraph number is digits only, like 69."),
            ],
        },
        "label": _pattern(LABEL, "A label is 1 to 4 lower-case letters, like a or d.",
                          description="1 to 4 lower-case letters: a, b, …"),
    }


def _level_defs() -> dict[str, Schema]:
    return {
        "level": _object(
            "A level of international public policy issues pertaining to the Internet.",
            LEVEL_KEYS,
            {
                "id": _field("Used by mapping.yaml and by a recommendation's levels.",
                             _ref("id"), optional=False),
                "name": _field("The level's name (plain text), shown as \"<name> level\".",
                               _ref("requiredText"), optional=False),
                "focus_areas": _field("The focus areas of the level, in table order.",
                                      _list_of(_ref("focusArea"))),
                "open_ended": _field("true: the focus area table ends with an \"Etc.\" row. "
                                     "Default false.", _ref("boolean"), default=False),
            },
            required=("id", "name"),
        ),
        "focusArea": _object(
            "A focus area of enhanced cooperation under a level.",
            FOCUS_AREA_KEYS,
            {
                "id": _field("Unique across all levels; used by a recommendation's "
                             "focus_areas.", _ref("id"), optional=False),
                "name": _field("The focus area (plain text).", _ref("requiredText"),
                               optional=False),
            },
            required=("id", "name"),
        ),
        "boolean": {
            "description": "true or false.",
            "anyOf": [
                {"type": "boolean"},
                _pattern("^(?:true|false)" + _END, "Write true or false."),
            ],
        },
    }


def _characteristic_defs() -> dict[str, Schema]:
    return {
        "characteristic": _object(
            "A high-level characteristic of enhanced cooperation.",
            CHARACTERISTIC_KEYS,
            {
                "id": _field("Identifies the characteristic.", _ref("id"), optional=False),
                "name": _field("The characteristic (plain text).", _ref("requiredText"),
                               optional=False),
                "description": _field("Printed after the name and a colon (prose: Markdown "
                                      "with [@…] references).", _ref("text")),
            },
            required=("id", "name"),
        ),
    }


def _organization_defs() -> dict[str, Schema]:
    kinds = {"agency": "A UN agency (the mapping's \"UN agencies\" column).",
             "forum": "A forum (the mapping's \"Forums\" column).",
             "body": "An intergovernmental body or organ.",
             "group": "A group, such as UNGIS.",
             "other": "Anything else."}
    return {
        "organization": _object(
            "A UN agency, forum, body or group that the mapping or a recommendation names.",
            ORGANIZATION_KEYS,
            {
                "id": _field("Used in mapping.yaml and by a recommendation's organizations.",
                             _ref("id"), optional=False),
                "abbreviation": _field("Shown in the mapping table, e.g. ITU (plain text).",
                                       _ref("requiredText"), optional=False),
                "name": _field("The full name (plain text).", _ref("requiredText"),
                               optional=False),
                "kind": _field("What the organization is: "
                               + ", ".join(ORGANIZATION_KINDS) + ".",
                               _enum(ORGANIZATION_KINDS, kinds), optional=False),
            },
            required=("id", "abbreviation", "name", "kind"),
        ),
    }


def _mapping_defs() -> dict[str, Schema]:
    return {
        "mappingRow": _object(
            "One row of the mapping table: the organizations that serve a level.",
            MAPPING_KEYS,
            {
                "level": _field("The level of this row (a level id). Each level has at most "
                                "one row.", _ref("id"), optional=False),
                "agencies": _field("The \"UN agencies\" column: organization ids.",
                                   _ref("idList")),
                "forums": _field("The \"Forums\" column: organization ids.", _ref("idList")),
            },
            required=("level",),
        ),
    }


def _negotiation_fields(kind: str) -> dict[str, Schema]:
    """Status, alternatives and provenance: the same keys on paragraphs and recommendations."""
    return {
        "status": _field("Where it stands in the negotiation: proposed (default), agreed, "
                         "bracketed (printed in [square brackets]) or dropped.",
                         _enum(STATUSES, _STATUS_MEANINGS), default="proposed"),
        "alternative_to": _field(f"The id of the {kind} this is an alternative to: printed "
                                 "after it as \"7 bis\", \"7 ter\", in brackets.", _ref("id")),
        "proposed_by": _field("Contributor ids (contributors.yaml) that proposed it.",
                              _ref("idList")),
        "supported_by": _field("Contributor ids that support it.", _ref("idList")),
    }



def _contributor_defs() -> dict[str, Schema]:
    return {
        "contributor": _object(
            "A member State, stakeholder group or organization whose proposals the report "
            "compiles.",
            CONTRIBUTOR_KEYS,
            {
                "id": _field("Used in proposed_by and supported_by.", _ref("id"),
                             optional=False),
                "name": _field("Its name as the compilation prints it (plain text).",
                               _ref("requiredText"), optional=False),
                "kind": _field("What it is: " + ", ".join(CONTRIBUTOR_KINDS) + ".",
                               _enum(CONTRIBUTOR_KINDS), optional=False),
            },
            required=("id", "name", "kind"),
        ),
    }


def _recommendation_defs() -> dict[str, Schema]:
    return {
        "recommendation": _object(
            "A recommendation, numbered by its position in the file.",
            RECOMMENDATION_KEYS,
            {
                "id": _field("Used in [@rec:<id>] references.", _ref("id"), optional=False),
                "text": _field("The recommendation (prose: Markdown with [@…] references).",
                               _ref("requiredText"), optional=False),
                **_negotiation_fields("recommendation"),
                "organizations": _field("Organization ids the recommendation names. Checked, "
                                        "not printed.", _ref("idList")),
                "levels": _field("Level ids it concerns. Checked, not printed.", _ref("idList")),
                "focus_areas": _field("Focus area ids it concerns. Checked, not printed.",
                                      _ref("idList")),
            },
            required=("id", "text"),
        ),
    }


def _section_defs() -> dict[str, Schema]:
    insert = {"description": "A block made from another source file.",
              **_enum(INSERTS, _INSERT_MEANINGS)}
    return {
        "section": _object(
            "A section of the report; subsections have the same keys.",
            SECTION_KEYS,
            {
                "id": _field("Used in [@sec:<id>]; a top-level section's file is named "
                             "<id>.yaml.", _ref("id"), optional=False),
                "title": _field("The heading (plain text).", _ref("requiredText"),
                                optional=False),
                "drafting_note": _field("What the section will hold, printed in italics "
                                        "between square brackets (prose).", _ref("text")),
                "paragraphs": _field("The section's own paragraphs, in order.",
                                     _list_of(_ref("paragraph"))),
                "insert": _field(
                    "Blocks made from the other files, shown after the paragraphs: "
                    + ", ".join(INSERTS) + "; one name or a list of them.",
                    {"anyOf": [_ref("insert"), _list_of(_ref("insert"))]},
                ),
                "subsections": _field("The subsections, in order.", _list_of(_ref("section"))),
            },
            required=("id", "title"),
        ),
        "insert": insert,
        "paragraph": {
            "description": "A paragraph: a text (a string or a language mapping), or a mapping "
            "with text or quote (and an optional id).",
            "anyOf": [_ref("text"), _ref("paragraphMapping")],
        },
        "paragraphMapping": {
            **_object(
                "A paragraph with an id, or a quotation: exactly one of text and quote.",
                PARAGRAPH_KEYS,
                {
                    "id": _field("Names the paragraph; unique among all section paragraphs. "
                                 "Not shown in the output.", _ref("id")),
                    "text": _field("The paragraph (prose: Markdown with [@…] references).",
                                   _ref("text")),
                    "quote": _field("Instrument paragraphs to quote as a block quote: "
                                    "<instrument-id>:<locator>, e.g. tunis-agenda:35(a),35(d) "
                                    "or res-70-125:64-65.", _ref("quote")),
                    **_negotiation_fields("paragraph"),
                },
                required=(),
            ),
            # Exactly one of the two holds a value (an explicit null counts as absent).
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"not": {"type": "null"}}}},
                {"required": ["quote"], "properties": {"quote": {"not": {"type": "null"}}}},
            ],
        },
        "quote": _pattern(
            QUOTE,
            "Write <instrument-id>:<paragraphs>, e.g. tunis-agenda:69, res-70-125:64-65 or "
            "tunis-agenda:35(a),35(d).",
            description="<instrument-id>:<locator>; the locator is comma-separated paragraph "
            "numbers (69), ranges (64-65) and subparagraphs (35(a)).",
        ),
    }


def _report_root() -> Schema:
    text = _ref("text")
    root = _object(
        "The report's metadata and the order of its top-level sections.",
        REPORT_KEYS,
        {
            "title": _field("Title of the report (plain text).", _ref("requiredText"),
                            optional=False),
            "subtitle": _field("Subtitle, shown under the title.", text),
            "organ": _field("Principal organ, e.g. Economic and Social Council.", text),
            "body": _field("Subsidiary body, e.g. Commission on Science and Technology for "
                           "Development.", text),
            "working_group": _field("The working group, e.g. Working Group on Enhanced "
                                    "Cooperation.", text),
            "symbol": _field("UN document symbol, e.g. E/CN.16/2024/1; shown in the PDF "
                             "masthead and running header.", {"type": "string"}),
            "distribution": _field("Distribution, shown as \"Distr.:\" in the PDF masthead: "
                                   + ", ".join(DISTRIBUTIONS) + ".", _enum(DISTRIBUTIONS)),
            "date": _field("Date of the document, YYYY-MM-DD.", _ref("date")),
            "original_language": _field(
                "Language of the original text: bare strings are in this language. "
                f"Default {DEFAULT_LANGUAGE}.",
                _ref("language"),
                default=DEFAULT_LANGUAGE,
            ),
            "languages": _field("Languages the report is issued in; must include the original "
                                "language.", _list_of(_ref("language"))),
            "meeting": _field("The meeting, e.g. Fourth meeting of the Working Group on "
                              "Enhanced Cooperation.", text),
            "agenda_item": _field("The agenda item.", text),
            "preliminary_note": _field("A note printed before the body of the report (prose: "
                                       "Markdown with [@…] references).", text),
            "sections": _field("The top-level sections in order: each id names a file "
                               "sections/<id>.yaml.",
                               _list_of(_ref("id"), uniqueItems=True), optional=False),
            "annexes": _field("Annexes in order, after the body (\"Annex I\", ...): each id "
                              "names a file sections/<id>.yaml.",
                              _list_of(_ref("id"), uniqueItems=True)),
            "heading_numbers": _field(
                "How headings are numbered: roman (UN style: I., A., 1.), arabic "
                "(1., 2.1, 2.1.1) or none. Default roman.",
                _enum(HEADING_NUMBERS), default="roman"),
            "word_limit": _field("Word limit of the report (UN: 8,500 for Secretariat reports, "
                                 "10,700 for others). Default 10,700.",
                                 {"anyOf": [{"type": "integer", "minimum": 1},
                                            {"type": "string", "pattern": "^[1-9][0-9]*$"}]}),
            "translations": _field(
                "Per language, how far its translation has come: {fr: {status: complete | "
                "in-progress, unofficial: true}}. A missing text is a warning for a complete "
                "language, information for one in progress.",
                {"type": "object",
                 "description": "Translations by language code.",
                 "properties": {code: {"description": f"The {_LANGUAGE_NAMES.get(code, code)} "
                                       "translation.", **_ref("translationStatus")}
                                for code in LANGUAGES},
                 "additionalProperties": False}),
            "compilation": _field("true adds an annex \"Compilation of proposals\": who "
                                  "proposed and supported each recommendation.",
                                  {"anyOf": [{"type": "boolean"},
                                             {"enum": ["true", "false"]}]}),
            "toc": _field("true puts a table of contents after the title (DOCX, PDF, HTML).",
                          {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}),
            "formal_editing": _field("false prints \"This document is being reproduced without "
                                     "formal editing.\" (default: false for a CRP symbol).",
                                     {"anyOf": [{"type": "boolean"},
                                                {"enum": ["true", "false"]}]}),
        },
        required=("title", "sections"),
    )
    root["allOf"] = [_original_among_languages(code) for code in LANGUAGES]
    return root


def _original_among_languages(code: str) -> Schema:
    """If the original language is `code`, a non-empty `languages` must include it."""
    original: Schema = {"properties": {"original_language": {"const": code}},
                        "required": ["original_language"]}
    if code == DEFAULT_LANGUAGE:  # also when original_language is left out or empty
        original = {"properties": {"original_language": {"enum": [code, None]}}}
    return {
        "if": original,
        "then": {
            "properties": {
                "languages": {
                    "description": f"The original language, {code}, must be among the "
                    "report's languages.",
                    "if": {"type": "array", "minItems": 1},
                    "then": {"contains": {"const": code}},
                }
            }
        },
    }


def _date_def() -> Schema:
    return _pattern(DATE, "Write a real date as YYYY-MM-DD, e.g. 2024-01-05.",
                    description="A date written YYYY-MM-DD.")


# -- per kind ---------------------------------------------------------------------

_LIST_ITEMS = {
    "instruments": ("instrument", "The instruments the report cites or quotes, with the "
                    "paragraphs it uses."),
    "levels": ("level", "The levels of international public policy issues and their focus "
               "areas (insert: focus-areas)."),
    "characteristics": ("characteristic", "The high-level characteristics of enhanced "
                        "cooperation (insert: characteristics)."),
    "organizations": ("organization", "The UN agencies, forums, bodies and groups that the "
                      "mapping and the recommendations name."),
    "mapping": ("mappingRow", "Which organizations serve each level, one row per level "
                "(insert: mapping)."),
    "recommendations": ("recommendation", "The recommendations, numbered 1, 2, 3, … in file "
                        "order (insert: recommendations)."),
    "contributors": ("contributor", "The member States, stakeholder groups and organizations "
                     "whose proposals the report compiles (proposed_by, supported_by)."),
}


def _all_defs() -> dict[str, Schema]:
    return {
        **_shared_defs(),
        "date": _date_def(),
        **_instrument_defs(),
        **_level_defs(),
        **_characteristic_defs(),
        **_organization_defs(),
        **_mapping_defs(),
        **_recommendation_defs(),
        **_contributor_defs(),
        **_section_defs(),
    }


def _root(kind: str) -> tuple[Schema, str]:
    """The top of one kind's file, and what the file is for."""
    if kind == REPORT_FILE:
        return _report_root(), "sources/report.yaml: the report's metadata and section order."
    if kind == SECTION_KIND:
        return (
            _ref("section"),
            "sources/sections/<id>.yaml: one top-level section of the report, with its "
            "subsections.",
        )
    item, purpose = _LIST_ITEMS[kind]
    key = LIST_FILES[kind]
    # The key must be there, but unlike other required keys it may be empty
    # (`levels:`): schema.py reads that as an empty list.
    field = _field(f"{purpose} One entry per item.", _list_of(_ref(item)))
    root = _object(purpose, (key,), {key: field}, required=(key,))
    return root, f"sources/{key}.yaml: {purpose}"


def _used_defs(schema: object, defs: Mapping[str, Schema]) -> dict[str, Schema]:
    """The definitions `schema` refers to, directly or through other definitions."""
    used: dict[str, Schema] = {}
    pending: list[object] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in used:
                    used[name] = defs[name]
                    pending.append(defs[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return {name: used[name] for name in defs if name in used}


def schema_for(kind: str) -> dict[str, object]:
    """The JSON Schema of one kind of source file (one of FILE_KINDS)."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown kind of source file '{kind}'; kinds are "
                         + ", ".join(FILE_KINDS))
    root, description = _root(kind)
    file_name = "sections/<id>.yaml" if kind == SECTION_KIND else f"{kind}.yaml"
    schema: Schema = {
        "$schema": DIALECT,
        "$id": f"urn:wgec:schema:{kind}",
        "title": f"wgec source file {file_name}",
        "description": description,
    }
    for key, value in root.items():
        if key != "description":
            schema[key] = value
    schema["$defs"] = _used_defs(root, _all_defs())
    return schema


def schema_file_name(kind: str) -> str:
    """The file `write_schemas` writes a kind's schema to: levels.schema.json."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown kind of source file '{kind}'")
    return f"{kind}.schema.json"


def write_schemas(folder: Path, *, overwrite: bool = True,
                  kinds: Sequence[str] = FILE_KINDS) -> list[Path]:
    """Write each of `kinds`' schema into `folder` (made if missing); the paths written,
    in FILE_KINDS order. With `overwrite` false, a file already there is left as it is
    (`wgec init` in a folder that has schemas of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in (kind for kind in FILE_KINDS if kind in kinds):
        path = folder / schema_file_name(kind)
        if not overwrite and path.exists():
            continue
        text = json.dumps(schema_for(kind), indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def schema_kind_of(relative_path: str) -> str | None:
    """The kind of the source file at `relative_path` inside sources/, or None.

    Mirrors what wgec reads: `<kind>.yaml` (or `.yml`) at the top of sources/ and
    any `sections/<name>.yaml`; nothing in deeper folders or with other suffixes.
    """
    path = PurePosixPath(relative_path.replace("\\", "/"))
    if path.suffix not in YAML_SUFFIXES:
        return None
    if len(path.parts) == 2 and path.parts[0] == SECTIONS_DIR:
        return SECTION_KIND
    if len(path.parts) == 1 and path.stem in (REPORT_FILE, *LIST_FILES):
        return path.stem
    return None
