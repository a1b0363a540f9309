"""Which task a handoff-next step works on.

The next task is the one ``handoff.md``'s ``QUICK_STATUS`` names when it is
still open in its phase file, else the first open task in plan order (the first
unchecked task of the active phase; the next phase once a phase is complete).
An explicit task id overrides both. The phase files are the truth about which
tasks are done.

Pure: phases and text in, a selection out; never reads git or calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from devussy_git.errors import InvalidInputError
from devussy_git.plan.anchors import extract_anchor
from devussy_git.plan.model import Phase, Task

__all__ = ["PlanCompleteError", "Selection", "select_task"]

_NEXT_LINE = re.compile(r"^- Next Immediate Task:\s*(\d+\.\d+)\b", re.MULTILINE)
#: How many open task ids an error message lists before eliding the rest.
_LISTED = 25


class PlanCompleteError(InvalidInputError):
    """Every task of the plan is done: there is nothing for a step to do."""


@dataclass(frozen=True)
class Selection:
    """The task of a step and its phase."""

    task: Task
    phase: Phase

    @property
    def phase_file(self) -> str:
        return self.phase.filename


def _open_ids(phases: Sequence[Phase]) -> list[str]:
    return [t.id for p in phases for t in p.tasks if not t.done]


def _listing(ids: list[str]) -> str:
    shown = ", ".join(ids[:_LISTED])
    return shown + (f" … ({len(ids) - _LISTED} more)" if len(ids) > _LISTED else "")


def _find(phases: Sequence[Phase], task_id: str) -> Selection | None:
    for phase in phases:
        for task in phase.tasks:
            if task.id == task_id:
                return Selection(task, phase)
    return None


def select_task(phases: Sequence[Phase], *, handoff: str | None = None, task_id: str | None = None) -> Selection:
    """The task to work on; a clear error for an unknown, done or missing task."""
    open_ids = _open_ids(phases)
    if task_id is not None:
        wanted = task_id.strip()
        found = _find(phases, wanted)
        if found is None:
            valid = f"Open tasks: {_listing(open_ids)}." if open_ids else "Every task is done."
            raise InvalidInputError(f"There is no task {wanted!r} in this plan. {valid}")
        if found.task.done:
            valid = f"Open tasks: {_listing(open_ids)}." if open_ids else "Every task is done."
            raise InvalidInputError(f"Task {wanted} is already done (revert its step to redo it). {valid}")
        return found
    if not open_ids:
        total = sum(len(p.tasks) for p in phases)
        raise PlanCompleteError(
            f"Every task of the plan is done ({total}/{total}); there is no next task. Revert a step to redo it."
        )
    if handoff is not None:
        status = extract_anchor(handoff, "QUICK_STATUS") or ""
        named = _NEXT_LINE.search(status)
        if named is not None and named.group(1) in open_ids:
            found = _find(phases, named.group(1))
            if found is not None:
                return found
    found = _find(phases, open_ids[0])
    assert found is not None
    return found
