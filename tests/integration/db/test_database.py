"""Opening, reopening and closing the database; URLs, schema version, SQLite set-up."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from devussy_git.db import SCHEMA_VERSION, Database, GuildConfig
from devussy_git.errors import ConfigurationError, DatabaseUnavailableError, InvalidInputError
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import project


async def test_reopening_finds_everything(db_url: str) -> None:
    db = await Database.open(db_url, is_alive=lambda owner: True)
    await db.projects.add(project(thread_id=77))
    run = await db.runs.create("shop-api", provider="zai", model="glm-4.6", actor="cli:me")
    await db.runs.start(run.run_id, "worker:1")
    await db.runs.stage_started(run.run_id, "interview")
    await db.runs.stage_completed(run.run_id, "interview", "c" * 40, 3, 4)
    await db.guilds.set(111, provider="zai", max_runs=2)
    session = await db.interviews.open(111, 77, 42, "shop-api")
    await db.interviews.save_answers(session.session_id, {"project_name": "Shop"})
    await db.profiles.upsert("fast", "zai", "glm-4.6")
    before = (
        await db.projects.get("shop-api"),
        await db.runs.get(run.run_id),
        await db.interviews.by_thread(77),
        await db.profiles.list(),
    )
    await db.close()

    again = await Database.open(db_url, is_alive=lambda owner: True)
    try:
        after = (
            await again.projects.get("shop-api"),
            await again.runs.get(run.run_id),
            await again.interviews.by_thread(77),
            await again.profiles.list(),
        )
        assert after == before
        assert after[1].stage_record("interview").commit == "c" * 40
        assert await again.guilds.get(111) == GuildConfig(111, "zai", None, 2, None)
        assert again.orphans == ()
    finally:
        await again.close()


async def test_ping_and_close(db: Database) -> None:
    assert await db.ping() is True
    await db.close()
    assert await db.ping() is False
    await db.close()  # closing twice is harmless
    with pytest.raises(DatabaseUnavailableError, match="the state database is closed"):
        await db.projects.get("shop-api")


async def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a SQLite database, just some text" * 100)
    with pytest.raises(ConfigurationError, match="damaged or is not a database") as caught:
        await Database.open(f"sqlite+aiosqlite:///{path}")
    assert "not a database" in (caught.value.detail or "")
    assert not isinstance(caught.value, DatabaseUnavailableError)  # a retry cannot fix it


async def test_async_context_manager_closes(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        assert await db.ping()
    assert await db.ping() is False


async def test_timestamps_come_back_as_aware_utc(open_db: OpenDb) -> None:
    plus_two = timezone(timedelta(hours=2))
    db = await open_db(clock=lambda: datetime(2026, 5, 1, 14, 30, tzinfo=plus_two))
    await db.projects.add(project())

    run = await db.runs.create("shop-api", provider="offline", model="offline", actor="x")

    assert run.created_at == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    assert run.created_at.tzinfo == UTC


async def test_a_database_from_a_newer_version_is_refused(db_url: str) -> None:
    db = await Database.open(db_url)
    await db.close()
    engine = create_async_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    await engine.dispose()

    with pytest.raises(ConfigurationError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        await Database.open(db_url)


# -- SQLite specifics -----------------------------------------------------------


async def test_sqlite_file_gets_its_directory_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    async with await Database.open(f"sqlite+aiosqlite:///{path}") as db:
        await db.projects.add(project())
        assert db.dialect == "sqlite"

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


async def test_opening_waits_while_another_process_writes_a_new_database(tmp_path: Path) -> None:
    # Switching to WAL needs the database to itself, and SQLite does not wait for
    # that on its own: two CLI commands starting at once on a new database made one
    # fail with "database is locked".
    path = tmp_path / "state.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE elsewhere (a)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO elsewhere VALUES (1)")
    release = asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
    started = asyncio.get_running_loop().time()
    try:
        async with await Database.open(f"sqlite+aiosqlite:///{path}") as db:
            assert await db.projects.list() == []
    finally:
        release.cancel()
        other.close()
    assert asyncio.get_running_loop().time() - started >= 0.25


async def test_sqlite_enforces_one_active_run_itself(tmp_path: Path) -> None:
    # Other processes (or a bug) writing directly still cannot queue two runs.
    path = tmp_path / "state.db"
    async with await Database.open(f"sqlite:///{path}") as db:  # plain URL picks aiosqlite
        await db.projects.add(project())
        run = await db.runs.create("shop-api", provider="o", model="o", actor="a")
    insert = (
        "INSERT INTO runs (run_id, project_id, state, provider, model, actor, owner, resumable,"
        " created_at) VALUES (?, 'shop-api', ?, 'o', 'o', 'a', 'h:1', 0, '2026-01-01')"
    )
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(insert, ("aaaaaaaaaaaa", "running"))
        conn.execute(insert, ("bbbbbbbbbbbb", "failed"))
    assert run.state == "queued"


async def test_in_memory_database_serialises_concurrent_work() -> None:
    async with await Database.open("sqlite+aiosqlite://") as db:
        await asyncio.gather(*(db.projects.add(project(f"p{i}")) for i in range(10)))
        results = await asyncio.gather(
            *(db.runs.create("p1", provider="o", model="o", actor="a") for _ in range(5)),
            return_exceptions=True,
        )
        assert len(await db.projects.list()) == 10
        assert sum(1 for r in results if not isinstance(r, BaseException)) == 1


# -- bad URLs -----------------------------------------------------------------


async def test_bad_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="DATABASE_URL is not a database URL"):
        await Database.open("not a url")
    with pytest.raises(ConfigurationError, match=r"asks for the pysqlite driver.*sqlite\+aiosqlite://"):
        await Database.open(f"sqlite+pysqlite:///{tmp_path / 'x.db'}")
    # An installed driver of the wrong kind is named, not taken for a missing asyncpg.
    for driver in ("pg8000", "psycopg2"):
        with pytest.raises(ConfigurationError) as caught:
            await Database.open(f"postgresql+{driver}://u:p@127.0.0.1:1/db")
        assert f"asks for the {driver} driver" in caught.value.user_message
        assert "postgresql+asyncpg://" in caught.value.user_message and "not installed" not in caught.value.user_message
    with pytest.raises(ConfigurationError, match="names 'mysql': devussy-git keeps its state in SQLite"):
        await Database.open("mysql://u:p@127.0.0.1:1/db")


async def test_missing_asyncpg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # import asyncpg -> ImportError
    with pytest.raises(ConfigurationError) as caught:
        await Database.open("postgresql://devussy@127.0.0.1:1/devussy")
    message = caught.value.user_message
    assert "asyncpg" in message and "not installed" in message
    # Both ways to install it: from the package index and from a checkout.
    assert "pip install 'devussy-git[postgres]'" in message and "pip install -e '.[postgres]'" in message


async def test_unreachable_postgres_is_unavailable_without_the_password() -> None:
    pytest.importorskip("asyncpg", reason="asyncpg not installed (pip install devussy-git[postgres])")
    with pytest.raises(DatabaseUnavailableError) as caught:
        await Database.open("postgresql://devussy:hunter2@127.0.0.1:1/devussy")
    assert "hunter2" not in caught.value.user_message
    assert "hunter2" not in (caught.value.detail or "")
