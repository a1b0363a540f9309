"""Fixtures of the database tests: the same suite on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from devussy_git.db import Database, ProjectRecord
from tests.integration.db.factories import project
from tests.integration.db.pg import PgCluster, unavailable

OpenDb = Callable[..., Awaitable[Database]]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    cluster = PgCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL of an empty database: a SQLite file in tmp, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'state' / 'devussy_bot.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
async def open_db(db_url: str) -> AsyncIterator[OpenDb]:
    """Open (possibly several) :class:`Database` on ``db_url``; all closed at the end."""
    opened: list[Database] = []

    async def _open(**kwargs: object) -> Database:
        db = await Database.open(db_url, **kwargs)
        opened.append(db)
        return db

    yield _open
    for db in opened:
        await db.close()


@pytest.fixture
async def db(open_db: OpenDb) -> Database:
    return await open_db()


@pytest.fixture
async def shop(db: Database) -> ProjectRecord:
    """A project ``shop-api`` in guild 111."""
    return await db.projects.add(project())
