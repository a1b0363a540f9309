"""The values the state database hands to callers: small frozen dataclasses.

Callers never see SQLAlchemy rows or ORM objects; every repository method
returns one of these (or a list / ``None``). This module holds no I/O and must
never import SQLAlchemy, so faces and services can import it freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devussy_git.stages import ACTIVE_RUN_STATES, RUN_STATES, STAGE_STATES, STAGES, STEP_STATES

__all__ = [
    "ACTIVE_RUN_STATES",
    "INTERVIEW_STATES",
    "RUN_STATES",
    "STAGES",
    "STAGE_STATES",
    "STEP_STATES",
    "GuildConfig",
    "HudRecord",
    "InterviewSession",
    "NodeRecord",
    "ProfileRecord",
    "ProjectRecord",
    "RunRecord",
    "StageRecord",
    "StepRecord",
]

#: Every state an interview session can be in.
INTERVIEW_STATES: tuple[str, ...] = ("open", "complete", "cancelled")


@dataclass(frozen=True)
class ProjectRecord:
    """A project known to the bot: its plan repo is ``<project_id>.git``."""

    project_id: str
    name: str
    #: Discord guild that owns it; ``None`` for projects made from the CLI.
    guild_id: int | None
    #: Discord thread bound to the project (its interview / run thread).
    thread_id: int | None
    #: Who created it, e.g. ``discord:<user_id>`` or ``cli:<user>``.
    created_by: str
    created_at: datetime
    #: The node that owns it: its repository is on that node's disk, its jobs on that node's queue.
    node: str = "local"


@dataclass(frozen=True)
class NodeRecord:
    """A node that ran ``serve``: where other nodes reach its repositories."""

    name: str
    #: The base URL of its ``serve`` (e.g. ``http://node-2:8000``).
    url: str
    #: When its ``serve`` last started.
    seen_at: datetime


@dataclass(frozen=True)
class StepRecord:
    """A handoff-next step handed to the job queue, and how it ended."""

    step_id: str
    project_id: str
    #: ``handoff-next``.
    kind: str
    #: ``queued`` | ``running`` | ``completed`` | ``failed``.
    state: str
    #: What was asked: ``note``, ``task``, ``preview``, ``provider``, ``model``, ``guild_id``.
    request: dict[str, Any]
    #: Who asked (the fields of ``services.Actor``).
    actor: dict[str, Any]
    #: ``host:pid`` of the worker running it; ``None`` while queued.
    owner: str | None
    #: ``main`` when the worker read the plan, and the task it chose.
    base: str | None
    task: str | None
    #: ``completed``: the landed commit; ``failed``: the error to raise again.
    outcome: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    #: When a worker last started it, and when it ended.
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: The job queue's id of its job (the queue runs a project's jobs in this order).
    job_id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.state in ("queued", "running")


@dataclass(frozen=True)
class StageRecord:
    """One stage of one run."""

    name: str
    #: ``pending`` | ``running`` | ``completed`` | ``failed``.
    state: str
    #: The commit the stage made on ``main`` (set when completed).
    commit: str | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    tokens_in: int
    tokens_out: int


@dataclass(frozen=True)
class RunRecord:
    """One pipeline run of a project, with its stages in pipeline order."""

    run_id: str
    project_id: str
    #: ``queued`` | ``running`` | ``completed`` | ``failed`` | ``cancelled``.
    state: str
    #: The stage running now, or the one that failed; ``None`` when queued or completed.
    stage: str | None
    provider: str
    model: str
    #: Who asked for the run (``discord:<id>``, ``cli:<user>``, ``http``).
    actor: str
    error: str | None
    #: A failed run that :meth:`RunRepo.resume` may put back in the queue.
    resumable: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    stages: tuple[StageRecord, ...]
    guild_id: int | None
    #: ``host:pid`` of the process that runs (or queued) it.
    owner: str
    #: Totals over the completed stages.
    tokens_in: int
    tokens_out: int
    #: Someone asked to cancel this running run; its process stops at its next await.
    cancel_requested: bool = False

    @property
    def is_active(self) -> bool:
        """Queued or running: the project cannot start another run."""
        return self.state in ACTIVE_RUN_STATES

    @property
    def completed_stages(self) -> tuple[str, ...]:
        """Names of the stages already done (a resume skips them)."""
        return tuple(s.name for s in self.stages if s.state == "completed")

    @property
    def next_stage(self) -> str | None:
        """The first stage not completed yet, ``None`` when all are."""
        for stage in self.stages:
            if stage.state != "completed":
                return stage.name
        return None

    def stage_record(self, name: str) -> StageRecord:
        """The record of stage ``name`` (``KeyError`` for an unknown name)."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)


@dataclass(frozen=True)
class GuildConfig:
    """Per-guild settings; ``None`` means "use the environment default"."""

    guild_id: int
    provider: str | None = None
    model: str | None = None
    #: Most runs the guild may have queued or running at once.
    max_runs: int | None = None
    #: Role allowed to run / handoff / revert / administer.
    role_id: int | None = None


@dataclass(frozen=True)
class InterviewSession:
    """An interview in progress in a Discord thread (survives restarts)."""

    session_id: str
    guild_id: int | None
    thread_id: int
    #: The user who started it; only their messages answer it.
    user_id: int
    project_id: str
    #: Answers so far, keyed by question id (a fresh copy per record).
    answers: dict[str, Any] = field(hash=False)
    #: ``open`` | ``complete`` | ``cancelled``.
    state: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProfileRecord:
    """A named provider/model/endpoint choice. Never holds an API key."""

    name: str
    provider: str
    model: str
    api_base: str | None
    updated_at: datetime


@dataclass(frozen=True)
class HudRecord:
    """Where a project's pinned heads-up message is (channel and message ids)."""

    project_id: str
    channel_id: int
    message_id: int
    #: Digest of the content last sent (an unchanged HUD is not edited again).
    shown: str
