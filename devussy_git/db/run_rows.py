"""Row-level helpers of :mod:`devussy_git.db.runs`: loading records, locking rows.

Private to the ``db`` package. Every function here runs inside a transaction
the caller opened; none opens or commits one itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from devussy_git.db._checks import check_choice
from devussy_git.db.records import STAGES, RunRecord, StageRecord
from devussy_git.db.schema import run_stages, runs
from devussy_git.errors import ConflictError, NotFoundError, RunAlreadyActiveError

__all__ = [
    "already_active",
    "fail_locked",
    "load",
    "load_one",
    "lock_run",
    "lock_stage",
    "new_run_id",
    "stage_where",
]


def new_run_id() -> str:
    return secrets.token_hex(6)


def _stage(row: sa.Row[Any]) -> StageRecord:
    return StageRecord(
        name=row.name,
        state=row.state,
        commit=row.commit,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
    )


def _run(row: sa.Row[Any], stages: Sequence[StageRecord]) -> RunRecord:
    done = [s for s in stages if s.state == "completed"]
    return RunRecord(
        run_id=row.run_id,
        project_id=row.project_id,
        state=row.state,
        stage=row.stage,
        provider=row.provider,
        model=row.model,
        actor=row.actor,
        error=row.error,
        resumable=bool(row.resumable),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        stages=tuple(stages),
        guild_id=row.guild_id,
        owner=row.owner,
        tokens_in=sum(s.tokens_in for s in done),
        tokens_out=sum(s.tokens_out for s in done),
        cancel_requested=bool(row.cancel_requested),
    )


async def load(conn: AsyncConnection, query: sa.Select[Any]) -> list[RunRecord]:
    rows = (await conn.execute(query)).all()
    if not rows:
        return []
    ids = [row.run_id for row in rows]
    stage_rows = (
        await conn.execute(
            sa.select(run_stages)
            .where(run_stages.c.run_id.in_(ids))
            .order_by(run_stages.c.run_id, run_stages.c.position)
        )
    ).all()
    by_run: dict[str, list[StageRecord]] = {run_id: [] for run_id in ids}
    for stage_row in stage_rows:
        by_run[stage_row.run_id].append(_stage(stage_row))
    return [_run(row, by_run[row.run_id]) for row in rows]


async def load_one(conn: AsyncConnection, run_id: str) -> RunRecord:
    found = await load(conn, sa.select(runs).where(runs.c.run_id == run_id))
    if not found:
        raise NotFoundError(f"run {run_id} not found")
    return found[0]


async def lock_run(conn: AsyncConnection, run_id: str, allowed: tuple[str, ...], action: str) -> sa.Row[Any]:
    row = (await conn.execute(sa.select(runs).where(runs.c.run_id == run_id).with_for_update())).one_or_none()
    if row is None:
        raise NotFoundError(f"run {run_id} not found")
    if row.state not in allowed:
        raise ConflictError(f"run {run_id} is {row.state}: cannot {action}")
    return row


async def lock_stage(conn: AsyncConnection, run_id: str, name: str, action: str) -> sa.Row[Any]:
    check_choice(name, "stage", STAGES)
    row = (
        await conn.execute(
            sa.select(run_stages).where(run_stages.c.run_id == run_id, run_stages.c.name == name).with_for_update()
        )
    ).one()
    if row.state == "completed":
        raise ConflictError(f"stage {name} of run {run_id} is already completed: cannot {action}")
    return row


def stage_where(run_id: str, name: str) -> sa.ColumnElement[bool]:
    return sa.and_(run_stages.c.run_id == run_id, run_stages.c.name == name)


async def fail_locked(conn: AsyncConnection, now: datetime, run_id: str, error: str, resumable: bool) -> None:
    """Fail a run whose row the caller holds locked; a stage still running fails too."""
    await conn.execute(
        runs.update()
        .where(runs.c.run_id == run_id)
        .values(state="failed", error=error, resumable=resumable, finished_at=now)
    )
    await conn.execute(
        run_stages.update()
        .where(run_stages.c.run_id == run_id, run_stages.c.state == "running")
        .values(state="failed", error=error, finished_at=now)
    )


def already_active(project_id: str, active: tuple[str, str]) -> RunAlreadyActiveError:
    run_id, state = active
    return RunAlreadyActiveError(f"project {project_id} already has a run in progress (run {run_id} is {state})")
