"""Grouping the offline provider's workstreams into the rubric's phase count.

:func:`plan_layout` returns exactly ``complexity.phase_count`` phases: it
merges neighbouring workstreams when there are too many, and splits the core
features and adds hardening phases (security, observability, performance,
beta, launch) when there are too few. The depth decides how many tasks and
details each workstream contributes.

Deterministic and pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from devussy_git.llm.offline.workstreams import (
    CORE_LABELS,
    Workstream,
    build_workstreams,
    core_label,
    join_labels,
)
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.interview import Interview

__all__ = ["LayoutPhase", "plan_layout"]

_TASKS_PER_DEPTH = {"minimal": 2, "standard": 3, "detailed": 4}
_DETAILS_PER_DEPTH = {"minimal": 1, "standard": 2, "detailed": 3}
#: Core workstreams keep every feature task whatever the depth.
_CORE_PREFIXES = (*CORE_LABELS.values(), "Core Features")


@dataclass(frozen=True)
class LayoutPhase:
    number: int
    title: str
    summary: str
    #: (title, details) pairs.
    tasks: tuple[tuple[str, tuple[str, ...]], ...]


#: Phases added, in this order, when a project has fewer areas of work than
#: phases: (label, summary, "task | detail | detail | detail" lines).
_EXTRAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Security Hardening",
        "Threat review and fixes before launch.",
        (
            "Review the threat model | List assets and entry points | Rank the risks | Plan fixes",
            "Fix the findings | Validate every input | Update vulnerable dependencies"
            " | Add security tests",
            "Add audit logging | Log sensitive actions | Protect the logs | Review them regularly",
        ),
    ),
    (
        "Observability",
        "Knowing what the system does in production.",
        (
            "Add tracing to the main flows | Propagate request ids | Trace external calls"
            " | Sample sensibly",
            "Define service level objectives | Pick latency and error targets"
            " | Alert on burn rate | Review monthly",
            "Write runbooks for alerts | One runbook per alert | Link them from alerts"
            " | Practise them",
        ),
    ),
    (
        "Performance",
        "Measuring and improving speed and capacity.",
        (
            "Write a load test of the main flows | Script realistic traffic | Run it in staging"
            " | Record the baseline",
            "Remove the top bottlenecks | Profile the slowest paths | Add caching or indexes"
            " | Measure again",
            "Plan capacity | Estimate growth | Set scaling rules | Document the limits",
        ),
    ),
    (
        "Beta Release",
        "A limited release to real users and their feedback.",
        (
            "Release to a small group of users | Invite beta users | Enable feature flags"
            " | Watch the error rate",
            "Collect and triage feedback | Add a feedback channel | Triage weekly"
            " | Fix the top issues",
            "Decide on launch readiness | Review open bugs | Check the metrics"
            " | Agree the launch date",
        ),
    ),
    (
        "Launch and Handover",
        "General availability and hand-over to maintenance.",
        (
            "Launch to all users | Announce the launch | Watch dashboards closely"
            " | Keep a rollback ready",
            "Hand over to maintenance | Assign owners | Schedule dependency updates"
            " | Archive project notes",
            "Run a retrospective | Collect what went well and badly | Record decisions"
            " | Plan the next iteration",
        ),
    ),
)


def _extras() -> list[Workstream]:
    streams = []
    for label, summary, lines in _EXTRAS:
        tasks = []
        for line in lines:
            title, *details = (part.strip() for part in line.split("|"))
            tasks.append((title, tuple(details)))
        streams.append(Workstream(label, summary, tuple(tasks)))
    return streams


def _split_core(streams: list[Workstream], label: str) -> list[Workstream]:
    index = next((n for n, s in enumerate(streams) if s.label == label), None)
    if index is None or len(streams[index].tasks) < 2:
        return streams
    core = streams[index]
    half = (len(core.tasks) + 1) // 2
    first, second = core.tasks[:half], core.tasks[half:]
    parts = [
        Workstream(f"{label} I", core.summary, first),
        Workstream(f"{label} II", core.summary, second),
    ]
    return streams[:index] + parts + streams[index + 1:]


def plan_layout(interview: Interview, complexity: ComplexityProfile) -> tuple[LayoutPhase, ...]:
    """Exactly ``complexity.phase_count`` phases of tasks for ``interview``."""
    count = complexity.phase_count
    streams = build_workstreams(interview)
    extras = _extras()
    if len(streams) < count:
        streams = _split_core(streams, core_label(interview.project_type))
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
        streams = _split_core(streams, streams[largest].label)
        if len(streams) == before:
            break
    per_task = _TASKS_PER_DEPTH.get(complexity.depth, 3)
    per_detail = _DETAILS_PER_DEPTH.get(complexity.depth, 2)
    # Larger groups go last: early phases stay focused, wrap-up work is merged.
    extra = len(streams) % count
    sizes = [len(streams) // count + (1 if n >= count - extra else 0) for n in range(count)]
    phases: list[LayoutPhase] = []
    start = 0
    for number, size in enumerate(sizes, 1):
        group = streams[start:start + size]
        start += size
        tasks: list[tuple[str, tuple[str, ...]]] = []
        for stream in group:
            limit = len(stream.tasks) if stream.label.startswith(_CORE_PREFIXES) else per_task
            tasks.extend((t, d[:per_detail]) for t, d in stream.tasks[:limit])
        phases.append(LayoutPhase(
            number,
            join_labels([s.label for s in group]),
            " ".join(s.summary for s in group),
            tuple(tasks),
        ))
    return tuple(phases)
