"""Moving a project to another node (``devussy-git move-project``), under the project's lock.

:func:`move_project` checks the request and queues a job on the TARGET node's queue
holding the queue lock ``project:<id>`` (so no run of the project executes meanwhile).
A worker of the target runs :func:`handle_move_job`: it mirror-fetches every ref from
the owner's ``serve`` (node-sync endpoint, node token), checks the copy (``git fsck``,
the same refs as the owner lists), switches ``projects.node`` only if it still names
the source, then asks the source's ``serve`` to put its copy in its trash. Each phase
is written to the state table (``move:<job>:<n>``), which :func:`follow_move` reads
back for the person who asked. A move that fails leaves the project where it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devussy_git.app import App
from devussy_git.config import check_node_name
from devussy_git.errors import (
    ConfigurationError,
    ConflictError,
    DevussyError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RunAlreadyActiveError,
    UnavailableError,
)
from devussy_git.services.actors import Actor
from devussy_git.stages import ACTIVE_RUN_STATES
from devussy_git.store import validate_project_id

if TYPE_CHECKING:
    from devussy_git.jobqueue import JobQueue

__all__ = [
    "MoveQueued",
    "Retired",
    "follow_move",
    "handle_move_job",
    "move_project",
    "retire_moved_project",
]

log = logging.getLogger(__name__)

#: Phases written while a move runs; ``done`` and ``failed`` end it.
FINAL_PHASES = ("done", "failed")


@dataclass(frozen=True)
class MoveQueued:
    project_id: str
    source: str
    target: str
    job_id: int
    queue: str


@dataclass(frozen=True)
class Retired:
    project_id: str
    #: The trash bundle the old copy went to (``None``: there was no copy here).
    bundle: str | None


def _phase_key(job_id: int, n: int) -> str:
    return f"move:{job_id}:{n}"


class _Phases:
    """Writes a move's phases, one state row each (``move:<job>:<n>``), so none is missed."""

    def __init__(self, app: App, project_id: str, job_id: int, first: int = 0) -> None:
        self.app, self.project_id, self.job_id, self.n = app, project_id, job_id, first

    async def say(self, phase: str, message: str) -> None:
        await self.app.db.state.set(_phase_key(self.job_id, self.n), f"{phase}|{message}"[:256])
        self.n += 1
        log.info("move of %s (job %d): %s: %s", self.project_id, self.job_id, phase, message)


async def move_project(app: App, project_id: str, target: str, *, actor: Actor) -> MoveQueued:
    """Queue the move of ``project_id`` to node ``target``; :func:`follow_move` follows it."""
    project_id = validate_project_id(project_id)
    target = check_node_name(target, "The node")
    if app.settings.executor != "queue":
        raise ConfigurationError(
            "Moving a project runs as a job on the target node's workers: it needs DEVUSSY_EXECUTOR=queue "
            "(and PostgreSQL), with `devussy-git worker` running on the target node."
        )
    record = await app.db.projects.get(project_id)
    if record is None:
        raise NotFoundError(f"There is no project called {project_id!r}.")
    if record.node == target:
        raise InvalidInputError(f"Project {project_id} is already on node {target}.")
    known = await app.db.nodes.list()
    if target not in {n.name for n in known}:
        names = ", ".join(n.name for n in known) or "none yet"
        raise NotFoundError(
            f"Node {target} is unknown: its `devussy-git serve` has never started (known nodes: {names})."
        )
    if record.node not in {n.name for n in known}:
        raise UnavailableError(
            f"Node {record.node}, which has {project_id}, has not recorded where it serves: "
            f"start `devussy-git serve` there first."
        )
    run = await app.db.runs.latest(project_id)
    if run is not None and run.state in ACTIVE_RUN_STATES:
        raise RunAlreadyActiveError(
            f"Project {project_id} has a run in progress ({run.run_id}); wait for it to finish, then move it."
        )
    from devussy_git.jobqueue import node_queue
    from devussy_git.services.queue import job_queue

    queue = job_queue(app)
    try:
        job_id = await queue.defer_move(project_id, source=record.node, target=target)
    finally:
        await queue.close()
    await _Phases(app, project_id, job_id).say("queued", f"waiting for a worker of node {target}")
    log.info("move of %s from %s to %s queued (job %d) by %s", project_id, record.node, target, job_id, actor.trailer)
    return MoveQueued(project_id, record.node, target, job_id, node_queue(target))


async def follow_move(
    app: App, queued: MoveQueued, on_phase: Callable[[str, str], None] | None = None, *, poll_s: float = 0.5
) -> str:
    """Report each phase of the move until it ends; its last message.

    :class:`ConflictError` with the reason when the move failed.
    """
    from devussy_git.services.queue import job_queue

    queue = job_queue(app)
    n, phase = 0, ""
    try:
        while True:
            while (value := await app.db.state.get(_phase_key(queued.job_id, n))) is not None:
                n += 1
                phase, _, message = value.partition("|")
                if on_phase is not None:
                    on_phase(phase, message)
                if phase == "done":
                    return message
                if phase == "failed":
                    raise ConflictError(f"Moving {queued.project_id} to {queued.target} failed: {message}")
            status = await queue.job_status(queued.job_id)
            if status in ("failed", "cancelled", "aborted") and phase not in FINAL_PHASES:
                raise ConflictError(
                    f"Moving {queued.project_id} to {queued.target} failed: its job ended {status} "
                    "(see the worker's log)."
                )
            await asyncio.sleep(poll_s)
    finally:
        await queue.close()


async def handle_move_job(app: App, job_id: int, *, project_id: str, source: str, target: str) -> None:
    """Run a move on a worker of ``target``; raises (the job fails) after saying why."""
    phases = _Phases(app, project_id, job_id, first=1)  # 0 is "queued", written by move_project
    try:
        message = await _move(app, phases, project_id, source, target)
    except DevussyError as exc:
        await phases.say("failed", exc.user_message)
        raise
    except Exception as exc:
        await phases.say("failed", f"unexpected {type(exc).__name__} (see the worker's log)")
        raise
    await phases.say("done", message)


async def _move(app: App, phases: _Phases, project_id: str, source: str, target: str) -> str:
    from devussy_git.gitserve.mirror import fetch_side_files, mirror_from, refs_digest, retire_at, sync_url

    if app.settings.node != target:
        raise ConfigurationError(f"This worker is on node {app.settings.node}, not {target}: the move was not made.")
    record = await app.db.projects.get(project_id)
    if record is None:
        raise NotFoundError(f"Project {project_id} no longer exists.")
    if record.node != source:
        raise ConflictError(f"Project {project_id} is on node {record.node} now, not {source}.")
    run = await app.db.runs.latest(project_id)
    if run is not None and run.state in ACTIVE_RUN_STATES:
        raise RunAlreadyActiveError(f"Project {project_id} has a run in progress ({run.run_id}).")
    owner = await app.db.nodes.get(source)
    if owner is None:
        raise UnavailableError(f"Node {source} has not recorded where it serves.")
    if await asyncio.to_thread(app.store.exists, project_id):
        # Left by an attempt whose worker died after the copy but before the switch: the
        # source is still the owner, so this copy is not the truth; keep it as a bundle.
        stale = await asyncio.to_thread(app.store.delete, project_id, meta={"unfinished_move_from": source})
        await phases.say("cleared", f"an unfinished earlier copy went to this node's trash ({stale.bundle.name})")
    await phases.say("copying", f"fetching every ref of {project_id} from {source} ({owner.url})")
    token = app.access.node_token()
    side_files = await fetch_side_files(owner.url, project_id, token)
    began = time.monotonic()
    refs = await asyncio.to_thread(
        mirror_from, sync_url(owner.url, project_id), token, app.store.path_of(project_id), side_files
    )
    await phases.say(
        "verified",
        f"git fsck passed; {len(refs)} refs equal to {source}'s ({time.monotonic() - began:.1f} s)",
    )
    try:
        await app.db.projects.set_node(project_id, target, expected=source)
    except BaseException:
        import shutil

        await asyncio.to_thread(shutil.rmtree, app.store.path_of(project_id), True)
        raise
    await phases.say("switched", f"{project_id} belongs to {target} now")
    try:
        retired = await retire_at(owner.url, project_id, token, refs_digest(refs))
        where = f"its copy on {source} went to {source}'s trash ({retired})"
    except DevussyError as exc:
        log.warning("the copy of %s on %s stays: %s", project_id, source, exc.user_message)
        where = f"its copy on {source} stays there ({exc.user_message}); delete it by hand"
    return f"{project_id} is on node {target} now; {where}."


async def retire_moved_project(
    app: App, project_id: str, authorization: str | None, *, refs: str | None = None
) -> Retired:
    """Put this node's copy of a project that moved away into its trash (asked by the new owner).

    Only with the node token, only when the database says the project is on another node,
    and only while the copy's refs are those the new owner copied (``refs``, their digest):
    a copy written to after the copy was made (a step typed here meanwhile) stays here.
    """
    if not app.access.check_node(authorization):
        raise PermissionDeniedError("Only another node may ask this (with the node token).")
    project_id = validate_project_id(project_id)
    record = await app.db.projects.get(project_id)
    if record is None or record.node == app.settings.node:
        raise ConflictError(f"Project {project_id} has not moved away from this node; its copy stays.")
    if not await asyncio.to_thread(app.store.exists, project_id):
        return Retired(project_id, None)
    from devussy_git.gitserve.mirror import local_refs, refs_digest

    meta = {"moved_to": record.node, "record": {"name": record.name, "created_by": record.created_by}}
    async with app.lock_for(project_id):
        here = await asyncio.to_thread(local_refs, app.store.path_of(project_id))
        if refs is not None and refs_digest(here) != refs:
            raise ConflictError(
                f"This node's copy of {project_id} changed after node {record.node} copied it; "
                f"it stays at {app.store.path_of(project_id)} so those changes can be recovered."
            )
        entry = await asyncio.to_thread(app.store.delete, project_id, meta=meta)
    log.info("project %s moved to %s; this node's copy went to %s", project_id, record.node, entry.bundle.name)
    return Retired(project_id, entry.bundle.name)


def move_tasks(app: App, queue: JobQueue) -> dict[str, Any]:
    """The move job's handler, for a worker."""
    from devussy_git.jobqueue import MOVE_TASK

    async def run_move(job_id: int, *, project_id: str, source: str, target: str) -> None:
        await handle_move_job(app, job_id, project_id=project_id, source=source, target=target)

    return {MOVE_TASK: run_move}
