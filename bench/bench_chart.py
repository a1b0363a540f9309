"""Bench: the progress history and its chart on a project with ~1,000 commits.

Builds a project through the services (interview, offline 7-stage run), lays a
big plan over it as a ``handoff`` commit (12 phases x 60 tasks, so that a
thousand steps never finish it), then makes real handoff-next steps with the
offline provider, every fifth one reverted with ``services.revert``, until
``main`` holds ``--commits`` commits. Then prints the median wall time of

1. ``services.progress_history`` (every commit on main read and counted), and
2. ``services.progress_chart`` (the same plus the PNG), after one untimed call
   that pays matplotlib's import,

each over ``--samples`` calls (the history both on the repository as built, all
loose objects, and once packed, as projects are kept; the chart packed), plus one
read without the cache of parsed file versions (every phase file of every commit
parsed again), to show what the cache saves. Prints figures; asserts nothing.

Run: ``.venv/bin/python bench/bench_chart.py [--commits 1000] [--samples 5] [--png FILE.png]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from devussy_git import services  # noqa: E402
from devussy_git.agent.step import run_step  # noqa: E402
from devussy_git.app import App, build_app  # noqa: E402
from devussy_git.config import Settings  # noqa: E402
from devussy_git.llm import OfflineClient  # noqa: E402
from devussy_git.plan import files as planfiles  # noqa: E402
from devussy_git.plan.complexity import ComplexityProfile  # noqa: E402
from devussy_git.plan.compose import render_handoff, render_plan_files  # noqa: E402
from devussy_git.plan.files import read_phases  # noqa: E402
from devussy_git.plan.model import Phase, Plan, Task  # noqa: E402

ACTOR = services.Actor("cli", "bench", "Bench Person", "bench@example.invalid")
ANSWERS = ROOT / "fixtures" / "interviews" / "tutor-saas.json"


def big_plan(phases: int = 12, per_phase: int = 60) -> Plan:
    return Plan(
        "bench",
        "TutorHub",
        "A big plan, so that a thousand steps never finish it.",
        tuple(
            Phase(n, f"Phase {n} work", f"Everything of phase {n}.", tuple(
                Task(f"{n}.{m}", f"Build feature {n}.{m} of the tutoring site", (f"detail of {n}.{m}",))
                for m in range(1, per_phase + 1)
            ))
            for n in range(1, phases + 1)
        ),
        ComplexityProfile(score=9.0, phase_count=phases, depth="detailed"),
    )


async def build(app: App, commits: int) -> int:
    await services.create_project(app, "bench", json.loads(ANSWERS.read_text("utf-8")), actor=ACTOR)
    await services.run_project(app, "bench", actor=ACTOR)
    repo = app.store.open("bench")
    plan = big_plan()
    repo.commit({**render_plan_files(plan), "handoff.md": render_handoff(plan)}, "handoff: a bigger plan",
                author=ACTOR.identity, trailers=[("Devussy-Stage", "handoff")], expected_head=repo.head())
    client = OfflineClient()
    made, steps = len(repo.log()), 0
    while made < commits:
        await run_step(repo, client, author=ACTOR.identity, actor=ACTOR.trailer, note=f"step {steps}")
        steps, made = steps + 1, made + 1
        if steps % 5 == 0 and made < commits:
            await services.revert(app, "bench", actor=ACTOR)
            made += 1
    return len(repo.log())


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


async def timed(samples: int, call: object) -> list[float]:
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        await call()  # type: ignore[operator]
        out.append(time.perf_counter() - started)
    return out


def uncached(app: App) -> int:
    """The history's reading with no cache: every phase file of every commit parsed."""
    repo = app.store.open("bench")
    count = 0
    for info in repo.log("main", first_parent=True):
        ids = repo.blob_ids(info.sha)
        if "handoff.md" not in ids:
            continue
        files = {p: repo.read_blob(b) for p, b in ids.items() if p.endswith(".md")}
        # read_phases keeps a small cache of its own (128 files); clear it to parse afresh.
        planfiles._read_phase.cache_clear()
        count += sum(len(p.tasks) for p in read_phases(files))
    return count


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--png", type=Path, help="also write the chart to this file, to look at")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # No packing while building (it is not what is measured); packed once before timing.
        app = await build_app(Settings(repos_root=Path(tmp) / "repos", pack_loose_objects=0,
                                       database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite"))
        try:
            started = time.perf_counter()
            total = await build(app, args.commits)
            built = time.perf_counter() - started
            points = await services.progress_history(app, "bench")
            last = points[-1]
            reverts = sum(1 for p in points if p.kind == "revert")
            print(f"project: {total} commits on main, {len(points)} points "
                  f"({reverts} reverts), {len(last.phases)} phases, {last.done}/{last.total} tasks done "
                  f"(built in {built:.1f} s)")

            loose = await timed(args.samples, lambda: services.progress_history(app, "bench"))
            app.store.open("bench").pack()  # as a project is kept (DEVUSSY_PACK_LOOSE_OBJECTS)
            history = await timed(args.samples, lambda: services.progress_history(app, "bench"))
            started = time.perf_counter()
            png = await services.progress_chart(app, "bench")
            first_chart = time.perf_counter() - started
            chart = await timed(args.samples, lambda: services.progress_chart(app, "bench"))
            started = time.perf_counter()
            uncached(app)
            bare = time.perf_counter() - started
            print(f"progress_history, median of {args.samples}: {median_ms(history)} "
                  f"(before packing, {len(loose)} calls on loose objects: {median_ms(loose)})")
            print(f"progress_chart, median of {args.samples}: {median_ms(chart)} "
                  f"(PNG {len(png) / 1024:.0f} KB; first call, importing matplotlib: {first_chart * 1000:.0f} ms)")
            if args.png is not None:
                args.png.write_bytes(png)
            print(f"reading without the blob-id cache (every file parsed again), one call: {bare * 1000:.1f} ms")
        finally:
            await app.close()


if __name__ == "__main__":
    asyncio.run(main())
