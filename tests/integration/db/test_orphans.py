"""Runs left active by a dead process are failed (resumable) at start-up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from devussy_git.db import ORPHAN_ERROR, Database, is_owner_alive, owners, process_owner
from devussy_git.db.owners import claim
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import project

ROOT = Path(__file__).resolve().parents[3]


async def _project_with_run(db: Database, project_id: str, owner: str | None, stage: str | None):
    await db.projects.add(project(project_id))
    run = await db.runs.create(project_id, provider="offline", model="offline", actor="cli:t")
    if owner is not None:
        await db.runs.start(run.run_id, owner)
        if stage is not None:
            await db.runs.stage_started(run.run_id, stage)
    return run.run_id


async def test_mark_orphans_fails_only_runs_of_dead_owners(db: Database) -> None:
    dead_running = await _project_with_run(db, "a", "host:1001", "design")
    alive_running = await _project_with_run(db, "b", "host:2002", "design")
    dead_queued = await _project_with_run(db, "c", None, None)
    finished = await _project_with_run(db, "d", "host:1001", None)
    await db.runs.finish(finished)
    queued_owner = (await db.runs.get(dead_queued)).owner
    asked: list[str] = []

    def is_alive(owner: str) -> bool:
        asked.append(owner)
        return owner == "host:2002"

    marked = await db.runs.mark_orphans(is_alive)

    assert sorted(marked) == sorted([dead_running, dead_queued])
    assert sorted(asked) == sorted({"host:1001", "host:2002", queued_owner})  # once per owner
    orphan = await db.runs.get(dead_running)
    assert (orphan.state, orphan.resumable, orphan.error) == ("failed", True, ORPHAN_ERROR)
    assert orphan.stage == "design"
    assert orphan.stage_record("design").state == "failed"
    assert (await db.runs.get(dead_queued)).state == "failed"
    assert (await db.runs.get(alive_running)).state == "running"
    assert (await db.runs.get(finished)).state == "completed"
    assert await db.runs.mark_orphans(is_alive) == []
    assert (await db.runs.resume(dead_running)).state == "queued"


async def test_open_marks_orphans_with_the_given_liveness_check(open_db: OpenDb) -> None:
    first = await open_db(is_alive=lambda owner: True)
    run_id = await _project_with_run(first, "shop-api", "elsewhere:77", "phases")
    assert first.orphans == ()

    second = await open_db(is_alive=lambda owner: owner != "elsewhere:77")

    assert second.orphans == (run_id,)
    failed = await first.runs.get(run_id)
    assert (failed.state, failed.error, failed.resumable) == ("failed", ORPHAN_ERROR, True)


async def test_runs_queued_by_this_process_are_not_orphans_of_a_second_open(
    open_db: OpenDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(owners, "_claimed", set())  # as in a freshly started process
    first = await open_db()
    queued = await _project_with_run(first, "a", None, None)

    second = await open_db()

    assert second.orphans == ()
    assert (await second.runs.get(queued)).state == "queued"


_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from devussy_git.db import Database, process_owner

    async def main(url):
        db = await Database.open(url)
        run = await db.runs.create("shop-api", provider="offline", model="offline",
                                   actor="cli:worker")
        await db.runs.start(run.run_id, process_owner())
        await db.runs.stage_started(run.run_id, "interview")
        await db.runs.stage_completed(run.run_id, "interview", "a" * 40, 0, 0)
        await db.runs.stage_started(run.run_id, "complexity")
        print(run.run_id, flush=True)
        await asyncio.sleep(120)

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.slow
async def test_a_run_of_a_killed_process_is_failed_at_the_next_start(db_url: str, open_db: OpenDb) -> None:
    db = await open_db()
    await db.projects.add(project())
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, db_url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        run_id = worker.stdout.readline().strip()
        assert (await db.runs.get(run_id)).state == "running"
        assert (await open_db()).orphans == ()  # alive: left alone
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()

    restarted = await open_db()

    assert restarted.orphans == (run_id,)
    run = await restarted.runs.get(run_id)
    assert (run.state, run.error, run.resumable, run.stage) == (
        "failed",
        ORPHAN_ERROR,
        True,
        "complexity",
    )
    resumed = await restarted.runs.resume(run_id)
    assert resumed.completed_stages == ("interview",) and resumed.next_stage == "complexity"


def test_owner_liveness() -> None:
    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)

    assert is_owner_alive(f"{host}:{os.getppid()}") is True
    assert is_owner_alive(f"{host}:{child.pid}") is False
    assert is_owner_alive(f"another-{host}:{child.pid}") is True  # cannot check: keep
    assert is_owner_alive("garbage") is False
    assert is_owner_alive(f"{host}:0") is False


def test_own_pid_counts_as_alive_only_once_claimed(monkeypatch: pytest.MonkeyPatch) -> None:
    # A restarted container gets the same host and pid as the process that died.
    monkeypatch.setattr(owners, "_claimed", set())
    me = process_owner()
    assert me == f"{socket.gethostname()}:{os.getpid()}"

    assert is_owner_alive(me) is False
    claim(me)
    assert is_owner_alive(me) is True


def test_a_zombie_counts_as_dead() -> None:
    # A child that exited but was not reaped yet: signal 0 still reaches it.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while owners.process_state(child.pid) != "Z":
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.01)
        os.kill(child.pid, 0)  # the check the zombie fools
        assert is_owner_alive(f"{socket.gethostname()}:{child.pid}") is False
    finally:
        child.wait(timeout=30)


def test_process_state_of_a_live_and_a_missing_process() -> None:
    assert owners.process_state(os.getpid()) in ("R", "S")
    assert owners.process_state(2**22 + 12345) is None
