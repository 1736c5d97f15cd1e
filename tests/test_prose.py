"""A text of prose makes no structure of its own: what would is shown as text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wgec_report.check import check_project
from wgec_report.prose import as_text, structure_lines, too_deep

from .conftest import REPO


@pytest.mark.parametrize(("markdown", "shown"), [
    ("Text.\n\n:::\n\nAfter", "Text.\n\n\\:::\n\nAfter"),
    ('::: {custom-style="Title"}\nX\n:::', '\\::: {custom-style="Title"}\nX\n\\:::'),
    ("# Heading {#sec-x}\ntext", "\\# Heading {#sec-x}\ntext"),
    ("  ### Indented", "  \\### Indented"),
    ("> ## Quoted\n- # Listed\n1. ::: x", "> \\## Quoted\n- \\# Listed\n1. \\::: x"),
    ("[x]: https://a\n[^1]: note", "\\[x]: https://a\n\\[^1]: note"),
    ("Title\n---\nMore\n===", "Title\n\\-\\-\\-\nMore\n\\=\\=\\="),
    # A multiline table's lines of dashes, and a simple table's, are no underlines.
    ("-----\nHead\n-----\nRow\n-----", "-----\nHead\n-----\nRow\n-----"),
    ("Name  Value\n----  -----\na     1", "Name  Value\n----  -----\na     1"),
    ("```\n# code\n:::\n```\n## after", "```\n# code\n:::\n```\n\\## after"),
    ("~~~~\n[x]: y\n~~~~", "~~~~\n[x]: y\n~~~~"),
    ("```\nunclosed # code\n:::", "```\nunclosed # code\n\\:::"),  # a fence never closed
    # Right under a line of text: a fence of backticks at the line's start, not indented.
    ("Text\n```\n[x]: y\n```", "Text\n```\n[x]: y\n```"),
    ("Text\n  ```\n[x]: y\n  ```", "Text\n  ```\n[x]: y\n  ```"),  # a code span
    ("Text\n~~~\n[x]: y\n~~~", "Text\n~~~\n\\[x]: y\n~~~"),
    # In a code span, a definition's brackets are shown as written: no backslash.
    ("`[x]: y` and ``a [y]: b``", "`[x]: y` and ``a [y]: b``"),
    # Labels pandoc reads: nested brackets, `@`, an escaped bracket; not unbalanced.
    ("[a [b] c]: /u\n\n[a @b]: /v\n\n[a\\]b]: /w", "\\[a [b] c]: /u\n\n\\[a @b]: /v\n\n"
     "\\[a\\]b]: /w"),
    ("[a [b]: /u", "[a [b]: /u"),
    # A definition's `:` or `~` opens a block, as a list item's marker does.
    ("T\n: # H {#sec-background}\n\nU\n~ ::: x", "T\n: \\# H {#sec-background}\n\nU\n~ \\::: x"),
    # Text already: left as it is.
    ("#hashtag, a # in a line, [x] and [a](https://b)", "#hashtag, a # in a line, [x] and "
     "[a](https://b)"),
    ("a\n\n---\n\nb", "a\n\n---\n\nb"),
    # A list item's continuation (four spaces) is structure like a line's start; an
    # indented code block, which no report needs, is escaped with it.
    ("-   point\n\n    # heading {#sec-x}\n\n    [x]: y", "-   point\n\n    \\# heading "
     "{#sec-x}\n\n    \\[x]: y"),
    ("(a) ::: {.x}\nb. # h\n| [x]: y |", "(a) \\::: {.x}\nb. \\# h\n| \\[x]: y |"),
    ("[@rec:x]: the IGF", "[@rec:x]: the IGF"),  # a reference stays one
    ("see [Option 1]: text", "see \\[Option 1]: text"),  # text either way
])
def test_lines_that_would_make_structure_are_shown_as_text(markdown: str, shown: str) -> None:
    assert as_text(markdown) == shown


def test_the_check_is_told_of_each_line_and_note_reference() -> None:
    markdown = "# H\n\nSee[^1] and \\[^2].\n\n[^1]: n\n- [x]: y\n\nT\n---\n```\n# no\n```"
    found = [(line.offset, line.marker, line.kind) for line in structure_lines(markdown)]
    assert found == [(0, "#", "heading"), (8, "[^1]", "note"), (25, "[^1]:", "definition"),
                     (35, "[x]:", "definition"), (45, "---", "underline")]
    assert [markdown[offset:offset + len(marker)] for offset, marker, _ in found] == [
        marker for _, marker, _ in found]


@pytest.mark.parametrize(("markdown", "found"), [
    ("[a [b [c [d [e]]]]]", []),  # 5: fine
    ("[[[[[[x]]]]]]", [(5, "[", "brackets", 6)]),
    ("[[[[[[x", [(5, "[", "brackets", 6)]),  # unclosed: pandoc is slower still
    ("\\[" * 20 + "[[[[[x]]]]]", []),  # escaped brackets are text
    ("\\\\[[[[[[x", [(7, "[", "brackets", 6)]),  # an escaped backslash escapes nothing
    ("]]]][[[[[x]]]]]", []),  # closing brackets before any opening do not count
    ("> " * 12 + "x", []),
    ("> " * 13 + "x", [(0, ">", "blocks", 13)]),
    ("text\n" + "- " * 6 + "x\n" + " " * 14 + "- y", []),  # 6 markers; 7 + 1 levels
    ("x\n" + " " * 40 + "> > > y", [(42, ">", "blocks", 13)]),  # four columns a level
    ("The options were:\n" + " " * 26 + "(a) keep the text", []),  # 6 + 1
    ("A. B. C. D. E. F. G. H. I. J. K. L. M. are annex letters", []),  # one space: text
    ("#. " * 13 + "x", [(0, "#.", "blocks", 13)]),
    ("(@) " * 13 + "x", [(0, "(@)", "blocks", 13)]),
    ("xxviii. " * 13 + "x", [(0, "xxviii.", "blocks", 13)]),
    ("(a) " * 13 + "x", [(0, "(a)", "blocks", 13)]),  # letters and roman numerals too
    ("* * * * * * * * * * * * * * * *\n- - - - - - - - - - - - - -", []),  # rules
    ("[a](" * 6, [(22, "](", "links", 6)]),  # link targets left open
    ("[a](b) " * 50 + "(see (a) and ((b)))", []),
])
def test_how_deep_a_text_may_nest(markdown: str, found: list[tuple[int, str, str, int]]) -> None:
    assert [tuple(deep) for deep in too_deep(markdown)] == found


@pytest.mark.parametrize("escape", ["\\r", "\\r\\n", "\\v", "\\f", "\\x1c", "\\x1e",
                                    "\\x85", "\\u2028", "\\u2029"])
def test_a_line_break_written_as_an_escape_is_a_line_feed_to_every_part(
        tmp_path: Path, escape: str) -> None:
    """`"a\\r\\r# T {#sec-background}"`: Jinja2's `indent` and pandoc broke the line
    there, the prose checks did not: a heading got past them and clashed with a section's
    id. The text holds line feeds instead, so the check sees what the build makes."""
    project = tmp_path / "report"
    shutil.copytree(REPO / "sources", project / "sources")
    path = project / "sources" / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("      en: ") + len("      en: ")
    end = text.index("\n      fr:", first)
    written = f'"To invite{escape}{escape}# T {{#sec-background}}"'
    path.write_text(text[:first] + written + text[end:], encoding="utf-8")

    result = check_project(project)

    assert result.report is not None
    value = result.report.recommendations[0].text.get("en", "en")
    assert value == "To invite\n\n# T {#sec-background}"
    said = [d for d in result.diagnostics if d.code == "prose-structure"]
    assert len(said) == 1 and said[0].location.path.endswith("recommendations.yaml")
    assert result.ok


# Texts whose first block is or is not a paragraph, and that a span can or cannot hold:
# pandoc, reading as the build does, is the judge.
FIRST_BLOCKS = [
    "plain text.", "see a ] b", "a [b] c", "a `]` b", "a \\] b", "a [ b", "[a] ] [b]",
    "- one\n- two", "Term\n: def", "Term\n~ def", "(a) item", "> quote", "1. first",
    "1999. A year", "B. Russell said", "B.  Russell said", "i. item", "#. item",
    "| a | b |\n|---|---|", "a | b\n---|---", "Text\n\n- list", "```\ncode\n```",
    "* * *", "---", "Text with - dash\nand more", "Text\n- not a list\n> not a quote",
    "Text then `code ]` and [link](#x) and ^[note [x]]", "+ plus item", "a\n```\nb\n```",
    "----- -----\na     b\n----- -----", "+---+\n| a |\n+---+", "] [ ] [", "[[a] b",
    "a \\\\] b", "[a](b) ] `[` \\[ [c]", "x ^[a ] b] y", "-", "1.", "iv)", "@x.", "B.",
    "a \\", "a [b] \\\\\\", "=\\", "The Group agreed to:\n(a) consider;\n(b) report.",
    "Noted\n+ plus\nand agreed.", "Noted\n- minus", "Noted\n1. one", "Noted\n> quoted",
    "Alpha <https://example.org/a]b> omega.", "Mail <a]b@example.org> [x",
]


@pytest.mark.parametrize("text", FIRST_BLOCKS)
def test_a_text_starts_with_a_paragraph_and_is_one_as_pandoc_reads_it(text: str) -> None:
    import json

    import pypandoc

    from wgec_report.convert import READER
    from wgec_report.prose import (
        fits_a_span,
        in_a_span,
        is_one_paragraph,
        starts_with_a_paragraph,
    )

    def blocks(markdown: str) -> list[dict[str, object]]:
        read = json.loads(pypandoc.convert_text(markdown, "json", format=READER))
        return list(read["blocks"])

    alone = blocks(text)
    assert starts_with_a_paragraph(text) == (alone[0]["t"] == "Para")
    # One paragraph in a list item too, where each of the report's paragraphs is.
    in_an_item = blocks("1.  " + text.replace("\n", "\n    "))[0]["c"][1][0]
    assert is_one_paragraph(text) == (len(alone) == 1 and alone[0]["t"] == "Para"
                                      and len(in_an_item) == 1)
    if fits_a_span(text):  # a span holds all of it, read as it was alone
        spanned = blocks(f"[{in_a_span(text)}]{{dir=ltr}}")
        assert spanned == [{"t": "Para", "c": [
            {"t": "Span", "c": [["", [], [["dir", "ltr"]]], alone[0]["c"]]}]}]
