"""One active run per project holds when creates race: coroutines, instances, processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devussy_git.db import Database
from devussy_git.errors import ConflictError, RunAlreadyActiveError
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import project

ROOT = Path(__file__).resolve().parents[3]


async def _create(db: Database) -> str:
    run = await db.runs.create("shop-api", provider="offline", model="offline", actor="cli:t")
    return run.run_id


def _outcomes(results: list[object]) -> tuple[list[str], list[BaseException]]:
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, BaseException)]
    return won, lost


async def test_gathered_creates_on_one_database_let_exactly_one_win(db: Database) -> None:
    await db.projects.add(project())

    results = await asyncio.gather(*(_create(db) for _ in range(8)), return_exceptions=True)

    won, lost = _outcomes(results)
    assert len(won) == 1
    assert len(lost) == 7 and all(isinstance(e, RunAlreadyActiveError) for e in lost)
    assert all(isinstance(e, RunAlreadyActiveError) and f"run {won[0]} is queued" in e.user_message for e in lost)
    assert [r.run_id for r in await db.runs.list()] == won


async def test_creates_through_two_databases_on_one_url_let_exactly_one_win(
    open_db: OpenDb,
) -> None:
    first, second = await open_db(), await open_db()
    await first.projects.add(project())

    results = await asyncio.gather(*(_create(db) for _ in range(4) for db in (first, second)), return_exceptions=True)

    won, lost = _outcomes(results)
    assert len(won) == 1
    assert all(isinstance(e, RunAlreadyActiveError) for e in lost) and len(lost) == 7
    assert await second.runs.active_count() == 1
    assert (await first.runs.latest("shop-api")).run_id == won[0]


async def test_two_databases_opening_a_fresh_url_at_once_both_work(open_db: OpenDb) -> None:
    first, second = await asyncio.gather(open_db(), open_db())

    await first.projects.add(project())
    assert (await second.projects.get("shop-api")).name == "Shop API"


_RACER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from devussy_git.db import Database
    from devussy_git.errors import ConflictError, RunAlreadyActiveError

    async def main(url, go):
        db = await Database.open(url)
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.005)
        try:
            run = await db.runs.create("shop-api", provider="offline", model="offline",
                                       actor="cli:racer")
            print("won", run.run_id)
        except RunAlreadyActiveError:
            print("lost")
        finally:
            await db.close()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


@pytest.mark.slow
async def test_creates_from_separate_processes_let_exactly_one_win(db_url: str, db: Database, tmp_path: Path) -> None:
    await db.projects.add(project())
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, db_url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    # Every racer must have opened the database before any wins: a racer that
    # opened later would rightly take a finished winner's queued run for an orphan.
    for racer in racers:
        assert await asyncio.to_thread(racer.stdout.readline) == "ready\n"
    go.touch()
    outputs = [racer.communicate(timeout=60) for racer in racers]

    assert all(racer.returncode == 0 for racer in racers), [err for _, err in outputs]
    lines = sorted(out.strip() for out, _ in outputs)  # after "ready"
    assert lines[:3] == ["lost"] * 3 and lines[3].startswith("won ")
    assert [r.run_id for r in await db.runs.list()] == [lines[3].split()[1]]


async def test_guild_limit_holds_under_concurrent_creates(open_db: OpenDb) -> None:
    first, second = await open_db(), await open_db()
    ids = [f"p{i}" for i in range(6)]
    for pid in ids:
        await first.projects.add(project(pid, guild_id=7))
    await first.projects.add(project("elsewhere", guild_id=8))

    async def create(db: Database, pid: str) -> str:
        run = await db.runs.create(pid, provider="o", model="o", actor="a", guild_id=7, guild_limit=2)
        return run.run_id

    results = await asyncio.gather(
        *(create((first, second)[i % 2], pid) for i, pid in enumerate(ids)),
        return_exceptions=True,
    )

    won, lost = _outcomes(results)
    assert len(won) == 2 and len(lost) == 4
    assert all(type(e) is ConflictError and "its limit is 2" in e.user_message for e in lost)
    assert await first.runs.active_count(7) == 2
    other = await first.runs.create("elsewhere", provider="o", model="o", actor="a", guild_id=8, guild_limit=2)
    assert other.state == "queued"


async def test_guild_limit_counts_only_active_runs(db: Database) -> None:
    for pid in ("a", "b"):
        await db.projects.add(project(pid, guild_id=7))
    run = await db.runs.create("a", provider="o", model="o", actor="x", guild_id=7, guild_limit=1)
    with pytest.raises(ConflictError, match="already has 1 run\\(s\\) going, its limit is 1"):
        await db.runs.create("b", provider="o", model="o", actor="x", guild_id=7, guild_limit=1)
    with pytest.raises(ConflictError, match="its limit is 0"):
        await db.runs.create("b", provider="o", model="o", actor="x", guild_id=7, guild_limit=0)
    await db.runs.fail(run.run_id, "stop")

    assert (await db.runs.create("b", provider="o", model="o", actor="x", guild_id=7, guild_limit=1)).state == "queued"
