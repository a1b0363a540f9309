"""How long each CLI verb takes as a whole process, against ``import pygit2`` as the floor.

Run from the repository root:

    .venv/bin/python bench/bench_cli.py [--runs 10] [--commits 1000]

Builds a project with the offline provider, brings its history to ``--commits``
commits (note commits on ``main``, through the plan store), warms the bytecode cache,
then runs every command ``--runs`` times, interleaved so that machine noise falls on
all of them alike, and prints the median wall time of each and its ratio to the floor
(``python -c "import pygit2"``). ``handoff-next`` and ``revert --yes`` write, so each
of their runs is followed by an undo that is not timed. Prints figures; asserts
nothing. ``python -X importtime`` shows where a slow verb spends its start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--commits", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devussy-cli-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "DEVUSSY_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    # Warm bytecode means written bytecode: a shell that sets PYTHONDONTWRITEBYTECODE would
    # have every process compile every changed module again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({
        "DEVUSSY_REPOS_ROOT": str(work / "repos"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{work}/state.db",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HOME": str(work),
    })
    exe = [sys.executable, "-m", "devussy_git"]

    def cli(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*exe, *argv], cwd=work, env=env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr}")
        return done

    cli("new", "shop", "--answers", str(ANSWERS))
    cli("run", "shop")
    sys.path.insert(0, str(ROOT))
    from devussy_git.store import Identity, PlanStore

    repo = PlanStore(work / "repos").open("shop")
    author = Identity("Bench", "bench@example.invalid")
    have = len(repo.log())
    for n in range(max(0, args.commits - have)):
        repo.commit({"notes.md": f"note {n}\n"}, f"note {n}", author=author, expected_head=repo.head())
    total = len(repo.log())

    commands: dict[str, tuple[list[str], list[str] | None]] = {
        "floor: python -c 'import pygit2'": ([sys.executable, "-c", "import pygit2"], None),
        "log": ([*exe, "log", "shop"], None),
        "status": ([*exe, "status", "shop"], None),
        "show": ([*exe, "show", "shop", "devplan.md"], None),
        "diff": ([*exe, "diff", "shop", "main~1", "main"], None),
        "projects": ([*exe, "projects"], None),
        "clone-url": ([*exe, "clone-url", "shop"], None),
        "usage error: revert shop main --step 1": ([*exe, "revert", "shop", "main", "--step", "1"], None),
        "usage error: log 'Shop API'": ([*exe, "log", "Shop API"], None),
        "--help": ([*exe, "--help"], None),
        "handoff-next --provider offline": (
            [*exe, "handoff-next", "shop", "--provider", "offline"], [*exe, "revert", "shop", "--yes"]),
        "revert --yes": ([*exe, "revert", "shop", "--yes"], [*exe, "revert", "shop", "--yes"]),
    }
    # revert --yes needs a step to undo: take one first (not timed).
    cli("handoff-next", "shop", "--provider", "offline")
    for argv, _ in commands.values():  # warm the bytecode cache
        subprocess.run(argv, cwd=work, env=env, capture_output=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (argv, undo) in commands.items():
            started = time.perf_counter()
            subprocess.run(argv, cwd=work, env=env, capture_output=True)
            times[name].append(time.perf_counter() - started)
            if undo is not None:
                subprocess.run(undo, cwd=work, env=env, capture_output=True)
    floor = statistics.median(times["floor: python -c 'import pygit2'"])
    print(f"CLI wall time per process, median of {args.runs}, project with {total} commits")
    print(f"{'command':<42} {'median s':>9} {'x floor':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<42} {median:9.3f} {median / floor:8.2f}")


if __name__ == "__main__":
    main()
