"""The light way into the state database: the same records as the full one, without
SQLAlchemy on a current SQLite file, and the full database whenever that does not apply."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devussy_git.db import ORPHAN_ERROR, Database, open_light
from devussy_git.db.light import LightDatabase
from devussy_git.errors import ConfigurationError, DatabaseUnavailableError
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import project


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'state' / 'devussy_bot.db'}"


async def _fill(db: Database) -> tuple[str, str]:
    """Projects in a guild and in none, a completed run and a failed one with errors and tokens."""
    await db.projects.add(project("shop-api"))
    await db.projects.add(project("cli-made", guild_id=None, thread_id=None, name="From the CLI"))
    await db.projects.add(project("other", guild_id=222, thread_id=333))
    first = await db.runs.create("shop-api", provider="offline", model="offline", actor="cli:t")
    await db.runs.start(first.run_id, "host:1")
    await db.runs.stage_started(first.run_id, "interview")
    await db.runs.stage_completed(first.run_id, "interview", "a" * 40, tokens_in=12, tokens_out=34)
    await db.runs.fail(first.run_id, "the model went away", resumable=True)
    second = await db.runs.create("cli-made", provider="zai", model="glm", actor="discord:9", guild_id=None)
    await db.runs.start(second.run_id, "host:1")
    await db.runs.stage_started(second.run_id, "interview")
    await db.runs.stage_failed(second.run_id, "interview", "bad reply")
    await db.runs.fail(second.run_id, "bad reply", resumable=False)
    return first.run_id, second.run_id


async def test_reads_give_the_records_the_full_database_gives(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    full = await Database.open(url)
    try:
        first, second = await _fill(full)
        light = await open_light(url)
        try:
            assert isinstance(light, LightDatabase)
            for project_id in ("shop-api", "cli-made", "other", "missing"):
                assert await light.projects.get(project_id) == await full.projects.get(project_id)
                for guild in (None, 111, 222):
                    assert await light.projects.get_in_guild(project_id, guild) == (
                        await full.projects.get_in_guild(project_id, guild)
                    )
                assert await light.runs.latest(project_id) == await full.runs.latest(project_id)
            assert await light.projects.list() == await full.projects.list()
            for run_id in (first, second, "nope"):
                assert await light.runs.get(run_id) == await full.runs.get(run_id)
            assert not light.is_full  # all of that without SQLAlchemy's engine
        finally:
            await light.close()
    finally:
        await full.close()


async def test_anything_else_opens_the_full_database_once_and_goes_there(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    async with await Database.open(url) as full:
        await full.projects.add(project("shop-api"))
    light = await open_light(url)
    try:
        assert isinstance(light, LightDatabase)
        run = await light.runs.create("shop-api", provider="offline", model="offline", actor="cli:t")
        assert light.is_full
        assert (await light.runs.latest("shop-api")) == run
        assert await light.projects.list(guild_id=111) == [await light.projects.get("shop-api")]
        assert (await light.guilds.get(111)).max_runs is None
        assert await light.ping()
    finally:
        await light.close()
    assert not await light.ping()
    with pytest.raises(DatabaseUnavailableError, match="closed"):
        await light.guilds.get(111)


async def test_a_database_not_yet_stamped_is_opened_fully_and_stamped(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    first = await open_light(url)  # no file yet: the full open creates it
    assert isinstance(first, Database)
    await first.close()
    path = tmp_path / "state" / "devussy_bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")  # as a database made before the mark was
    again = await open_light(url)
    assert isinstance(again, Database)
    await again.close()
    stamped = await open_light(url)
    assert isinstance(stamped, LightDatabase)
    await stamped.close()


async def test_a_newer_schema_is_refused_as_the_full_database_refuses_it(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    await (await Database.open(url)).close()
    path = tmp_path / "state" / "devussy_bot.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(ConfigurationError, match="newer than this devussy-git"):
        await open_light(url)


async def test_a_damaged_file_is_the_same_error_as_before(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigurationError, match="damaged or is not a database"):
        await open_light(f"sqlite:///{path}")


async def test_a_run_left_by_a_dead_process_is_failed_by_the_full_open(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    async with await Database.open(url) as full:
        await full.projects.add(project("shop-api"))
        run = await full.runs.create("shop-api", provider="offline", model="offline", actor="cli:t")
        await full.runs.start(run.run_id, "host:4242")
    db = await open_light(url, is_alive=lambda owner: owner != "host:4242")
    try:
        assert isinstance(db, Database)
        assert db.orphans == (run.run_id,)
        latest = await db.runs.latest("shop-api")
        assert latest is not None and (latest.state, latest.error) == ("failed", ORPHAN_ERROR)
    finally:
        await db.close()
    alive = await open_light(url, is_alive=lambda owner: True)
    assert isinstance(alive, LightDatabase)  # nothing active any more
    await alive.close()


async def test_a_read_sees_the_last_commit_and_never_waits_for_a_writer(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    async with await Database.open(url) as full:
        await full.projects.add(project("shop-api"))
        run = await full.runs.create("shop-api", provider="offline", model="offline", actor="cli:t")
    light = await open_light(url)
    writer = sqlite3.connect(tmp_path / "state" / "devussy_bot.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE runs SET state = 'running', owner = 'host:1'")
        writer.execute("UPDATE run_stages SET state = 'running' WHERE name = 'interview'")
        latest = await light.runs.latest("shop-api")  # the writer holds the lock: no wait
        assert latest == run
        writer.execute("COMMIT")
        latest = await light.runs.latest("shop-api")
        assert latest is not None and latest.state == "running"
        assert latest.stage_record("interview").state == "running"
    finally:
        writer.close()
        await light.close()


async def test_other_databases_open_fully(db_url: str, open_db: OpenDb) -> None:
    await open_db()  # create (and, on SQLite, stamp) it
    db = await open_light(db_url)
    try:
        assert isinstance(db, LightDatabase if db_url.startswith("sqlite") else Database)
    finally:
        await db.close()


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
async def test_a_memory_database_opens_fully(url: str) -> None:
    db = await open_light(url)
    try:
        assert isinstance(db, Database)
    finally:
        await db.close()
