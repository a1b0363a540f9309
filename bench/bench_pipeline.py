"""Pipeline benchmarks (issue: the Devussy pipeline). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_pipeline.py [--runs N]

1. A full offline run (7 stages, 7 phases): median wall time end to end.
2. The same through litellm's HTTP path against a scripted server answering at
   once: median, and the share of time spent outside the LLM calls.
3. With 200 ms per reply: total time vs the serial and the concurrent estimate.
4. 20 projects at once through the runner API (real uvicorn) with 200 ms
   replies: throughput and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devussy_git import services  # noqa: E402
from devussy_git.app import build_app  # noqa: E402
from devussy_git.config import load_settings  # noqa: E402
from devussy_git.llm import LLMRequest, Reply, make_client  # noqa: E402
from devussy_git.pipeline import PipelineRunner  # noqa: E402
from tests.support.llm_server import ScriptedLLMServer  # noqa: E402
from tests.support.pipeline_script import PipelineScript  # noqa: E402

ANSWERS = json.loads((ROOT / "fixtures" / "interviews" / "newsletter-pipeline.json").read_text())
ACTOR = services.Actor("cli", "bench", "Bench", "bench@example.invalid")


def settings(tmp: Path, **env: str) -> Any:
    return load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp / "repos"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/state.db",
            **env,
        },
        dotenv_path=None,
    )


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class TimedClient:
    """Wraps a client and measures the wall time during which at least one
    ``complete`` call is in flight (concurrent phase calls count once)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.profile = inner.profile
        self.seconds = 0.0
        self.calls = 0
        self._in_flight = 0
        self._since = 0.0

    async def complete(self, request: LLMRequest) -> Reply:
        if self._in_flight == 0:
            self._since = time.perf_counter()
        self._in_flight += 1
        try:
            return await self.inner.complete(request)
        finally:
            self._in_flight -= 1
            self.calls += 1
            if self._in_flight == 0:
                self.seconds += time.perf_counter() - self._since


async def timed_runs(tmp: Path, runs: int, env: dict[str, str]) -> tuple[list[float], list[float], int]:
    app = await build_app(settings(tmp, **env))
    walls, llm_shares = [], []
    calls = 0
    try:
        for n in range(runs):
            pid = f"bench-{n}"
            await services.create_project(app, pid, ANSWERS, actor=ACTOR)
            record = await services.start_run(app, pid, actor=ACTOR)
            client = TimedClient(make_client(app.llm_client().profile))
            runner = PipelineRunner(client, max_concurrent_phases=app.settings.max_concurrent_phases)
            repo = app.store.open(pid)
            started = time.perf_counter()
            await runner.run(repo, record.run_id, author=ACTOR.identity, actor=ACTOR.trailer)
            wall = time.perf_counter() - started
            walls.append(wall)
            llm_shares.append(client.seconds / wall)
            calls = client.calls
    finally:
        await app.close()
    return walls, llm_shares, calls


def bench_offline(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        walls, _, calls = asyncio.run(timed_runs(Path(tmp), runs, {}))
    print(f"1. offline run, 7 stages / 7 phases ({calls} model calls): "
          f"median {statistics.median(walls) * 1000:.0f} ms (min {min(walls) * 1000:.0f}, n={runs})")


def bench_scripted(runs: int) -> None:
    with ScriptedLLMServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.route(PipelineScript(ANSWERS))
        walls, shares, calls = asyncio.run(timed_runs(Path(tmp), runs, server.env()))
    outside = [1 - s for s in shares]
    print(f"2. scripted server, instant replies ({calls} calls through litellm): median "
          f"{statistics.median(walls) * 1000:.0f} ms; share outside LLM calls "
          f"{statistics.median(outside) * 100:.0f}%")


def bench_latency(delay: float) -> None:
    with ScriptedLLMServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.route(PipelineScript(ANSWERS))
        server.delay_all = delay
        walls, _, calls = asyncio.run(timed_runs(Path(tmp), 3, server.env()))
    sequential_calls = calls - 7  # complexity, design, validation, devplan
    serial = calls * delay
    concurrent = (sequential_calls + -(-7 // 4)) * delay
    print(f"3. {delay * 1000:.0f} ms per reply: median {statistics.median(walls):.2f} s for {calls} calls; "
          f"serial would be {serial:.2f} s, stages + phases/4 concurrency predicts {concurrent:.2f} s")


def bench_runner(projects: int, delay: float) -> None:
    import httpx
    import uvicorn

    from devussy_git.faces.http import create_http_app

    with ScriptedLLMServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.route(PipelineScript(ANSWERS))
        server.delay_all = delay
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        uv = uvicorn.Server(
            uvicorn.Config(create_http_app(settings(Path(tmp), **server.env())), host="127.0.0.1",
                           port=port, log_level="warning")
        )
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        while not uv.started:
            time.sleep(0.02)
        rss_before = peak_rss_mb()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            started = time.perf_counter()
            ids = [
                http.post("/runs", json={"project_id": f"p{n}", "interview": ANSWERS}).json()["run_id"]
                for n in range(projects)
            ]
            states: dict[str, str] = {}
            while len(states) < projects:
                for run_id in ids:
                    if run_id not in states:
                        state = http.get(f"/runs/{run_id}").json()["state"]
                        if state in ("completed", "failed"):
                            states[run_id] = state
                time.sleep(0.05)
            total = time.perf_counter() - started
        uv.should_exit = True
        thread.join(10)
    ok = sum(1 for s in states.values() if s == "completed")
    print(f"4. {projects} projects at once through the runner, {delay * 1000:.0f} ms replies: "
          f"{ok}/{projects} completed in {total:.2f} s ({projects / total:.2f} runs/s); "
          f"peak RSS {peak_rss_mb():.0f} MB (before the runs: {rss_before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    bench_offline(args.runs)
    bench_scripted(args.runs)
    bench_latency(0.2)
    bench_runner(20, 0.2)


if __name__ == "__main__":
    main()
