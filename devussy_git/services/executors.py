"""How a run executes: one port, one implementation per way.

A face starts a run with :func:`~devussy_git.services.guilds.start_guild_run`
(or ``start_run``) and follows it with :func:`follow_run`; whichever executor
the app was built with, it gets the same :class:`~devussy_git.pipeline.ProgressEvent`
stream and the same :class:`RunFinished` at the end.

- :class:`LocalExecutor` runs the pipeline in this process (the default).
- :class:`RunnerExecutor` hands the run to a runner service over HTTP
  (``DEVUSSY_RUNNER_URL``) and turns its status polls into progress events.
- :class:`~devussy_git.services.queue.QueueExecutor` hands it to ``devussy-git worker``
  processes through the job queue (``DEVUSSY_EXECUTOR=queue``, PostgreSQL).

``app.py`` picks one from the settings (:func:`build_executor`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from devussy_git.errors import DevussyError, NotFoundError, RunCancelledError
from devussy_git.pipeline import ProgressEvent
from devussy_git.pipeline.run import ProgressCallback
from devussy_git.services.actors import Actor
from devussy_git.services.summaries import RunSummary, local_run_summary, summarise_run

if TYPE_CHECKING:
    from devussy_git.app import App
    from devussy_git.config import Settings
    from devussy_git.runner_client import RunnerClient, RunnerStatus

__all__ = [
    "LocalExecutor",
    "RunCancel",
    "RunExecutor",
    "RunFinished",
    "RunStarted",
    "RunnerExecutor",
    "build_executor",
    "cancel_guild_run",
    "follow_run",
]


@dataclass(frozen=True)
class RunStarted:
    """A run an executor accepted (queued, or resumed)."""

    project_id: str
    run_id: str


@dataclass(frozen=True)
class RunCancel:
    """What a cancel did: ``cancelled`` (the run was queued: it never starts) or
    ``running`` (it stops at its next await and then ends ``cancelled``)."""

    project_id: str
    run_id: str
    state: str

    @property
    def stopping(self) -> bool:
        return self.state != "cancelled"


@dataclass(frozen=True)
class RunFinished:
    """How a run ended: ``completed`` with its summary, ``failed`` or ``cancelled`` with the reason."""

    project_id: str
    run_id: str
    state: str
    error: str | None = None
    summary: RunSummary | None = None

    @property
    def ok(self) -> bool:
        return self.state == "completed"


class RunExecutor(Protocol):
    """Start runs and follow them to their end."""

    #: ``local`` or ``runner`` (``queue`` next).
    name: str
    #: Whether a guild's own model endpoint can be used (the runner's API has no field for it).
    takes_api_base: bool

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
    ) -> RunStarted: ...

    async def follow(
        self, app: App, started: RunStarted, *, actor: Actor, on_progress: ProgressCallback | None
    ) -> RunFinished: ...

    async def cancel(self, app: App, project_id: str, run_id: str | None, *, actor: Actor) -> RunCancel: ...

    async def aclose(self) -> None: ...


class LocalExecutor:
    """Runs the pipeline in this process, recording every stage in the database."""

    name = "local"
    takes_api_base = True

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
        return RunStarted(record.project_id, record.run_id)

    async def follow(
        self, app: App, started: RunStarted, *, actor: Actor, on_progress: ProgressCallback | None
    ) -> RunFinished:
        from devussy_git.services.runs import execute_run

        try:
            outcome = await execute_run(app, started.run_id, actor=actor, on_progress=on_progress)
        except RunCancelledError as exc:
            return RunFinished(started.project_id, started.run_id, "cancelled", exc.user_message)
        except DevussyError as exc:
            return RunFinished(started.project_id, started.run_id, "failed", exc.user_message)
        summary = await local_run_summary(app, started.project_id, started.run_id, outcome.tag)
        return RunFinished(started.project_id, started.run_id, "completed", summary=summary)

    async def cancel(self, app: App, project_id: str, run_id: str | None, *, actor: Actor) -> RunCancel:
        from devussy_git.services.runs import cancel_run

        record = await cancel_run(app, project_id, run_id, actor=actor)
        return RunCancel(record.project_id, record.run_id, record.state)

    async def aclose(self) -> None:
        return None


class RunnerExecutor:
    """Hands runs to a runner service (``devussy-git serve``) and polls it."""

    name = "runner"
    takes_api_base = False

    def __init__(self, client: RunnerClient) -> None:
        self.client = client
        #: The run this executor last started per project: what a cancel without a run id means.
        self._started: dict[str, str] = {}

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
        status = await self.client.start_run(project_id, provider=provider, model=model, resume=resume, restart=restart)
        self._started[status.project_id] = status.run_id
        return RunStarted(status.project_id, status.run_id)

    async def follow(
        self, app: App, started: RunStarted, *, actor: Actor, on_progress: ProgressCallback | None
    ) -> RunFinished:
        began = time.monotonic()
        seen: dict[str, str] = {}

        async def on_status(current: RunnerStatus) -> None:
            # A poll shows each stage's state: its changes are the progress events.
            for stage in current.stages:
                if seen.get(stage.name) == stage.state or stage.state == "pending":
                    continue
                seen[stage.name] = stage.state
                state = "started" if stage.state == "running" else stage.state
                event = ProgressEvent(
                    current.run_id,
                    current.project_id,
                    stage.name,
                    state,
                    time.monotonic() - began,
                    commit=stage.commit,
                    detail=(stage.error or "") if state == "failed" else "",
                )
                if on_progress is not None:
                    result = on_progress(event)
                    if result is not None:
                        await result

        final = await self.client.wait(started.run_id, on_status=on_status)
        if final.state == "cancelled":
            return RunFinished(final.project_id, final.run_id, "cancelled", final.error or "cancelled")
        if final.state != "completed":
            return RunFinished(final.project_id, final.run_id, "failed", final.error or "failed")
        files = await self._plan_files(final.project_id, f"run/{final.run_id}")
        summary = summarise_run(final.project_id, final.run_id, files)
        return RunFinished(final.project_id, final.run_id, "completed", summary=summary)

    async def cancel(self, app: App, project_id: str, run_id: str | None, *, actor: Actor) -> RunCancel:
        run_id = run_id or self._started.get(project_id)
        if run_id is None:
            raise NotFoundError(
                f"This bot started no run of {project_id} since it started; name the run to cancel (its run id)."
            )
        status = await self.client.cancel_run(run_id)
        if status.project_id != project_id:
            raise NotFoundError(f"Project {project_id} has no run {run_id!r}.")
        return RunCancel(status.project_id, status.run_id, status.state)

    async def _plan_files(self, project_id: str, rev: str) -> dict[str, str]:
        files: dict[str, str] = {}
        for path in ("complexity_profile.json", "devplan.md", "handoff.md"):
            files[path] = await self.client.read_file(project_id, path, rev)
        number = 1
        while True:  # phase files are numbered from 1 without gaps
            try:
                files[f"phase{number}.md"] = await self.client.read_file(project_id, f"phase{number}.md", rev)
            except DevussyError:
                break
            number += 1
        return files

    async def aclose(self) -> None:
        await self.client.aclose()


def build_executor(settings: Settings) -> RunExecutor:
    """The executor the settings ask for: the job queue with ``DEVUSSY_EXECUTOR=queue``,
    else the runner when ``DEVUSSY_RUNNER_URL`` is set, else this process."""
    if settings.executor == "queue":
        from devussy_git.jobqueue import JobQueue
        from devussy_git.services.queue import QueueExecutor

        return QueueExecutor(JobQueue(settings.database_url))
    if settings.runner_url:
        from devussy_git.runner_client import RunnerClient

        return RunnerExecutor(RunnerClient(settings.runner_url, settings.runner_token))
    return LocalExecutor()


async def follow_run(
    app: App, started: RunStarted, *, actor: Actor, on_progress: ProgressCallback | None = None
) -> RunFinished:
    """Follow a started run to its end with the app's executor."""
    executor: Any = app.executor
    finished: RunFinished = await executor.follow(app, started, actor=actor, on_progress=on_progress)
    return finished


async def cancel_guild_run(app: App, project_id: str, run_id: str | None = None, *, actor: Actor) -> RunCancel:
    """Cancel a project's run with the app's executor (in this process, or on the runner).

    Permission checks are the caller's (:func:`~devussy_git.services.guilds.require_operator`).
    """
    executor: RunExecutor = app.executor
    return await executor.cancel(app, project_id, run_id, actor=actor)
