"""The plan model: phases of tasks, as rendered into devplan.md and phaseN.md.

Frozen values only; no parsing of markdown and no rendering here (see
``parse.py`` and ``compose.py``). The small queries (active phase, next task,
next task group) are what the handoff agent and the renderers share, so the
two can never disagree about "what comes next".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devussy_git.plan.complexity import ComplexityProfile

__all__ = ["Phase", "PhaseOutline", "Plan", "PlanProgress", "Task", "ValidationResult"]

#: How many tasks NEXT_TASK_GROUP lists at most, and at least when available.
NEXT_GROUP_MAX = 5
NEXT_GROUP_MIN = 3


@dataclass(frozen=True)
class Task:
    """One step of a phase, ``- [ ] N.M: title`` in the phase file."""

    #: ``"<phase>.<step>"``, e.g. ``"1.3"``.
    id: str
    title: str
    #: Sub-bullets under the task item.
    details: tuple[str, ...] = ()
    done: bool = False

    @property
    def phase_number(self) -> int:
        return int(self.id.split(".", 1)[0])


@dataclass(frozen=True)
class PlanProgress:
    """How far a plan is, as ``status`` and the faces show it."""

    done: int
    total: int
    #: Number of the first phase with an open task; ``None`` when all are done.
    active_phase: int | None
    next_task: Task | None
    #: From ``handoff.md`` ``QUICK_STATUS``; empty when none are known.
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class PhaseOutline:
    """A phase as the devplan outline names it, before its tasks exist."""

    number: int
    title: str
    summary: str


@dataclass(frozen=True)
class Phase:
    """A detailed phase: the outline plus its tasks."""

    number: int
    title: str
    summary: str
    tasks: tuple[Task, ...] = ()

    @property
    def filename(self) -> str:
        return f"phase{self.number}.md"

    @property
    def completed(self) -> int:
        return sum(1 for task in self.tasks if task.done)

    @property
    def is_done(self) -> bool:
        return bool(self.tasks) and self.completed == len(self.tasks)

    @property
    def status(self) -> str:
        """``Not started`` | ``In progress`` | ``Done`` (the overview table's words)."""
        if self.is_done:
            return "Done"
        return "In progress" if self.completed else "Not started"

    @classmethod
    def from_outline(cls, outline: PhaseOutline, tasks: tuple[Task, ...]) -> Phase:
        return cls(outline.number, outline.title, outline.summary, tuple(tasks))


@dataclass(frozen=True)
class Plan:
    """A whole plan: what devplan.md, the phase files and handoff.md show."""

    project_id: str
    project_name: str
    summary: str
    phases: tuple[Phase, ...]
    complexity: ComplexityProfile

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(task for phase in self.phases for task in phase.tasks)

    @property
    def completed(self) -> int:
        return sum(phase.completed for phase in self.phases)

    def phase(self, number: int) -> Phase | None:
        return next((p for p in self.phases if p.number == number), None)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def active_phase(self) -> Phase | None:
        """The first phase with an open task; ``None`` when every task is done."""
        return next((p for p in self.phases if not p.is_done and p.tasks), None)

    def next_task(self) -> Task | None:
        """The first open task in plan order; ``None`` when every task is done."""
        return next((t for t in self.tasks if not t.done), None)

    def next_task_group(self) -> tuple[Task, ...]:
        """The next 3-5 open tasks: up to 5 from the active phase, topped up to
        3 from the following phases when the active phase has fewer left."""
        active = self.active_phase()
        if active is None:
            return ()
        group = [t for t in active.tasks if not t.done][:NEXT_GROUP_MAX]
        if len(group) < NEXT_GROUP_MIN:
            later = [t for p in self.phases if p.number > active.number for t in p.tasks if not t.done]
            group.extend(later[: NEXT_GROUP_MIN - len(group)])
        return tuple(group)

    def with_task_done(self, task_id: str, done: bool = True) -> Plan:
        """A copy with one task's checkbox set; unknown ids leave it unchanged."""
        phases = tuple(
            replace(
                phase,
                tasks=tuple(replace(t, done=done) if t.id == task_id else t for t in phase.tasks),
            )
            for phase in self.phases
        )
        return replace(self, phases=phases)


@dataclass(frozen=True)
class ValidationResult:
    """The design review's verdict (``validation_report.md``)."""

    approved: bool
    review: str
    #: What must change before approval; empty when approved.
    issues: tuple[str, ...] = field(default_factory=tuple)
