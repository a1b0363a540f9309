"""procrastinate behind a small interface: defer a run or a step, run a worker, put stalled jobs back."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from devussy_git.errors import ConfigurationError, DatabaseUnavailableError

__all__ = [
    "MOVE_TASK",
    "RUN_CHANNEL",
    "RUN_QUEUE",
    "RUN_TASK",
    "STEP_TASK",
    "JobHandler",
    "JobQueue",
    "RunHandler",
    "StepHandler",
    "conninfo_of",
    "node_queue",
]

log = logging.getLogger(__name__)

#: The task name of a run's job. Its queue is its project's node's (:func:`node_queue`);
#: ``runs`` is where jobs went before projects had nodes (workers of the node ``local`` take it).
RUN_TASK = "devussy.run"
RUN_QUEUE = "runs"

#: The task name of a handoff-next step's job (its project's node's queue, the same
#: project lock as runs, so a project's steps and runs share one line).
STEP_TASK = "devussy.step"

#: The task name of a project's move to another node (runs on the target node's queue).
MOVE_TASK = "devussy.move-project"

#: The channel a worker announces a change of a run's row on (the payload is the run id).
RUN_CHANNEL = "devussy_runs"

#: ``handler(run_id, actor, attempts)``: what a worker does with a run's job.
RunHandler = Callable[[str, dict[str, Any], int], Awaitable[None]]

#: ``handler(step_id, attempts)``: what a worker does with a step's job.
StepHandler = Callable[[str, int], Awaitable[None]]

#: ``handler(job_id, **job_kwargs)``: what a worker does with a job of another task.
JobHandler = Callable[..., Awaitable[None]]


def node_queue(node: str) -> str:
    """The queue of a node's jobs: its workers take them, and only they have its repositories."""
    return f"node-{node}"


def conninfo_of(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (``postgresql+asyncpg://…`` → ``postgresql://…``).

    :class:`ConfigurationError` for anything but PostgreSQL: the queue lives in the
    state database, and only PostgreSQL has what it needs (row locks, LISTEN/NOTIFY).
    """
    parts = urlsplit(database_url)
    scheme = parts.scheme.partition("+")[0]
    if scheme not in ("postgresql", "postgres"):
        raise ConfigurationError(
            f"DEVUSSY_EXECUTOR=queue needs PostgreSQL, and DATABASE_URL is {scheme or 'not set'}: "
            "set DATABASE_URL=postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB, or DEVUSSY_EXECUTOR=local "
            "(the default) to run plans in the process that starts them."
        )
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobQueue:
    """One procrastinate app on the state database; open it before use, close it after."""

    def __init__(self, database_url: str, *, max_connections: int = 4) -> None:
        import procrastinate

        self._conninfo = conninfo_of(database_url)
        connector = procrastinate.PsycopgConnector(
            conninfo=self._conninfo, min_size=1, max_size=max(2, max_connections)
        )
        self._app = procrastinate.App(connector=connector)
        self._opened = False

    async def open(self) -> None:
        if self._opened:
            return
        try:
            await self._app.open_async()
        except Exception as exc:  # psycopg's and the pool's errors have no common base
            raise DatabaseUnavailableError(f"The job queue cannot reach PostgreSQL ({type(exc).__name__}).") from exc
        self._opened = True

    async def close(self) -> None:
        if self._opened:
            self._opened = False
            await self._app.close_async()

    # -- schema ----------------------------------------------------------------------

    async def schema_applied(self) -> bool:
        """Whether procrastinate's tables are in the database."""
        await self.open()
        row = await self._app.connector.execute_query_one_async(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
        )
        return bool(row["present"])

    async def apply_schema(self) -> bool:
        """Create procrastinate's tables, functions and types; False when they were there."""
        if await self.schema_applied():
            return False
        await self._app.schema_manager.apply_schema_async()
        return True

    # -- jobs ------------------------------------------------------------------------

    async def defer_run(self, project_id: str, run_id: str, actor: dict[str, Any], *, queue: str = RUN_QUEUE) -> int:
        """Queue the run's job on ``queue``; it holds ``project:<id>`` while it runs."""
        await self.open()
        if not await self.schema_applied():
            raise ConfigurationError("The job queue's tables are missing: run `devussy-git migrate` first.")
        task = self._app.configure_task(name=RUN_TASK, lock=f"project:{project_id}", queue=queue)
        return int(await task.defer_async(run_id=run_id, actor=actor))

    async def defer_step(self, project_id: str, step_id: str, *, queue: str = RUN_QUEUE) -> int:
        """Queue a step's job on ``queue``; it holds ``project:<id>`` too, so a project's runs
        and steps never overlap and start in the order they were submitted."""
        await self.open()
        if not await self.schema_applied():
            raise ConfigurationError("The job queue's tables are missing: run `devussy-git migrate` first.")
        task = self._app.configure_task(name=STEP_TASK, lock=f"project:{project_id}", queue=queue)
        return int(await task.defer_async(step_id=step_id))

    async def defer_move(self, project_id: str, *, source: str, target: str) -> int:
        """Queue a move of the project to ``target`` on that node's queue, holding ``project:<id>``."""
        await self.open()
        if not await self.schema_applied():
            raise ConfigurationError("The job queue's tables are missing: run `devussy-git migrate` first.")
        task = self._app.configure_task(name=MOVE_TASK, lock=f"project:{project_id}", queue=node_queue(target))
        return int(await task.defer_async(project_id=project_id, source=source, target=target))

    async def job_status(self, job_id: int) -> str | None:
        """``todo``, ``doing``, ``succeeded``, ``failed``, … of a job; ``None`` when unknown."""
        await self.open()
        row = await self._app.connector.execute_query_one_async(
            "SELECT status::text AS status FROM procrastinate_jobs WHERE id = %(id)s", id=job_id
        )
        return None if row is None else str(row["status"])

    def _register(self, name: str, handler: JobHandler) -> None:
        @self._app.task(name=name, pass_context=True)
        async def job(context: Any, /, **kwargs: Any) -> None:
            await handler(int(context.job.id or 0), **kwargs)

    async def notify_run(self, run_id: str) -> None:
        """Tell every listener (``run``, the bot, ``serve``) that the run's row changed."""
        await self.open()
        await self._app.connector.execute_query_async(
            "SELECT pg_notify(%(channel)s, %(run_id)s)", channel=RUN_CHANNEL, run_id=run_id
        )

    async def listen_runs(self, on_change: Callable[[str], None]) -> None:
        """Call ``on_change(run_id)`` for every announced change, until cancelled.

        One connection of its own (LISTEN holds it). A lost connection is opened again
        after a pause; followers meanwhile fall back to reading the rows slowly.
        """
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {RUN_CHANNEL}")
                    async for note in conn.notifies():
                        on_change(note.payload)
            except psycopg.Error as exc:
                log.warning("listening for run changes failed (%s); trying again", type(exc).__name__)
                await asyncio.sleep(2.0)

    async def retry_stalled(self, stalled_after_s: float) -> list[int]:
        """Put back the run, step and move jobs of workers whose heartbeat stopped ``stalled_after_s`` ago.

        Run by every worker on a timer, as a plain loop rather than a periodic task:
        a periodic task holding a lock could deadlock with the jobs it retries.
        """
        import procrastinate.exceptions

        manager = self._app.job_manager
        jobs = [
            job
            for task in (RUN_TASK, STEP_TASK, MOVE_TASK)
            for job in await manager.get_stalled_jobs(task_name=task, seconds_since_heartbeat=stalled_after_s)
        ]
        retried = []
        for job in jobs:
            try:
                await manager.retry_job(job)
            except procrastinate.exceptions.ProcrastinateException as exc:  # another worker was first
                log.info("stalled job %s not put back: %s", job.id, exc)
                continue
            log.warning("job %s (%s) stalled with its worker; put back in the queue", job.id, job.task_kwargs)
            retried.append(int(job.id or 0))
        return retried

    async def run_worker(
        self,
        handler: RunHandler,
        *,
        step_handler: StepHandler | None = None,
        concurrency: int = 1,
        queues: Iterable[str] | None = None,
        stalled_after_s: float = 60.0,
        wait: bool = True,
        tasks: Mapping[str, JobHandler] | None = None,
    ) -> None:
        """Run jobs until stopped (SIGINT/SIGTERM), putting back stalled ones meanwhile.

        ``tasks`` handles jobs of other task names (e.g. :data:`MOVE_TASK`): each is
        called with the job's id and keyword arguments.
        """
        await self.open()
        if not await self.schema_applied():
            raise ConfigurationError("The job queue's tables are missing: run `devussy-git migrate` first.")

        @self._app.task(name=RUN_TASK, queue=RUN_QUEUE, pass_context=True)
        async def run_job(context: Any, run_id: str, actor: dict[str, Any]) -> None:
            await handler(run_id, actor, int(context.job.attempts or 0))

        if step_handler is not None:

            @self._app.task(name=STEP_TASK, queue=RUN_QUEUE, pass_context=True)
            async def step_job(context: Any, step_id: str) -> None:
                await step_handler(step_id, int(context.job.attempts or 0))

        for name, task_handler in (tasks or {}).items():
            self._register(name, task_handler)

        async def watch_stalled() -> None:
            while True:
                await asyncio.sleep(max(0.5, stalled_after_s / 4))
                try:
                    await self.retry_stalled(stalled_after_s)
                except Exception:  # a missed round is retried at the next one
                    log.warning("looking for stalled jobs failed", exc_info=True)

        watcher = asyncio.create_task(watch_stalled()) if wait else None
        options: dict[str, Any] = {"queues": list(queues)} if queues else {}
        try:
            await self._app.run_worker_async(
                concurrency=max(1, concurrency),
                name=worker_name(),
                wait=wait,
                update_heartbeat_interval=max(0.2, stalled_after_s / 6),
                stalled_worker_timeout=stalled_after_s,
                listen_notify=True,
                install_signal_handlers=True,
                **options,
            )
        finally:
            if watcher is not None:
                watcher.cancel()
