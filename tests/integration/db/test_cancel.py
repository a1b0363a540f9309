"""Cancelling runs in the database, and the upgrade of a version 1 database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devussy_git.db import SCHEMA_VERSION, Database, ProjectRecord
from devussy_git.errors import ConflictError, NotFoundError

OWNER = "worker-host:4242"


async def _new_run(db: Database) -> str:
    run = await db.runs.create("shop-api", provider="offline", model="offline", actor="cli:a")
    return run.run_id


async def test_a_queued_run_is_cancelled_at_once_and_frees_the_project(db: Database, shop: ProjectRecord) -> None:
    run_id = await _new_run(db)
    run = await db.runs.cancel(run_id)
    assert (run.state, run.resumable, run.cancel_requested) == ("cancelled", True, True)
    assert run.finished_at is not None
    await _new_run(db)  # no longer active: another run may start


async def test_a_running_run_is_marked_and_ended_by_its_process(db: Database, shop: ProjectRecord) -> None:
    run_id = await _new_run(db)
    await db.runs.start(run_id, OWNER)
    await db.runs.stage_started(run_id, "interview")
    marked = await db.runs.cancel(run_id)
    assert (marked.state, marked.cancel_requested) == ("running", True)
    assert await db.runs.cancel_requested(run_id)
    ended = await db.runs.cancelled(run_id)
    assert ended.state == "cancelled"
    assert {s.state for s in ended.stages} == {"pending"}
    resumed = await db.runs.resume(run_id)
    assert (resumed.state, resumed.cancel_requested) == ("queued", False)


async def test_a_finished_run_cannot_be_cancelled(db: Database, shop: ProjectRecord) -> None:
    run_id = await _new_run(db)
    await db.runs.cancel(run_id)
    with pytest.raises(ConflictError, match="is cancelled"):
        await db.runs.cancel(run_id)
    with pytest.raises(NotFoundError):
        await db.runs.cancel("0" * 12)


async def test_a_version_1_sqlite_database_is_upgraded(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    await (await Database.open(f"sqlite+aiosqlite:///{fresh}")).close()
    con = sqlite3.connect(fresh)
    tables = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    con.close()
    # A version 1 database: the runs table as version 1 made it, no rows yet.
    path = tmp_path / "state.db"
    con = sqlite3.connect(path)
    for name, sql in tables:
        if name == "projects":
            sql = sql.replace("\tnode VARCHAR(63) DEFAULT 'local' NOT NULL, \n", "")
        if name == "runs":
            sql = sql.replace("\tcancel_requested BOOLEAN DEFAULT 0 NOT NULL, \n", "")
            sql = sql.replace("'failed', 'cancelled')", "'failed')")
        con.execute(sql)
    con.execute("INSERT INTO schema_version VALUES (1, 1, '2026-01-01 00:00:00.000000')")
    con.commit()
    assert "cancel" not in con.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    con.close()
    db = await Database.open(f"sqlite+aiosqlite:///{path}")
    try:
        await db.projects.add(ProjectRecord("shop-api", "Shop", None, None, "cli:a", datetime.now(UTC)))
        run_id = await _new_run(db)
        assert (await db.runs.cancel(run_id)).state == "cancelled"
    finally:
        await db.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
