"""The job queue under load: throughput of 1 worker vs 3, queue latency, recovery time.

Prints figures, asserts nothing. Run from the repository root (needs PostgreSQL's
``initdb``/``pg_ctl``, as the tests do):

    .venv/bin/python bench/bench_queue.py [--runs 12] [--reply-s 0.5]

A throwaway PostgreSQL cluster and a scripted OpenAI-compatible model server that answers
every request after ``--reply-s`` seconds (litellm's real HTTP path). ``--runs`` projects
each get one run, submitted at once with ``run --detach``:

1. runs completed per minute by 1 worker with ``--concurrency 4``, then by 3 such workers
   (the work waits on the model, so 3 workers should come close to 3 times as many);
2. time from submit to a worker starting the run (the run row's ``created_at`` to
   ``started_at``) with 3 workers idle and waiting, one run submitted at a time, median
   and p95;
3. time from ``kill -9`` of the worker running a stage to another worker starting the
   run again, with ``DEVUSSY_STALLED_AFTER_S=10`` (default 60: the time is that plus up
   to a quarter of it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from devussy_git.db import Database, RunRecord  # noqa: E402
from tests.integration.db.pg import PgCluster, unavailable  # noqa: E402
from tests.support.llm_server import Delay, ScriptedLLMServer  # noqa: E402
from tests.support.pipeline_script import PipelineScript, stage_of  # noqa: E402

ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


def cli(env: dict[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "devussy_git", *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"devussy-git {' '.join(args)} failed:\n{done.stderr}")
    return done


def runs_of(url: str) -> list[RunRecord]:
    async def read() -> list[RunRecord]:
        db = await Database.open(url)
        try:
            return list(await db.runs.list(None, limit=10_000))
        finally:
            await db.close()

    return asyncio.run(read())


def start_workers(env: dict[str, str], work: Path, count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "devussy_git", "worker", "--concurrency", "4"],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in workers:
        proc.wait(timeout=60)


def wait_done(url: str, run_ids: set[str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = {r.run_id: r.state for r in runs_of(url) if r.run_id in run_ids}
        if all(s in ("completed", "failed", "cancelled") for s in states.values()) and len(states) == len(run_ids):
            bad = {k: v for k, v in states.items() if v != "completed"}
            if bad:
                raise SystemExit(f"runs did not complete: {bad}")
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"runs still going after {timeout}s: {states}")
        # Each look opens the database in a new process-local engine: rare, so the bench's own
        # CPU does not slow the workers it measures (the figures come from the rows' times).
        time.sleep(3)


def submit(env: dict[str, str], work: Path, projects: list[str], url: str, restart: bool) -> set[str]:
    before = {r.run_id for r in runs_of(url)}
    for project in projects:
        cli(env, work, "run", project, "--detach", *(["--yes"] if restart else []))
    return {r.run_id for r in runs_of(url)} - before


def throughput(env: dict[str, str], work: Path, url: str, projects: list[str], workers: int, restart: bool) -> float:
    # Every run is queued first, so the figure is the workers' pace, not the submitting CLI's:
    # from the first run a worker starts to the last one it finishes (the run rows' times).
    ids = submit(env, work, projects, url, restart)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = start_workers(env, work, workers)
    try:
        wait_done(url, ids)
    finally:
        stop(procs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the stopped workers, reaped
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    runs = [r for r in runs_of(url) if r.run_id in ids]
    began = min(r.started_at for r in runs if r.started_at)
    ended = max(r.finished_at for r in runs if r.finished_at)
    took = (ended - began).total_seconds()
    per_minute = len(ids) / took * 60
    print(
        f"  {workers} worker(s) x 4: {len(ids)} runs in {took:.1f} s = {per_minute:.1f} runs/min; "
        f"CPU of the workers {cpu:.1f} s ({cpu / len(ids):.2f} s per run, on {os.cpu_count()} cores)",
        flush=True,
    )
    return per_minute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--reply-s", type=float, default=0.5)
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(reason)
    cluster = PgCluster.start()
    server = ScriptedLLMServer().start()
    script = PipelineScript(json.loads(ANSWERS.read_text()))
    held: dict[str, int] = {"design": 0}

    def route(body: dict[str, Any]) -> Any:
        reply = script(body)
        if stage_of(body) == "design" and held["design"] > 0:
            held["design"] -= 1
            return Delay(60, reply)
        return Delay(args.reply_s, reply)

    server.route(route)
    try:
        with tempfile.TemporaryDirectory(prefix="devussy-bench-queue-") as tmp:
            work = Path(tmp)
            url = cluster.new_database()
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("LLM_", "DEVUSSY_", "DISCORD_")) and k != "DATABASE_URL"
            }
            env.update(server.env())
            env.update(
                {
                    "DEVUSSY_REPOS_ROOT": str(work / "repos"),
                    "DATABASE_URL": url,
                    "DEVUSSY_EXECUTOR": "queue",
                    "DEVUSSY_STALLED_AFTER_S": "10",
                    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                    "HOME": str(work),
                    "GIT_CONFIG_NOSYSTEM": "1",
                    "PYTHONPATH": str(ROOT),
                }
            )
            cli(env, work, "migrate")
            projects = [f"p{i:02d}" for i in range(args.runs)]
            for project in projects:
                cli(env, work, "new", project, "--answers", str(ANSWERS))
            print(f"== 1. throughput, {args.runs} runs, every model reply after {args.reply_s} s", flush=True)
            one = throughput(env, work, url, projects, 1, restart=False)
            three = throughput(env, work, url, projects, 3, restart=True)
            print(f"  ratio 3 workers / 1 worker: {three / one:.2f}")

            procs = start_workers(env, work, 3)
            try:
                time.sleep(3)  # idle, listening
                waits = []
                for project in projects:
                    (run_id,) = submit(env, work, [project], url, restart=True)
                    wait_done(url, {run_id})
                    run = next(r for r in runs_of(url) if r.run_id == run_id)
                    assert run.started_at is not None
                    waits.append((run.started_at - run.created_at).total_seconds())
            finally:
                stop(procs)
            waits.sort()
            p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
            print(f"== 2. submit to start, {len(waits)} runs: median {statistics.median(waits):.2f} s, p95 {p95:.2f} s")

            print("== 3. kill -9 of a worker mid-stage to the run starting on another (DEVUSSY_STALLED_AFTER_S=10)")
            procs = start_workers(env, work, 2)
            try:
                time.sleep(2)
                held["design"] = 1
                (run_id,) = submit(env, work, projects[:1], url, restart=True)
                while True:
                    run = next(r for r in runs_of(url) if r.run_id == run_id)
                    if any(s.name == "design" and s.state == "running" for s in run.stages):
                        break
                    time.sleep(0.2)
                owner = run.owner or ""
                killed_at = time.time()
                os.kill(int(owner.rpartition(":")[2]), signal.SIGKILL)
                while True:
                    run = next(r for r in runs_of(url) if r.run_id == run_id)
                    if run.owner not in (owner, "job-queue") and run.state == "running":
                        break
                    time.sleep(0.2)
                resumed = time.time() - killed_at
                wait_done(url, {run_id})
                print(f"  resumed on another worker {resumed:.1f} s after the kill; the run completed")
            finally:
                stop([p for p in procs if p.poll() is None])
    finally:
        server.close()
        cluster.stop()


if __name__ == "__main__":
    main()
