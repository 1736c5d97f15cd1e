"""Every rule `wgec check` applies: a stable code, its severity and what it means.

Codes are part of the interface (JSON, SARIF, editors, `docs/rules.md`):
never rename one. A test keeps this table and the code that raises the
diagnostics in step.
"""

from __future__ import annotations

from typing import NamedTuple

from .errors import Severity


class Rule(NamedTuple):
    code: str
    severity: Severity
    summary: str
    group: str


E, W = Severity.ERROR, Severity.WARNING

RULES: tuple[Rule, ...] = (
    # Files and YAML
    Rule("no-sources", E, "The project has a sources/ folder.", "files"),
    Rule("missing-file", E, "sources/report.yaml exists.", "files"),
    Rule("unknown-source-file", E, "Every file in sources/ is a known kind of source file.",
         "files"),
    Rule("duplicate-file", E, "One file per kind (not both levels.yaml and levels.yml).",
         "files"),
    Rule("outside-project", E, "No source file links to a place outside the project folder.",
         "files"),
    Rule("unreadable", E, "Every source file can be read.", "files"),
    Rule("encoding", E, "Source files are UTF-8 (a UTF-8 BOM is tolerated).", "files"),
    Rule("bad-character", E, "No U+2028, U+2029, U+0085 (YAML reads them as line breaks) "
         "or Unicode noncharacters.",
         "files"),
    Rule("empty-file", E, "Every source file holds YAML content.", "files"),
    Rule("yaml-syntax", E, "The file is valid YAML (no tab indentation, closed brackets).",
         "yaml"),
    Rule("yaml-multiple-documents", E, "A source file holds one YAML document.", "yaml"),
    Rule("yaml-alias", E, "No YAML anchors or aliases.", "yaml"),
    Rule("yaml-tag", E, "No YAML tags (!!python/object, !!str, ...).", "yaml"),
    Rule("yaml-duplicate-key", E, "No key twice in a mapping, including yes/true look-alikes.",
         "yaml"),
    Rule("yaml-complex-key", E, "Mapping keys are plain text.", "yaml"),
    # Shape of each file
    Rule("unknown-key", E, "Only the keys the format defines.", "schema"),
    Rule("missing-key", E, "Required keys are present.", "schema"),
    Rule("missing-value", E, "Required values are not empty.", "schema"),
    Rule("wrong-type", E, "Lists, mappings, texts, numbers and booleans are where expected.",
         "schema"),
    Rule("bad-value", E, "Values from a fixed set are one of its members; dates are YYYY-MM-DD.",
         "schema"),
    Rule("bad-id", E, "Ids are kebab-case: lower-case letters, digits, single hyphens.",
         "schema"),
    Rule("bad-language", E, "Texts are keyed by the six UN language codes.", "schema"),
    Rule("missing-original", E, "Every translated text has the original language.", "schema"),
    Rule("rtl-mark", E, "No right-to-left marks in text of a left-to-right language.",
         "translations"),
    Rule("bad-symbol", E, "The document symbol has the shape of a UN symbol "
         "(E/CN.16/2018/CRP.1).", "schema"),
    # Ids and references
    Rule("duplicate-id", E, "Ids are unique within their kind.", "references"),
    Rule("reserved-id", E, "No instrument is called rec, sec or para.", "references"),
    Rule("unknown-section", E, "Every section in the report's order has a section file.",
         "references"),
    Rule("duplicate-section", E, "No section is listed twice in the order.", "references"),
    Rule("section-not-in-order", E, "Every section file is in the report's order.",
         "references"),
    Rule("section-file-name", E, "A section's id is its file name.", "references"),
    Rule("bad-reference", E, "Every [@...] reference and quote follows the syntax.",
         "references"),
    Rule("unknown-reference", E, "Every reference names an instrument, recommendation or "
         "section that exists and is shown.", "references"),
    Rule("unknown-paragraph", E, "Every cited paragraph is listed in its instrument.",
         "references"),
    Rule("quote-without-text", E, "A quoted paragraph has its text in instruments.yaml.",
         "references"),
    Rule("duplicate-mapping", E, "A level has one row in the mapping.", "references"),
    Rule("unknown-level", E, "Every level named exists.", "references"),
    Rule("unknown-focus-area", E, "Every focus area named exists.", "references"),
    Rule("unknown-organization", E, "Every organization named exists.", "references"),
    Rule("unknown-contributor", E, "Every contributor in proposed_by and supported_by exists.",
         "references"),
    Rule("bad-alternative", E, "An alternative names an original of its kind (in the same "
         "section), which is not itself an alternative.", "references"),
    # Content that would not come out as written
    Rule("image", E, "No images in prose: the build reads no file but the sources.", "content"),
    Rule("typst-attribute", E, "No pandoc attributes that start with typst: (they would run "
         "Typst code in the PDF).", "content"),
    Rule("raw-markup", W, "Raw HTML, TeX or format-specific blocks are shown as text, "
         "not interpreted.", "content"),
    Rule("link-target", E, "A link in a text has a target, and an anchor (#...) that is a "
         "section's, paragraph's or recommendation's; a text gives no ids.", "content"),
    Rule("reference-in-superscript", E, "No [@...] reference inside a superscript or a "
         "subscript (its footnote or link would end it).", "content"),
    Rule("nesting", E, "A text nests square brackets at most 5 deep, quotes and lists at "
         "most 12 (pandoc and typst cannot go much deeper).", "content"),
    Rule("prose-structure", W, "A text makes no structure of its own: fenced divs, headings, "
         "link and note definitions are shown as text.", "content"),
    Rule("missing-glyph", W, "Every character has a glyph in the shipped fonts (no empty boxes).",
         "content"),
    # Translators' PO files (wgec translations import)
    Rule("po-syntax", E, "The PO file can be read.", "translations"),
    Rule("po-language", E, "The PO file's Language is the one asked for, and one of the "
         "report's.", "translations"),
    Rule("unknown-context", W, "Every PO entry names a text the report still has.",
         "translations"),
    Rule("duplicate-context", W, "A PO file has each context once.", "translations"),
    Rule("outdated-entry", W, "A PO entry's msgid is the current original.", "translations"),
    # Building
    Rule("template", E, "Templates parse and use only fields that exist.", "build"),
    Rule("typst-import", E, "The PDF template imports no Typst package or file (the PDF is "
         "typeset offline, from the template alone).", "build"),
    Rule("typst-error", E, "typst compiles the PDF template with the report.", "build"),
    Rule("typst-warning", W, "typst compiles the PDF without a warning (an unknown font, "
         "say).", "build"),
    Rule("cache-not-saved", W, "What a build made is recorded for the next one "
         "(build/.wgec-cache.json).", "build"),
    # Legal, but probably not what was meant
    Rule("empty-section", W, "A section has content (fine while drafting).", "warnings"),
    Rule("duplicate-insert", W, "A block (focus areas, mapping, ...) is shown once.", "warnings"),
    Rule("not-shown", W, "What the sources hold is shown by some section.", "warnings"),
    Rule("unmapped-level", W, "Every level has a row in the mapping.", "warnings"),
    Rule("mapping-column", W, "Forums are in the forums column, agencies in the agencies "
         "column.", "warnings"),
    Rule("unused-organization", W, "Every organization is mapped or named by a recommendation.",
         "warnings"),
    Rule("uncited-instrument", W, "Every instrument is cited.", "warnings"),
    Rule("missing-translation", W, "A language marked complete has every text translated.",
         "translations"),
    Rule("stale-translation", W, "A translation was made from the current original "
         "(its `of:` hash).", "translations"),
    Rule("unused-contributor", W, "Every contributor proposed or supported something.",
         "warnings"),
    Rule("word-limit", W, "The report is within its word limit (10,700 unless set).",
         "warnings"),
)

BY_CODE = {rule.code: rule for rule in RULES}
