"""History use cases: status, log, diff, show and revert (``git revert`` semantics,
always a new commit, never a rewrite)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devussy_git.app import App
from devussy_git.db import ProjectRecord, RunRecord
from devussy_git.errors import InvalidInputError, NotFoundError
from devussy_git.services.actors import Actor
from devussy_git.services.plan_cache import read_plan_progress
from devussy_git.services.projects import ensure_no_active_run, ensure_writable, get_project
from devussy_git.store import (
    ArchiveMark,
    CommitInfo,
    Diff,
    validate_path,
)
from devussy_git.store.trailers import TRAILER_ACTOR, TRAILER_STAGE, TRAILER_STEP, TRAILER_TASK

if TYPE_CHECKING:
    from devussy_git.plan.model import PlanProgress

__all__ = [
    "ProjectStatus",
    "RevertResult",
    "diff",
    "log",
    "project_status",
    "revert",
    "revert_target",
    "show",
]

# -- status ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectStatus:
    project: ProjectRecord
    head: str | None
    run: RunRecord | None
    progress: PlanProgress | None
    #: When and by whom the project was archived (read-only); ``None`` when it is not.
    archived: ArchiveMark | None = None


async def project_status(app: App, project_id: str, *, guild_id: int | None = None) -> ProjectStatus:
    """Last run's stages, the plan's progress x/y and the next task."""
    project = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project.project_id)
    head = await asyncio.to_thread(repo.head)
    run = await app.db.runs.latest(project.project_id)

    progress = await asyncio.to_thread(read_plan_progress, repo, head) if head else None
    archived = await asyncio.to_thread(repo.archived)
    return ProjectStatus(project, head, run, progress, archived)


# -- history --------------------------------------------------------------------


async def log(app: App, project_id: str, *, limit: int | None = 20, guild_id: int | None = None) -> list[CommitInfo]:
    await get_project(app, project_id, guild_id=guild_id)
    if limit is not None and limit < 1:
        raise InvalidInputError("--limit must be at least 1.")
    repo = await asyncio.to_thread(app.store.open, project_id)
    return await asyncio.to_thread(repo.log, "main", limit=limit)


async def diff(
    app: App,
    project_id: str,
    rev_a: str | None = None,
    rev_b: str | None = None,
    *,
    guild_id: int | None = None,
) -> Diff:
    """``diff`` (newest commit vs its parent), ``diff A`` (A..main) or ``diff A B``."""
    await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    if rev_a is None:
        if repo.head() is None:
            raise NotFoundError(f"Project {project_id} has no commits yet.")
        return await asyncio.to_thread(repo.diff_commit, "main")
    return await asyncio.to_thread(repo.diff, rev_a, rev_b or "main")


async def show(
    app: App,
    project_id: str,
    path: str,
    *,
    rev: str = "main",
    guild_id: int | None = None,
    published: bool = False,
) -> str:
    """The text of ``path`` at ``rev``.

    With ``published``, ``rev`` may only name what a clone of the project can
    see (``main``, a run tag, a commit reachable from them): the faces that
    serve people other than the operator pass it.
    """
    await get_project(app, project_id, guild_id=guild_id)
    path = validate_path(path)
    repo = await asyncio.to_thread(app.store.open, project_id)
    if published:
        rev = await asyncio.to_thread(repo.resolve_published, rev)
    return await asyncio.to_thread(repo.read, path, rev)


# -- revert ---------------------------------------------------------------------


@dataclass(frozen=True)
class RevertResult:
    commit: CommitInfo
    reverted: tuple[str, ...]
    diff: Diff


_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})\.$", re.MULTILINE)


def _undone_by(history: list[CommitInfo]) -> dict[str, str]:
    """``{sha: sha of the revert in effect that undid it}`` for the commits of
    ``history`` (main's log, newest first).

    Walking newest first, a revert commit that is itself still in effect marks
    the commits it names as undone; a revert that was reverted marks nothing.
    """
    undone: dict[str, str] = {}
    for info in history:
        if info.trailers.get(TRAILER_STAGE) == "revert" and info.sha not in undone:
            for sha in _REVERTS.findall(info.body):
                undone.setdefault(sha, info.sha)
    return undone


def _find_step(history: list[CommitInfo], undone: dict[str, str], step: int | None) -> CommitInfo:
    """Step ``step``, or the newest handoff-next step that is still in effect,
    so a second plain ``revert`` moves on to the step before."""
    for info in history:
        if info.trailers.get(TRAILER_STAGE) != "handoff-next":
            continue
        if step is None and info.sha not in undone:
            return info
        if step is not None and info.trailers.get(TRAILER_STEP) == str(step):
            return info
    if step is None:
        raise NotFoundError("There is no handoff-next step left to revert; name a commit to revert instead.")
    raise NotFoundError(f"There is no handoff-next step {step} on main.")


async def revert_target(
    app: App,
    project_id: str,
    *,
    rev: str | None = None,
    step: int | None = None,
    guild_id: int | None = None,
) -> CommitInfo:
    """The commit :func:`revert` would undo (for a confirmation prompt).

    What can never be reverted is refused here, before anyone is asked to
    confirm: the first commit, a commit an earlier revert already undid, and
    anything in an archived project.
    """
    if rev is not None and step is not None:
        raise InvalidInputError("Give either a commit or a step number, not both.")
    await get_project(app, project_id, guild_id=guild_id)
    await ensure_writable(app, project_id)
    repo = await asyncio.to_thread(app.store.open, project_id)

    def find() -> CommitInfo:
        named = repo.get_commit(rev) if rev is not None else None
        history = repo.log("main")  # read once: a long history is walked in Python
        undone = _undone_by(history)
        target = named if named is not None else _find_step(history, undone, step)
        if not target.parents:
            raise InvalidInputError(
                f"{target.sha[:10]} is the project's first commit; there is nothing before it to go back to."
            )
        reverted_by = undone.get(target.sha)
        if reverted_by is not None:
            raise InvalidInputError(
                f"{target.sha[:10]} {target.subject!r} was already reverted by "
                f"{reverted_by[:10]}; revert that commit to bring it back."
            )
        return target

    return await asyncio.to_thread(find)


def _later_steps(repo: Any, target: CommitInfo) -> list[CommitInfo]:
    """handoff-next steps from ``target`` to the newest, newest first."""
    steps = []
    for info in repo.log("main"):
        if info.trailers.get(TRAILER_STAGE) == "handoff-next":
            steps.append(info)
        if info.sha == target.sha:
            return steps
    raise NotFoundError(f"Commit {target.sha[:10]} is not on main.")


async def revert(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    rev: str | None = None,
    step: int | None = None,
    range_: bool = False,
    guild_id: int | None = None,
) -> RevertResult:
    """Undo one commit with a new commit (``git revert`` semantics).

    Default: the newest handoff-next step; or ``step`` N; or any commit ``rev``.
    With ``range_``, step N and every later step are undone newest-first in one
    commit (what to do when a later step conflicts with reverting N alone).
    """
    target = await revert_target(app, project_id, rev=rev, step=step, guild_id=guild_id)
    await ensure_no_active_run(app, project_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    trailers = [(TRAILER_STAGE, "revert"), (TRAILER_ACTOR, actor.trailer)]
    if TRAILER_TASK in target.trailers:
        trailers.insert(1, (TRAILER_TASK, target.trailers[TRAILER_TASK]))
    async with app.lock_for(project_id):

        def go() -> RevertResult:
            if not range_:
                info = repo.revert(target.sha, author=actor.identity, trailers=trailers, expected_head=repo.head())
                return RevertResult(info, (target.sha,), repo.diff_commit(info.sha))
            steps = _later_steps(repo, target)
            numbers = [s.trailers.get(TRAILER_STEP, "?") for s in steps]
            message = f"Revert handoff-next steps {numbers[-1]}..{numbers[0]}\n\n" + "\n".join(
                f"This reverts commit {s.sha}." for s in steps
            )
            info = repo.revert_range(
                [s.sha for s in steps],
                message,
                author=actor.identity,
                trailers=trailers,
                expected_head=repo.head(),
            )
            return RevertResult(info, tuple(s.sha for s in steps), repo.diff_commit(info.sha))

        result = await asyncio.to_thread(go)
    from devussy_git.services.maintenance import pack_if_needed

    await pack_if_needed(app, project_id)
    return result
