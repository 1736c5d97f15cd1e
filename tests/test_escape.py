"""Plain-text fields are escaped for pandoc: escaping, then converting, gives the text back."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report.convert import READER, run_pandoc
from wgec_report.model import one_line
from wgec_report.render import escape_markdown


def pandoc_plain_text(markdown: str) -> str:
    """What pandoc reads from one line of Markdown, as plain text (from its JSON AST)."""
    ast = json.loads(run_pandoc(markdown, "json", {}))
    return "".join(_inline_text(block) for block in ast["blocks"])


def _inline_text(node: object) -> str:
    if isinstance(node, dict):
        kind, content = node.get("t"), node.get("c")
        if kind == "Str":
            return str(content)
        if kind in ("Space", "SoftBreak"):
            return " "
        if kind == "Para" or kind == "Plain":
            return "".join(_inline_text(child) for child in content or [])
        raise AssertionError(f"escaped text produced markup: {kind}")
    if isinstance(node, list):
        return "".join(_inline_text(child) for child in node)
    return ""


HOSTILE = [
    "@name", "$x$", "<b>bold</b>", "^x^", "# not a heading", "{{ 7*7 }}", "{% for x in y %}",
    "*emph* _emph_ **strong**", "[link](http://x)", "![x](/etc/passwd)", "~~del~~ ~sub~",
    "1. not a list", "a) not a list", "(i) nor this", "- dash", "+ plus", "> quote",
    "| a | b |", "`code`", "Rev.1 -- e-health ... 'quotes' \"double\"", "&amp; &#64;",
    "\\ backslash \\*", ": colon", "% percent", "=== equals", "[@tunis-agenda:69]",
    "C:\\path\\file", "<!-- comment -->", "---", "***",
    # No-break and typographic spaces are text: "10 000", French "Note :", Chinese.
    "10\u00a0000 km", "Note\u202f: 5\u2009%", "\u00a0lead and trail\u00a0", "中文\u3000文本",
    "Mr. Smith, e.g. this, i.e. that",  # no no-break space added after an abbreviation
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_plain_text_reads_back_literally(text: str) -> None:
    assert pandoc_plain_text(escape_markdown(text)) == text


def test_a_plain_field_is_one_line_with_its_no_break_spaces_kept() -> None:
    assert one_line("  Draft\r\n report\t of \u2028the\u00a0WG\u3000  ") == \
        "Draft report of the\u00a0WG\u3000"


# Latin and the spaces that do not break a line (U+00A0, U+2000-U+200A, U+202F, U+3000):
# a plain field keeps every one of them.
SPACES = "\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u205f\u3000"
printable = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=32, max_codepoint=0x2FF,
                      blacklist_categories=("Cc", "Cs", "Zs", "Mn")),
        st.sampled_from(" " + SPACES)),
    min_size=1,
    max_size=30,
).map(one_line).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(printable, min_size=1, max_size=8))
def test_escaping_then_converting_returns_the_original(parts: list[str]) -> None:
    # Many texts in one pandoc run keeps the property test quick.
    texts = [one_line(p) for p in parts]
    markdown = "\n\n".join(escape_markdown(t) for t in texts)
    ast = json.loads(run_pandoc(markdown, "json", {}))
    assert [_inline_text(block) for block in ast["blocks"]] == texts


def test_reader_has_raw_passthrough_disabled() -> None:
    for extension in ("raw_html", "raw_tex", "raw_attribute", "yaml_metadata_block"):
        assert f"-{extension}" in READER
