"""Benchmark the pure plan domain: interview, rubric, parsers, rendering, offline content.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_plan.py [--repeat 200]

Figures (medians over --repeat runs): validating an answers file and scoring
it; the whole offline plan for each fixture interview (every stage's offline
reply through its parser, then rendering and the strict anchor check); each
parser over the sample replies in fixtures/llm/; rendering a 15-phase plan;
and three hostile replies of ~100 KB (parsers must stay linear).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devussy_git.errors import InvalidLLMOutputError  # noqa: E402
from devussy_git.llm.offline.replies import offline_reply  # noqa: E402
from devussy_git.plan import (  # noqa: E402
    ComplexityProfile,
    Phase,
    Plan,
    Task,
    check_plan_anchors,
    parse_complexity_refinement,
    parse_design,
    parse_devplan_outline,
    parse_phase_tasks,
    parse_validation,
    plan_summary,
    render_design,
    render_handoff,
    render_plan_files,
    score_complexity,
    validate_answers,
)

INTERVIEWS = sorted((ROOT / "fixtures" / "interviews").glob("*.json"))
LLM = ROOT / "fixtures" / "llm"


def median_us(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def quietly(func: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> None:
        try:
            func()
        except InvalidLLMOutputError:
            pass

    return run


def offline_plan(data: dict[str, Any]) -> dict[str, str]:
    interview = validate_answers(data)
    base = score_complexity(interview)
    ctx: dict[str, Any] = {"interview": interview.to_dict(), "profile": base.to_dict()}
    profile = parse_complexity_refinement(offline_reply("complexity", ctx), base)
    ctx = {"interview": interview.to_dict(), "complexity": profile.to_dict()}
    design = parse_design(offline_reply("design", ctx))
    ctx["design"] = design
    parse_validation(offline_reply("validation", ctx))
    outline = parse_devplan_outline(offline_reply("devplan", ctx), profile.phase_count)
    phases = []
    for item in outline:
        phase_ctx = {**ctx, "phase": {"number": item.number, "title": item.title}}
        tasks = parse_phase_tasks(offline_reply("phase", phase_ctx), item.number)
        phases.append(Phase.from_outline(item, tasks))
    plan = Plan(interview.project_id, interview.project_name,
                plan_summary(interview, profile), tuple(phases), profile)
    files = {"project_design.md": render_design(interview, design), **render_plan_files(plan),
             "handoff.md": render_handoff(plan)}
    problems = check_plan_anchors(files, strict=True)
    if problems:
        raise SystemExit(f"anchor problems: {problems}")
    return files


def big_plan() -> Plan:
    profile = ComplexityProfile(19.5, 15, "detailed")
    phases = tuple(
        Phase(n, f"Phase title {n}", f"Summary of phase {n}.",
              tuple(Task(f"{n}.{m}", f"Task {n}.{m} title", ("detail a", "detail b"))
                    for m in range(1, 11)))
        for n in range(1, 16)
    )
    return Plan("big", "Big", "A big plan.", phases, profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat

    print(f"# plan domain, medians of {repeat} runs\n")
    print("| figure | median |")
    print("|---|---|")
    for path in INTERVIEWS:
        data = json.loads(path.read_text())
        us = median_us(lambda d=data: score_complexity(validate_answers(d)), repeat)
        print(f"| validate + score `{path.name}` | {us:,.0f} µs |")
    for path in INTERVIEWS:
        data = json.loads(path.read_text())
        files = offline_plan(data)
        size = sum(len(t) for t in files.values())
        us = median_us(lambda d=data: offline_plan(d), max(repeat // 4, 5))
        phases = sum(1 for name in files if name.startswith("phase"))
        print(f"| offline plan `{path.stem}` ({phases} phases, {size / 1024:.1f} KB) | "
              f"{us / 1000:,.2f} ms |")

    base = score_complexity(validate_answers(json.loads(INTERVIEWS[0].read_text())))
    parsers: dict[str, Callable[[str], Any]] = {
        "complexity": lambda t: parse_complexity_refinement(t, base),
        "design": parse_design,
        "validation": parse_validation,
        "outline": parse_devplan_outline,
        "phase": lambda t: parse_phase_tasks(t, 2),
    }
    for kind, parse in parsers.items():
        replies = [p.read_text(encoding="utf-8") for p in sorted((LLM / kind).iterdir())]
        us = median_us(lambda: [quietly(lambda r=r: parse(r))() for r in replies], repeat)
        print(f"| parse all {len(replies)} `{kind}` fixture replies | {us:,.0f} µs |")

    plan = big_plan()
    us = median_us(lambda: render_plan_files(plan), max(repeat // 4, 5))
    print(f"| render 15 phases × 10 tasks | {us / 1000:,.2f} ms |")
    files = {**render_plan_files(plan), "handoff.md": render_handoff(plan)}
    us = median_us(lambda: check_plan_anchors(files, strict=True), repeat)
    print(f"| strict anchor check of those 16 files | {us:,.0f} µs |")

    hostile = {
        "100 KB of `{` (JSON search)": ("complexity", "{" * 100_000),
        "100 KB of `[` (deep JSON nesting)": ("validation", "[" * 100_000),
        "`Verdict:` + 100 KB of spaces": ("validation", "Verdict:" + " " * 100_000 + "ok"),
        "100 KB of `**Phase 1` lines (outline)": ("outline", "**Phase 1\n" * 10_000),
        "100 KB of `- 1.1` lines (phase steps)": ("phase", "- 2.1\n" * 16_000),
        "100 KB single line of spaces and `#` (design)": ("design", "# " + " " * 100_000 + "x"),
    }
    for label, (kind, text) in hostile.items():
        us = median_us(quietly(lambda k=kind, t=text: parsers[k](t)), 5)
        print(f"| hostile reply: {label} | {us / 1000:,.1f} ms |")


if __name__ == "__main__":
    main()
