"""Repository size and clone time before and after packing, on a long-lived plan.

Run from the repository root:

    .venv/bin/python bench/bench_pack.py [--steps 1150]

Builds a plan with the offline provider, then makes ``--steps`` step-shaped commits
through the plan store (each rewrites ``handoff.md``, ``devplan.md`` and one phase file,
as a handoff-next step does) with automatic packing off, and measures the repository's
size on disk, its loose objects and a ``git clone`` over ``file://`` (median of 5);
then packs it with :meth:`PlanRepo.pack` (what maintenance and a write past
``DEVUSSY_PACK_LOOSE_OBJECTS`` do) and measures again. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def clone_s(repo: Path, work: Path) -> float:
    times = []
    for n in range(5):
        dest = work / f"clone-{n}"
        started = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--no-local", f"file://{repo}", str(dest)], check=True,
                       env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})
        times.append(time.perf_counter() - started)
        shutil.rmtree(dest)
    return statistics.median(times)


async def build(work: Path, steps: int) -> Path:
    from devussy_git import services
    from devussy_git.app import build_app
    from devussy_git.config import load_settings

    settings = load_settings({"DEVUSSY_REPOS_ROOT": str(work / "repos"),
                              "DATABASE_URL": f"sqlite+aiosqlite:///{work}/state.db",
                              "DEVUSSY_PACK_LOOSE_OBJECTS": "0"}, dotenv_path=None)
    app = await build_app(settings)
    try:
        actor = services.Actor.cli()
        await services.create_project(app, "long", json.loads(ANSWERS.read_text()), actor=actor)
        await services.run_project(app, "long", actor=actor)
        repo = app.store.open("long")
        files = {p: repo.read(p) for p in ("handoff.md", "devplan.md", "phase1.md")}
        for n in range(steps):
            changed = {p: text + f"\n- step {n}: {p} noted\n" for p, text in files.items()}
            files = changed
            repo.commit(changed, f"handoff-next 1.{n}: step {n}", author=actor.identity,
                        expected_head=repo.head())
        return repo.path
    finally:
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1150)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devussy-pack-"))
    path = asyncio.run(build(work, args.steps))
    from devussy_git.store import PlanStore

    repo = PlanStore(work / "repos").open("long")
    before = (size_mb(path), repo.loose_object_count(), clone_s(path, work))
    started = time.perf_counter()
    repo.pack()
    pack_s = time.perf_counter() - started
    after = (size_mb(path), repo.loose_object_count(), clone_s(path, work))
    print(f"{args.steps} step commits (+ a 7-stage run), one project")
    print(f"{'':<16} {'size MB':>8} {'loose objects':>14} {'clone s (median of 5)':>22}")
    print(f"{'before packing':<16} {before[0]:8.1f} {before[1]:14d} {before[2]:22.3f}")
    print(f"{'after packing':<16} {after[0]:8.1f} {after[1]:14d} {after[2]:22.3f}")
    print(f"packing took {pack_s:.2f} s")


if __name__ == "__main__":
    main()
