"""Benchmark the markdown section patcher against re-rendering with mdformat.

Prints medians for Devussy-shaped plan files of about 5 KB, 50 KB and 500 KB:

- index: ``parse_document`` (markdown-it-py block parse + section model);
- apply 5 edits to an already indexed document (window re-parse + checks);
- index + apply 5 edits (what a caller holding only the text pays);
- naive A: apply each edit on the text, re-indexing the whole file every time;
- naive B: re-render the whole document with mdformat (``format_document``).

Times are process CPU time (``time.process_time``), so other processes on a
busy 2-core machine disturb them less than wall-clock time.

Run: ``.venv/bin/python bench/bench_patcher.py`` (add ``--quick`` for fewer runs).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from devussy_git.markdown import (
    Edit,
    StatusUpdate,
    TaskCheck,
    apply_edits,
    format_document,
    parse_document,
)


def plan_text(target_bytes: int) -> str:
    """A devplan-like file: phases with status blocks, task lists, logs and tables."""
    parts = [
        "# Development Plan: bench\n\n## Summary\n\nA generated plan for benchmarking.\n\n",
        "## Progress\n\n<!-- PROGRESS_LOG_START -->\n- 1.1: scaffolded\n<!-- PROGRESS_LOG_END -->\n\n",
        "## Next Tasks\n\n<!-- NEXT_TASK_GROUP_START -->\n- 1.2: configure CI\n"
        "<!-- NEXT_TASK_GROUP_END -->\n\n",
    ]
    phase = 0
    while sum(len(p) for p in parts) < target_bytes:
        phase += 1
        tasks = "".join(
            f"- [ ] {phase}.{n}: Implement part {n} of phase {phase} with *care*\n"
            f"  - detail `x{n}` and [docs](https://example.invalid/{phase}/{n})\n"
            for n in range(1, 9)
        )
        rows = "".join(f"| {phase}.{n} | step {n} | pending |\n" for n in range(1, 6))
        parts.append(
            f"## Phase {phase}: Work package {phase}\n\n"
            f"<!-- PHASE_{phase}_STATUS_START -->\nphase: {phase}\nname: Work {phase}\n"
            f"completed: 0/8\n<!-- PHASE_{phase}_STATUS_END -->\n\n"
            f"### Tasks\n\n{tasks}\n### Steps\n\n| id | step | state |\n|---|---|---|\n{rows}\n"
            f"### Outcomes\n\nNothing yet for phase {phase}.\n\n"
            f"```python\ndef phase_{phase}():\n    return '# not a heading'\n```\n\n"
        )
    return "".join(parts)


def edits_for(text: str) -> list:
    middle = max(1, len(parse_document(text).find_headings("Tasks")) // 2)
    return [
        Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content="- 1.2: CI configured"),
        Edit(file="devplan.md", anchor="NEXT_TASK_GROUP", action="replace", content="- 1.3: JWT"),
        TaskCheck(file="devplan.md", task_id=f"{middle}.3"),
        StatusUpdate(file="devplan.md", anchor=f"PHASE_{middle}_STATUS", key="completed", value="1/8"),
        Edit(file="devplan.md", heading=f"Phase {middle}: Work package {middle} > Outcomes",
             action="append", content="- part 3 shipped"),
    ]


def median_ms(func: Callable[[], object], runs: int) -> float:
    func()
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [(5_000, 40), (50_000, 15), (500_000, 3)]
    print(f"{'size':>8} {'index':>9} {'apply5':>9} {'index+5':>9} {'naiveA':>9} "
          f"{'mdformat':>9} {'mdf/ours':>9}   (median ms)")
    rows = []
    for size, runs in sizes:
        runs = max(2, runs // 3) if quick else runs
        text = plan_text(size)
        edits = edits_for(text)
        doc = parse_document(text)
        index = median_ms(lambda: parse_document(text), runs)
        apply5 = median_ms(lambda: apply_edits(doc, edits), runs)
        total = median_ms(lambda: apply_edits(text, edits), runs)

        def naive_a() -> None:
            current = text
            for edit in edits:
                current = apply_edits(current, [edit]).text

        naive = median_ms(naive_a, runs)
        mdf = median_ms(lambda: format_document(text), max(2, runs // 2))
        rows.append((len(text), index, apply5, total))
        print(f"{len(text) / 1000:>6.0f}KB {index:>9.2f} {apply5:>9.2f} {total:>9.2f} "
              f"{naive:>9.2f} {mdf:>9.2f} {mdf / total:>8.1f}x")
    (s0, i0, a0, t0), (s2, i2, a2, t2) = rows[0], rows[-1]
    growth = s2 / s0
    print(f"\nsize x{growth:.0f}: index x{i2 / i0:.0f}, apply5 x{a2 / a0:.1f}, index+5 x{t2 / t0:.0f} "
          "(linear = same factor as size)")


if __name__ == "__main__":
    main()
