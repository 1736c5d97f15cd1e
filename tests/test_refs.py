"""The inline reference syntax: parsing, footnote placement, rendering."""

from __future__ import annotations

import pytest

from wgec_report.refs import (
    Citation,
    InternalRef,
    ParagraphSpan,
    RenderContext,
    find_references,
    format_spans,
    parse_locator,
    render_references,
)
from wgec_report.render import escape_markdown

CONTEXT = RenderContext(
    instrument_titles={"tunis-agenda": "Tunis Agenda for the Information Society",
                       "res": "General Assembly resolution 70/125"},
    paragraph_numbers={"rec:un-body": "31", "para:mandate": "4"},
    section_names={"scope": "section 2.1", "background": "chapter II"},
)


@pytest.mark.parametrize(
    ("locator", "spans"),
    [
        ("69", (ParagraphSpan(69, 69),)),
        ("69-71", (ParagraphSpan(69, 71),)),
        ("69–71", (ParagraphSpan(69, 71),)),
        ("35(a),35(d)", (ParagraphSpan(35, 35, "a"), ParagraphSpan(35, 35, "d"))),
        ("64, 65", (ParagraphSpan(64, 64), ParagraphSpan(65, 65))),
    ],
)
def test_locators(locator: str, spans: tuple[ParagraphSpan, ...]) -> None:
    assert parse_locator(locator) == spans


@pytest.mark.parametrize("locator", ["", "abc", "71-69", "35(A)", "35()", "1-2-3", "35(a"])
def test_malformed_locators(locator: str) -> None:
    assert parse_locator(locator) is None


@pytest.mark.parametrize(
    ("locator", "text"),
    [
        ("69", "para. 69"),
        ("69-71", "paras. 69–71"),
        ("35(a),35(d)", "para. 35 (a) and (d)"),
        ("64,65", "paras. 64 and 65"),
        ("35(a),58,70", "paras. 35 (a), 58 and 70"),
    ],
)
def test_spans_read_as_un_citations(locator: str, text: str) -> None:
    spans = parse_locator(locator)
    assert spans is not None
    assert format_spans(spans) == text


def test_find_references_parses_groups_and_reports_problems() -> None:
    groups = list(find_references(
        "See [@rec:un-body], [@tunis-agenda:69; @res:65] and [@oops] but not \\[@rec:x]."
    ))
    assert [g.raw for g in groups] == ["[@rec:un-body]", "[@tunis-agenda:69; @res:65]", "[@oops]"]
    assert groups[0].references == (InternalRef("rec", "un-body"),)
    assert groups[1].references == (
        Citation("tunis-agenda", (ParagraphSpan(69, 69),)),
        Citation("res", (ParagraphSpan(65, 65),)),
    )
    assert "is not a reference" in groups[2].problem


def render(text: str) -> str:
    return render_references(text, CONTEXT, escape_markdown)


def test_citation_becomes_a_footnote_after_the_punctuation() -> None:
    assert render("issues [@tunis-agenda:69]. Next") == (
        "issues.^[Tunis Agenda for the Information Society, para. 69.] Next"
    )


@pytest.mark.parametrize(("after", "shown"), [
    ("(see there)", "(see there)"),
    ("{.x}", "{.x}"),
    ("[x]", "[x]"),
    ("[a link](https://un.org)", "a link"),
    ("[@rec:un-body]", "paragraph 31"),
])
def test_what_follows_a_reference_is_not_read_as_part_of_it(after: str, shown: str) -> None:
    """`^[note](x)` is a link, `^[note]{.x}` a span, `^[note][x]` text: pandoc read
    what came right after a reference as part of its note, which was lost or printed.
    Read as the build reads it (no raw HTML, ...)."""
    import pypandoc

    from wgec_report.convert import READER

    for reference in ("[@tunis-agenda:69]", "[@sec:background]"):
        markdown = render(f"As agreed {reference}{after} here.")
        plain = pypandoc.convert_text(markdown, "plain", format=READER)
        body, _, notes = plain.partition("\n\n")
        if "tunis" in reference:
            assert " ".join(body.split()) == f"As agreed[1]{shown} here."
            assert "Tunis Agenda for the Information Society, para. 69." in notes
        else:
            assert " ".join(body.split()) == f"As agreed chapter II{shown} here."


@pytest.mark.parametrize(("text", "body"), [
    ("Alpha\\ [@tunis-agenda:69] omega.", "Alpha[1] omega."),  # an escaped space
    ("Alpha\\ \\ [@tunis-agenda:69] omega.", "Alpha[1] omega."),
    ("C:\\\\[@tunis-agenda:69] omega.", "C:\\[1] omega."),  # an escaped backslash
    ("C:\\\\\\[@tunis-agenda:69] omega.", "C:\\[@tunis-agenda:69] omega."),  # and `\[`
])
def test_backslashes_before_a_reference_as_pandoc_reads_them(text: str, body: str) -> None:
    """The backslash of an escaped space before a reference was left before its note,
    and escaped the `^` (the note printed as text); a reference after an escaped
    backslash was taken for an escaped one, and neither checked nor rendered."""
    import pypandoc

    from wgec_report.convert import READER

    plain = pypandoc.convert_text(render(text), "plain", format=READER)
    assert " ".join(plain.partition("\n\n")[0].split()) == body


@pytest.mark.parametrize(("text", "shown"), [
    ("Alpha.^[See also [@res:65].] Omega.",
     ["Alpha.[1] Omega.", "[1] See also General Assembly resolution 70/125, para. 65."]),
    ("A^[note [x] with [@tunis-agenda:69; @res:64]] b.",
     ["A[1] b.", "[1] note [x] with Tunis Agenda for the Information Society, para. 69; "
      "General Assembly resolution 70/125, para. 64"]),
    ("A \\^[ [@res:65] ].",  # no note: the reference is one of its own
     ["A ^[[1] ].", "[1] General Assembly resolution 70/125, para. 65."]),
])
def test_a_reference_in_a_note_is_cited_in_its_words(text: str, shown: list[str]) -> None:
    """A note within a note: pandoc's Word writer drops it ("See also ." was left)."""
    import pypandoc

    from wgec_report.convert import READER

    plain = pypandoc.convert_text(render(text), "plain", format=READER, extra_args=["--wrap=none"])
    assert [" ".join(block.split()) for block in plain.strip().split("\n\n")] == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("See [the report [@rec:un-body]](https://un.org) here.",
     "See the report paragraph 31 here."),
    ("See [[@sec:scope] and [@sec:background]](https://un.org).",
     "See section 2.1 and chapter II."),
    ("See [@rec:un-body](x) and [a](https://un.org).", "See paragraph 31(x) and a."),
])
def test_a_reference_in_a_link_s_text_is_named_not_linked(text: str, shown: str) -> None:
    """A link within a link's text cannot be: pandoc printed the Markdown of both."""
    import pypandoc

    from wgec_report.convert import READER

    plain = pypandoc.convert_text(render(text), "plain", format=READER, extra_args=["--wrap=none"])
    assert plain.strip() == shown


SCRIPT_TEXTS = [
    "A ^see[@ta:69]^ b", "A ~x[@sec:intro]~ b", "A ^a\\ b[@ta:69; @sec:intro]^ b",
    "A ^`x y`[@ta:69]^ b", "A ^`xy`[@ta:69]^ b", "A ~a~b[@ta:69]c~ d", "A ~~s[@ta:69]~~ b",
    "A ~~s~[@ta:69]~ b",
    "A ^2^[@ta:69] b", "A x^[@ta:69] b", "A `^c`[@ta:69]`^` b", "A \\^e[@ta:69]^ b",
    "A ^f [@ta:69]^ b", "A ~a~[@ta:69] b", "A ^[note [@ta:69]] b", "A ^g^^[n][@ta:69] b",
    "A ^h\n[@ta:69]^ b", "A ^h\\\n[@ta:69]^ b", "A ~a^b[@ta:69]^c~ d", "A ^a~b[@ta:69]^ c~",
    "A \\\\^x[@ta:69]^ b", "A ^[@ta:69][@ta:69]^ b", "A ^a^b^[@ta:69]^ c", "A ^x[@ta:69]",
    "A x^a\u00a0[@ta:69]^ b",
]


@pytest.mark.parametrize("text", SCRIPT_TEXTS)
def test_script_spans_are_pandoc_s_superscripts_and_subscripts(text: str) -> None:
    """Whether a reference stands in a superscript or a subscript, as the check finds
    it (`script_spans`), is whether pandoc reads its place as one: each reference is
    put back as a word of its own (a reference is read as a whole, its spaces too),
    in brackets after a caret, where the build makes it a note, `^[@…]`, or not."""
    import json

    import pypandoc

    from wgec_report.convert import READER
    from wgec_report.refs import inside, script_spans

    groups = list(find_references(text))
    spans = script_spans(text, [(group.start, group.end) for group in groups])
    found = {f"REF{n}" for n, group in enumerate(groups) if inside(spans, group.start)}
    words = text
    for n, group in reversed(list(enumerate(groups))):
        word = f"[REF{n}]" if words[group.start - 1] == "^" else f"REF{n}"
        words = f"{words[:group.start]}{word}{words[group.end:]}"

    read: set[str] = set()

    def walk(node: object, scripted: bool) -> None:
        if isinstance(node, dict):
            inner = scripted or node.get("t") in ("Superscript", "Subscript")
            if node.get("t") == "Str" and inner:
                read.update(word for word in ("REF0", "REF1") if word in node["c"])
            for value in node.values():
                walk(value, inner)
        elif isinstance(node, list):
            for value in node:
                walk(value, scripted)

    walk(json.loads(pypandoc.convert_text(words, "json", format=READER)), False)
    assert found == read


@pytest.mark.parametrize(("text", "shown"), [
    ("A ^2^[@tunis-agenda:69] b.",
     ["A ^2^^[Tunis Agenda for the Information Society, para. 69.] b."]),
    ("A x^2^[@tunis-agenda:69][x] b.", ["A x^2^[^[Tunis Agenda for the Information Society, "
                                        "para. 69.]]{}[x] b."]),
])
def test_a_superscript_s_closing_caret_opens_no_note(text: str, shown: list[str]) -> None:
    """`^2^[@…]`: the caret closes the superscript, so the reference is not in a note
    of the text's own, and gets a note (it had been cited in words, the note lost)."""
    assert [render(text)] == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("A x^[@tunis-agenda:69] b.", ["A x[1] b.",
                                   "[1] Tunis Agenda for the Information Society, para. 69."]),
    ("A ^[@sec:scope] b.", ["A [1] b.", "[1] section 2.1"]),
    ("A ^[@sec:scope; @res:65](x) b.",
     ["A [1](x) b.", "[1] section 2.1; General Assembly resolution 70/125, para. 65."]),
    ("A ^[see ^[@res:65] too] b.",
     ["A [1] b.", "[1] see General Assembly resolution 70/125, para. 65 too"]),
    ("A ^a^b^[@res:65]^ c.",
     ["A ^(a)b[1]^ c.", "[1] General Assembly resolution 70/125, para. 65."]),
])
def test_a_reference_written_as_a_note_is_one(text: str, shown: list[str]) -> None:
    """`^[@…]`: the reference is the note (in a note of the text's own, its words).
    Its brackets had been taken for a note's, and its caret printed before its words."""
    import pypandoc

    from wgec_report.convert import READER

    plain = pypandoc.convert_text(render(text), "plain", format=READER, extra_args=["--wrap=none"])
    assert [" ".join(block.split()) for block in plain.strip().split("\n\n")] == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("de Tunis.[@res:65] Après", "de Tunis^[R, para. 65.]. Après"),
    ("de Tunis [@res:65]. Après", "de Tunis^[R, para. 65.]. Après"),
    ("de Tunis ?[@res:65] Après", "de Tunis^[R, para. 65.] ? Après"),
    ("etc.;[@res:65] x", "etc^[R, para. 65.].; x"),
    ("au 1\\.[@res:65] x", "au 1\\.^[R, para. 65.] x"),  # an escaped stop is text
    ("de Tunis\u00a0?[@res:65] Après", "de Tunis^[R, para. 65.]\u00a0? Après"),
    ("de Tunis\\ ![@res:65] Après", "de Tunis^[R, para. 65.]\\ ! Après"),
    ("Puis…[@res:65] x", "Puis^[R, para. 65.]… x"),
    ("de Tunis.^[@res:65] Après", "de Tunis^[R, para. 65.]. Après"),  # written as a note
])
def test_french_puts_the_mark_before_the_punctuation_wherever_it_was_written(
        text: str, shown: str) -> None:
    """A translator's "Tunis.[@…]" gave "Tunis.¹", though French notes come before
    the punctuation, as "Tunis [@…]." gave "Tunis¹."."""
    french = CONTEXT._replace(instrument_titles={"res": "R"}, note_before_punctuation=True)
    assert render_references(text, french, escape_markdown) == shown


def test_a_link_after_a_bang_is_no_image() -> None:
    """French "Tunis ![@sec:…]": the link right after `!` was an image, and the build
    failed on it (typst looked for the file "#sec-…")."""
    import pypandoc

    from wgec_report.convert import READER

    markdown = render("Tunis ![@sec:scope] et ![@tunis-agenda:69] a.")
    assert markdown.startswith("Tunis \\![section 2.1](#sec-scope) et !^[")
    read = pypandoc.convert_text(markdown, "native", format=READER)
    assert "Image" not in read and '"#sec-scope"' in read and "Note" in read


def test_several_citations_share_one_footnote() -> None:
    assert render("text[@tunis-agenda:69-71; @res:64,65]") == (
        "text^[Tunis Agenda for the Information Society, paras. 69–71; "
        "General Assembly resolution 70/125, paras. 64 and 65.]"
    )


def test_internal_references_become_links() -> None:
    assert render("see [@rec:un-body], [@para:mandate], [@sec:background] and [@sec:scope].") == (
        "see [paragraph 31](#rec-un-body), [paragraph 4](#para-mandate), "
        "[chapter II](#sec-background) and [section 2.1](#sec-scope)."
    )


def test_escaped_reference_stays_literal() -> None:
    assert render("write \\[@rec:un-body] to link") == "write \\[@rec:un-body] to link"


def test_references_in_code_spans_are_left_alone() -> None:
    assert list(find_references("write `[@rec:x]` to link")) == []
    assert render("write ``[@rec:un-body]`` here") == "write ``[@rec:un-body]`` here"


def test_spaces_after_commas_in_a_locator_are_allowed() -> None:
    (group,) = find_references("[@tunis-agenda:35(a), 35(d)]")
    assert group.problem == ""
    assert group.references == (
        Citation("tunis-agenda", (ParagraphSpan(35, 35, "a"), ParagraphSpan(35, 35, "d"))),
    )


def test_a_reference_broken_across_lines_is_a_located_problem() -> None:
    (group,) = find_references("as [@tunis-\nagenda:69] says")
    assert group.problem == "a reference must be written on one line"
