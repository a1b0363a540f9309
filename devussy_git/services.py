"""The use cases every face calls: new, run, status, log, diff, show, revert,
clone, projects (handoff-next and proposals live in :mod:`devussy_git.agent`
and are re-exported here).

Functions take an :class:`~devussy_git.app.App` and primitives and return
plain values; they never print, send or format for a face. A face parses its
input, calls one of these, renders the result, and maps
:class:`~devussy_git.errors.DevussyError` to a reply in one place.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from devussy_git.app import App
from devussy_git.db import ProjectRecord, RunRecord, process_owner
from devussy_git.errors import (
    DevussyError,
    InvalidInputError,
    NotFoundError,
    RunAlreadyActiveError,
)
from devussy_git.gitserve import CloneInfo, clone_info
from devussy_git.llm import LLMClient
from devussy_git.pipeline import PipelineRunner, ProgressEvent, RunOutcome
from devussy_git.pipeline.planfiles import PlanProgress, plan_progress
from devussy_git.plan import Interview, validate_answers
from devussy_git.store import (
    CommitInfo,
    Diff,
    Identity,
    validate_path,
    validate_project_id,
)

__all__ = [
    "Caller",
    "EffectiveConfig",
    "InterviewStep",
    "RunSummary",
    "answer_interview",
    "check_run_allowed",
    "current_interview",
    "effective_config",
    "local_run_summary",
    "may_administer",
    "may_operate",
    "project_for_thread",
    "require_admin",
    "require_operator",
    "set_guild_max_runs",
    "set_guild_model",
    "set_guild_provider",
    "set_guild_role",
    "start_guild_run",
    "start_interview",
    "summarise_run",
    "Actor",
    "PlanCompleteError",
    "Proposal",
    "StepResult",
    "apply_proposal",
    "discard_proposal",
    "handoff_next",
    "list_proposals",
    "ArtifactFile",
    "ProjectCreated",
    "ProjectStatus",
    "RevertResult",
    "clone_url",
    "create_project",
    "diff",
    "execute_run",
    "get_project",
    "get_run",
    "guild_api_base",
    "guild_profile_name",
    "list_projects",
    "llm_client_for",
    "log",
    "project_status",
    "revert",
    "revert_target",
    "rotate_clone_token",
    "run_artifacts",
    "run_project",
    "set_clone_public",
    "show",
    "start_run",
    "submit_run",
    "ensure_no_active_run",
    "update_interview",
]

log_ = logging.getLogger(__name__)

ProgressCallback = Callable[[ProgressEvent], Awaitable[None] | None]


@dataclass(frozen=True)
class Actor:
    """The person who asked: the author of the commits their request makes."""

    kind: str  # "cli" | "discord" | "http"
    id: str
    name: str
    email: str

    @property
    def identity(self) -> Identity:
        return Identity(self.name, self.email)

    @property
    def trailer(self) -> str:
        """The ``Devussy-Actor`` trailer value (``discord:<id>``, ``cli:<user>``)."""
        return f"{self.kind}:{self.id}"

    @classmethod
    def discord(cls, user_id: int, display_name: str) -> Actor:
        return cls("discord", str(user_id), display_name, f"{user_id}@users.noreply.discord.invalid")

    @classmethod
    def http(cls, name: str = "runner") -> Actor:
        return cls("http", name, name, f"{name}@devussy.invalid")

    @classmethod
    def cli(cls) -> Actor:
        """From ``git config user.name/email`` when set, else ``$USER``."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            # No $USER and no passwd entry (e.g. a container run with --user).
            user = f"uid{os.getuid()}"

        def git_config(key: str) -> str:
            try:
                done = subprocess.run(
                    ["git", "config", "--get", key], capture_output=True, text=True, timeout=5
                )
            except (OSError, subprocess.TimeoutExpired):
                return ""
            return done.stdout.strip() if done.returncode == 0 else ""

        name = git_config("user.name") or user
        email = git_config("user.email") or f"{user}@localhost.invalid"
        return cls("cli", user, name, email)


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
    project_id = validate_project_id(project_id)
    interview = validate_answers(answers)
    repo = await asyncio.to_thread(app.store.create, project_id)
    try:
        info = await asyncio.to_thread(
            repo.commit,
            {"interview.json": interview.to_json()},
            f"interview: answers for {project_id}",
            author=actor.identity,
            trailers=[("Devussy-Stage", "interview"), ("Devussy-Actor", actor.trailer)],
            expected_head=None,
        )
        stale = await app.db.projects.get(project_id)
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
                )
            )
    except BaseException:
        # The repo is ours and brand new: roll it back so the id can be used again.
        await asyncio.to_thread(shutil.rmtree, app.store.path_of(project_id), True)
        raise
    return ProjectCreated(project_id, info, interview)


async def get_project(app: App, project_id: str, *, guild_id: int | None = None) -> ProjectRecord:
    """The project, checked to exist in git and (when given) to belong to ``guild_id``."""
    project_id = validate_project_id(project_id)
    record = (
        await app.db.projects.get(project_id)
        if guild_id is None
        else await app.db.projects.get_in_guild(project_id, guild_id)
    )
    if not app.store.exists(project_id) or (guild_id is not None and record is None):
        raise NotFoundError(f"There is no project called {project_id!r}.")
    if record is None:
        # A repo made outside this database (copied in by hand): describe it from git.
        record = ProjectRecord(project_id, project_id, None, None, "unknown", _epoch())
    return record


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(0, UTC)


async def list_projects(app: App, *, guild_id: int | None = None) -> list[ProjectRecord]:
    """Projects of a guild, or every project under the repos root."""
    if guild_id is not None:
        return await app.db.projects.list(guild_id=guild_id)
    known = {p.project_id: p for p in await app.db.projects.list()}
    ids = await asyncio.to_thread(app.store.list_projects)
    return [known.get(pid) or ProjectRecord(pid, pid, None, None, "unknown", _epoch()) for pid in ids]


# -- runs -----------------------------------------------------------------------


def guild_profile_name(guild_id: int) -> str:
    """The LLM profile row that holds a guild's endpoint."""
    return f"guild-{guild_id}"


async def guild_api_base(app: App, guild_id: int | None, provider: str | None) -> str | None:
    """The endpoint ``guild_id`` chose for ``provider`` (``None``: the provider's own).

    A profile saved for another provider does not apply: an endpoint belongs
    to the provider it was set with.
    """
    if guild_id is None:
        return None
    stored = await app.db.profiles.get(guild_profile_name(guild_id))
    chosen = (provider or app.settings.llm_provider).strip().lower()
    if stored is None or not stored.api_base or stored.provider != chosen:
        return None
    return stored.api_base


async def llm_client_for(
    app: App, *, provider: str | None, model: str | None, guild_id: int | None
) -> LLMClient:
    """The client for work of ``guild_id`` (its endpoint, if it set one)."""
    api_base = await guild_api_base(app, guild_id, provider)
    return app.llm_client(provider, model, api_base=api_base)


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
) -> RunRecord:
    """Queue a run (or re-queue the last failed one with ``resume``).

    With ``guild_limit``, the guild's count of active runs and the new run are
    checked and written in one step, so concurrent requests cannot overshoot it.
    """
    await get_project(app, project_id, guild_id=guild_id)
    if resume:
        last = await app.db.runs.latest(project_id)
        if last is None or last.state != "failed" or not last.resumable:
            raise NotFoundError(
                f"Project {project_id} has no failed run to resume; start one with `run`."
            )
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
    try:
        client = await llm_client_for(
            app, provider=record.provider, model=record.model, guild_id=record.guild_id
        )
        repo = await asyncio.to_thread(app.store.open, record.project_id)
        await app.db.runs.start(run_id, process_owner())
        app.metrics.count_run("running")
        recorded = {s.name for s in record.stages if s.state == "completed"}

        async def progress(event: ProgressEvent) -> None:
            done = event.state in ("completed", "skipped")
            if done and event.stage in recorded:
                # Recorded by the earlier attempt of this (resumed) run.
                pass
            elif event.state == "started":
                await app.db.runs.stage_started(run_id, event.stage)
            elif done and event.commit:
                await app.db.runs.stage_completed(
                    run_id, event.stage, event.commit, event.tokens_in, event.tokens_out
                )
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
            outcome = await runner.run(
                repo, run_id, author=actor.identity, actor=actor.trailer, on_progress=progress
            )
    except DevussyError as exc:
        await app.db.runs.fail(run_id, exc.user_message, resumable=True)
        app.metrics.count_run("failed")
        raise
    except BaseException as exc:
        # Cancelled or a bug: the run stays resumable; the traceback goes to the log.
        await asyncio.shield(
            app.db.runs.fail(run_id, f"the run stopped unexpectedly ({type(exc).__name__})", resumable=True)
        )
        app.metrics.count_run("failed")
        raise
    await app.db.runs.finish(run_id)
    app.metrics.count_run("completed")
    return outcome


async def run_project(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    provider: str | None = None,
    model: str | None = None,
    resume: bool = False,
    on_progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Queue and execute a run in this process (the CLI's ``run``)."""
    record = await start_run(app, project_id, actor=actor, provider=provider, model=model, resume=resume)
    return await execute_run(app, record.run_id, actor=actor, on_progress=on_progress)


def spawn_run(app: App, run_id: str, *, actor: Actor, on_progress: ProgressCallback | None = None) -> None:
    """Execute a queued run in the background (HTTP, Discord)."""

    async def go() -> None:
        try:
            await execute_run(app, run_id, actor=actor, on_progress=on_progress)
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


async def run_artifacts(app: App, run_id: str) -> tuple[str, list[ArtifactFile]]:
    """The files a run produced, at its newest committed stage."""
    record = await get_run(app, run_id)
    commits = [s.commit for s in record.stages if s.commit]
    if not commits:
        raise NotFoundError(f"Run {run_id} has not committed anything yet.")
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    tag = f"run/{run_id}"
    tags = await asyncio.to_thread(repo.list_tags, tag)
    commit = tags.get(tag) or commits[-1]

    def collect() -> list[ArtifactFile]:
        return [ArtifactFile(e.path, e.size, e.blob_sha) for e in repo.list_entries(commit)]

    return commit, await asyncio.to_thread(collect)


# -- status ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectStatus:
    project: ProjectRecord
    head: str | None
    run: RunRecord | None
    progress: PlanProgress | None


async def project_status(app: App, project_id: str, *, guild_id: int | None = None) -> ProjectStatus:
    """Last run's stages, the plan's progress x/y and the next task."""
    project = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project.project_id)
    head = await asyncio.to_thread(repo.head)
    run = await app.db.runs.latest(project.project_id)

    def progress() -> PlanProgress | None:
        files = repo.list_files("main") if head else []
        if "handoff.md" not in files:
            return None
        return plan_progress(repo.read_many([f for f in files if f.endswith(".md")]))

    return ProjectStatus(project, head, run, await asyncio.to_thread(progress))


# -- history --------------------------------------------------------------------


async def log(
    app: App, project_id: str, *, limit: int | None = 20, guild_id: int | None = None
) -> list[CommitInfo]:
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
    app: App, project_id: str, path: str, *, rev: str = "main", guild_id: int | None = None
) -> str:
    await get_project(app, project_id, guild_id=guild_id)
    path = validate_path(path)
    repo = await asyncio.to_thread(app.store.open, project_id)
    return await asyncio.to_thread(repo.read, path, rev)


# -- revert ---------------------------------------------------------------------


@dataclass(frozen=True)
class RevertResult:
    commit: CommitInfo
    reverted: tuple[str, ...]
    diff: Diff


_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})\.$", re.MULTILINE)


def _find_step(repo: Any, step: int | None) -> CommitInfo:
    """Step ``step``, or the newest handoff-next step that is still in effect.

    Walking newest first, a revert commit that is itself still in effect marks
    the commits it names as undone, so a second plain ``revert`` moves on to
    the step before instead of undoing the same step twice.
    """
    undone: set[str] = set()
    for info in repo.log("main"):
        stage = info.trailers.get("Devussy-Stage")
        if stage == "revert" and info.sha not in undone:
            undone.update(_REVERTS.findall(info.body))
            continue
        if stage != "handoff-next":
            continue
        if step is None and info.sha not in undone:
            return info
        if step is not None and info.trailers.get("Devussy-Step") == str(step):
            return info
    if step is None:
        raise NotFoundError(
            "There is no handoff-next step left to revert; name a commit to revert instead."
        )
    raise NotFoundError(f"There is no handoff-next step {step} on main.")


async def revert_target(
    app: App,
    project_id: str,
    *,
    rev: str | None = None,
    step: int | None = None,
    guild_id: int | None = None,
) -> CommitInfo:
    """The commit :func:`revert` would undo (for a confirmation prompt)."""
    if rev is not None and step is not None:
        raise InvalidInputError("Give either a commit or a step number, not both.")
    await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    return await asyncio.to_thread(
        lambda: repo.get_commit(rev) if rev is not None else _find_step(repo, step)
    )


def _later_steps(repo: Any, target: CommitInfo) -> list[CommitInfo]:
    """handoff-next steps from ``target`` to the newest, newest first."""
    steps = []
    for info in repo.log("main"):
        if info.trailers.get("Devussy-Stage") == "handoff-next":
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
    trailers = [("Devussy-Stage", "revert"), ("Devussy-Actor", actor.trailer)]
    if "Devussy-Task" in target.trailers:
        trailers.insert(1, ("Devussy-Task", target.trailers["Devussy-Task"]))
    async with app.lock_for(project_id):

        def go() -> RevertResult:
            if not range_:
                info = repo.revert(
                    target.sha, author=actor.identity, trailers=trailers, expected_head=repo.head()
                )
                return RevertResult(info, (target.sha,), repo.diff_commit(info.sha))
            steps = _later_steps(repo, target)
            numbers = [s.trailers.get("Devussy-Step", "?") for s in steps]
            message = (
                f"Revert handoff-next steps {numbers[-1]}..{numbers[0]}\n\n"
                + "\n".join(f"This reverts commit {s.sha}." for s in steps)
            )
            info = repo.revert_range(
                [s.sha for s in steps],
                message,
                author=actor.identity,
                trailers=trailers,
                expected_head=repo.head(),
            )
            return RevertResult(info, tuple(s.sha for s in steps), repo.diff_commit(info.sha))

        return await asyncio.to_thread(go)


# -- clone ----------------------------------------------------------------------


async def clone_url(app: App, project_id: str, *, guild_id: int | None = None) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    return await asyncio.to_thread(clone_info, app.access, app.settings.public_url, project_id)


async def rotate_clone_token(app: App, project_id: str, *, guild_id: int | None = None) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    await asyncio.to_thread(app.access.rotate, project_id)
    return await asyncio.to_thread(clone_info, app.access, app.settings.public_url, project_id)


async def set_clone_public(
    app: App, project_id: str, public: bool, *, guild_id: int | None = None
) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    await asyncio.to_thread(app.access.set_public, project_id, public)
    return await asyncio.to_thread(clone_info, app.access, app.settings.public_url, project_id)



# -- interview updates, health, metrics -----------------------------------------


async def ensure_no_active_run(app: App, project_id: str) -> None:
    """Refuse at once (rather than wait for it) while a run of the project is going."""
    run = await app.db.runs.latest(project_id)
    if run is not None and run.state in ("queued", "running"):
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
    interview = validate_answers(answers)
    await ensure_no_active_run(app, project_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    text = interview.to_json()
    async with app.lock_for(project_id):

        def write() -> CommitInfo:
            head = repo.head()
            if head is not None and repo.exists_at("interview.json", head):
                if repo.read("interview.json", head) == text:
                    return repo.log("main", paths=["interview.json"], limit=1)[0]
            return repo.commit(
                {"interview.json": text},
                f"interview: answers for {project_id}",
                author=actor.identity,
                trailers=[("Devussy-Stage", "interview"), ("Devussy-Actor", actor.trailer)],
                expected_head=head,
            )

        info = await asyncio.to_thread(write)
    if await app.db.projects.get(project_id) is not None:
        await app.db.projects.set_name(project_id, interview.project_name)
    return info


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
) -> RunRecord:
    """Create or update the project from ``interview`` when given, then queue a run.

    Everything is checked before anything is written: the project id, the
    provider and model, the answers, and that no run of the project is going.
    """
    project_id = validate_project_id(project_id)
    if resume and interview is not None:
        raise InvalidInputError(
            "A resumed run continues with the interview it started from: send either "
            "`interview` or `resume`, not both."
        )
    await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)
    if interview is not None:
        validate_answers(interview)
    exists = await asyncio.to_thread(app.store.exists, project_id)
    if exists:
        await ensure_no_active_run(app, project_id)
    if interview is not None:
        if exists:
            await update_interview(app, project_id, interview, actor=actor, guild_id=guild_id)
        else:
            await create_project(app, project_id, interview, actor=actor, guild_id=guild_id)
    return await start_run(
        app, project_id, actor=actor, provider=provider, model=model, resume=resume, guild_id=guild_id
    )


async def health(app: App) -> dict[str, bool]:
    """``/healthz`` checks: the repos root is writable and the database answers."""

    def root_writable() -> bool:
        probe = app.settings.repos_root / f".healthz-{process_owner().replace(':', '-')}"
        try:
            probe.write_text("ok")
            probe.unlink()
        except OSError:
            return False
        return True

    return {
        "repos_root_writable": await asyncio.to_thread(root_writable),
        "database": await app.db.ping(),
    }


# -- handoff-next and proposals ---------------------------------------------------
# They live with the agent; re-exported here so every face has one entry point.
from devussy_git.agent import (  # noqa: E402
    PlanCompleteError,
    Proposal,
    StepResult,
    apply_proposal,
    discard_proposal,
    handoff_next,
    list_proposals,
)

# Guild settings, permissions and interview sessions (the bot's use cases; any face may
# call them) live in bot_services, which builds on this module; they are re-exported
# lazily so either module can be imported first.
_BOT_SERVICES = frozenset(
    {
        "Caller",
        "EffectiveConfig",
        "InterviewStep",
        "RunSummary",
        "answer_interview",
        "check_run_allowed",
        "current_interview",
        "effective_config",
        "local_run_summary",
        "may_administer",
        "may_operate",
        "project_for_thread",
        "require_admin",
        "require_operator",
        "set_guild_max_runs",
        "set_guild_model",
        "set_guild_provider",
        "set_guild_role",
        "start_guild_run",
        "start_interview",
        "summarise_run",
    }
)


def __getattr__(name: str) -> Any:
    if name in _BOT_SERVICES:
        from devussy_git import bot_services

        return getattr(bot_services, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
