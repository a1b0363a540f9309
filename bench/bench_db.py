"""Benchmark of the state database (devussy_git.db): prints medians, no asserts.

    .venv/bin/python bench/bench_db.py                 # SQLite file in a temp dir
    .venv/bin/python bench/bench_db.py --postgres      # also a throwaway PostgreSQL cluster
    .venv/bin/python bench/bench_db.py --url URL       # any DATABASE_URL (must be empty)

Figures: open (fresh / reopen), one run's full bookkeeping (create, start,
7 stages started+completed, finish), get() of a run, 20 runs' bookkeeping at
once on one Database and split across two Database objects on one URL, and
mark_orphans over 1,000 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devussy_git.db import STAGES, Database, ProjectRecord

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def _add_projects(db: Database, prefix: str, count: int) -> list[str]:
    ids = [f"{prefix}-{i}" for i in range(count)]
    for pid in ids:
        await db.projects.add(ProjectRecord(pid, pid, 1, None, "bench", NOW))
    return ids


async def _full_run(db: Database, project_id: str) -> None:
    run = await db.runs.create(project_id, provider="offline", model="offline", actor="bench")
    await db.runs.start(run.run_id, "bench:1")
    for name in STAGES:
        await db.runs.stage_started(run.run_id, name)
        await db.runs.stage_completed(run.run_id, name, "a" * 40, 100, 50)
    await db.runs.finish(run.run_id)


async def bench(url: str, label: str) -> None:
    print(f"== {label}")
    fresh = time.perf_counter()
    db = await Database.open(url)
    print(f"open (fresh, creates tables): {(time.perf_counter() - fresh) * 1000:.1f} ms")
    await db.close()
    reopen = []
    for _ in range(5):
        start = time.perf_counter()
        db = await Database.open(url)
        reopen.append(time.perf_counter() - start)
        await db.close()
    print(f"open (existing), median of 5: {_median_ms(reopen)}")

    db = await Database.open(url)
    try:
        seq = await _add_projects(db, "seq", 30)
        samples = [await _timed(lambda pid=pid: _full_run(db, pid)) for pid in seq]
        per_run = statistics.median(samples)
        print(
            f"one run's bookkeeping (16 writes), median of {len(samples)}: "
            f"{per_run * 1000:.1f} ms ({per_run / 16 * 1000:.2f} ms per write)"
        )
        run = await db.runs.latest(seq[0])
        assert run is not None
        gets = [await _timed(lambda: db.runs.get(run.run_id)) for _ in range(200)]
        print(f"runs.get with 7 stages, median of 200: {_median_ms(gets)}")

        for label_, dbs in (("one Database", [db]), ("two Databases", None)):
            other = await Database.open(url) if dbs is None else None
            pool = [db, other] if other is not None else [db]
            rounds = []
            for round_ in range(3):
                ids = await _add_projects(db, f"par{len(pool)}r{round_}", 20)
                start = time.perf_counter()
                await asyncio.gather(
                    *(_full_run(pool[i % len(pool)], pid) for i, pid in enumerate(ids))
                )
                rounds.append(time.perf_counter() - start)
            if other is not None:
                await other.close()
            total = statistics.median(rounds)
            print(
                f"20 runs at once ({label_}), median of 3: {total * 1000:.0f} ms total, "
                f"{20 / total:.0f} runs/s, {20 * 16 / total:.0f} writes/s"
            )

        orphan_ids = await _add_projects(db, "orph", 1000)
        for i, pid in enumerate(orphan_ids):
            run = await db.runs.create(pid, provider="offline", model="offline", actor="bench")
            if i % 10 == 0:
                await db.runs.start(run.run_id, f"dead-host:{i}")
            else:
                await db.runs.fail(run.run_id, "done")
        start = time.perf_counter()
        marked = await db.runs.mark_orphans(lambda owner: not owner.startswith("dead-host"))
        print(
            f"mark_orphans over 1,000 runs ({len(marked)} dead): "
            f"{(time.perf_counter() - start) * 1000:.0f} ms"
        )
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database to use instead of a temp SQLite file")
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway cluster")
    args = parser.parse_args()
    if args.url:
        await bench(args.url, args.url.split("://")[0])
        return
    with tempfile.TemporaryDirectory() as tmp:
        await bench(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite file (WAL)")
    if args.postgres:
        from tests.integration.db.pg import PgCluster, unavailable

        reason = unavailable()
        if reason:
            print(f"== PostgreSQL skipped: {reason}")
            return
        cluster = PgCluster.start()
        try:
            await bench(cluster.new_database(), "PostgreSQL 15 (unix socket, fsync off)")
        finally:
            cluster.stop()


if __name__ == "__main__":
    asyncio.run(main())
