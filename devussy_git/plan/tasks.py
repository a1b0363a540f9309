"""The plan's task lines: which items of a phase file are its tasks, done or open.

A task of the plan is a task item of the section model
(:mod:`devussy_git.markdown.document`, whose box grammar is
:mod:`devussy_git.markdown.grammar`) that

- sits in the ``PHASE_TASKS`` anchor (or in the text given, for a piece such as
  ``NEXT_TASK_GROUP``),
- is a top-level item: its bullet is indented by less than two columns (a list
  nested under a task needs at least two, and is one of its details),
- and whose text is ``N.M: title``.

Lines in code fences are never tasks; escaped boxes (``- \\[x\\] 1.2: ...``, what
mdformat writes without its task-list extension) are. Details are the ``  - ...``
lines under a task, up to the next task. Every reader of the plan (reading a
phase, counting, the step's context, the ritual ticking a box) goes through here.

Pure: text in, values out; :func:`set_task_box` returns a new text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devussy_git.markdown.document import Document, TaskItem
from devussy_git.plan.anchors import read_document

__all__ = ["PlanTaskLine", "plan_task_lines", "set_task_box", "task_ids"]

#: ``N.M: title`` after the box.
_PLAN_TASK = re.compile(r"^(\d+\.\d+):[ \t]?(.*)$")
_DETAIL_LINE = re.compile(r"^ {2,}- (.*)$")
#: A list nested under a task's text starts at least this far in.
_NESTED = 2


@dataclass(frozen=True)
class PlanTaskLine:
    """One task line of the plan, as read from its file."""

    task_id: str
    title: str
    done: bool
    line: int
    """0-based line of the section model (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    column: int
    """Offset in the line of the box's mark character."""
    details: tuple[str, ...] = ()


def _top_level(doc: Document, item: TaskItem, prefix: str) -> bool:
    head = doc.lines[item.line][: item.column].removeprefix(prefix)
    return len(head) - len(head.lstrip(" \t")) < _NESTED


def _lines(doc: Document, anchor: str | None) -> tuple[PlanTaskLine, ...] | None:
    if anchor is None:
        begin, end, prefix = 0, len(doc.lines), ""
    else:
        found = doc.anchors.get(anchor)
        if found is None:
            return None
        begin, end, prefix = found.inner_start, found.inner_end, found.prefix
    items = []
    for item in doc.tasks:
        if begin <= item.line < end and _top_level(doc, item, prefix):
            match = _PLAN_TASK.match(item.text)
            if match:
                items.append((item, match))
    code = doc.facts.code
    result = []
    for index, (item, match) in enumerate(items):
        stop = items[index + 1][0].line if index + 1 < len(items) else end
        details = []
        for number in range(item.line + 1, stop):
            if any(first <= number < last for first, last in code):
                continue
            detail = _DETAIL_LINE.match(doc.lines[number].rstrip("\r\n"))
            if detail:
                details.append(detail.group(1).strip())
        result.append(
            PlanTaskLine(match.group(1), match.group(2).strip(), item.checked, item.line, item.column, tuple(details))
        )
    return tuple(result)


def plan_task_lines(text: str, anchor: str | None = "PHASE_TASKS") -> tuple[PlanTaskLine, ...] | None:
    """The plan's tasks in ``anchor`` of ``text`` (the whole text when ``None``),
    in order; ``None`` when the anchor is absent or not well formed."""
    return _lines(read_document(text), anchor)


def task_ids(text: str) -> list[str]:
    """Ids of the plan's task lines in a piece of markdown (``NEXT_TASK_GROUP``)."""
    return [task.task_id for task in plan_task_lines(text, None) or ()]


def set_task_box(text: str, task_id: str, done: bool, anchor: str = "PHASE_TASKS") -> str:
    """``text`` with task ``task_id``'s box in ``anchor`` checked or cleared.

    Only the mark character changes (an escaped box stays escaped); ``text``
    comes back unchanged when the task is not there.
    """
    doc = read_document(text)
    task = next((t for t in _lines(doc, anchor) or () if t.task_id == task_id), None)
    if task is None:
        return text
    mark = "x" if done else " "
    line = doc.lines[task.line]
    if (line[task.column] != " ") == done:
        return text
    lines = list(doc.lines)
    lines[task.line] = line[: task.column] + mark + line[task.column + 1 :]
    return "".join(lines)
