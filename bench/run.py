"""`make bench`: time wgec against its baselines, in one run, and write docs/performance.md.

    .venv/bin/python bench/run.py                  # everything: 1x, 10x, 100x (~5-8 minutes)
    .venv/bin/python bench/run.py --scales 1,10    # quicker, without the 100x report
    .venv/bin/python bench/report.py bench/out/results.json  # rewrite the page from saved results

What is timed (wall time, `time.perf_counter` around `subprocess.run`, output
discarded; medians of several runs after warm-up runs; the commands compared
with each other run interleaved, A B A B ..., so that a change in the
machine's load falls on both):

- `wgec check` and `yamllint -c bench/yamllint.yaml` (yamllint's default
  rules) on the same source files;
- `python -c "import yaml"`: the interpreter and PyYAML, the floor of any
  Python YAML checker (for reference); `python -c "import click"`, the floor
  of any Click command, which a rebuild with nothing changed is (likewise);
- `wgec build` (Markdown, DOCX and PDF) after an edit (a few words added to,
  then taken out of, a recommendation, so that every output is stale), and
  the raw tools' floor, bench/raw_floor.sh, on the report.md that wgec built;
- at 1x and 10x, also the first build of the folder after such an edit, with
  nothing kept from an earlier build (its typst primer deleted);
- `wgec build` again with nothing changed (the incremental cache; without a
  cache it is a full build again);
- peak memory (maximum resident set size) of `wgec check`, with
  `/usr/bin/time -v`, or else getrusage in a fresh child.

for the default report (1x) and synthetic reports 10x and 100x its size
(bench/generate.py), each in a project under a temporary folder in /tmp,
never in the repository. Then `wgec check` is profiled (import times with
`python -X importtime`, functions with cProfile) at 1x and at the largest
scale. The results go to a JSON file, and bench/report.py turns them into
docs/performance.md and docs/images/performance.png.

No timing is asserted anywhere: the page says PASS or FAIL against the targets
of the issue, and this script exits 0 either way (1 only if a command fails).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import generate
import report

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent  # run with the venv's python: .venv/bin/python bench/run.py
WGEC = BIN / "wgec"
YAMLLINT = BIN / "yamllint"
YAMLLINT_CONFIG = BENCH / "yamllint.yaml"
RAW_FLOOR = BENCH / "raw_floor.sh"
TEMPLATES = REPO / "templates"
FONTS = REPO / "wgec_report" / "fonts"
GNU_TIME = Path("/usr/bin/time")

# Repetitions per scale: (warm-up runs, timed runs). The 100x build takes half
# a minute, so the largest scale gets few runs; the 1x commands take a fraction
# of a second and get many. Before the builds are timed, one build and one floor
# run have already been made (for report.md and peak memory): at 10x and 100x
# they are the warm-up.
RUNS = {
    1: {"check": (2, 15), "build": (2, 15)},
    10: {"check": (1, 7), "build": (0, 5)},
    100: {"check": (0, 3), "build": (0, 2)},
}


# The environment of every timed command. Bytecode caching is on, in a folder of
# the run's own (PYTHONPYCACHEPREFIX): as on a user's machine, where pip has
# compiled the packages and Python caches wgec's modules after the first run,
# even where the environment says PYTHONDONTWRITEBYTECODE (it would have every
# run compile wgec from source); and nothing is written into the repository.
# wgec's own cache (compiled templates, typst primers) is the run's own too
# (XDG_CACHE_HOME): never the user's, and the same for every run.
CHILD_ENV: dict[str, str] = dict(os.environ)
CACHE_HOME = Path()


def child_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["XDG_CACHE_HOME"] = str(work / "cache")
    return env


@dataclass
class Command:
    argv: list[str]
    cwd: Path
    env: dict[str, str] | None = None
    ok: tuple[int, ...] = (0,)  # exit codes that mean "did its work" (yamllint: 1 = problems)
    setup: Callable[[], None] | None = None  # run before each run, not timed


class Editor:
    """Edits a source file as an editor would, back and forth: a few words added to the
    first recommendation text that has " and ", then taken out again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_text(encoding="utf-8")
        at = self.original.index(" and ")
        self.edited = f"{self.original[:at]} and, as proposed, {self.original[at + 5:]}"
        self.is_edited = False

    def toggle(self) -> None:
        self.is_edited = not self.is_edited
        self.path.write_text(self.edited if self.is_edited else self.original, encoding="utf-8")


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=dict)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_once(name: str, command: Command) -> float:
    if command.setup is not None:
        command.setup()
    started = time.perf_counter()
    done = subprocess.run(command.argv, cwd=command.cwd, env=command.env or CHILD_ENV,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in command.ok:
        detail = done.stderr.decode("utf-8", "replace")[-3000:]
        raise SystemExit(f"bench: {name} failed with exit code {done.returncode}:\n"
                         f"  {' '.join(command.argv)}\n{detail}")
    return elapsed


def measure(commands: dict[str, Command], warmup: int, runs: int) -> dict[str, list[float]]:
    """Each command `warmup` times untimed, then `runs` timed times, interleaved."""
    for _ in range(warmup):
        for name, command in commands.items():
            run_once(name, command)
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs):
        for name, command in commands.items():
            seconds[name].append(run_once(name, command))
        log("    run {}/{}: {}".format(i + 1, runs, ", ".join(
            f"{name} {values[-1]:.3f} s" for name, values in seconds.items())))
    return seconds


def peak_memory(command: Command) -> tuple[int, str]:
    """Maximum resident set size of the command (its largest process) in KiB, and
    what the command printed (stdout, then stderr)."""
    if command.setup is not None:
        command.setup()
    if GNU_TIME.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
            done = subprocess.run([str(GNU_TIME), "-v", "-o", out.name, *command.argv],
                                  cwd=command.cwd, env=command.env or CHILD_ENV,
                                  capture_output=True,
                                  text=True, check=False)
            text = Path(out.name).read_text()
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if done.returncode in command.ok and match:
            return int(match.group(1)), done.stdout + done.stderr
    # A fresh child, so that RUSAGE_CHILDREN holds this command and nothing else.
    probe = ("import resource, subprocess, sys\n"
             "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "sys.stderr.write(done.stdout + done.stderr)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", probe, *command.argv], cwd=command.cwd,
                          env=command.env or CHILD_ENV, capture_output=True, text=True,
                          check=True)
    kib = int(done.stdout.strip().splitlines()[-1])
    return (kib // 1024 if sys.platform == "darwin" else kib), done.stderr  # macOS: bytes


def peak_memory_kib(command: Command) -> int:
    return peak_memory(command)[0]


STEP_LINE = re.compile(r"^(?!✓)\S.*\s\d[\d.,]*\s(?:ms|s)$")


def step_lines(output: str) -> list[str]:
    """The step timings `wgec build` prints ("pandoc → DOCX  277 ms", "built ... in 0.39 s")."""
    return [line.rstrip() for line in output.splitlines() if STEP_LINE.match(line.strip())]


# --------------------------------------------------------------------------- facts

def output_of(argv: Sequence[str]) -> str:
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def pandoc_path() -> Path:
    """The pandoc that pypandoc-binary ships: the one wgec runs."""
    import pypandoc

    folder = Path(pypandoc.__file__).parent / "files"
    for name in ("pandoc", "pandoc.exe"):
        if (folder / name).is_file():
            return folder / name
    raise SystemExit(f"bench: no pandoc in {folder}; reinstall pypandoc-binary")


def machine() -> dict[str, Any]:
    import yaml

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.MULTILINE)
        cpu = match.group(1).strip() if match else ""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    git = output_of(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).strip()
    dirty = output_of(["git", "-C", str(REPO), "status", "--porcelain", "--", "wgec_report",
                       "templates", "pyproject.toml"]).strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": usable,
        "cpu": cpu or platform.processor(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pandoc": output_of([str(pandoc_path()), "--version"]).split("\n", 1)[0]
        .removeprefix("pandoc").strip(),
        "typst": importlib.metadata.version("typst"),
        "pyyaml": f"{yaml.__version__} ({'C' if yaml.__with_libyaml__ else 'pure-Python'} "
                  "parser available)",
        "yamllint": importlib.metadata.version("yamllint"),
        "wgec": output_of([str(WGEC), "--version"]).strip(),
        "commit": git + (" + uncommitted changes in wgec_report/ or templates/" if dirty else ""),
        "load_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def has_force() -> bool:
    return "--force" in output_of([str(WGEC), "build", "--help"])


def source_files(project: Path) -> list[str]:
    sources = project / "sources"
    return sorted(str(p) for p in [*sources.glob("*.y*ml"), *sources.glob("sections/*.y*ml")])


# --------------------------------------------------------------------------- one scale

def bench_scale(scale: int, work: Path, force: bool, runs: dict[str, tuple[int, int]],
                ) -> dict[str, Any]:
    project = work / f"report-{scale}x"
    log(f"== {scale}x: generating {project}")
    counts = generate.generate(scale, project)
    fixed = sorted(p.name for p in (project / "templates").glob("*")) \
        if (project / "templates").exists() else []
    log("   " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()))

    # The synthetic sources must be valid: 0 errors.
    checked = subprocess.run([str(WGEC), "check", "--format", "json", str(project)],
                             env=CHILD_ENV, capture_output=True, text=True, check=False)
    diagnostics = json.loads(checked.stdout or "[]")
    errors = [d for d in diagnostics if d.get("severity") == "error"]
    if checked.returncode != 0 or errors:
        raise SystemExit(f"bench: the {scale}x report is not valid ({len(errors)} errors):\n"
                         + "\n".join(f"  {d['path']}:{d['line']}: {d['message']}"
                                     for d in errors[:10]))
    warnings = len(diagnostics) - len(errors)

    files = source_files(project)
    build_dir = project / "build"

    def wipe() -> None:
        shutil.rmtree(build_dir, ignore_errors=True)

    check = Command([str(WGEC), "check"], project)
    yamllint = Command([str(YAMLLINT), "-c", str(YAMLLINT_CONFIG), *files], project, ok=(0, 1))
    floor_python = Command([sys.executable, "-c", "import yaml"], project)
    full = (Command([str(WGEC), "build", "--force"], project) if force
            else Command([str(WGEC), "build"], project, setup=wipe))
    # What an editor does all day: change a few words, build. Each timed build
    # follows an edit that rewraps a recommendation (so every output is stale),
    # and the first build ever of a folder, with nothing kept from an earlier
    # one (no typst primer), is timed too.
    edit = Editor(project / "sources" / "recommendations.yaml")
    after_edit = Command([str(WGEC), "build"], project, setup=edit.toggle)

    def first_ever() -> None:
        edit.toggle()
        shutil.rmtree(CACHE_HOME / "wgec" / "typst-primers", ignore_errors=True)

    first_build = Command([str(WGEC), "build"], project, setup=first_ever)
    rebuild = Command([str(WGEC), "build"], project)

    result: dict[str, Any] = {"counts": counts, "warnings": warnings, "template_fix": fixed,
                              "seconds": {}, "memory_kib": {}, "outputs": {}}
    seconds = result["seconds"]

    warm, timed = runs["check"]
    log(f"-- {scale}x: wgec check vs yamllint ({warm} warm-up, {timed} runs)")
    commands = {"check": check, "yamllint": yamllint}
    if scale == 1:
        commands["python+yaml"] = floor_python
    seconds.update(measure(commands, warm, timed))
    result["memory_kib"]["check"] = int(statistics.median(
        peak_memory_kib(check) for _ in range(3 if scale == 1 else 1)))

    # One build, untimed: it makes the report.md the floor starts from, and
    # tells the peak memory of a build.
    log(f"-- {scale}x: first build (untimed), for report.md and peak memory")
    wipe()
    result["memory_kib"]["build"], printed = peak_memory(full)
    result["build_steps"] = step_lines(printed)
    markdown = work / f"floor-{scale}x" / "report.md"
    markdown.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(build_dir / "report.md", markdown)
    floor_out = work / f"floor-{scale}x" / "out"
    floor_env = {**CHILD_ENV, "PANDOC": str(pandoc_path()), "PYTHON": sys.executable}
    floor = Command(["sh", str(RAW_FLOOR), str(markdown), str(floor_out), str(TEMPLATES),
                     str(FONTS)], work, env=floor_env)
    result["memory_kib"]["floor"] = peak_memory_kib(floor)
    for fmt in ("md", "docx", "pdf"):
        result["outputs"][f"wgec {fmt}"] = (build_dir / f"report.{fmt}").stat().st_size
    for fmt in ("docx", "typ", "pdf"):
        result["outputs"][f"floor {fmt}"] = (floor_out / f"report.{fmt}").stat().st_size

    warm, timed = runs["build"]
    log(f"-- {scale}x: wgec build after an edit vs the raw floor, and again with nothing "
        f"changed ({warm} warm-up, {timed} runs)")
    # The rebuild with nothing changed runs right after each build, interleaved
    # with it: the machine's speed drifts, and the ratio compares the two.
    builds = {"build": after_edit, "floor": floor, "rebuild": rebuild}
    if scale <= 10:  # at 100x a first build takes half a minute more per run
        builds["first build"] = first_build
    if scale == 1:  # the floor of any Click command, which a rebuild is
        builds["python+click"] = Command([sys.executable, "-c", "import click"], project)
    seconds.update(measure(builds, warm, timed))

    if scale <= 10:
        # The parts of that: what wgec does before any conversion (a Markdown-only
        # build, in a folder of its own), and the floor's two chains apart, which a
        # build runs side by side. Their sum bounds what overlap alone can reach.
        prework = Command([str(WGEC), "build", "--force", "--to", "md", "-o",
                           str(work / f"prework-{scale}x")], project)
        docx_chain = Command(floor.argv, work, env={**floor_env, "STEPS": "docx"})
        pdf_chain = Command(floor.argv, work, env={**floor_env, "STEPS": "pdf"})
        log(f"-- {scale}x: the parts of a build ({warm} warm-up, {timed} runs)")
        seconds.update(measure({"prework": prework, "floor docx": docx_chain,
                                "floor pdf": pdf_chain}, warm, timed))

    result["rebuild_steps"] = step_lines(subprocess.run(
        rebuild.argv, cwd=project, env=CHILD_ENV, capture_output=True, text=True,
        check=False).stdout)
    return result


# --------------------------------------------------------------------------- profile

def import_times(args: list[str], project: Path, runs: int) -> tuple[float, list[dict[str, Any]]]:
    """`python -X importtime`: the total, and the modules wgec imports directly or one
    level down, with their cumulative and own times; medians of `runs` runs."""
    totals: list[float] = []
    rows: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", str(WGEC), *args],
                              cwd=project, env=CHILD_ENV, capture_output=True, text=True,
                              check=False)
        total = 0.0
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if not match:
                continue
            own, cumulative = int(match[1]) / 1000, int(match[2]) / 1000
            depth, name = len(match[3]) // 2, match[4]
            if depth == 0:
                total += cumulative
            if depth <= 1:
                rows.setdefault((depth, name), []).append((cumulative, own))
        totals.append(total)
    imports: list[dict[str, Any]] = [{"module": name, "depth": depth,
                                       "cumulative_ms": statistics.median(c for c, _ in values),
                                       "self_ms": statistics.median(o for _, o in values)}
                                      for (depth, name), values in rows.items()]
    imports.sort(key=lambda row: -row["cumulative_ms"])
    return statistics.median(totals), imports


# `wgec ARGS` under cProfile, imports included: the Click group the command runs.
# Not the `wgec` script itself: it ends with os._exit, before cProfile writes.
PROFILED = """
import cProfile, sys

def command():
    from wgec_report.cli import main
    main(sys.argv[2:], prog_name="wgec")

profiler = cProfile.Profile()
try:
    profiler.runcall(command)
except SystemExit:
    pass
profiler.dump_stats(sys.argv[1])
"""


def profile(args: list[str], project: Path, work: Path, label: str,
            imports_runs: int = 0) -> dict[str, Any]:
    """Where `wgec ARGS` (run in `project`) spends its time: imports, and functions."""
    total_import_ms, imports = (import_times(args, project, imports_runs) if imports_runs
                                else (0.0, []))

    stats_file = work / f"{label.replace(' ', '-')}.prof"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", PROFILED, str(stats_file), *args],
                   cwd=project, env=CHILD_ENV, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    profiled_seconds = time.perf_counter() - started
    stats = pstats.Stats(str(stats_file))
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    functions: list[dict[str, Any]] = []
    by_module: dict[str, float] = {}
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in raw.items():
        module = module_of(filename)
        by_module[module] = by_module.get(module, 0.0) + tottime
        functions.append({"function": f"{module}:{name}" + (f":{line}" if line else ""),
                          "calls": calls, "tottime_ms": tottime * 1000,
                          "cumtime_ms": cumtime * 1000})
    functions.sort(key=lambda row: -row["tottime_ms"])
    by_cumulative = sorted(functions, key=lambda row: -row["cumtime_ms"])
    modules = sorted(({"module": m, "tottime_ms": t * 1000, "share": t / total}
                      for m, t in by_module.items()), key=lambda row: -row["tottime_ms"])
    return {
        "command": "wgec " + " ".join(args),
        "imports_total_ms": total_import_ms,
        "imports": imports[:14],
        "profiled_total_ms": total * 1000,
        "profiled_wall_ms": profiled_seconds * 1000,
        "modules": modules[:14],
        "functions": functions[:15],
        "cumulative": [f for f in by_cumulative if "wgec_report" in f["function"]][:12],
    }


def module_of(filename: str) -> str:
    """A short name for where a function lives: a package module, or a builtin."""
    if filename == "~":
        return "builtins"
    if filename.startswith("<frozen "):
        return filename.strip("<>").removeprefix("frozen ")
    path = Path(filename)
    parts = path.with_suffix("").parts
    for anchor in ("site-packages", "wgec_report"):
        if anchor in parts:
            index = parts.index(anchor)
            rest = parts[index + 1:] if anchor == "site-packages" else parts[index:]
            return ".".join(rest)
    if "lib" in parts:  # the standard library
        index = len(parts) - 1 - parts[::-1].index("lib")
        return ".".join(parts[index + 2:]) or path.stem
    return path.stem


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100",
                        help="comma-separated report sizes (default: 1,10,100)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "performance.md")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "images" / "performance.png")
    parser.add_argument("--results", type=Path, default=BENCH / "out" / "results.json",
                        help="where the raw results go (JSON), for bench/report.py")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary projects and profiles (printed at the end)")
    args = parser.parse_args(argv)
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
    if 1 not in scales:
        raise SystemExit("bench: the default report (scale 1) is always measured")
    for tool in (WGEC, YAMLLINT):
        if not tool.exists():
            raise SystemExit(f"bench: {tool} is missing; run `make bench` (installs .[bench])")

    started = time.perf_counter()
    force = has_force()
    facts = machine()
    log(f"bench: {facts['cpu']} ({facts['nproc']} CPUs), Python {facts['python']}, "
        f"pandoc {facts['pandoc']}, typst {facts['typst']}; build --force: {force}")
    work = Path(tempfile.mkdtemp(prefix="wgec-bench-", dir="/tmp" if Path("/tmp").is_dir()
                                 else None))
    global CHILD_ENV, CACHE_HOME
    CHILD_ENV = child_env(work)
    CACHE_HOME = work / "cache"
    facts["dont_write_bytecode_env"] = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    results: dict[str, Any] = {"machine": facts, "force": force, "scales": {}, "runs": {}}
    try:
        for scale in scales:
            runs = RUNS.get(scale) or RUNS[max(k for k in RUNS if k <= scale)]
            results["runs"][str(scale)] = runs
            results["scales"][str(scale)] = bench_scale(scale, work, force, runs)
        log("-- profiling wgec check, and wgec build with nothing changed")
        results["profile"] = {
            f"check {scale}x": profile(["check"], work / f"report-{scale}x", work,
                                       f"check {scale}x", imports_runs=5 if scale == 1 else 0)
            for scale in sorted({1, max(scales)})
        }
        results["profile"]["rebuild 1x"] = profile(["build"], work / "report-1x", work,
                                                   "rebuild 1x", imports_runs=5)
        facts["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        facts["seconds"] = time.perf_counter() - started
        facts["rusage_children_maxrss_kib"] = resource.getrusage(
            resource.RUSAGE_CHILDREN).ru_maxrss
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report.write(results, args.output, args.plot)
    finally:
        if args.keep:
            log(f"bench: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"bench: wrote {args.output} and {args.plot} (raw results: {args.results}) "
        f"in {time.perf_counter() - started:.0f} s")
    print(report.summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
