"""Plain-text fields are escaped for pandoc: escaping, then converting, gives the text back."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wgec_report.convert import READER, run_pandoc
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
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_plain_text_reads_back_literally(text: str) -> None:
    assert pandoc_plain_text(escape_markdown(text)) == text


printable = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF,
                           blacklist_categories=("Cc", "Cs", "Zs", "Mn")),
    min_size=1,
    max_size=30,
).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(printable, min_size=1, max_size=8))
def test_escaping_then_converting_returns_the_original(parts: list[str]) -> None:
    # Many texts in one pandoc run keeps the property test quick.
    texts = [" ".join(p.split()) for p in parts]
    markdown = "\n\n".join(escape_markdown(t) for t in texts)
    ast = json.loads(run_pandoc(markdown, "json", {}))
    assert [_inline_text(block) for block in ast["blocks"]] == texts


def test_reader_has_raw_passthrough_disabled() -> None:
    for extension in ("raw_html", "raw_tex", "raw_attribute", "yaml_metadata_block"):
        assert f"-{extension}" in READER
