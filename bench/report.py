"""docs/performance.md and docs/images/performance.png from the results of bench/run.py.

    .venv/bin/python bench/report.py bench/out/results.json

run.py calls `write` at the end of a run; this script rewrites the page from
saved results (to change the page without timing everything again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    shown: str
    target: str
    passes: Callable[[float], bool]
    note: str = ""

    @property
    def result(self) -> str:
        if self.measured is None:
            return "n/a"
        return "PASS" if self.passes(self.measured) else "FAIL"


def median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def scale_data(results: dict[str, Any], scale: int) -> dict[str, Any] | None:
    data: dict[str, Any] | None = results["scales"].get(str(scale))
    return data


def med(results: dict[str, Any], scale: int, what: str) -> float | None:
    data = scale_data(results, scale)
    return median(data["seconds"].get(what)) if data else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def mib(data: dict[str, Any]) -> float:
    return float(data["counts"]["bytes"]) / MIB


def targets(results: dict[str, Any]) -> list[Target]:
    scales = sorted(int(s) for s in results["scales"])
    big = max(scales)
    mid = max((s for s in scales if s < big), default=None)
    one = scale_data(results, 1)
    assert one is not None
    rss = one["memory_kib"]["check"] / 1024
    check_ratio = ratio(med(results, 1, "check"), med(results, 1, "yamllint"))
    build_ratio = ratio(med(results, 1, "build"), med(results, 1, "floor"))
    first_ratio = ratio(med(results, 1, "first build"), med(results, 1, "floor"))
    rebuild_ratio = ratio(med(results, 1, "rebuild"), med(results, 1, "build"))
    growth = None
    growth_note = "needs two scales above 1x"
    if mid is not None and mid > 1:
        small, large = scale_data(results, mid), scale_data(results, big)
        assert small is not None and large is not None
        per_small = (med(results, mid, "check") or 0) / mib(small)
        per_large = (med(results, big, "check") or 0) / mib(large)
        growth = per_large / per_small
        growth_note = (f"{per_small * 1000:.0f} ms/MiB at {mid}x, "
                       f"{per_large * 1000:.0f} ms/MiB at {big}x")
    big_ratio = ratio(med(results, big, "build"), med(results, big, "floor")) if big > 1 else None
    cache = ("" if results.get("force") else
             "no incremental cache yet (`wgec build` has no `--force`): this is a full build "
             "again")
    return [
        Target("`wgec check` ÷ `yamllint`, default report", check_ratio, _x(check_ratio),
               "≤ 0.5×", lambda v: v <= 0.5),
        Target("peak memory of `wgec check`, default report", rss, f"{rss:.1f} MiB",
               "< 60 MiB", lambda v: v < 60),
        Target("`wgec build` (md + docx + pdf) after an edit ÷ raw tools' floor, default "
               "report", build_ratio, _x(build_ratio), "≤ 0.85×", lambda v: v <= 0.85),
        Target("the same, the first build of a folder (nothing kept from an earlier build)",
               first_ratio, _x(first_ratio), "≤ 0.85×", lambda v: v <= 0.85),
        Target("rebuild with nothing changed ÷ full build, default report", rebuild_ratio,
               _x(rebuild_ratio), "≤ 0.2×", lambda v: v <= 0.2, cache),
        Target(f"`wgec check` time per MiB of sources, {big}x ÷ {mid}x (linear: ≤ 1)",
               growth, _x(growth), "≤ 1.0×", lambda v: v <= 1.0, growth_note),
        Target(f"`wgec build` ÷ raw tools' floor, {big}x report", big_ratio, _x(big_ratio),
               "≤ 1.0×", lambda v: v <= 1.0),
    ]


def _overlap_bound(results: dict[str, Any], scale: int) -> str | None:
    """A table row: the least a build with overlapping conversions can take (or None)."""
    prework, docx, pdf = (med(results, scale, key)
                          for key in ("prework", "floor docx", "floor pdf"))
    if prework is None or docx is None or pdf is None:
        return None
    bound = prework + max(docx, pdf)
    floor, build = med(results, scale, "floor"), med(results, scale, "build")
    first = med(results, scale, "first build")
    return (f"| {scale}× | {_s(prework)} | {_s(docx)} | {_s(pdf)} | {_s(bound)} | "
            f"{_x(ratio(bound, floor))} | {_x(ratio(first, bound))} | "
            f"{_x(ratio(build, bound))} |")


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:.1f} s"


# --------------------------------------------------------------------------- page

def write(results: dict[str, Any], output: Path, plot: Path) -> None:
    plot.parent.mkdir(parents=True, exist_ok=True)
    make_plot(results, plot)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page(results, os.path.relpath(plot, output.parent)), encoding="utf-8")


def page(results: dict[str, Any], plot_link: str) -> str:
    m = results["machine"]
    scales = sorted(int(s) for s in results["scales"])
    out: list[str] = []
    add = out.append
    add("# Performance\n")
    add("<!-- Generated by bench/run.py (`make bench`); edits are overwritten. -->\n")
    add(f"Measured on {m['date']} by `make bench` ([bench/run.py](../bench/run.py)): every "
        "command several times, in one run, on one machine; the ratios compare commands timed "
        "side by side, never absolute times across machines. Medians throughout.\n")
    add("## Targets\n")
    add("| Measure | Measured | Target | Result |")
    add("|---|---|---|---|")
    for t in targets(results):
        note = f" ({t.note})" if t.note else ""
        add(f"| {t.name}{note} | {t.shown} | {t.target} | **{t.result}** |")
    add("")
    add(f"![Median wall time against report size]({plot_link})\n")

    add("## Medians\n")
    add("| Report | Sources | `wgec check` | check per MiB | `yamllint` | `wgec build` "
        "after an edit | first build | raw floor | rebuild, nothing changed | check ÷ yamllint "
        "| build ÷ floor | first build ÷ floor | rebuild ÷ build |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale in scales:
        d = scale_data(results, scale)
        assert d is not None
        c = d["counts"]
        check, lint = med(results, scale, "check"), med(results, scale, "yamllint")
        build, floor = med(results, scale, "build"), med(results, scale, "floor")
        rebuild, first = med(results, scale, "rebuild"), med(results, scale, "first build")
        per_mib = f"{check / mib(d) * 1000:,.0f} ms" if check is not None else "–"
        add(f"| {scale}× | {c['files']} files, {mib(d):.2f} MiB, {c['lines']:,} lines | "
            f"{_s(check)} | {per_mib} | {_s(lint)} | {_s(build)} | {_s(first)} | {_s(floor)} | "
            f"{_s(rebuild)} | {_x(ratio(check, lint))} | {_x(ratio(build, floor))} | "
            f"{_x(ratio(first, floor))} | {_x(ratio(rebuild, build))} |")
    add("")
    add("The spread of the timed runs (fastest – slowest, number of runs); on a shared "
        "machine a ratio near its target can fall either side of it from one run to the "
        "next:\n")
    names = [("check", "`wgec check`"), ("yamllint", "`yamllint`"), ("build", "`wgec build`"),
             ("first build", "first build"), ("floor", "raw floor"), ("rebuild", "rebuild")]
    add("| Report | " + " | ".join(label for _, label in names) + " |")
    add("|---|" + "---|" * len(names))
    for scale in scales:
        d = scale_data(results, scale)
        assert d is not None
        cells = []
        for key, _ in names:
            values = d["seconds"].get(key) or []
            cells.append(f"{_s(min(values))} – {_s(max(values))} ({len(values)})" if values
                         else "–")
        add(f"| {scale}× | " + " | ".join(cells) + " |")
    add("")
    one = scale_data(results, 1)
    assert one is not None
    interp = median(one["seconds"].get("python+yaml"))
    if interp is not None:
        add(f"The floor of any Python YAML checker, `python -c \"import yaml\"` (the "
            f"interpreter and PyYAML), takes {_s(interp)} here: "
            f"{_x(ratio(interp, med(results, 1, 'check')))} of `wgec check` on the default "
            "report.\n")

    click = median(one["seconds"].get("python+click"))
    if click is not None:
        add(f"The floor of any Click command, `python -c \"import click\"` (the interpreter "
            f"and Click), takes {_s(click)} here: {_x(ratio(click, med(results, 1, 'rebuild')))} "
            "of a rebuild with nothing changed on the default report, which reads and hashes "
            "the sources and the cache besides.\n")

    bounds = [row for row in (_overlap_bound(results, scale) for scale in scales) if row]
    if bounds:
        add("What overlapping the conversions alone can reach. Before its first conversion "
            "a build has checked and rendered the sources (timed as a Markdown-only build, "
            "`wgec build --force --to md`: the interpreter, Click, PyYAML, Jinja2, the check "
            "and the render); after it, the DOCX chain (pandoc) and the PDF chain (pandoc, "
            "then typst) can run side by side on two cores, so a build that runs the two "
            "chains as the floor does takes no less than the first plus the longer chain "
            "(each timed alone as the floor's own steps, `STEPS=docx` and `STEPS=pdf`). "
            "wgec's pandoc collects garbage less often, and a build after an edit has typst "
            "lay out only what changed (typst is primed with the last build's Typst while "
            "the sources are checked), so its chains are shorter than the floor's:\n")
        add("| Report | Markdown-only build | DOCX chain | PDF chain | bound: first + longer "
            "chain | bound ÷ floor | first build ÷ bound | build after an edit ÷ bound |")
        add("|---|---|---|---|---|---|---|---|")
        out.extend(bounds)
        add("")

    add("Peak memory (maximum resident set size of the largest process):\n")
    add("| Report | `wgec check` | `wgec build` | raw floor |")
    add("|---|---|---|---|")
    for scale in scales:
        d = scale_data(results, scale)
        assert d is not None
        mem = d["memory_kib"]
        add(f"| {scale}× | {mem['check'] / 1024:.1f} MiB | {mem['build'] / 1024:.0f} MiB | "
            f"{mem['floor'] / 1024:.0f} MiB |")
    add("")

    add("## The reports\n")
    add("The default report (`sources/`) and synthetic reports made from it by "
        "[bench/generate.py](../bench/generate.py) (copies of every entity with suffixed "
        "ids, more paragraphs citing instrument paragraphs and linking to recommendations, "
        "sections and paragraphs; deterministic). Every one checks with 0 errors.\n")
    keys = ["bytes", "files", "sections", "paragraphs", "recommendations", "organizations",
            "levels", "focus_areas", "characteristics", "mapping_rows", "instruments",
            "instrument_paragraphs", "references"]
    add("| | " + " | ".join(f"{s}×" for s in scales) + " |")
    add("|---|" + "---|" * len(scales))
    for key in keys:
        row = []
        for scale in scales:
            d = scale_data(results, scale)
            assert d is not None
            row.append(f"{d['counts'][key]:,}")
        label = "`[@…]` references" if key == "references" else key.replace("_", " ")
        add(f"| {label} | " + " | ".join(row) + " |")
    add("| output: report.md, .docx, .pdf | " + " | ".join(
        _outputs(scale_data(results, s)) for s in scales) + " |")
    add("")
    fixed = {s: scale_data(results, s)["template_fix"] for s in scales}  # type: ignore[index]
    if any(fixed.values()):
        add("**The larger reports are built with two project templates** "
            f"({', '.join(sorted({n for v in fixed.values() for n in v}))}) that fix a bug of "
            "the default ones: they write a paragraph's list marker as "
            "`\"%-4s\" | format(n ~ \".\")`, so from paragraph 100 on the marker runs into the "
            "div it opens (`100.::: {#para-…}`), pandoc reads no div, the paragraph loses its "
            "anchor and typst fails on a link to it (\"label `<rec-…>` does not exist\"). "
            "The fix (marker `\"%-4s\" | format(n ~ \". \")`, text indented by the marker's "
            "width) gives the same bytes below 100 paragraphs. "
            "See `write_template_fixes` in bench/generate.py.\n")

    add("## Where the time goes\n")
    add("`wgec build`'s own report of its steps (the first build of each report, then a "
        "build with nothing changed). The steps overlap: DOCX runs beside Typst and PDF, and "
        "its time runs until the build collects it, so it can include waiting for the PDF. "
        "The process's start-up (interpreter, imports) is in none of them: it is the "
        "difference between the wall times above and the \"built … in\" line.\n")
    for scale in scales:
        d = scale_data(results, scale)
        assert d is not None
        if d.get("build_steps"):
            add(f"{scale}× report:\n")
            add("```text")
            out.extend(d["build_steps"])
            if d.get("rebuild_steps"):
                add("# again, nothing changed:")
                out.extend(d["rebuild_steps"])
            add("```\n")
    for label, prof in results.get("profile", {}).items():
        command, _, size = label.rpartition(" ")
        add(f"### `{prof.get('command', command)}`, {size.replace('x', '×')} report\n")
        if prof.get("imports"):
            add(f"Imports (`python -X importtime`, medians of 5 runs): "
                f"{prof['imports_total_ms']:.0f} ms in all (importtime's own overhead "
                "included). The largest, with their own (self) time:\n")
            add("| Module | Cumulative | Self |")
            add("|---|---|---|")
            for row in prof["imports"][:10]:
                indent = "&nbsp;&nbsp;" * row["depth"]
                add(f"| {indent}`{row['module']}` | {row['cumulative_ms']:.1f} ms | "
                    f"{row['self_ms']:.1f} ms |")
            add("")
        add(f"cProfile (the profiler slows the run down; {prof['profiled_total_ms']:.0f} ms "
            "profiled): own time by module, then the costliest functions.\n")
        add("| Module | Own time | Share |")
        add("|---|---|---|")
        for row in prof["modules"][:10]:
            add(f"| `{row['module']}` | {row['tottime_ms']:.0f} ms | {row['share']:.0%} |")
        add("")
        add("| Function | Calls | Own time | With callees |")
        add("|---|---|---|---|")
        for row in prof["functions"][:10]:
            add(f"| `{row['function']}` | {row['calls']:,} | {row['tottime_ms']:.0f} ms | "
                f"{row['cumtime_ms']:.0f} ms |")
        add("")
        if not prof.get("imports") and prof.get("cumulative"):
            add("wgec's own functions by time with their callees:\n")
            add("| Function | Calls | With callees |")
            add("|---|---|---|")
            for row in prof["cumulative"][:10]:
                add(f"| `{row['function']}` | {row['calls']:,} | {row['cumtime_ms']:.0f} ms |")
            add("")

    add("## Machine\n")
    add("| | |")
    add("|---|---|")
    for key, label in (("date", "Date"), ("cpu", "CPU"), ("nproc", "CPUs usable (nproc)"),
                       ("os", "OS"), ("python", "Python"), ("pandoc", "pandoc (pypandoc-binary)"),
                       ("typst", "typst (Python package)"), ("pyyaml", "PyYAML"),
                       ("yamllint", "yamllint"), ("wgec", "wgec"), ("commit", "Commit")):
        add(f"| {label} | {m.get(key, '')} |")
    if m.get("load_before") is not None:
        add(f"| Load average (1 min) before, after | {m['load_before']:.2f}, "
            f"{m.get('load_after', 0) or 0:.2f} |")
    if m.get("seconds"):
        add(f"| Benchmark run | {m['seconds'] / 60:.1f} minutes |")
    add("")

    add("## Method\n")
    runs = results.get("runs", {})
    add("- Wall time of each command, `time.perf_counter` around `subprocess.run`, output "
        "discarded; the median of the timed runs after warm-up runs. Commands compared with "
        "each other run interleaved (A, B, A, B, …), so a change of load falls on both. "
        "Runs (warm-up + timed) per report: " + "; ".join(
            f"{s}×: check {r['check'][0]}+{r['check'][1]}, build, floor and rebuild "
            f"{r['build'][0]}+{r['build'][1]}"
            for s, r in runs.items()) + ".")
    add("- Each report is a project in a temporary folder under /tmp, built into its own "
        "`build/`; `wgec` is the virtual environment's (`.venv/bin/wgec`).")
    add("- `yamllint -c bench/yamllint.yaml` (`extends: default`: its default rules) on the "
        "same `.yaml` files `wgec check` reads. Its exit code 1 (problems found) counts as "
        "done.")
    force = results.get("force")
    add("- Build: `wgec build` after an edit: before each run (untimed) a few words are "
        "added to a recommendation, or taken out again, so every output is stale and the "
        "recommendation's lines rewrap, as in an editor's day. First build (1× and 10×): the "
        "same, with the folder's typst primer (the last build's Typst, kept in the user's "
        "cache) deleted first, as for a folder never built. The untimed first build that "
        "makes the floor's Markdown: " + ("`wgec build --force`." if force else
                                           "`wgec build` in an empty `build/` folder.")
        + " Rebuild: `wgec build` again with nothing changed, right after each timed build "
        "(build, floor, rebuild and first build interleaved). wgec's cache folder "
        "(`XDG_CACHE_HOME`) is the run's own.")
    add("- Raw tools' floor: [bench/raw_floor.sh](../bench/raw_floor.sh) on the `report.md` "
        "of a `wgec build` of the same report, by hand and one after the other: pandoc → "
        "DOCX (with `templates/reference.docx`), pandoc → Typst (with `templates/report.typ`), "
        "then the `typst` Python package → PDF (the fonts wgec ships, no system fonts). "
        "The Markdown goes to pandoc as it is, YAML header and all: pandoc's default "
        "`markdown` reader reads the header as the metadata wgec passes with `-M`. The "
        "pandoc is pypandoc-binary's, the one wgec runs. The floor starts from the "
        "Markdown; `wgec build` also checks and renders it.")
    bytecode = ("; this machine's environment sets `PYTHONDONTWRITEBYTECODE`, which the "
                "bench lifts for its commands" if m.get("dont_write_bytecode_env") else "")
    add("- Python bytecode is cached (`PYTHONPYCACHEPREFIX` in the temporary folder, filled "
        "by the warm-up runs), as on a user's machine, where pip compiles the installed "
        "packages and Python caches wgec's own modules after their first import"
        f"{bytecode}. Nothing is written into the repository.")
    add("- Peak memory: `/usr/bin/time -v` (maximum resident set size), else getrusage of "
        "a fresh child. `wgec check` on the default report: the median of 3.")
    add("- Linear growth: `wgec check`'s median time divided by the size of the sources in "
        "MiB, at the largest report over the next one; the fixed start-up cost makes a "
        "linear check come out below 1, a quadratic one well above.")
    add("- No timing is asserted in the test suite; this page is the record.")
    add("")
    return "\n".join(out)


def _outputs(data: dict[str, Any] | None) -> str:
    if not data:
        return "–"
    o = data["outputs"]
    return " / ".join(_size(o[f"wgec {fmt}"]) for fmt in ("md", "docx", "pdf"))


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n / 1024:.0f} KiB"


# --------------------------------------------------------------------------- plot

SERIES = (
    ("check", "wgec check", "tab:blue", "o-"),
    ("yamllint", "yamllint (default rules)", "tab:cyan", "o--"),
    ("build", "wgec build after an edit (md + docx + pdf)", "tab:red", "s-"),
    ("first build", "wgec build, first of its folder", "tab:purple", "s:"),
    ("floor", "raw tools' floor (pandoc ×2 + typst)", "tab:orange", "s--"),
    ("rebuild", "wgec build, nothing changed", "tab:green", "^-"),
)


def make_plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = sorted(int(s) for s in results["scales"])
    sizes = [mib(scale_data(results, s)) for s in scales]  # type: ignore[arg-type]
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=130)
    for key, label, colour, style in SERIES:
        points = [(size, y) for s, size in zip(scales, sizes, strict=True)
                  if (y := med(results, s, key)) is not None]
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], style, color=colour,
                    label=label, linewidth=1.6, markersize=5)
    check = [(size, y) for s, size in zip(scales, sizes, strict=True)
             if (y := med(results, s, "check")) is not None]
    if len(check) > 1:  # slope 1 on log-log: time proportional to size, through check's last
        x1, y1 = check[-1]
        xs = [sizes[0], sizes[-1]]
        ax.plot(xs, [y1 * x / x1 for x in xs], ":", color="grey", linewidth=1,
                label="linear growth, through check's largest")
    ax.set_xscale("log")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ticks = [v for v in (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
             if low <= v <= high]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{v:g} s" for v in ticks])
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s}×\n{size:.2g} MiB" for s, size in zip(scales, sizes, strict=True)])
    ax.minorticks_off()
    ax.set_xlabel("report size (× the default report; MiB of YAML sources)")
    ax.set_ylabel("median wall time (s)")
    ax.set_title(f"wgec: time against report size ({results['machine']['date']})", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- summary

def summary(results: dict[str, Any]) -> str:
    lines = ["", "Targets:"]
    for t in targets(results):
        lines.append(f"  {t.result:4}  {t.shown:>10}  (target {t.target})  {t.name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the JSON file bench/run.py wrote")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "performance.md")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "images" / "performance.png")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    write(results, args.output, args.plot)
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
