"""Concurrent writers on one project: count what is lost, never assert.

Run from the repository root:

    .venv/bin/python bench/bench_concurrency.py [--writers 4] [--steps 25] [--posts 5]

Two figures, each checked with the real ``git``:

1. ``--writers`` processes make ``--steps`` commits each on one project through the
   plan store's compare-and-swap (every commit appends its own line to ``log.md``):
   commits reported made that are not on ``main``, lines lost or doubled, merges,
   ``git fsck`` failures.
2. ``--posts`` concurrent ``POST /runs`` with distinct interview answers to two real
   ``devussy-git serve`` processes sharing one repos root and database, for an
   existing project: how many were accepted and refused, interview commits whose
   request was refused, runs whose plan was built from answers not their own, half
   plans on ``main``, runs left ``queued``/``running``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_kills import half_plan  # noqa: E402

WORKER = ROOT / "tests" / "integration" / "store" / "store_worker.py"
ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": os.environ["PATH"]}).stdout


def writers(count: int, steps: int) -> Counter[str]:
    from devussy_git.store import Identity, PlanStore

    work = Path(tempfile.mkdtemp(prefix="devussy-writers-"))
    store = PlanStore(work / "repos")
    repo = store.create("demo")
    repo.commit({"log.md": ""}, "start", author=Identity("Bench", "bench@example.invalid"),
                expected_head=None, allow_empty=True)
    go = work / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(store.root), "demo", f"p{i}", str(steps),
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(count)]
    time.sleep(1.0)
    started = time.monotonic()
    go.touch()
    reported: dict[str, str] = {}
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        for line in out.splitlines():
            sha, name = line.split()
            reported[name] = sha
    elapsed = time.monotonic() - started
    path = repo.path
    on_main = set(git(path, "rev-list", "main").split())
    lines = git(path, "show", "main:log.md").splitlines()
    counts: Counter[str] = Counter()
    counts["commits reported"] = len(reported)
    counts["commits lost (reported, not on main)"] = sum(sha not in on_main for sha in reported.values())
    counts["lines lost or doubled"] = (len(set(reported)) - len(set(lines))) + (len(lines) - len(set(lines)))
    counts["merges"] = len(git(path, "rev-list", "--merges", "main").split())
    counts["fsck failures"] = int(subprocess.run(["git", "-C", str(path), "fsck", "--strict"],
                                                 capture_output=True).returncode != 0)
    counts["seconds"] = round(elapsed, 1)  # type: ignore[assignment]
    return counts


def posts(count: int) -> Counter[str]:
    import httpx

    from tests.e2e.conftest import Cli, serving

    work = Path(tempfile.mkdtemp(prefix="devussy-posts-"))
    cli = Cli(work)
    assert cli("new", "race", "--answers", str(ANSWERS)).code == 0
    base_answers = json.loads(ANSWERS.read_text())
    results: list[tuple[str, int, str]] = []
    with ExitStack() as stack:
        servers = [stack.enter_context(serving(cli)) for _ in range(2)]
        barrier = threading.Barrier(count)

        def post(index: int) -> None:
            name = f"Contender {index}"
            barrier.wait()
            r = httpx.post(f"{servers[index % 2].base}/runs", timeout=60,
                           json={"project_id": "race", "interview": {**base_answers, "project_name": name}})
            results.append((name, r.status_code, r.text))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted = {name: json.loads(text)["run_id"] for name, code, text in results if code == 202}
        states = {}
        for run_id in accepted.values():
            deadline = time.monotonic() + 120
            while True:
                state = httpx.get(f"{servers[0].base}/runs/{run_id}", timeout=30).json()["state"]
                if state not in ("queued", "running") or time.monotonic() > deadline:
                    states[run_id] = state
                    break
                time.sleep(0.1)
    repo = work / "repos" / "race.git"
    refused = {name for name, code, _ in results if code != 202}
    committed = {json.loads(git(repo, "show", f"{sha}:interview.json"))["project_name"]
                 for sha in git(repo, "log", "--format=%H", "--grep=^Devussy-Stage: interview$", "--all").split()}
    counts: Counter[str] = Counter()
    counts["accepted (202)"] = len(accepted)
    counts["refused (409)"] = sum(code == 409 for _, code, _ in results)
    counts["other answers"] = sum(code not in (202, 409) for _, code, _ in results)
    counts["answers of refused requests committed"] = len(committed & refused)
    wrong = 0
    for name, run_id in accepted.items():
        shas = git(repo, "log", "--format=%H", f"--grep=^Devussy-Run: {run_id}$", "main").split()
        if not shas or json.loads(git(repo, "show", f"{shas[-1]}:interview.json"))["project_name"] != name:
            wrong += 1
    counts["runs built from answers not their own"] = wrong
    counts["runs left queued/running"] = sum(s in ("queued", "running") for s in states.values())
    counts["half plans on main"] = int(half_plan(repo))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--posts", type=int, default=5)
    args = parser.parse_args()
    counts = writers(args.writers, args.steps)
    print(f"{args.writers} processes x {args.steps} commits on one project:")
    for key, value in counts.items():
        print(f"  {key}: {value}")
    counts = posts(args.posts)
    print(f"{args.posts} concurrent POST /runs with interviews, two servers, one existing project:")
    for key, value in counts.items():
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
