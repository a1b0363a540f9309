"""Pipeline runs and their stages: the state machine, stored.

A run goes ``queued -> running -> completed | failed``; a failed resumable
run goes back to ``queued`` with its completed stages kept. Every transition
checks the state it starts from inside the same transaction (row locked on
PostgreSQL, database write-locked on SQLite), so two processes cannot both
move a run. "One active run per project" is a unique partial index, so it
holds across processes too. This module never runs a stage or touches git.

About 480 lines, one class on purpose: every transition of the state machine (create,
start, finish a stage, fail, resume, sweep the orphans of dead processes) is a method of
:class:`RunRepo` that shares its locking transaction and its row-to-record reading;
split, each half would have to re-implement them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from devussy_git.db._checks import check_choice, check_count, check_snowflake, check_text, error_text
from devussy_git.db.engine import Gateway
from devussy_git.db.orphans import ORPHAN_ERROR, mark_orphans
from devussy_git.db.owners import QUEUE_OWNER, claim, process_owner
from devussy_git.db.records import ACTIVE_RUN_STATES, RUN_STATES, STAGES, RunRecord
from devussy_git.db.run_rows import (
    already_active,
    fail_locked,
    load,
    load_one,
    lock_run,
    lock_stage,
    new_run_id,
    stage_where,
)
from devussy_git.db.schema import (
    ACTOR_LEN,
    COMMIT_LEN,
    MODEL_LEN,
    OWNER_LEN,
    PROVIDER_LEN,
    projects,
    run_stages,
    runs,
)
from devussy_git.errors import (
    ConflictError,
    DatabaseUnavailableError,
    NotFoundError,
    RunAlreadyActiveError,
)
from devussy_git.stages import FINISHED_RUN_STATES

__all__ = ["ORPHAN_ERROR", "RunRepo"]

_ID_ATTEMPTS = 5


def _claimed_owner() -> str:
    # The process that queues a run is the one expected to start it: a second
    # Database opened in this process must not take the run for an orphan.
    owner = process_owner()
    claim(owner)
    return owner


class RunRepo:
    """Create runs, move them through their states, and report on them."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    # -- creating -------------------------------------------------------

    async def create(
        self,
        project_id: str,
        *,
        provider: str,
        model: str,
        actor: str,
        guild_id: int | None = None,
        guild_limit: int | None = None,
    ) -> RunRecord:
        """Queue a new run of ``project_id`` with every stage pending.

        :class:`NotFoundError` if the project is unknown;
        :class:`RunAlreadyActiveError` if it has a queued or running run —
        also when two processes ask at the same moment (exactly one wins).
        With ``guild_limit`` (and a ``guild_id``), :class:`ConflictError` when
        the guild already has that many runs queued or running; the count and
        the insert are one atomic step, so concurrent creates cannot overshoot.
        """
        check_text(provider, "provider", PROVIDER_LEN)
        check_text(model, "model", MODEL_LEN)
        check_text(actor, "actor", ACTOR_LEN)
        check_snowflake(guild_id, "guild id", optional=True)
        check_count(guild_limit, "guild_limit", optional=True)
        for _ in range(_ID_ATTEMPTS):
            run_id = new_run_id()
            try:
                return await self._insert(run_id, project_id, provider, model, actor, guild_id, guild_limit)
            except RunAlreadyActiveError:
                raise
            except ConflictError as exc:
                if not isinstance(exc.__cause__, IntegrityError):  # the guild limit
                    raise
                # Lost a race to another creator, or (rarely) a run id clash.
                active = await self._active_of(project_id)
                if active is not None:
                    raise already_active(project_id, active) from None
        raise DatabaseUnavailableError("could not allocate a run id; try again")

    async def _insert(
        self,
        run_id: str,
        project_id: str,
        provider: str,
        model: str,
        actor: str,
        guild_id: int | None,
        guild_limit: int | None,
    ) -> RunRecord:
        async with self._gw.write() as conn:
            known = await conn.scalar(sa.select(projects.c.project_id).where(projects.c.project_id == project_id))
            if known is None:
                raise NotFoundError(f"project {project_id} not found")
            if guild_limit is not None and guild_id is not None:
                await self._check_guild_limit(conn, guild_id, guild_limit)
            active = (
                await conn.execute(
                    sa.select(runs.c.run_id, runs.c.state).where(
                        runs.c.project_id == project_id, runs.c.state.in_(ACTIVE_RUN_STATES)
                    )
                )
            ).first()
            if active is not None:
                raise already_active(project_id, (active.run_id, active.state))
            now = self._gw.now()
            await conn.execute(
                runs.insert().values(
                    run_id=run_id,
                    project_id=project_id,
                    guild_id=guild_id,
                    state="queued",
                    stage=None,
                    provider=provider,
                    model=model,
                    actor=actor,
                    owner=_claimed_owner(),
                    error=None,
                    resumable=False,
                    created_at=now,
                )
            )
            await conn.execute(
                run_stages.insert(),
                [
                    {
                        "run_id": run_id,
                        "name": name,
                        "position": position,
                        "state": "pending",
                        "tokens_in": 0,
                        "tokens_out": 0,
                    }
                    for position, name in enumerate(STAGES)
                ],
            )
            return await load_one(conn, run_id)

    async def _check_guild_limit(self, conn: AsyncConnection, guild_id: int, limit: int) -> None:
        if self._gw.dialect == "postgresql":
            # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL
            # needs a lock so two creates cannot both count below the limit.
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": guild_id})
        active = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(runs)
            .where(runs.c.guild_id == guild_id, runs.c.state.in_(ACTIVE_RUN_STATES))
        )
        if int(active or 0) >= limit:
            raise ConflictError(
                f"this server already has {active} run(s) going, its limit is {limit}; try again when one finishes"
            )

    async def _active_of(self, project_id: str) -> tuple[str, str] | None:
        async with self._gw.read() as conn:
            row = (
                await conn.execute(
                    sa.select(runs.c.run_id, runs.c.state).where(
                        runs.c.project_id == project_id, runs.c.state.in_(ACTIVE_RUN_STATES)
                    )
                )
            ).first()
        return None if row is None else (row.run_id, row.state)

    # -- reading --------------------------------------------------------

    async def get(self, run_id: str) -> RunRecord | None:
        """The run, or ``None`` when unknown."""
        async with self._gw.read() as conn:
            found = await load(conn, sa.select(runs).where(runs.c.run_id == run_id))
        return found[0] if found else None

    async def latest(self, project_id: str) -> RunRecord | None:
        """The project's newest run, or ``None``."""
        found = await self.list(project_id, limit=1)
        return found[0] if found else None

    async def list(self, project_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Runs newest first, of one project or of all."""
        query = sa.select(runs).order_by(runs.c.seq.desc()).limit(max(limit, 0))
        if project_id is not None:
            query = query.where(runs.c.project_id == project_id)
        async with self._gw.read() as conn:
            return await load(conn, query)

    async def active_count(self, guild_id: int | None = None) -> int:
        """Queued plus running runs, of one guild or (``None``) of all."""
        query = sa.select(sa.func.count()).select_from(runs).where(runs.c.state.in_(ACTIVE_RUN_STATES))
        if guild_id is not None:
            query = query.where(runs.c.guild_id == guild_id)
        async with self._gw.read() as conn:
            return int(await conn.scalar(query) or 0)

    async def counts_by_state(self) -> dict[str, int]:
        """How many runs are in each state (every state present, zeros included)."""
        async with self._gw.read() as conn:
            rows = (await conn.execute(sa.select(runs.c.state, sa.func.count()).group_by(runs.c.state))).all()
        counts = dict.fromkeys(RUN_STATES, 0)
        counts.update({state: int(count) for state, count in rows})
        return counts

    # -- moving ---------------------------------------------------------

    async def start(self, run_id: str, owner: str) -> RunRecord:
        """``queued -> running`` under ``owner`` (``host:pid``, see :func:`process_owner`)."""
        check_text(owner, "owner", OWNER_LEN)
        claim(owner)
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("queued",), "start it")
            await conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(
                    state="running",
                    owner=owner,
                    started_at=self._gw.now(),
                    finished_at=None,
                    error=None,
                )
            )
            return await load_one(conn, run_id)

    async def stage_started(self, run_id: str, name: str) -> RunRecord:
        """Mark stage ``name`` running; it becomes the run's current stage."""
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("running",), f"start stage {name}")
            await lock_stage(conn, run_id, name, "start it again")
            await conn.execute(
                run_stages.update()
                .where(stage_where(run_id, name))
                .values(
                    state="running",
                    started_at=self._gw.now(),
                    finished_at=None,
                    error=None,
                )
            )
            await conn.execute(runs.update().where(runs.c.run_id == run_id).values(stage=name))
            return await load_one(conn, run_id)

    async def stage_completed(
        self, run_id: str, name: str, commit: str | None, tokens_in: int, tokens_out: int
    ) -> RunRecord:
        """Record stage ``name`` done with its commit and token counts."""
        check_text(commit, "commit", COMMIT_LEN, optional=True)
        check_count(tokens_in, "tokens_in")
        check_count(tokens_out, "tokens_out")
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("running",), f"complete stage {name}")
            stage = await lock_stage(conn, run_id, name, "complete it again")
            now = self._gw.now()
            await conn.execute(
                run_stages.update()
                .where(stage_where(run_id, name))
                .values(
                    state="completed",
                    commit=commit,
                    started_at=stage.started_at or now,
                    finished_at=now,
                    error=None,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                )
            )
            return await load_one(conn, run_id)

    async def stage_moved(self, run_id: str, name: str, commit: str) -> RunRecord:
        """Record the new commit of completed stage ``name`` (its run was replayed onto a newer main)."""
        check_text(commit, "commit", COMMIT_LEN)
        check_choice(name, "stage", STAGES)
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("running",), f"move stage {name}")
            await conn.execute(
                run_stages.update()
                .where(stage_where(run_id, name), run_stages.c.state == "completed")
                .values(commit=commit)
            )
            return await load_one(conn, run_id)

    async def stage_failed(self, run_id: str, name: str, error: str) -> RunRecord:
        """Record stage ``name`` failed (the run itself is failed by :meth:`fail`)."""
        error = error_text(error)
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("running",), f"fail stage {name}")
            stage = await lock_stage(conn, run_id, name, "fail it")
            now = self._gw.now()
            await conn.execute(
                run_stages.update()
                .where(stage_where(run_id, name))
                .values(
                    state="failed",
                    started_at=stage.started_at or now,
                    finished_at=now,
                    error=error,
                )
            )
            await conn.execute(runs.update().where(runs.c.run_id == run_id).values(stage=name))
            return await load_one(conn, run_id)

    async def finish(self, run_id: str) -> RunRecord:
        """``running -> completed``."""
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("running",), "finish it")
            await conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(
                    state="completed",
                    stage=None,
                    error=None,
                    resumable=False,
                    finished_at=self._gw.now(),
                )
            )
            return await load_one(conn, run_id)

    async def fail(self, run_id: str, error: str, resumable: bool = True) -> RunRecord:
        """``queued|running -> failed``; a stage still running fails with it."""
        error = error_text(error)
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ACTIVE_RUN_STATES, "fail it")
            await fail_locked(conn, self._gw.now(), run_id, error, resumable)
            return await load_one(conn, run_id)

    async def cancel(self, run_id: str) -> RunRecord:
        """Cancel a run: ``queued -> cancelled`` at once; a running run is marked
        ``cancel_requested`` and its process ends it with :meth:`cancelled`.

        :class:`ConflictError` naming the state when the run has finished.
        """
        async with self._gw.write() as conn:
            row = await lock_run(conn, run_id, ACTIVE_RUN_STATES, "cancel it")
            if row.state == "queued":
                await conn.execute(
                    runs.update()
                    .where(runs.c.run_id == run_id)
                    .values(
                        state="cancelled",
                        error="cancelled",
                        resumable=True,
                        cancel_requested=True,
                        finished_at=self._gw.now(),
                    )
                )
            else:
                await conn.execute(runs.update().where(runs.c.run_id == run_id).values(cancel_requested=True))
            return await load_one(conn, run_id)

    async def cancel_requested(self, run_id: str) -> bool:
        """Whether someone asked to cancel the run (any process may have)."""
        async with self._gw.read() as conn:
            flag = await conn.scalar(sa.select(runs.c.cancel_requested).where(runs.c.run_id == run_id))
        return bool(flag)

    async def watch(self, run_id: str) -> tuple[bool, str | None]:
        """``(cancel_requested, owner)`` of the run: what its process polls while it runs."""
        async with self._gw.read() as conn:
            row = (
                await conn.execute(sa.select(runs.c.cancel_requested, runs.c.owner).where(runs.c.run_id == run_id))
            ).one_or_none()
        return (False, None) if row is None else (bool(row.cancel_requested), row.owner)

    async def take_over(self, run_id: str, stalled_owner: str | None) -> RunRecord:
        """``running -> queued`` for a run whose worker stopped (the queue saw its heartbeat stop).

        Only while ``stalled_owner`` still owns it: a second taker finds another owner
        and gets :class:`ConflictError`. The queue owns it until a worker starts it; the
        stage that was running goes back to pending, the completed ones stay.
        """
        async with self._gw.write() as conn:
            row = await lock_run(conn, run_id, ("running",), "take it over")
            if row.owner != stalled_owner:
                raise ConflictError(f"run {run_id} was taken over already")
            await conn.execute(
                runs.update().where(runs.c.run_id == run_id).values(state="queued", owner=QUEUE_OWNER, stage=None)
            )
            await conn.execute(
                run_stages.update()
                .where(run_stages.c.run_id == run_id, run_stages.c.state == "running")
                .values(state="pending", started_at=None, finished_at=None, error=None)
            )
            return await load_one(conn, run_id)

    async def hand_to_queue(self, run_id: str) -> RunRecord:
        """A queued run's owner becomes the job queue: no process here will start it,
        so the orphan sweep leaves it to the queue's workers."""
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ("queued",), "queue it")
            await conn.execute(runs.update().where(runs.c.run_id == run_id).values(owner=QUEUE_OWNER))
            return await load_one(conn, run_id)

    async def cancelled(self, run_id: str) -> RunRecord:
        """``queued|running -> cancelled``; a stage still running goes back to pending,
        so a resume redoes it. The stages already completed stay completed."""
        async with self._gw.write() as conn:
            await lock_run(conn, run_id, ACTIVE_RUN_STATES, "end it cancelled")
            await conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(
                    state="cancelled",
                    error="cancelled",
                    resumable=True,
                    cancel_requested=True,
                    finished_at=self._gw.now(),
                )
            )
            await conn.execute(
                run_stages.update()
                .where(run_stages.c.run_id == run_id, run_stages.c.state == "running")
                .values(state="pending", started_at=None, finished_at=None, error=None)
            )
            return await load_one(conn, run_id)

    async def resume(self, run_id: str, *, provider: str | None = None, model: str | None = None) -> RunRecord:
        """Put a failed resumable run back in the queue, keeping its completed stages.

        ``provider``/``model``, when given, replace the run's for the stages still
        to come (resuming after a provider failure with another provider).

        Only the project's newest run can be resumed (an older one would
        redo stages over a newer plan). :class:`RunAlreadyActiveError` when
        another run of the project is going.
        """
        try:
            async with self._gw.write() as conn:
                row = await lock_run(conn, run_id, ("failed", "cancelled"), "resume it")
                if not row.resumable:
                    raise ConflictError(
                        f"run {run_id} cannot be resumed ({row.error or 'not resumable'}); start a new run"
                    )
                newer = await conn.scalar(
                    sa.select(runs.c.run_id)
                    .where(runs.c.project_id == row.project_id, runs.c.seq > row.seq)
                    .order_by(runs.c.seq.desc())
                    .limit(1)
                )
                if newer is not None:
                    raise ConflictError(
                        f"run {run_id} is not the newest run of {row.project_id} "
                        f"(run {newer} is): start a new run instead"
                    )
                changes: dict[str, Any] = {}
                if provider is not None:
                    check_text(provider, "provider", PROVIDER_LEN)
                    changes["provider"] = provider
                if model is not None:
                    check_text(model, "model", MODEL_LEN)
                    changes["model"] = model
                await conn.execute(
                    runs.update()
                    .where(runs.c.run_id == run_id)
                    .values(
                        state="queued",
                        stage=None,
                        error=None,
                        resumable=False,
                        cancel_requested=False,
                        owner=_claimed_owner(),
                        started_at=None,
                        finished_at=None,
                        **changes,
                    )
                )
                await conn.execute(
                    run_stages.update()
                    .where(run_stages.c.run_id == run_id, run_stages.c.state != "completed")
                    .values(
                        state="pending",
                        commit=None,
                        started_at=None,
                        finished_at=None,
                        error=None,
                        tokens_in=0,
                        tokens_out=0,
                    )
                )
                return await load_one(conn, run_id)
        except RunAlreadyActiveError:
            raise
        except ConflictError as exc:
            if not isinstance(exc.__cause__, IntegrityError):  # ours above, not the index
                raise
            run = await self.get(run_id)
            active = None if run is None else await self._active_of(run.project_id)
            if run is None or active is None:
                raise
            raise already_active(run.project_id, active) from None

    async def delete_finished(self, *, before: Any, dry_run: bool = False) -> builtins.list[str]:
        """Delete completed and failed runs finished before ``before``; their ids.

        Each project's newest run is kept (status shows it; a failed one may be
        resumed), and so are queued and running runs.
        """
        newest = (
            sa.select(runs.c.project_id, sa.func.max(runs.c.seq).label("seq")).group_by(runs.c.project_id).subquery()
        )
        old = (
            sa.select(runs.c.run_id)
            .where(
                runs.c.state.in_(FINISHED_RUN_STATES),
                runs.c.finished_at.is_not(None),
                runs.c.finished_at < before,
                runs.c.seq.not_in(sa.select(newest.c.seq)),
            )
            .order_by(runs.c.seq)
        )
        async with self._gw.write() as conn:
            ids = list((await conn.scalars(old)).all())
            if ids and not dry_run:
                await conn.execute(run_stages.delete().where(run_stages.c.run_id.in_(ids)))
                await conn.execute(runs.delete().where(runs.c.run_id.in_(ids)))
        return ids

    async def mark_orphans(self, is_alive: Callable[[str], bool]) -> builtins.list[str]:
        """Fail (resumable) every active run whose owner process is dead.

        Queued runs count too: the process that queued a run is the one that
        would start it. Returns the run ids that were marked.
        """
        return await mark_orphans(self._gw, is_alive)
