"""Run use cases: queue, execute (in-process or in the background), resume,
read status and artifacts, and the runner API's combined submit.

A run that stops for any reason is left ``failed`` and resumable in the
database, never ``queued`` or ``running``.

About 500 lines in one module on purpose: starting, executing, cancelling and
handing a run to the queue share one fencing rule (a process writes a run only
while it still owns it, see ``_still_ours``), and splitting them would spread
that rule over modules that must change together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devussy_git.app import App
from devussy_git.db import ProjectRecord, RunRecord, process_owner
from devussy_git.errors import (
    ConflictError,
    DevussyError,
    InvalidInputError,
    NotFoundError,
    RestartNeedsConfirmationError,
    RunAlreadyActiveError,
    RunCancelledError,
    RunOutdatedError,
    RunTakenOverError,
)
from devussy_git.pipeline import PipelineRunner, ProgressEvent, RunOutcome, run_ref
from devussy_git.pipeline.run import ProgressCallback
from devussy_git.plan import Interview, validate_answers
from devussy_git.plan.files import PlanProgress, plan_progress
from devussy_git.services.actors import Actor
from devussy_git.services.endpoints import llm_client_for
from devussy_git.services.projects import (
    commit_interview,
    create_repo,
    ensure_no_active_run,
    ensure_writable,
    get_project,
)
from devussy_git.store import validate_project_id
from devussy_git.store.validation import validate_new_project_id

__all__ = [
    "ArtifactFile",
    "ProgressCallback",
    "cancel_run",
    "dispatch_run",
    "execute_run",
    "get_run",
    "queue_project_run",
    "run_artifacts",
    "run_project",
    "spawn_run",
    "start_run",
    "submit_run",
]

log_ = logging.getLogger(__name__)

#: How often a running run looks for a cancel asked by another process.
CANCEL_POLL_SECONDS = 0.5
#: The tasks executing runs in this process, by run id (a cancel here reaches them at once).
_RUNNING: dict[str, asyncio.Task[Any]] = {}


# -- runs -----------------------------------------------------------------------


async def start_run(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    provider: str | None = None,
    model: str | None = None,
    resume: bool = False,
    guild_id: int | None = None,
    guild_limit: int | None = None,
    restart: bool = False,
) -> RunRecord:
    """Queue a run (or re-queue the last failed one with ``resume``).

    A new run rewrites the plan and starts its progress over: on a plan with
    steps done it is refused with :class:`RestartNeedsConfirmationError`
    (showing the progress) unless ``restart`` confirms it. With
    ``guild_limit``, the guild's count of active runs and the new run are
    checked and written in one step, so concurrent requests cannot overshoot it.
    """
    await get_project(app, project_id, guild_id=guild_id)
    await ensure_writable(app, project_id)
    if not resume and not restart:
        await _refuse_silent_restart(app, project_id)
    if resume:
        last = await app.db.runs.latest(project_id)
        if last is None or last.state not in ("failed", "cancelled") or not last.resumable:
            raise NotFoundError(f"Project {project_id} has no failed or cancelled run to resume; start one with `run`.")
        if provider is None and model is None:
            return await app.db.runs.resume(last.run_id)
        # Resuming after a provider failure with another provider or model.
        profile = (await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)).profile
        return await app.db.runs.resume(last.run_id, provider=profile.provider, model=profile.model)
    profile = (await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)).profile
    return await app.db.runs.create(
        project_id,
        provider=profile.provider,
        model=profile.model,
        actor=actor.trailer,
        guild_id=guild_id,
        guild_limit=guild_limit,
    )


async def _refuse_silent_restart(app: App, project_id: str) -> None:
    repo = await asyncio.to_thread(app.store.open, project_id)

    def progress() -> PlanProgress | None:
        files = repo.list_files("main") if repo.head() else []
        if "handoff.md" not in files:
            return None
        return plan_progress(repo.read_many([f for f in files if f.endswith(".md")]))

    done = await asyncio.to_thread(progress)
    if done is None or done.done == 0:
        return
    following = f"; next: task {done.next_task.id} {done.next_task.title}" if done.next_task else ""
    raise RestartNeedsConfirmationError(
        f"Project {project_id} has progress: {done.done} of {done.total} steps done{following}. "
        f"A new run rewrites the plan and starts it over at 0; confirm to restart it."
    )


async def execute_run(
    app: App, run_id: str, *, actor: Actor, on_progress: ProgressCallback | None = None
) -> RunOutcome:
    """Run the stages of a queued run in this process, recording progress.

    Whatever stops the run (a stage error, a bug, cancellation, even before the
    first stage) leaves it ``failed`` and resumable, never ``queued``/``running``.
    A face's ``on_progress`` that raises is logged and ignored: showing progress
    must not stop the work.
    """
    record = await get_run(app, run_id)
    started = False
    try:
        client = await llm_client_for(app, provider=record.provider, model=record.model, guild_id=record.guild_id)
        repo = await asyncio.to_thread(app.store.open, record.project_id)
        await app.db.runs.start(run_id, process_owner())
        started = True
        app.metrics.count_run("running")
        recorded = {s.name: s.commit for s in record.stages if s.state == "completed"}

        async def progress(event: ProgressEvent) -> None:
            # Stages the earlier attempt of a resumed run recorded are not recorded again,
            # only their new commit when the run was replayed onto a newer main.
            done = event.state in ("completed", "skipped") and event.stage not in recorded
            moved = event.stage in recorded and event.commit and recorded[event.stage] != event.commit
            if moved and event.commit:
                await app.db.runs.stage_moved(run_id, event.stage, event.commit)
            if event.state == "started":
                await app.db.runs.stage_started(run_id, event.stage)
            elif done and event.commit:
                await app.db.runs.stage_completed(run_id, event.stage, event.commit, event.tokens_in, event.tokens_out)
                app.metrics.count_llm_tokens(client.profile.model, event.tokens_in, event.tokens_out)
            elif event.state == "failed":
                await app.db.runs.stage_failed(run_id, event.stage, event.detail)
            if on_progress is not None:
                try:
                    result = on_progress(event)
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:
                    log_.warning("showing progress of run %s failed", run_id, exc_info=True)

        runner = PipelineRunner(client, max_concurrent_phases=app.settings.max_concurrent_phases)
        async with app.lock_for(record.project_id):
            outcome: RunOutcome = await _cancellable(
                app,
                run_id,
                runner.run(repo, run_id, author=actor.identity, actor=actor.trailer, on_progress=progress),
            )
    except RunTakenOverError:
        raise  # another worker owns the run now: nothing here may write to it
    except RunCancelledError:
        if await _still_ours(app, run_id, started):
            await asyncio.shield(app.db.runs.cancelled(run_id))
            app.metrics.count_run("cancelled")
        raise
    except DevussyError as exc:
        if not await _still_ours(app, run_id, started):
            raise RunTakenOverError(f"Run {run_id} went to another worker.") from exc
        await app.db.runs.fail(run_id, exc.user_message, resumable=not isinstance(exc, RunOutdatedError))
        app.metrics.count_run("failed")
        raise
    except BaseException as exc:
        # Cancelled or a bug: the run stays resumable; the traceback goes to the log.
        if await asyncio.shield(_still_ours(app, run_id, started)):
            await asyncio.shield(
                app.db.runs.fail(run_id, f"the run stopped unexpectedly ({type(exc).__name__})", resumable=True)
            )
            app.metrics.count_run("failed")
        raise
    await app.db.runs.finish(run_id)
    app.metrics.count_run("completed")
    from devussy_git.services.maintenance import pack_if_needed

    await pack_if_needed(app, record.project_id)
    if await app.db.projects.get(record.project_id) is not None:
        await app.db.projects.set_name(record.project_id, outcome.plan.project_name)
    return outcome


async def _still_ours(app: App, run_id: str, started: bool) -> bool:
    """Whether this process still owns the run: a queue worker may have lost it to another.

    Before this process started it, the run is its creator's or the queue's to fail.
    """
    _, owner = await app.db.runs.watch(run_id)
    return not started or owner in (None, process_owner())


async def _cancellable(app: App, run_id: str, work: Any) -> Any:
    """Await ``work`` as its own task, cancelled when the run's cancel is asked.

    A cancel in this process cancels the task at once (:func:`cancel_run`);
    one from another process is seen by polling the run's ``cancel_requested``
    flag. Either way the task stops at its next await, between or inside a
    stage, before anything lands on ``main``: a stage commits in one ref update.
    """
    task: asyncio.Task[Any] = asyncio.ensure_future(work)
    _RUNNING[run_id] = task
    asked = taken = False

    async def watch() -> None:
        nonlocal asked, taken
        me = process_owner()
        while not task.done():
            await asyncio.sleep(CANCEL_POLL_SECONDS)
            cancel, owner = await app.db.runs.watch(run_id)
            if owner not in (None, me):
                # The job queue gave the run to another worker: stop before writing anything more.
                taken = True
                task.cancel()
                return
            if cancel:
                asked = True
                task.cancel()
                return

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if taken:
            raise RunTakenOverError(f"Run {run_id} went to another worker.") from None
        if asked or (task.cancelled() and await app.db.runs.cancel_requested(run_id)):
            raise RunCancelledError(f"Run {run_id} was cancelled.") from None
        raise
    finally:
        watcher.cancel()
        _RUNNING.pop(run_id, None)
        if not task.done():
            task.cancel()


async def cancel_run(app: App, project_id: str, run_id: str | None = None, *, actor: Actor) -> RunRecord:
    """Cancel ``run_id`` (default: the project's active run).

    A queued run is ``cancelled`` at once and never starts. A running one is
    marked ``cancel_requested``; the process running it (this one or another)
    stops it at its next await and ends it ``cancelled``, keeping the stages
    already committed on its ref and leaving ``main`` alone. :class:`NotFoundError`
    without such a run, :class:`ConflictError` naming the state of a finished one.
    """
    if run_id is None:
        latest = await app.db.runs.latest(project_id)
        if latest is None or not latest.is_active:
            raise NotFoundError(f"Project {project_id} has no queued or running run to cancel.")
        run_id = latest.run_id
    record = await get_run(app, run_id)
    if record.project_id != project_id:
        raise NotFoundError(f"Project {project_id} has no run {run_id!r}.")
    if not record.is_active:
        raise ConflictError(f"Run {run_id} is already {record.state}: there is nothing to cancel.")
    log_.info("run %s cancelled by %s", run_id, actor.trailer)
    record = await app.db.runs.cancel(run_id)
    task = _RUNNING.get(run_id)
    if task is not None and not task.done():
        task.cancel()
    return record


async def run_project(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    provider: str | None = None,
    model: str | None = None,
    resume: bool = False,
    restart: bool = False,
    on_progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Start a run and follow it to its end (the CLI's ``run``): in this process, or, with
    ``DEVUSSY_EXECUTOR=queue``, on a worker whose progress comes back the same way."""
    if app.settings.executor == "queue":
        from devussy_git.services.executors import RunStarted
        from devussy_git.services.queue import run_outcome

        queued = await queue_project_run(
            app, project_id, actor=actor, provider=provider, model=model, resume=resume, restart=restart
        )
        started = RunStarted(queued.project_id, queued.run_id)
        finished = await app.executor.follow(app, started, actor=actor, on_progress=on_progress)
        if finished.state == "cancelled":
            raise RunCancelledError(f"Run {started.run_id} was cancelled.")
        if finished.state != "completed":
            raise DevussyError(finished.error or f"Run {started.run_id} failed.")
        return await run_outcome(app, await get_run(app, started.run_id))
    record = await start_run(
        app, project_id, actor=actor, provider=provider, model=model, resume=resume, restart=restart
    )
    return await execute_run(app, record.run_id, actor=actor, on_progress=on_progress)


async def queue_project_run(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    provider: str | None = None,
    model: str | None = None,
    resume: bool = False,
    restart: bool = False,
) -> RunRecord:
    """Queue a run for the workers and return at once (``run --detach``); needs the job queue."""
    if app.settings.executor != "queue":
        raise InvalidInputError(
            "--detach needs the job queue (DEVUSSY_EXECUTOR=queue, with workers running): "
            "without it, a run goes on only while the process that started it does."
        )
    started = await app.executor.start(
        app,
        project_id,
        actor=actor,
        provider=provider,
        model=model,
        resume=resume,
        restart=restart,
        guild_id=None,
        guild_limit=None,
    )
    return await get_run(app, started.run_id)


async def dispatch_run(app: App, record: RunRecord, *, actor: Actor) -> None:
    """Have a queued run executed: by the queue's workers, or in the background here."""
    if app.settings.executor == "queue":
        await app.executor.enqueue(app, record.project_id, record.run_id, actor=actor)
    else:
        spawn_run(app, record.run_id, actor=actor)


def spawn_run(app: App, run_id: str, *, actor: Actor, on_progress: ProgressCallback | None = None) -> None:
    """Execute a queued run in the background (HTTP, Discord)."""

    async def go() -> None:
        try:
            await execute_run(app, run_id, actor=actor, on_progress=on_progress)
        except RunCancelledError:
            log_.info("run %s cancelled", run_id)
        except DevussyError as exc:
            log_.info("run %s failed: %s", run_id, exc.user_message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log_.exception("run %s crashed", run_id)

    task = asyncio.get_running_loop().create_task(go(), name=f"run-{run_id}")
    app.tasks.add(task)
    task.add_done_callback(app.tasks.discard)


async def get_run(app: App, run_id: str) -> RunRecord:
    record = await app.db.runs.get(run_id)
    if record is None:
        raise NotFoundError(f"There is no run {run_id!r}.")
    return record


@dataclass(frozen=True)
class ArtifactFile:
    path: str
    size: int
    blob_sha: str


async def run_artifacts(app: App, run_id: str) -> tuple[str, str, list[ArtifactFile]]:
    """The files a run produced, at its newest committed stage.

    Returns ``(commit, rev, files)``: ``rev`` is what a published read
    (``?rev=``) accepts for that commit -- the commit itself once it is on
    ``main`` or tagged, ``run/<id>`` (the tip of the run's stages) before.
    """
    record = await get_run(app, run_id)
    commits = [s.commit for s in record.stages if s.commit]
    if not commits:
        raise NotFoundError(f"Run {run_id} has not committed anything yet.")
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    tag = f"run/{run_id}"

    def collect() -> tuple[str, str, list[ArtifactFile]]:
        commit = repo.list_tags(tag).get(tag)
        if commit is None:
            running = repo.get_ref(run_ref(run_id))
            commit = running or commits[-1]
            rev = tag if running is not None else commit
        else:
            rev = commit
        files = [ArtifactFile(e.path, e.size, e.blob_sha) for e in repo.list_entries(commit)]
        return commit, rev, files

    return await asyncio.to_thread(collect)


async def submit_run(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    interview: Mapping[str, Any] | None = None,
    provider: str | None = None,
    model: str | None = None,
    resume: bool = False,
    guild_id: int | None = None,
    restart: bool = False,
) -> RunRecord:
    """Create or update the project from ``interview`` when given, then queue a run.

    Everything is checked before anything is written: the project id, the
    provider and model, the answers, and that no run of the project is going.
    """
    project_id = validate_project_id(project_id)
    if resume and interview is not None:
        raise InvalidInputError(
            "A resumed run continues with the interview it started from: send either `interview` or `resume`, not both."
        )
    await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)
    answers = validate_answers(interview) if interview is not None else None
    exists = await asyncio.to_thread(app.store.exists, project_id)
    if exists:
        await ensure_no_active_run(app, project_id)  # refuse early; the claim below decides
        if not resume and not restart:
            await _refuse_silent_restart(app, project_id)
    elif answers is not None:
        validate_new_project_id(project_id)
        return await _create_and_claim(
            app, project_id, answers, actor=actor, provider=provider, model=model, guild_id=guild_id
        )
    # Claiming the run is the one atomic decision per project (a unique index, across
    # processes): only the request that wins it commits its answers.
    record = await start_run(
        app,
        project_id,
        actor=actor,
        provider=provider,
        model=model,
        resume=resume,
        guild_id=guild_id,
        restart=restart,
    )
    if answers is not None:
        try:
            await commit_interview(app, project_id, answers, actor=actor, run_id=record.run_id)
        except BaseException:
            await app.db.runs.fail(record.run_id, "its interview answers could not be saved", resumable=False)
            raise
    return record


async def _create_and_claim(
    app: App,
    project_id: str,
    interview: Interview,
    *,
    actor: Actor,
    provider: str | None,
    model: str | None,
    guild_id: int | None,
) -> RunRecord:
    """A new project from ``submit_run``: its record, its run, then its repo.

    The record and the run are each claimed atomically in the database, so of
    concurrent requests for one new project exactly one holds the run, and
    only that one writes a repository; the others are refused having written
    nothing.
    """
    busy = RunAlreadyActiveError(
        f"Project {project_id} was just created by another request, which is starting its run; "
        "wait for it to finish, then try again."
    )
    record = ProjectRecord(
        project_id=project_id,
        name=interview.project_name,
        guild_id=guild_id,
        thread_id=None,
        created_by=actor.trailer,
        created_at=datetime.now(UTC),
        node=app.settings.node,
    )
    try:
        await app.db.projects.add(record)
    except ConflictError:
        existing = await app.db.projects.get(project_id)
        if await asyncio.to_thread(app.store.exists, project_id):
            raise busy from None
        if existing is None or existing.guild_id != guild_id:
            raise ConflictError(f"Project {project_id} already exists.") from None
        # The record of a repo removed by hand, or of a request that is creating
        # the project right now: the run claim below decides between them.
    profile = (await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)).profile
    try:
        run = await app.db.runs.create(
            project_id, provider=profile.provider, model=profile.model, actor=actor.trailer, guild_id=guild_id
        )
    except RunAlreadyActiveError:
        raise busy from None
    try:
        await create_repo(app, project_id, interview, actor=actor, replace_empty=True)
        await app.db.projects.set_name(project_id, interview.project_name)
    except BaseException:
        await app.db.runs.fail(run.run_id, "the project could not be created", resumable=False)
        raise
    return run
