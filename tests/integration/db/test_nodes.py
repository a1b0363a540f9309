"""Nodes in the database: a project's owner, the serve URL of each node, and the upgrade
of a version 2 database (its projects, runs and stages stay; every project is ``local``'s)."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from devussy_git.db import SCHEMA_VERSION, Database, ProjectRecord
from devussy_git.errors import ConflictError, NotFoundError
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import project


async def test_a_version_2_database_is_upgraded_and_keeps_its_rows(db_url: str) -> None:
    db = await Database.open(db_url)
    await db.projects.add(project("shop-api"))
    await db.projects.add(project("blog", guild_id=None))
    run = await db.runs.create("shop-api", provider="offline", model="offline", actor="cli:a")
    await db.close()
    # Make it what version 2 left: no node column, no nodes table.
    engine = create_async_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE projects DROP COLUMN node"))
        await conn.execute(sa.text("DROP TABLE nodes"))
        await conn.execute(sa.text("UPDATE schema_version SET version = 2"))
    await engine.dispose()

    db = await Database.open(db_url)
    try:
        assert [(p.project_id, p.node) for p in await db.projects.list()] == [("blog", "local"), ("shop-api", "local")]
        kept = await db.runs.get(run.run_id)
        assert kept is not None and kept.project_id == "shop-api" and len(kept.stages) == len(run.stages)
        assert await db.nodes.list() == []
        await db.nodes.record("local", "http://127.0.0.1:8000")
    finally:
        await db.close()
    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        assert (await conn.scalar(sa.text("SELECT version FROM schema_version"))) == SCHEMA_VERSION == 3
    await engine.dispose()


async def test_a_project_records_its_node_and_moves_only_from_the_node_it_is_on(open_db: OpenDb) -> None:
    db = await open_db()
    added = await db.projects.add(dataclasses.replace(project(), node="eu-1"))
    assert added.node == "eu-1"
    moved = await db.projects.set_node("shop-api", "eu-2", expected="eu-1")
    assert moved.node == "eu-2"
    with pytest.raises(ConflictError, match="belongs to node eu-2 now, not eu-1"):
        await db.projects.set_node("shop-api", "eu-3", expected="eu-1")
    assert (await db.projects.get("shop-api")) == dataclasses.replace(added, node="eu-2")
    with pytest.raises(NotFoundError):
        await db.projects.set_node("nope", "eu-3", expected="eu-1")


async def test_each_node_records_where_it_serves(open_db: OpenDb) -> None:
    db = await open_db()
    await db.nodes.record("eu-1", "http://eu-1:8000")
    first = await db.nodes.record("eu-2", "http://eu-2:8000")
    again = await db.nodes.record("eu-2", "http://10.0.0.2:8000")
    assert [(n.name, n.url) for n in await db.nodes.list()] == [
        ("eu-1", "http://eu-1:8000"),
        ("eu-2", "http://10.0.0.2:8000"),
    ]
    found = await db.nodes.get("eu-2")
    assert found is not None and found.url == again.url and found.seen_at >= first.seen_at
    assert await db.nodes.get("eu-3") is None


def test_project_records_default_to_the_local_node() -> None:
    assert ProjectRecord("a", "A", None, None, "cli:x", project().created_at).node == "local"
