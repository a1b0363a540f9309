"""Benchmark of the plan store (issue 2, Performance): prints figures.

Run:  .venv/bin/python bench/bench_store.py [--quick]

Measures, in one run on temporary repositories:
  * commit of a 5-file plan change (~20 KB per file) at 10 and at 1,000 prior
    commits: medians and their ratio (cost must not grow with history);
  * the same change through the git CLI (``git commit -a`` spawned in a work
    tree) as the reference, and the ratio git / store;
  * revert of the newest step (median);
  * log of the newest 50 commits on a 10,000-commit repository (median);
  * repository size after 1,000 steps, before and after ``git gc --quiet``
    (run by ``PlanRepo.gc()`` in the bare repository).
No figure is asserted: this script only measures and prints.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devussy_git.store import Identity, PlanRepo, PlanStore  # noqa: E402

AUTHOR = Identity("Bench Author", "bench@example.invalid")
FILES = ["devplan.md", "phase1.md", "phase2.md", "handoff.md", "project_design.md"]
FILE_BYTES = 20_000


WORDS = ["plan", "task", "phase", "agent", "commit", "review", "design", "test", "deploy"]


class Plan:
    """Five ~20 KB markdown files; each step edits a few lines of every file,
    like a handoff-next step (progress log, task checkbox, status blocks)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: dict[str, list[str]] = {}
        for name in FILES:
            lines: list[str] = []
            while sum(len(line) + 1 for line in lines) < FILE_BYTES:
                lines.append(self._line(len(lines)))
            self.lines[name] = lines

    def _line(self, n: int) -> str:
        return f"- {n}: " + " ".join(self.rng.choice(WORDS) for _ in range(10))

    def change(self) -> dict[str, str | None]:
        """The next step: three lines edited and one appended in every file."""
        out: dict[str, str | None] = {}
        for name, lines in self.lines.items():
            for _ in range(3):
                i = self.rng.randrange(len(lines))
                lines[i] = self._line(i)
            lines.append(self._line(len(lines)))
            del lines[0]  # keep the size steady at ~20 KB
            out[name] = "\n".join(lines) + "\n"
        return out


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _grow(repo: PlanRepo, plan: Plan, count: int) -> None:
    head = repo.head()
    for i in range(count):
        head = repo.commit(plan.change(), f"step: grow {i}", author=AUTHOR, expected_head=head).sha


def _time_commit(repo: PlanRepo, plan: Plan, label: str) -> float:
    change = plan.change()  # text generation is not part of the timing
    head = repo.head()
    return _timed(lambda: repo.commit(change, label, author=AUTHOR, expected_head=head))


def _git_env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": AUTHOR.name,
        "GIT_AUTHOR_EMAIL": AUTHOR.email,
        "GIT_COMMITTER_NAME": "Devussy Bot",
        "GIT_COMMITTER_EMAIL": "bot@devussy.invalid",
    }


def _git_cli_init(work: Path, plan: Plan) -> None:
    env = _git_env()
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, env=env)
    for name, text in plan.change().items():
        (work / name).write_text(text)  # type: ignore[arg-type]
    subprocess.run(["git", "add", "-A"], cwd=work, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "first"], cwd=work, check=True, env=env)


def _git_cli_commit(work: Path, plan: Plan, label: str) -> float:
    """Write the files into the work tree and spawn ``git commit -a`` (both timed)."""
    change, env = plan.change(), _git_env()

    def commit() -> None:
        for name, text in change.items():
            (work / name).write_text(text)  # type: ignore[arg-type]
        subprocess.run(["git", "commit", "-q", "-a", "-m", label], cwd=work, check=True, env=env)

    return _timed(commit)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and a smaller log repo")
    args = parser.parse_args()
    samples = 15 if args.quick else 50
    log_commits = 2_000 if args.quick else 10_000
    plan = Plan(random.Random(7))

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        store = PlanStore(Path(tmp) / "repos")
        young, old = store.create("young"), store.create("bench")
        _grow(young, plan, 10)
        t0 = time.perf_counter()
        _grow(old, plan, 1_000)
        grow_s = time.perf_counter() - t0
        work = Path(tmp) / "work"
        _git_cli_init(work, plan)
        # Interleaved, so that load on the machine hits all three alike.
        at_10, at_1000, git_cli = [], [], []
        for i in range(samples):
            at_10.append(_time_commit(young, plan, f"handoff-next {i}"))
            at_1000.append(_time_commit(old, plan, f"handoff-next {i}"))
            git_cli.append(_git_cli_commit(work, plan, f"handoff-next {i}"))
        repo = old
        reverts = []
        for i in range(samples):
            step = plan.change()
            repo.commit(step, f"handoff-next r{i}", author=AUTHOR, expected_head=repo.head())
            reverts.append(_timed(lambda: repo.revert("main", author=AUTHOR)))

        steps = len(repo.log())
        objects = repo.count_objects()
        before_gc = _size(repo.path)
        gc_s = _timed(repo.gc)
        after_gc = _size(repo.path)
        packed = repo.count_objects()

        big = store.create("log-bench")
        head = None
        t0 = time.perf_counter()
        for i in range(log_commits):
            files = {"step.md": f"{i}\n"}
            head = big.commit(files, f"step {i}", author=AUTHOR, expected_head=head).sha
        build_s = time.perf_counter() - t0
        logs = [_timed(lambda: big.log(limit=50)) for _ in range(samples)]

    ours_1000 = _ms(at_1000)
    kb = FILE_BYTES // 1000
    print(f"plan store benchmark ({samples} samples per figure; {len(FILES)} files x ~{kb} KB)")
    print("  (the 10-commit repo grows by one commit per sample, up to 10 + samples)")
    print(f"  commit median at 10 prior commits     {_ms(at_10):8.2f} ms")
    print(f"  commit median at 1,000 prior commits  {ours_1000:8.2f} ms")
    print(f"  ratio 1,000 / 10                      {ours_1000 / _ms(at_10):8.2f}")
    print(f"  git CLI commit -a median (spawned)    {_ms(git_cli):8.2f} ms")
    print(f"  ratio git CLI / store (at 1,000)      {_ms(git_cli) / ours_1000:8.2f}x")
    print(f"  revert newest step median             {_ms(reverts):8.2f} ms")
    print(f"  log newest 50 of {log_commits:,} commits median {_ms(logs):6.2f} ms")
    print(f"  repo size after {steps:,} steps            {before_gc / 1e6:8.2f} MB", end="")
    print(f" ({objects:,} loose objects)")
    print(f"  repo size after git gc --quiet        {after_gc / 1e6:8.2f} MB", end="")
    print(f" ({packed:,} objects; gc took {gc_s:.1f} s)")
    print(f"  (setup: 1,000 plan commits in {grow_s:.1f} s; "
          f"{log_commits:,} small commits in {build_s:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
