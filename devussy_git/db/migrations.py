"""Upgrades of a database made by an older devussy-git, one version at a time.

Version 2 adds the run state ``cancelled`` to the ``runs`` state check and
the ``runs.cancel_requested`` column. PostgreSQL replaces the named check;
SQLite cannot alter a check, so the table's stored ``CREATE TABLE`` text is
rewritten in place (the procedure SQLite documents for constraint changes
that leave the stored rows as they are), which keeps ``run_stages``' rows
that a rebuilt ``runs`` table would cascade away.

Version 3 adds ``projects.node`` (every existing project belongs to the node
``local``, the default name) and the ``nodes`` table (made by ``create_all``
before the upgrade runs, like any missing table).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from devussy_git.stages import RUN_STATES

__all__ = ["upgrade"]

_OLD_CHECK = "state IN ('queued', 'running', 'completed', 'failed')"


def _new_check() -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in RUN_STATES) + ")"


async def _to_2(conn: AsyncConnection, dialect: str) -> None:
    if dialect == "postgresql":
        await conn.execute(sa.text("ALTER TABLE runs DROP CONSTRAINT ck_runs_state"))
        await conn.execute(sa.text(f"ALTER TABLE runs ADD CONSTRAINT ck_runs_state CHECK ({_new_check()})"))
        await conn.execute(sa.text("ALTER TABLE runs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT false"))
        return
    await conn.execute(sa.text("ALTER TABLE runs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT 0"))
    sql = await conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'"))
    if sql is None or _OLD_CHECK not in sql:
        raise RuntimeError("the runs table does not have the state check version 1 made")
    version = await conn.scalar(sa.text("PRAGMA schema_version"))
    await conn.execute(sa.text("PRAGMA writable_schema = ON"))
    await conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'runs'"),
        {"sql": sql.replace(_OLD_CHECK, _new_check())},
    )
    await conn.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    await conn.execute(sa.text("PRAGMA writable_schema = OFF"))


async def _to_3(conn: AsyncConnection, dialect: str) -> None:
    # Both dialects add a NOT NULL column with a constant default in place, filling the rows.
    await conn.execute(sa.text("ALTER TABLE projects ADD COLUMN node VARCHAR(63) DEFAULT 'local' NOT NULL"))


_STEPS = {1: _to_2, 2: _to_3}


async def upgrade(conn: AsyncConnection, dialect: str, found: int, target: int) -> int:
    """Upgrade from version ``found`` towards ``target``; the version reached."""
    while found < target and found in _STEPS:
        await _STEPS[found](conn, dialect)
        found += 1
    return found
