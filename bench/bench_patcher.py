"""Benchmark the markdown section patcher against re-rendering with mdformat.

Prints medians for Devussy-shaped plan files of about 5 KB, 50 KB and 500 KB:

- index, first sight: ``parse_document`` with the piece cache emptied before
  each sample (markdown-it-py parses every line; what a one-shot CLI pays);
- index again: the same text, every piece already in the cache;
- apply 5 edits to an already indexed document (window re-parse + checks);
- index + apply 5, first sight: ``apply_edits(text, edits)``, cache emptied;
- handoff step: ``apply_edits(text, edits)`` where ``text`` is the result of
  the previous step and the 5 edits are new each time (another log line,
  the next task checked, its phase's status and outcomes): only the pieces
  the previous step changed are parsed again. This is what the bot and the
  HTTP service pay per handoff-next step on a plan they have seen before;
- naive A: apply each edit on the text, re-indexing the whole file (cache
  emptied) every time;
- naive B: re-render the whole document with mdformat (``normalize_content``).

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
    normalize_content,
    parse_document,
)
from devussy_git.markdown._chunks import clear_cache


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


def step_edits(phases: int, step: int) -> list:
    """Five new edits for handoff step ``step`` of a plan with ``phases`` phases.

    Built without reading the text, so nothing is parsed (and cached) outside
    the timed step.
    """
    phase = (phases // 2 + step // 8) % phases + 1
    task = step % 8 + 1
    return [
        Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append",
             content=f"- {phase}.{task}: done in step {step}"),
        Edit(file="devplan.md", anchor="NEXT_TASK_GROUP", action="replace",
             content=f"- {phase}.{task % 8 + 1}: next after step {step}"),
        TaskCheck(file="devplan.md", task_id=f"{phase}.{task}"),
        StatusUpdate(file="devplan.md", anchor=f"PHASE_{phase}_STATUS", key="completed",
                     value=f"{task}/8"),
        Edit(file="devplan.md", heading=f"Phase {phase}: Work package {phase} > Outcomes",
             action="append", content=f"- part {task} shipped in step {step}"),
    ]


def median_ms(
    func: Callable[[], object], runs: int, setup: Callable[[], object] = lambda: None
) -> float:
    setup()
    func()
    times = []
    for _ in range(runs):
        setup()
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def steady_ms(text: str, runs: int) -> float:
    """Median of handoff steps, each on the previous step's result."""
    phases = len(parse_document(text).find_headings("Tasks"))
    clear_cache()
    state = {"text": apply_edits(text, step_edits(phases, 0)).text, "step": 1}
    pending: list = []

    def prepare() -> None:
        pending[:] = step_edits(phases, state["step"])

    def step() -> None:
        state["text"] = apply_edits(state["text"], pending).text
        state["step"] += 1

    return median_ms(step, runs, prepare)


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [(5_000, 40), (50_000, 15), (500_000, 3)]
    print(f"{'size':>8} {'index':>8} {'again':>8} {'apply5':>8} {'index+5':>8} {'step':>8} "
          f"{'naiveA':>9} {'mdformat':>9} {'mdf/i+5':>8} {'mdf/step':>8}   (median ms)")
    rows = []
    for size, runs in sizes:
        runs = max(2, runs // 3) if quick else runs
        text = plan_text(size)
        edits = edits_for(text)
        doc = parse_document(text)
        index = median_ms(lambda: parse_document(text), runs, clear_cache)
        again = median_ms(lambda: parse_document(text), runs)
        apply5 = median_ms(lambda: apply_edits(doc, edits), runs, clear_cache)
        total = median_ms(lambda: apply_edits(text, edits), runs, clear_cache)
        step = steady_ms(text, max(runs, 9))

        def naive_a() -> None:
            current = text
            for edit in edits:
                clear_cache()
                current = apply_edits(current, [edit]).text

        naive = median_ms(naive_a, runs)
        mdf = median_ms(lambda: normalize_content(text), max(2, runs // 2))
        rows.append((len(text), index, step, total))
        print(f"{len(text) / 1000:>6.0f}KB {index:>8.2f} {again:>8.2f} {apply5:>8.2f} "
              f"{total:>8.2f} {step:>8.2f} {naive:>9.2f} {mdf:>9.2f} {mdf / total:>7.1f}x "
              f"{mdf / step:>7.1f}x")
    (s0, i0, p0, t0), (s2, i2, p2, t2) = rows[0], rows[-1]
    growth = s2 / s0
    print(f"\nsize x{growth:.0f}: index x{i2 / i0:.0f}, index+5 x{t2 / t0:.0f}, "
          f"step x{p2 / p0:.1f} (linear = same factor as size)")


if __name__ == "__main__":
    main()
