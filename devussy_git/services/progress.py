"""Progress over time: tasks done at each commit of ``main``, and its picture.

:func:`progress_history` reads every commit on ``main``'s first-parent line
from the first one that holds a plan (``handoff.md``) and counts, at each,
the tasks done overall and per phase, exactly as ``status`` counts them at
the head (:func:`~devussy_git.plan.files.plan_progress`: a checked
box in a phase file is a done task). Each commit is classified by its
``Devussy-Stage`` trailer, so a revert shows as a revert. Most commits change
one phase file, so every file version is read and parsed once, keyed by its
blob id. :func:`progress_chart` draws the history as a PNG (the drawing
lives in :mod:`devussy_git.charts`, the only importer of matplotlib).

Nothing here writes; nothing here formats for a face.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devussy_git.app import App
from devussy_git.errors import InvalidInputError, NotFoundError
from devussy_git.plan.files import count_tasks, phase_files, phase_titles
from devussy_git.services.projects import get_project
from devussy_git.stages import STAGES
from devussy_git.store.trailers import TRAILER_STAGE, TRAILER_STEP, TRAILER_TASK

if TYPE_CHECKING:
    from devussy_git.store import CommitInfo, PlanRepo

__all__ = [
    "DEFAULT_HISTORY_LIMIT",
    "KINDS",
    "PhaseProgress",
    "ProgressPoint",
    "progress_chart",
    "progress_history",
]

#: What a commit did, from its ``Devussy-Stage`` trailer: a pipeline stage, a
#: handoff-next step (applied proposals included), a revert, or anything else.
KINDS: tuple[str, ...] = ("stage", "step", "revert", "other")
#: The pipeline's stages (DESIGN section 4); ``handoff-next`` and ``revert`` are steps of their own.
_PIPELINE_STAGES = frozenset(STAGES)
#: Newest points kept by default: a chart of more is a smear, and the cost grows with it.
DEFAULT_HISTORY_LIMIT = 1000
#: A commit holds a plan once it has this file (the pipeline's last stage writes it).
_PLAN_MARK = "handoff.md"


@dataclass(frozen=True)
class PhaseProgress:
    """One phase at one commit."""

    number: int
    title: str
    done: int
    total: int


@dataclass(frozen=True)
class ProgressPoint:
    """The plan's progress at one commit of ``main``."""

    #: Position on ``main``'s first-parent line, 0 = the first commit with a plan;
    #: the same commit keeps its index whatever ``limit`` cut off before it.
    index: int
    sha: str
    #: One of :data:`KINDS`.
    kind: str
    subject: str
    #: The ``Devussy-Step`` counter of a handoff-next step, else ``None``.
    step: int | None
    #: The ``Devussy-Task`` a step or revert was about, else ``None``.
    task: str | None
    done: int
    total: int
    #: By phase number; a phase the devplan lists without its file yet has no tasks.
    phases: tuple[PhaseProgress, ...]

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


def _kind(info: CommitInfo) -> str:
    stage = info.trailers.get(TRAILER_STAGE, "")
    if stage == "handoff-next":
        return "step"
    if stage == "revert":
        return "revert"
    return "stage" if stage in _PIPELINE_STAGES else "other"


def _step(info: CommitInfo) -> int | None:
    value = info.trailers.get(TRAILER_STEP, "")
    return int(value) if value.isdigit() else None


class _PlanReader:
    """Tasks per phase at a commit, from its blob ids; each file version read once."""

    def __init__(self, repo: PlanRepo) -> None:
        self._repo = repo
        self._counts: dict[tuple[str, str], tuple[str, int, int]] = {}
        self._titles: dict[str, dict[int, str]] = {}

    def phases(self, blobs: dict[str, str]) -> tuple[PhaseProgress, ...]:
        """What :func:`~devussy_git.plan.files.read_phases` gives for these
        files, counted: every phase the devplan lists or a phase file holds."""
        titles = self._devplan_titles(blobs.get("devplan.md"))
        present = {n: self._count(name, blobs[name]) for n, name in phase_files(blobs).items()}
        out = []
        for number in sorted(set(titles) | set(present)):
            title, done, total = present.get(number, ("", 0, 0))
            out.append(PhaseProgress(number, title or titles.get(number, ""), done, total))
        return tuple(out)

    def _devplan_titles(self, blob: str | None) -> dict[int, str]:
        if blob is None:
            return {}
        if blob not in self._titles:
            self._titles[blob] = phase_titles(self._repo.read_blob(blob))
        return self._titles[blob]

    def _count(self, name: str, blob: str) -> tuple[str, int, int]:
        key = (name, blob)
        if key not in self._counts:
            try:
                self._counts[key] = count_tasks(name, self._repo.read_blob(blob))
            except InvalidInputError:
                # A phase file someone broke by hand in an old commit: that commit
                # counts no tasks for it rather than hiding the whole history.
                self._counts[key] = ("", 0, 0)
        return self._counts[key]


def _read_history(repo: PlanRepo, limit: int | None = DEFAULT_HISTORY_LIMIT) -> list[ProgressPoint]:
    """The points of ``repo``'s ``main``, oldest first (``[]`` before the plan exists).

    Synchronous: the use cases run it in a thread.
    """
    commits = repo.log("main", first_parent=True)
    commits.reverse()
    start = next((i for i, c in enumerate(commits) if repo.exists_at(_PLAN_MARK, c.sha)), None)
    if start is None:
        return []
    kept = range(start, len(commits))
    if limit is not None:
        kept = kept[-limit:]
    reader = _PlanReader(repo)
    points = []
    for i in kept:
        info = commits[i]
        phases = reader.phases(repo.blob_ids(info.sha))
        points.append(
            ProgressPoint(
                index=i - start,
                sha=info.sha,
                kind=_kind(info),
                subject=info.subject,
                step=_step(info),
                task=info.trailers.get(TRAILER_TASK),
                done=sum(p.done for p in phases),
                total=sum(p.total for p in phases),
                phases=phases,
            )
        )
    return points


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInputError("The progress history limit must be a whole number of at least 1.")


async def progress_history(
    app: App,
    project_id: str,
    *,
    guild_id: int | None = None,
    limit: int | None = DEFAULT_HISTORY_LIMIT,
) -> list[ProgressPoint]:
    """Tasks done at each commit of ``main`` since the plan was made, oldest first.

    One point per commit on ``main``'s first-parent line, from the first
    commit that holds a plan; at most the newest ``limit`` (``None``: all).
    ``[]`` when the project has no plan yet.
    """
    _check_limit(limit)
    project = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project.project_id)
    return await asyncio.to_thread(_read_history, repo, limit)


async def progress_chart(
    app: App,
    project_id: str,
    *,
    guild_id: int | None = None,
    limit: int | None = DEFAULT_HISTORY_LIMIT,
) -> bytes:
    """The progress history as a PNG: tasks done per phase and overall, reverts marked.

    ``NotFoundError`` when the project has no plan yet (nothing to draw).
    """
    _check_limit(limit)
    project = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project.project_id)
    points = await asyncio.to_thread(_read_history, repo, limit)
    if not points:
        raise NotFoundError(
            f"Project {project.project_id} has no plan yet, so there is no progress to draw: "
            f"run the pipeline first (`devussy-git run {project.project_id}`, or `/devussy run` "
            "in Discord)."
        )
    from devussy_git.charts import draw_progress

    return await asyncio.to_thread(draw_progress, project.name or project.project_id, points)
