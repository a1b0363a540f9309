"""Runs on the job queue (``DEVUSSY_EXECUTOR=queue``): the executor that submits them,
the handler a worker runs them with, and the schema step that makes the queue.
Handoff-next steps share the queue and the worker; their half is :mod:`.step_jobs`.

- :class:`QueueExecutor` records the run (``queued``, owned by the queue), defers its
  job and follows it by reading the run's row: the same progress events and
  :class:`~devussy_git.services.executors.RunFinished` as the local executor.
- :func:`handle_run_job` is what ``devussy-git worker`` does with a job: run the
  stages not yet committed. A job the queue gave back because its worker stopped
  takes the run over (only while that worker still owns it) and resumes it from
  its last committed stage; a run cancelled while queued is left as it is.
- :func:`migrate` creates or upgrades the state database's tables and the queue's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from devussy_git.errors import ConfigurationError, ConflictError, DevussyError, RunCancelledError, RunTakenOverError
from devussy_git.pipeline import ProgressEvent, RunOutcome
from devussy_git.pipeline.run import ProgressCallback
from devussy_git.plan import ComplexityProfile, Interview
from devussy_git.plan.files import read_plan
from devussy_git.services.actors import Actor
from devussy_git.services.executors import RunCancel, RunFinished, RunStarted
from devussy_git.services.summaries import local_run_summary

if TYPE_CHECKING:
    from devussy_git.app import App
    from devussy_git.db import RunRecord
    from devussy_git.jobqueue import JobQueue

__all__ = [
    "QueueExecutor",
    "check_queue_ready",
    "handle_run_job",
    "migrate",
    "run_worker",
]

log = logging.getLogger(__name__)

#: How often a follower reads the run's row when no worker announced a change: the
#: announcements (NOTIFY) wake it at once; this is the fallback when one is lost.
FALLBACK_POLL_S = 2.0


class QueueExecutor:
    """Hands runs to ``devussy-git worker`` processes through the job queue."""

    name = "queue"
    #: The worker reads the guild's endpoint from the database, as the local executor does.
    takes_api_base = True

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue
        # Followers wait for the workers' announcements (LISTEN), one connection per process.
        self._changed: dict[str, asyncio.Event] = {}
        self._listener: asyncio.Task[None] | None = None

    def _on_change(self, run_id: str) -> None:
        event = self._changed.get(run_id)
        if event is not None:
            event.set()

    def expect_change(self, key: str) -> None:
        """Start catching announcements for ``key`` (a run or step id) before reading its row."""
        self._changed.setdefault(key, asyncio.Event())

    def forget_change(self, key: str) -> None:
        self._changed.pop(key, None)

    async def wait_change(self, run_id: str) -> None:
        """Until a worker announces a change of the run, or :data:`FALLBACK_POLL_S` passed."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self.queue.listen_runs(self._on_change))
        event = self._changed.setdefault(run_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), FALLBACK_POLL_S)
        except TimeoutError:
            pass
        event.clear()

    async def start(
        self,
        app: App,
        project_id: str,
        *,
        actor: Actor,
        provider: str | None,
        model: str | None,
        resume: bool,
        restart: bool,
        guild_id: int | None,
        guild_limit: int | None,
    ) -> RunStarted:
        from devussy_git.services.runs import start_run

        record = await start_run(
            app,
            project_id,
            actor=actor,
            provider=provider,
            model=model,
            resume=resume,
            restart=restart,
            guild_id=guild_id,
            guild_limit=guild_limit,
        )
        await self.enqueue(app, record.project_id, record.run_id, actor=actor)
        return RunStarted(record.project_id, record.run_id)

    async def enqueue(self, app: App, project_id: str, run_id: str, *, actor: Actor) -> None:
        """Give a queued run to the queue's workers."""
        from devussy_git.services.nodes import project_queue

        try:
            await app.db.runs.hand_to_queue(run_id)
            await self.queue.defer_run(project_id, run_id, asdict(actor), queue=await project_queue(app, project_id))
        except BaseException as exc:
            # A run nobody will start must not hold the project: it fails, resumable.
            reason = exc.user_message if isinstance(exc, DevussyError) else type(exc).__name__
            await asyncio.shield(app.db.runs.fail(run_id, f"it could not be queued: {reason}", resumable=True))
            raise
        log.info("run %s of %s queued", run_id, project_id)

    async def follow(
        self, app: App, started: RunStarted, *, actor: Actor, on_progress: ProgressCallback | None
    ) -> RunFinished:
        self.expect_change(started.run_id)  # before the first read of the row
        try:
            final = await follow_rows(app, started.run_id, on_progress, self.wait_change)
        finally:
            self.forget_change(started.run_id)
        if final.state == "completed":
            summary = await local_run_summary(app, final.project_id, final.run_id, f"run/{final.run_id}")
            return RunFinished(final.project_id, final.run_id, "completed", summary=summary)
        return RunFinished(final.project_id, final.run_id, final.state, final.error or final.state)

    async def cancel(self, app: App, project_id: str, run_id: str | None, *, actor: Actor) -> RunCancel:
        from devussy_git.services.runs import cancel_run

        # A queued run is cancelled in the database: its job finds it so and does nothing.
        # A running one is flagged: its worker watches the flag and stops the run.
        record = await cancel_run(app, project_id, run_id, actor=actor)
        return RunCancel(record.project_id, record.run_id, record.state)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self.queue.close()


async def run_outcome(app: App, record: RunRecord) -> RunOutcome:
    """The :class:`RunOutcome` of a completed run, read back from its tag."""
    tag = f"run/{record.run_id}"
    repo = await asyncio.to_thread(app.store.open, record.project_id)

    def read() -> RunOutcome:
        files = repo.read_many([p for p in repo.list_files(tag) if p.endswith((".md", ".json"))], tag)
        interview = Interview.from_json(files["interview.json"])
        complexity = ComplexityProfile.from_dict(json.loads(files["complexity_profile.json"]))
        plan = read_plan(files, record.project_id, interview, complexity)
        commits = {s.name: s.commit for s in record.stages if s.commit}
        return RunOutcome(
            record.run_id,
            record.project_id,
            commits.get("handoff") or repo.resolve(tag),
            tag,
            plan,
            record.tokens_in,
            record.tokens_out,
            commits,
        )

    return await asyncio.to_thread(read)


async def follow_rows(
    app: App, run_id: str, on_progress: ProgressCallback | None, wait_change: Callable[[str], Awaitable[None]]
) -> RunRecord:
    """Read the run's row whenever it changes, until it ends; each stage's change of state
    is a progress event."""
    began = time.monotonic()
    seen: dict[str, str] = {}
    while True:
        record = await app.db.runs.get(run_id)
        if record is None:
            raise ConflictError(f"Run {run_id} disappeared from the database.")
        for stage in record.stages:
            if seen.get(stage.name) == stage.state or stage.state == "pending":
                continue
            seen[stage.name] = stage.state
            event = ProgressEvent(
                record.run_id,
                record.project_id,
                stage.name,
                "started" if stage.state == "running" else stage.state,
                time.monotonic() - began,
                tokens_in=stage.tokens_in,
                tokens_out=stage.tokens_out,
                commit=stage.commit,
                detail=(stage.error or "") if stage.state == "failed" else "",
            )
            if on_progress is not None:
                result = on_progress(event)
                if asyncio.iscoroutine(result):
                    await result
        if not record.is_active:
            return record
        await wait_change(run_id)


async def handle_run_job(
    app: App,
    run_id: str,
    actor_data: dict[str, Any],
    attempts: int,
    notify: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """Run a run's job in this worker; every outcome is recorded on the run, none raised.

    ``notify(run_id)`` announces each change of the run's row to its followers.
    """

    async def announce(_: Any = None) -> None:
        if notify is not None:
            await notify(run_id)

    from devussy_git.db import ORPHAN_ERROR
    from devussy_git.services.runs import execute_run

    record = await app.db.runs.get(run_id)
    if record is None:
        log.warning("job for run %s: no such run", run_id)
        return
    if record.state == "running":
        # The queue gave the job back: the worker running it stopped sending heartbeats.
        try:
            record = await app.db.runs.take_over(run_id, record.owner)
        except ConflictError as exc:
            log.info("run %s not taken over: %s", run_id, exc.user_message)
            return
        log.warning("run %s taken over from its stalled worker (attempt %d)", run_id, attempts + 1)
    elif record.state == "failed" and record.resumable and record.error == ORPHAN_ERROR and attempts > 0:
        # Its worker died on this host and a sweep failed the run before the queue gave it back.
        await app.db.runs.resume(run_id)
        record = await app.db.runs.hand_to_queue(run_id)
    if record.state != "queued":
        log.info("run %s is %s: its job has nothing to do", run_id, record.state)
        return
    try:
        await execute_run(app, run_id, actor=Actor(**actor_data), on_progress=announce)
    except RunCancelledError:
        log.info("run %s cancelled", run_id)
    except RunTakenOverError:
        log.warning("run %s went to another worker; this one stopped it", run_id)
    except DevussyError as exc:
        log.info("run %s failed: %s", run_id, exc.user_message)
    finally:
        try:
            await announce()
        except Exception:  # followers read the row on their slow poll anyway
            log.warning("announcing the end of run %s failed", run_id, exc_info=True)


def job_queue(app: App) -> JobQueue:
    from devussy_git.jobqueue import JobQueue

    return JobQueue(app.settings.database_url)


async def migrate(app: App) -> dict[str, bool]:
    """Create or upgrade the schema: the state database's (opening it does) and, on
    PostgreSQL, the job queue's. Returns what was created."""
    created = {"database": True, "queue": False}
    if app.settings.database_url.startswith(("postgresql", "postgres")):
        queue = job_queue(app)
        try:
            created["queue"] = await queue.apply_schema()
        finally:
            await queue.close()
    return created


async def check_queue_ready(app: App) -> None:
    """With ``DEVUSSY_EXECUTOR=queue``, refuse to start (serve, bot) until the queue exists:
    :class:`ConfigurationError` that says to run ``devussy-git migrate``."""
    if app.settings.executor != "queue":
        return
    queue = job_queue(app)  # also refuses a database that is not PostgreSQL
    try:
        if not await queue.schema_applied():
            raise ConfigurationError("The job queue's tables are missing: run `devussy-git migrate` first.")
    finally:
        await queue.close()


async def run_worker(app: App, *, concurrency: int = 1, queues: Iterable[str] | None = None) -> None:
    """Run queued jobs (runs, handoff-next steps, moves) in this process until stopped
    (SIGINT/SIGTERM); by default those of this node.

    With a provider other than offline, litellm is loaded before the first job is taken:
    its import costs seconds of CPU, which the worker's first runs would otherwise pay
    while holding their jobs and competing for the cores with the runs already going.
    """
    from devussy_git.llm import LLMProfile, load_litellm
    from devussy_git.services.nodes import node_queues, worker_tasks
    from devussy_git.services.step_jobs import handle_step_job

    if LLMProfile.from_settings(app.settings).provider != "offline":
        await asyncio.to_thread(load_litellm)
    queue = job_queue(app)

    async def handler(run_id: str, actor: dict[str, Any], attempts: int) -> None:
        await handle_run_job(app, run_id, actor, attempts, notify=queue.notify_run)

    async def step_handler(step_id: str, attempts: int) -> None:
        await handle_step_job(app, step_id, attempts, notify=queue.notify_run)

    try:
        await queue.run_worker(
            handler,
            step_handler=step_handler,
            concurrency=concurrency,
            queues=queues or node_queues(app),
            stalled_after_s=app.settings.stalled_after_s,
            tasks=worker_tasks(app, queue),
        )
    finally:
        await queue.close()
