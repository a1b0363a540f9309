"""Handoff-next steps on the job queue (``DEVUSSY_EXECUTOR=queue``).

- :func:`submit_step` records the step (a row of the ``steps`` table), defers its job
  (``devussy.step``, holding the project's lock like a run's job, so a project's steps
  and runs never overlap and go in submission order) and follows the row to the end:
  the caller gets the same :class:`~devussy_git.agent.step.StepResult`, or the same
  error, as a step run in its own process.
- :func:`handle_step_job` is what ``devussy-git worker`` does with the job. A job the
  queue gave back because its worker stopped takes the step over (only while that
  worker still owns it): if the stopped worker had already landed the step, that
  commit is the result; otherwise nothing of it was written and the step runs again.
  A worker writes the step only while it owns it, and checks so just before landing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from devussy_git.agent.step import StepResult, find_landed, landed_step
from devussy_git.db.owners import process_owner
from devussy_git.errors import ConflictError, DevussyError, RunTakenOverError
from devussy_git.services.actors import Actor

if TYPE_CHECKING:
    from devussy_git.app import App
    from devussy_git.db import StepRecord

__all__ = ["handle_step_job"]

log = logging.getLogger(__name__)

#: The kind of step a ``steps`` row holds.
STEP_KIND = "handoff-next"


async def submit_step(app: App, project_id: str, *, actor: Actor, request: dict[str, Any]) -> StepResult:
    """Hand a handoff-next step to the queue's workers and wait for its result.

    ``request`` holds ``note``, ``task``, ``preview``, ``provider``, ``model`` and
    ``guild_id``. An error the step met on the worker is raised here again, as the
    same class with the same message.
    """
    from devussy_git.services.nodes import project_queue

    executor = app.executor
    record = await app.db.steps.create(project_id, STEP_KIND, request, asdict(actor))
    step_id = record.step_id
    executor.expect_change(step_id)  # before the job can announce anything
    try:
        try:
            job_id = await executor.queue.defer_step(project_id, step_id, queue=await project_queue(app, project_id))
        except BaseException as exc:
            # A step nobody will run must not stay queued.
            reason = exc.user_message if isinstance(exc, DevussyError) else type(exc).__name__
            failure = DevussyError(f"The step could not be queued: {reason}")
            await asyncio.shield(app.db.steps.fail(step_id, None, error_outcome(failure)))
            raise
        await app.db.steps.queued_as(step_id, job_id)
        log.info("step %s of %s queued as job %d", step_id, project_id, job_id)
        while True:
            record_or_none = await app.db.steps.get(step_id)
            if record_or_none is None:
                raise ConflictError(f"Step {step_id} disappeared from the database.")
            record = record_or_none
            if not record.is_active:
                break
            await executor.wait_change(step_id)
    finally:
        executor.forget_change(step_id)
    return await _result_of(app, record)


async def _result_of(app: App, record: StepRecord) -> StepResult:
    outcome = record.outcome or {}
    if record.state != "completed":
        raise error_from(outcome)
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    return await asyncio.to_thread(
        landed_step, repo, outcome["sha"], summary=outcome.get("summary"), proposal_id=outcome.get("proposal_id")
    )


def error_outcome(exc: DevussyError) -> dict[str, Any]:
    """An error as the ``outcome`` of a failed step: its class, message and plain fields."""
    fields = {key: value for key, value in vars(exc).items() if key not in ("user_message", "detail") and _plain(value)}
    return {"error": type(exc).__name__, "message": exc.user_message, "fields": fields}


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return False


def _error_classes() -> dict[str, type[DevussyError]]:
    found: dict[str, type[DevussyError]] = {}
    pending: list[type[DevussyError]] = [DevussyError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.__name__, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_from(outcome: dict[str, Any]) -> DevussyError:
    """The error a failed step's ``outcome`` records, rebuilt (a plain
    :class:`DevussyError` for a class this process does not know)."""
    message = str(outcome.get("message") or "The step failed on a worker.")
    cls = _error_classes().get(str(outcome.get("error")), DevussyError)
    error = cls.__new__(cls)
    DevussyError.__init__(error, message)
    fields = outcome.get("fields") or {}
    error.__dict__.update({key: list(value) if isinstance(value, tuple) else value for key, value in fields.items()})
    return error


async def handle_step_job(
    app: App,
    step_id: str,
    attempts: int,
    notify: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """Run a step's job in this worker; every outcome is recorded on the step, none raised.

    ``notify(step_id)`` announces the end of the step to its follower.
    """
    try:
        await _handle(app, step_id, attempts)
    finally:
        if notify is not None:
            try:
                await notify(step_id)
            except Exception:  # the follower reads the row on its slow poll anyway
                log.warning("announcing the end of step %s failed", step_id, exc_info=True)


async def _handle(app: App, step_id: str, attempts: int) -> None:
    from devussy_git.services.steps import run_step_here

    record = await app.db.steps.get(step_id)
    if record is None:
        log.warning("job for step %s: no such step", step_id)
        return
    owner = process_owner()
    try:
        if record.state == "queued":
            record = await app.db.steps.start(step_id, owner)
        elif record.state == "running":
            # The queue gave the job back: the worker running it stopped sending heartbeats.
            record = await app.db.steps.start(step_id, owner, stalled_owner=record.owner)
            log.warning("step %s taken over from its stalled worker (attempt %d)", step_id, attempts + 1)
            if await _adopt(app, record, owner):
                return
        else:
            log.info("step %s is %s: its job has nothing to do", step_id, record.state)
            return
    except ConflictError as exc:
        log.info("step %s not started: %s", step_id, exc.user_message)
        return
    request = record.request

    async def chosen(head: str, task_id: str) -> None:
        await app.db.steps.chose(step_id, owner, base=head, task=task_id)

    async def still_ours() -> None:
        if not await app.db.steps.owns(step_id, owner):
            raise RunTakenOverError(f"Step {step_id} went to another worker.")

    try:
        result = await run_step_here(
            app,
            record.project_id,
            actor=Actor(**record.actor),
            note=request.get("note"),
            task=request.get("task"),
            preview=bool(request.get("preview")),
            provider=request.get("provider"),
            model=request.get("model"),
            guild_id=request.get("guild_id"),
            on_chosen=chosen,
            before_land=still_ours,
        )
    except RunTakenOverError:
        log.warning("step %s went to another worker; this one stopped it", step_id)
    except DevussyError as exc:
        log.info("step %s failed: %s", step_id, exc.user_message)
        await _record(app.db.steps.fail(step_id, owner, error_outcome(exc)))
    except Exception as exc:
        log.exception("step %s failed on this worker", step_id)
        failure = DevussyError(f"The step failed on a worker ({type(exc).__name__}); its log says why.")
        await _record(app.db.steps.fail(step_id, owner, error_outcome(failure)))
    else:
        outcome = {"sha": result.commit.sha, "summary": result.summary, "proposal_id": result.proposal_id}
        await _record(app.db.steps.complete(step_id, owner, outcome))
        log.info("step %s of %s landed %s", step_id, record.project_id, result.commit.sha[:10])


async def _record(write: Awaitable[None]) -> None:
    try:
        await write
    except ConflictError as exc:  # another worker took the step over meanwhile
        log.warning("step outcome not recorded: %s", exc.user_message)


async def _adopt(app: App, record: StepRecord, owner: str) -> bool:
    """Whether the stopped worker had landed the step; if so it is recorded as the result."""
    if record.base is None or record.task is None:
        return False  # it had not read the plan yet: nothing was written
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    found = await asyncio.to_thread(
        find_landed,
        repo,
        base=record.base,
        task_id=record.task,
        actor=Actor(**record.actor).trailer,
        preview=bool(record.request.get("preview")),
    )
    if found is None:
        return False
    sha, proposal_id = found
    outcome = {"sha": sha, "summary": None, "proposal_id": proposal_id}
    await _record(app.db.steps.complete(record.step_id, owner, outcome))
    log.warning("step %s had landed as %s before its worker stopped", record.step_id, sha[:10])
    return True
