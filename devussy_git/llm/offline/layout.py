"""Grouping the offline provider's workstreams into the rubric's phase count.

:func:`plan_layout` returns exactly ``complexity.phase_count`` phases: it
merges neighbouring workstreams when there are too many, and splits the core
features and adds hardening phases (security, observability, performance,
beta, launch: the ``extra`` tables of ``content.toml``) when there are too few.
The depth decides how many tasks and details each workstream contributes.

Deterministic: the same interview and profile always give the same phases.
"""

from __future__ import annotations

from dataclasses import dataclass

from devussy_git.llm.offline.content import content
from devussy_git.llm.offline.workstreams import (
    Workstream,
    build_workstreams,
    fill_workstream,
    join_labels,
)
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.interview import Interview

__all__ = ["LayoutPhase", "plan_layout"]

_TASKS_PER_DEPTH = {"minimal": 2, "standard": 3, "detailed": 4}
_DETAILS_PER_DEPTH = {"minimal": 1, "standard": 2, "detailed": 3}


@dataclass(frozen=True)
class LayoutPhase:
    number: int
    title: str
    summary: str
    #: (title, details) pairs.
    tasks: tuple[tuple[str, tuple[str, ...]], ...]


def _extras() -> list[Workstream]:
    """The phases added, in this order, when there are fewer areas of work than phases."""
    return [fill_workstream(spec, {}, {}, {}) for spec in content()["extra"]]


def _split(streams: list[Workstream], index: int) -> list[Workstream]:
    """The workstream at ``index`` halved into ``<label> I`` and ``<label> II``."""
    if len(streams[index].tasks) < 2:
        return streams
    stream = streams[index]
    half = (len(stream.tasks) + 1) // 2
    first, second = stream.tasks[:half], stream.tasks[half:]
    parts = [
        Workstream(f"{stream.label} I", stream.summary, first, stream.core),
        Workstream(f"{stream.label} II", stream.summary, second, stream.core),
    ]
    return streams[:index] + parts + streams[index + 1 :]


def plan_layout(interview: Interview, complexity: ComplexityProfile) -> tuple[LayoutPhase, ...]:
    """Exactly ``complexity.phase_count`` phases of tasks for ``interview``."""
    count = complexity.phase_count
    streams = build_workstreams(interview)
    extras = _extras()
    core = next((n for n, s in enumerate(streams) if s.core), None)
    if len(streams) < count and core is not None:
        streams = _split(streams, core)
    extra_iter = iter(extras)
    while len(streams) < count:
        extra = next(extra_iter, None)
        if extra is None:
            break
        streams.insert(len(streams) - 1, extra)  # documentation stays last
    while len(streams) < count:
        # More phases than areas of work: split the largest remaining workstream.
        largest = max(range(len(streams)), key=lambda n: len(streams[n].tasks))
        before = len(streams)
        streams = _split(streams, largest)
        if len(streams) == before:
            break
    per_task = _TASKS_PER_DEPTH.get(complexity.depth, 3)
    per_detail = _DETAILS_PER_DEPTH.get(complexity.depth, 2)
    # Larger groups go last: early phases stay focused, wrap-up work is merged.
    larger = len(streams) % count
    sizes = [len(streams) // count + (1 if n >= count - larger else 0) for n in range(count)]
    phases: list[LayoutPhase] = []
    start = 0
    for number, size in enumerate(sizes, 1):
        group = streams[start : start + size]
        start += size
        tasks: list[tuple[str, tuple[str, ...]]] = []
        for stream in group:
            limit = len(stream.tasks) if stream.core else per_task
            tasks.extend((t, d[:per_detail]) for t, d in stream.tasks[:limit])
        phases.append(
            LayoutPhase(
                number,
                join_labels([s.label for s in group]),
                " ".join(s.summary for s in group),
                tuple(tasks),
            )
        )
    return tuple(phases)
