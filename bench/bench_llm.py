"""Benchmark the LLM adapter against the scripted OpenAI-compatible server.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_llm.py [--calls 200] [--concurrency 20]

Figures: cost of ``import litellm`` (fresh process), first call, per-call
overhead of LiteLLMClient over a bare httpx POST to the same server (replies
at once), N concurrent calls with 200 ms replies, a 429-then-success retry,
and the offline client.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx  # noqa: E402

from devussy_git.llm import (  # noqa: E402
    LiteLLMClient,
    LLMRequest,
    OfflineClient,
    aclose_litellm,
)
from tests.support.llm_server import ScriptedLLMServer, Status, Text  # noqa: E402

REQUEST = LLMRequest(
    messages=[
        {"role": "system", "content": "You are a planning assistant. " * 20},
        {"role": "user", "content": "Design a REST API for a bookshop. " * 10},
    ],
    stage="design",
)
REPLY = "# Design\n" + "Objectives, stack, architecture. " * 60


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def import_cost() -> None:
    code = (
        "import time, os; os.environ['LITELLM_LOCAL_MODEL_COST_MAP']='True'; "
        "import resource; t=time.perf_counter(); import litellm; "
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        seconds, rss_kb = out.stdout.split()
        runs.append((float(seconds), int(rss_kb)))
    median_s = statistics.median(r[0] for r in runs)
    peak_mb = max(r[1] for r in runs) / 1024
    print(
        f"import litellm (fresh process, 3 runs): median {median_s:.2f} s, "
        f"peak RSS {peak_mb:.0f} MB"
    )
    code = (
        "import time; t=time.perf_counter(); import devussy_git.llm; "
        "print(time.perf_counter()-t)"
    )
    adapter = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout
        )
        for _ in range(3)
    ]
    print(f"import devussy_git.llm (no litellm): median {ms(statistics.median(adapter))}")


async def overhead(server: ScriptedLLMServer, calls: int) -> None:
    server.route(lambda body: Text(REPLY))
    client = LiteLLMClient(server.profile(), wait_initial_s=0.01)
    t = time.perf_counter()
    await client.complete(REQUEST)
    print(f"first LiteLLMClient call (includes importing litellm): {ms(time.perf_counter() - t)}")

    adapter: list[float] = []
    for _ in range(calls):
        t = time.perf_counter()
        await client.complete(REQUEST)
        adapter.append(time.perf_counter() - t)

    body = {"model": "scripted-model", "messages": [dict(m) for m in REQUEST.messages]}
    bare: list[float] = []
    async with httpx.AsyncClient(headers={"Authorization": "Bearer k"}) as http:
        for _ in range(calls):
            t = time.perf_counter()
            response = await http.post(f"{server.base_url}/chat/completions", json=body)
            response.json()
            bare.append(time.perf_counter() - t)
    a, b = statistics.median(adapter), statistics.median(bare)
    print(f"{calls} sequential calls, instant replies: LiteLLMClient median {ms(a)}, "
          f"bare httpx median {ms(b)}, adapter+litellm overhead {ms(a - b)} ({a / b:.1f}x)")


async def concurrent(server: ScriptedLLMServer, n: int, delay: float) -> None:
    server.route(lambda body: Text(REPLY))
    server.delay_all = delay
    client = LiteLLMClient(server.profile(), wait_initial_s=0.01)
    results = []
    for _ in range(3):
        t = time.perf_counter()
        await asyncio.gather(*(client.complete(REQUEST) for _ in range(n)))
        results.append(time.perf_counter() - t)
    total = statistics.median(results)
    print(f"{n} concurrent calls, {delay * 1000:.0f} ms replies (3 runs): median {ms(total)} "
          f"(sequential would be {ms(n * delay)}; {n / total:.1f} calls/s)")
    server.delay_all = 0.0


async def retry(server: ScriptedLLMServer) -> None:
    client = LiteLLMClient(server.profile(), wait_initial_s=0.01)
    runs = []
    for _ in range(20):
        server.enqueue(Status(429), Text(REPLY))
        t = time.perf_counter()
        await client.complete(REQUEST)
        runs.append(time.perf_counter() - t)
    print(f"429 then success, wait_initial_s=0.01 (20 runs): median {ms(statistics.median(runs))}")


async def offline(calls: int) -> None:
    client = OfflineClient(responder=lambda stage, context: REPLY)
    runs = []
    for _ in range(calls):
        t = time.perf_counter()
        await client.complete(REQUEST)
        runs.append(time.perf_counter() - t)
    median_us = statistics.median(runs) * 1e6
    print(f"OfflineClient ({calls} calls, fixed responder): median {median_us:.1f} us")


async def main(calls: int, concurrency: int) -> None:
    with ScriptedLLMServer() as server:
        await overhead(server, calls)
        server.reset()
        await concurrent(server, concurrency, 0.2)
        server.reset()
        await retry(server)
    await offline(calls)
    await aclose_litellm()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    # The retry bench triggers retry warnings on purpose.
    logging.getLogger("devussy_git.llm").setLevel(logging.ERROR)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    import_cost()
    asyncio.run(main(args.calls, args.concurrency))
