"""Project use cases: create, look up (guild-scoped), list, update the interview.

A project is a bare repo under the repos root plus a database record; these
functions keep the two in step and never leave a half-created project behind.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from devussy_git.app import App
from devussy_git.db import ProjectRecord
from devussy_git.errors import ConflictError, NotFoundError, ProjectArchivedError, RunAlreadyActiveError
from devussy_git.services.actors import Actor
from devussy_git.stages import ACTIVE_RUN_STATES
from devussy_git.store import CommitInfo, run_ref, validate_project_id
from devussy_git.store.trailers import TRAILER_ACTOR, TRAILER_RUN, TRAILER_STAGE
from devussy_git.store.validation import validate_new_project_id

if TYPE_CHECKING:
    from devussy_git.plan import Interview

__all__ = [
    "ProjectCreated",
    "commit_interview",
    "create_project",
    "create_repo",
    "ensure_no_active_run",
    "ensure_project_id_free",
    "ensure_writable",
    "free_project_id",
    "get_project",
    "list_files",
    "list_projects",
    "project_choices",
    "repo_path",
    "update_interview",
]

# -- projects -------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectCreated:
    project_id: str
    commit: CommitInfo
    interview: Interview


async def create_project(
    app: App,
    project_id: str,
    answers: Mapping[str, Any],
    *,
    actor: Actor,
    guild_id: int | None = None,
    thread_id: int | None = None,
) -> ProjectCreated:
    """Create the project's repo with one commit ``interview: answers for <id>``."""
    project_id = validate_new_project_id(project_id)
    from devussy_git.plan import validate_answers

    interview = validate_answers(answers)
    stale = await app.db.projects.get(project_id)
    # An empty repo left by a crash of an older version, with no record, is taken over.
    info = await create_repo(app, project_id, interview, actor=actor, replace_empty=stale is None)
    try:
        if stale is not None and stale.guild_id == guild_id:
            # The record of a repo that was removed by hand: the new repo takes it over.
            await app.db.projects.set_name(project_id, interview.project_name)
        else:
            await app.db.projects.add(
                ProjectRecord(
                    project_id=project_id,
                    name=interview.project_name,
                    guild_id=guild_id,
                    thread_id=thread_id,
                    created_by=actor.trailer,
                    created_at=info.commit_time,
                    node=app.settings.node,
                )
            )
    except BaseException:
        # The repo is ours and brand new: roll it back so the id can be used again.
        await asyncio.to_thread(shutil.rmtree, app.store.path_of(project_id), True)
        raise
    return ProjectCreated(project_id, info, interview)


async def create_repo(
    app: App, project_id: str, interview: Interview, *, actor: Actor, replace_empty: bool = False
) -> CommitInfo:
    """The project's repository, which appears with its interview commit or not at all."""
    made: list[CommitInfo] = []

    def first_commit(repo: Any) -> None:
        made.append(
            repo.commit(
                {"interview.json": interview.to_json()},
                f"interview: answers for {project_id}",
                author=actor.identity,
                trailers=[(TRAILER_STAGE, "interview"), (TRAILER_ACTOR, actor.trailer)],
                expected_head=None,
            )
        )

    await asyncio.to_thread(
        partial(app.store.create, project_id, first_commit=first_commit, replace_empty=replace_empty)
    )
    return made[0]


async def ensure_project_id_free(app: App, project_id: str) -> str:
    """The valid ``project_id`` when ``create_project`` could take it; else ``ConflictError``.

    A repository with no commit and no record (left by a crash of an older
    version) counts as free: ``create_project`` takes it over.
    """
    project_id = validate_new_project_id(project_id)
    if app.store.exists(project_id):
        repo = await asyncio.to_thread(app.store.open, project_id)
        if repo.head() is not None or await app.db.projects.get(project_id) is not None:
            raise ConflictError(f"Project {project_id} already exists.")
    return project_id


async def get_project(app: App, project_id: str, *, guild_id: int | None = None) -> ProjectRecord:
    """The project, checked to exist in git and (when given) to belong to ``guild_id``."""
    project_id = validate_project_id(project_id)
    if not app.has_database:
        record = None  # a git-only command: the project is what git has
    elif guild_id is None:
        record = await app.db.projects.get(project_id)
    else:
        record = await app.db.projects.get_in_guild(project_id, guild_id)
    if record is not None:
        from devussy_git.services.nodes import ensure_on_this_node

        ensure_on_this_node(app, record)
    if not app.store.exists(project_id) or (guild_id is not None and record is None):
        raise NotFoundError(f"There is no project called {project_id!r}.")
    if record is None:
        # A repo made outside this database (copied in by hand): describe it from git.
        record = ProjectRecord(project_id, project_id, None, None, "unknown", _epoch())
    return record


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(0, UTC)


async def list_projects(app: App, *, guild_id: int | None = None, archived: bool | None = False) -> list[ProjectRecord]:
    """Projects of a guild, or every project under the repos root.

    Archived projects are left out by default; ``archived=True`` lists only
    them, ``archived=None`` lists both.
    """
    if guild_id is not None:
        listed = await app.db.projects.list(guild_id=guild_id)
        # A row whose repository is gone (deleted by hand) is not a project.
        found = [
            p for p in listed if p.node != app.settings.node or await asyncio.to_thread(app.store.exists, p.project_id)
        ]
    else:
        known = {p.project_id: p for p in await app.db.projects.list()}
        ids = await asyncio.to_thread(app.store.list_projects)
        found = [known.get(pid) or ProjectRecord(pid, pid, None, None, "unknown", _epoch()) for pid in ids]
        # Projects of other nodes: their repositories are on those nodes' disks.
        elsewhere = [p for p in known.values() if p.node != app.settings.node and p.project_id not in set(ids)]
        found = sorted([*found, *elsewhere], key=lambda p: p.project_id)
    if archived is None:
        return found

    def is_archived(project_id: str) -> bool:
        # Another node's project is listed as active: its archive mark is in its own repository.
        return app.store.exists(project_id) and app.store.open(project_id).archived() is not None

    def keep() -> list[ProjectRecord]:
        return [p for p in found if is_archived(p.project_id) == archived]

    return await asyncio.to_thread(keep)


async def free_project_id(app: App, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first id no project uses."""
    candidate, n = validate_project_id(base), 2
    while await asyncio.to_thread(app.store.exists, candidate):
        candidate, n = validate_project_id(f"{base}-{n}"), n + 1
    return candidate


async def repo_path(app: App, project_id: str) -> Any:
    """Where the project's bare repository is on disk (for ``git clone <path>``)."""
    record = await get_project(app, project_id)
    return app.store.path_of(record.project_id)


async def project_choices(app: App, guild_id: int, prefix: str | None, *, limit: int) -> list[ProjectRecord]:
    """A guild's projects whose id starts with ``prefix`` (autocomplete), at most ``limit``."""
    return await app.db.projects.list(guild_id=guild_id, prefix=prefix or None, limit=limit)


async def list_files(app: App, project_id: str, *, guild_id: int | None = None, rev: str = "main") -> list[str]:
    """Paths of the plan's files at ``rev`` (none before the first commit)."""
    record = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    return await asyncio.to_thread(lambda: repo.list_files(rev) if repo.head() else [])


async def ensure_writable(app: App, project_id: str) -> None:
    """Refuse at once a change to an archived project.

    The store refuses it too (no ref moves in an archived repository); asking
    first saves a model call whose result could not be kept.
    """
    repo = await asyncio.to_thread(app.store.open, project_id)
    if await asyncio.to_thread(repo.archived) is not None:
        raise ProjectArchivedError.of(project_id)


async def ensure_no_active_run(app: App, project_id: str) -> None:
    """Refuse at once (rather than wait for it) a change to an archived project, or
    one made while a run of the project is going."""
    await ensure_writable(app, project_id)
    run = await app.db.runs.latest(project_id)
    if run is not None and run.state in ACTIVE_RUN_STATES:
        raise RunAlreadyActiveError(
            f"Project {project_id} has a run in progress ({run.run_id}, "
            f"{run.stage or run.state}); wait for it to finish, then try again."
        )


async def update_interview(
    app: App, project_id: str, answers: Mapping[str, Any], *, actor: Actor, guild_id: int | None = None
) -> CommitInfo:
    """Commit new interview answers to an existing project (the next run uses them).

    Answers equal to the committed ones make no commit; the commit that holds
    them is returned.
    """
    await get_project(app, project_id, guild_id=guild_id)
    from devussy_git.plan import validate_answers

    interview = validate_answers(answers)
    await ensure_no_active_run(app, project_id)
    return await commit_interview(app, project_id, interview, actor=actor)


async def commit_interview(
    app: App, project_id: str, interview: Interview, *, actor: Actor, run_id: str | None = None
) -> CommitInfo:
    """Commit ``interview`` to the project (no commit when unchanged); no checks.

    For callers that have made the checks themselves -- ``submit_run`` commits
    the answers only after its run has won the project, and on that run's own
    ref (``run_id``): ``main`` sees them when the run lands, with its plan.
    """
    repo = await asyncio.to_thread(app.store.open, project_id)
    text = interview.to_json()
    async with app.lock_for(project_id):

        def write() -> CommitInfo:
            head = repo.head()
            if (
                head is not None
                and repo.exists_at("interview.json", head)
                and repo.read("interview.json", head) == text
            ):
                return repo.log("main", paths=["interview.json"], limit=1)[0]
            trailers = [(TRAILER_STAGE, "interview"), (TRAILER_ACTOR, actor.trailer)]
            if run_id is None or head is None:
                return repo.commit(
                    {"interview.json": text},
                    f"interview: answers for {project_id}",
                    author=actor.identity,
                    trailers=trailers,
                    expected_head=head,
                )
            ref = run_ref(run_id)
            return repo.commit(
                {"interview.json": text},
                f"interview: answers for {project_id}",
                author=actor.identity,
                trailers=[*trailers, (TRAILER_RUN, run_id)],
                expected_head=None,
                parent=head,
                ref=ref,
            )

        info = await asyncio.to_thread(write)
    # Answers on a run's ref name the project only when that run lands.
    if run_id is None and await app.db.projects.get(project_id) is not None:
        await app.db.projects.set_name(project_id, interview.project_name)
    return info
