"""Handoff-next steps handed to the job queue: the row a worker writes and a follower reads.

A step goes ``queued -> running -> completed | failed``. The worker that starts it
becomes its owner; every later write names that owner, so a worker that lost the
step to another (its heartbeat stopped and the queue gave the job back) can no
longer record anything on it.
"""

from __future__ import annotations

import builtins
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from devussy_git.db._checks import check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import StepRecord
from devussy_git.db.schema import COMMIT_LEN, OWNER_LEN, PROJECT_ID_LEN, STAGE_LEN, steps
from devussy_git.errors import ConflictError, NotFoundError

__all__ = ["StepRepo"]


def _record(row: Any) -> StepRecord:
    return StepRecord(
        step_id=row.step_id,
        project_id=row.project_id,
        kind=row.kind,
        state=row.state,
        request=dict(row.request or {}),
        actor=dict(row.actor or {}),
        owner=row.owner,
        base=row.base,
        task=row.task,
        outcome=None if row.outcome is None else dict(row.outcome),
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        job_id=row.job_id,
    )


async def _lock(conn: AsyncConnection, step_id: str) -> Any:
    row = (await conn.execute(sa.select(steps).where(steps.c.step_id == step_id).with_for_update())).one_or_none()
    if row is None:
        raise NotFoundError(f"step {step_id} not found")
    return row


class StepRepo:
    """The ``steps`` table."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def create(self, project_id: str, kind: str, request: dict[str, Any], actor: dict[str, Any]) -> StepRecord:
        """A new ``queued`` step with a fresh id."""
        check_text(project_id, "project id", PROJECT_ID_LEN)
        check_text(kind, "step kind", STAGE_LEN)
        step_id = secrets.token_hex(6)
        now = self._gw.now()
        async with self._gw.write() as conn:
            await conn.execute(
                steps.insert().values(
                    step_id=step_id,
                    project_id=project_id,
                    kind=kind,
                    state="queued",
                    request=request,
                    actor=actor,
                    created_at=now,
                    updated_at=now,
                )
            )
            row = await _lock(conn, step_id)
        return _record(row)

    async def get(self, step_id: str) -> StepRecord | None:
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(steps).where(steps.c.step_id == step_id))).one_or_none()
        return None if row is None else _record(row)

    async def list(self, project_id: str) -> builtins.list[StepRecord]:
        """The project's steps, oldest first."""
        query = sa.select(steps).where(steps.c.project_id == project_id).order_by(steps.c.created_at, steps.c.step_id)
        async with self._gw.read() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def start(self, step_id: str, owner: str, *, stalled_owner: str | None = None) -> StepRecord:
        """``queued -> running`` owned by ``owner``; or, with ``stalled_owner``, take a
        ``running`` step over from the worker that stopped (only while it still owns it).

        :class:`ConflictError` when the step is in any other state or owned by another.
        """
        check_text(owner, "owner", OWNER_LEN)
        async with self._gw.write() as conn:
            row = await _lock(conn, step_id)
            if stalled_owner is None and row.state != "queued":
                raise ConflictError(f"step {step_id} is {row.state}: cannot start it")
            if stalled_owner is not None and (row.state != "running" or row.owner != stalled_owner):
                raise ConflictError(f"step {step_id} was taken over already")
            await conn.execute(
                steps.update()
                .where(steps.c.step_id == step_id)
                .values(state="running", owner=owner, started_at=self._gw.now(), updated_at=self._gw.now())
            )
            return _record(await _lock(conn, step_id))

    async def queued_as(self, step_id: str, job_id: int) -> None:
        """Record the id of the step's job in the queue."""
        async with self._gw.write() as conn:
            await conn.execute(steps.update().where(steps.c.step_id == step_id).values(job_id=job_id))

    async def chose(self, step_id: str, owner: str, *, base: str, task: str) -> None:
        """Record the ``main`` commit the step read and the task it took."""
        check_text(base, "commit", COMMIT_LEN)
        check_text(task, "task", STAGE_LEN)
        await self._update(step_id, owner, base=base, task=task)

    async def owns(self, step_id: str, owner: str) -> bool:
        """Whether ``owner`` still runs the step (no other worker took it over)."""
        record = await self.get(step_id)
        return record is not None and record.state == "running" and record.owner == owner

    async def complete(self, step_id: str, owner: str, outcome: dict[str, Any]) -> None:
        await self._update(step_id, owner, state="completed", outcome=outcome, finished_at=self._gw.now())

    async def fail(self, step_id: str, owner: str | None, outcome: dict[str, Any]) -> None:
        """``failed`` with the error in ``outcome``; ``owner=None`` fails a queued step."""
        await self._update(step_id, owner, state="failed", outcome=outcome, finished_at=self._gw.now())

    async def _update(self, step_id: str, owner: str | None, **values: Any) -> None:
        async with self._gw.write() as conn:
            row = await _lock(conn, step_id)
            expected = ("queued",) if owner is None else ("running",)
            if row.state not in expected or (owner is not None and row.owner != owner):
                raise ConflictError(f"step {step_id} is no longer this worker's")
            await conn.execute(
                steps.update().where(steps.c.step_id == step_id).values(updated_at=self._gw.now(), **values)
            )

    async def delete_finished(self, *, before: Any, dry_run: bool = False) -> builtins.list[str]:
        """Delete completed and failed steps last changed before ``before``; their ids."""
        old = (
            sa.select(steps.c.step_id)
            .where(steps.c.state.in_(("completed", "failed")), steps.c.updated_at < before)
            .order_by(steps.c.updated_at)
        )
        async with self._gw.write() as conn:
            ids = list((await conn.scalars(old)).all())
            if ids and not dry_run:
                await conn.execute(steps.delete().where(steps.c.step_id.in_(ids)))
        return ids
