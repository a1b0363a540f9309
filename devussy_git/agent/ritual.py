"""The deterministic ritual of a handoff-next step, done by code, not by the model.

After the model's edits, :func:`record` adds what the model left out (a
``PROGRESS_LOG`` line; the blocker of a blocked task) and :func:`refresh`
ticks the task and rewrites every derived region from the phase files, which
are the truth about tasks:

- ``PHASE_TASKS`` (the task's checkbox), ``PHASE_PROGRESS`` of each phase file;
- ``devplan.md``: ``completed: x/y`` in ``PHASE_<n>_STATUS``, the Status and
  Steps cells of the phase overview table, ``NEXT_TASK_GROUP``,
  ``COMPLETION_SUMMARY``;
- ``handoff.md``: ``QUICK_STATUS`` (active phase, next task, open blockers —
  the ``BLOCKERS`` items whose task is not done).

A region is only rewritten when its value changes, and only the lines that
carry the value, so every other byte stays as it was. :func:`check_consistency`
is the same computation used as a check: a plan is consistent when
:func:`refresh` would change nothing.

Pure: files in, files out; never reads git, never calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from devussy_git.agent.regions import anchor_content, anchor_value, put_anchor_lines, replace_anchor
from devussy_git.pipeline.planfiles import phase_files, read_phases
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.model import Phase, Plan, Task
from devussy_git.plan.render import (
    completion_summary_block,
    next_task_group_block,
    phase_progress_block,
    quick_status_block,
)

__all__ = [
    "RITUAL_ANCHORS",
    "check_consistency",
    "is_ritual_anchor",
    "open_blockers",
    "record",
    "refresh",
    "restore_ritual",
    "set_task_box",
]

#: Anchors only the ritual writes, by file kind (``phase`` = every phaseN.md).
RITUAL_ANCHORS: Mapping[str, tuple[str, ...]] = {
    "devplan.md": ("NEXT_TASK_GROUP", "COMPLETION_SUMMARY"),
    "phase": ("PHASE_TASKS", "PHASE_PROGRESS"),
    "handoff.md": ("QUICK_STATUS",),
}
_STATUS_ANCHOR = re.compile(r"^PHASE_\d+_STATUS$")
_PHASE_FILE = re.compile(r"^phase[1-9]\d*\.md$")
_ROW = re.compile(r"^\|\s*(\d+)\s*\|")
_COMPLETED = re.compile(r"^completed:.*$", re.MULTILINE)
_TASK_REF = re.compile(r"^(?:\*\*)?(\d+\.\d+)\b")
#: Only phase queries are asked of the plan built here; the profile is inert.
_INERT = ComplexityProfile(score=0.0, phase_count=0, depth="standard")


def is_ritual_anchor(path: str, name: str) -> bool:
    """Whether anchor ``name`` of file ``path`` is written by the ritual only."""
    if path == "devplan.md" and _STATUS_ANCHOR.match(name):
        return True
    kind = "phase" if _PHASE_FILE.match(path) else path
    return name in RITUAL_ANCHORS.get(kind, ())


def _append(text: str, name: str, line: str) -> str:
    current = anchor_value(text, name)
    if current is None:
        return text
    return replace_anchor(text, name, f"{current}\n{line}" if current else line)


def record(
    files: Mapping[str, str],
    task: Task,
    *,
    summary: str,
    blocked: bool,
    touched: frozenset[tuple[str, str]],
) -> dict[str, str]:
    """Add the progress log line and the blocker the model did not write.

    ``touched`` holds the ``(file, anchor)`` pairs the model's edits targeted.
    """
    out = dict(files)
    summary = " ".join(summary.split())
    if ("devplan.md", "PROGRESS_LOG") not in touched and "devplan.md" in out:
        state = " (blocked)" if blocked else ""
        out["devplan.md"] = _append(out["devplan.md"], "PROGRESS_LOG", f"- {task.id}{state}: {summary}")
    if blocked and ("handoff.md", "BLOCKERS") not in touched and "handoff.md" in out:
        out["handoff.md"] = _append(out["handoff.md"], "BLOCKERS", f"- {task.id}: {summary}")
    return out


def set_task_box(text: str, task_id: str, done: bool) -> str:
    """``text`` (a phase file) with task ``task_id``'s box in ``PHASE_TASKS`` set."""
    block = anchor_value(text, "PHASE_TASKS")
    if block is None:
        return text
    item = re.compile(rf"^- (\\?)\[[ xX]\](\\?) {re.escape(task_id)}:", re.MULTILINE)
    box = "x" if done else " "
    new = item.sub(lambda m: f"- {m.group(1)}[{box}]{m.group(2)} {task_id}:", block, count=1)
    return text if new == block else replace_anchor(text, "PHASE_TASKS", new)


def open_blockers(handoff: str, phases: tuple[Phase, ...]) -> list[str]:
    """``BLOCKERS`` items, without those naming a task that is done."""
    block = anchor_content(handoff, "BLOCKERS") or ""
    done = {t.id for p in phases for t in p.tasks if t.done}
    items = []
    for line in block.split("\n"):
        text = line.strip()
        if not text.startswith(("- ", "* ")):
            continue
        text = text[2:].strip()
        ref = _TASK_REF.match(text)
        if text and not (ref and ref.group(1) in done):
            items.append(text)
    return items


def _set_anchor(text: str, name: str, content: str) -> str:
    current = anchor_value(text, name)
    if current is None or current == content.strip("\n"):
        return text
    return replace_anchor(text, name, content)


def _set_completed(text: str, phase: Phase) -> str:
    name = f"PHASE_{phase.number}_STATUS"
    current = anchor_value(text, name)
    if current is None:
        return text
    value = f"completed: {phase.completed}/{len(phase.tasks)}"
    new = _COMPLETED.sub(value, current, count=1) if _COMPLETED.search(current) else current
    return _set_anchor(text, name, new)


def _cell(old: str, value: str) -> str:
    """``value`` as a table cell, padded to the old cell's width when it fits."""
    if old.strip() == value:
        return old
    return f" {value.ljust(len(old) - 2)} " if len(old) - 2 >= len(value) else f" {value} "


def _set_overview(text: str, phases: tuple[Phase, ...]) -> str:
    """Status and Steps cells of each phase's overview row; other cells untouched."""
    by_number = {p.number: p for p in phases}
    lines = text.split("\n")
    changed = False
    for index, line in enumerate(lines):
        row = _ROW.match(line)
        if row is None or int(row.group(1)) not in by_number:
            continue
        phase = by_number[int(row.group(1))]
        cells = re.split(r"(?<!\\)\|", line)
        # ['', ' n ', ' title ', ' status ', ' steps ', ' file ', '']
        if len(cells) < 7:
            continue
        cells[3] = _cell(cells[3], phase.status)
        cells[4] = _cell(cells[4], f"{phase.completed}/{len(phase.tasks)}")
        new = "|".join(cells)
        if new != line:
            lines[index], changed = new, True
    return "\n".join(lines) if changed else text


def refresh(
    files: Mapping[str, str], task_id: str | None = None, *, done: bool = True
) -> dict[str, str]:
    """Tick ``task_id`` (when given) and rewrite every derived region to match."""
    out = dict(files)
    names = phase_files(out)
    if task_id is not None:
        name = f"phase{task_id.split('.', 1)[0]}.md"
        if name in out:
            out[name] = set_task_box(out[name], task_id, done)
    phases = read_phases(out)
    plan = Plan("", "", "", phases, _INERT)
    if "devplan.md" in out:
        devplan = out["devplan.md"]
        for phase in phases:
            devplan = _set_completed(devplan, phase)
        devplan = _set_overview(devplan, phases)
        devplan = _set_anchor(devplan, "NEXT_TASK_GROUP", next_task_group_block(plan.next_task_group()))
        devplan = _set_anchor(devplan, "COMPLETION_SUMMARY", completion_summary_block(plan))
        out["devplan.md"] = devplan
    for phase in phases:
        if phase.number in names:
            path = names[phase.number]
            out[path] = _set_anchor(out[path], "PHASE_PROGRESS", phase_progress_block(phase))
    if "handoff.md" in out:
        handoff = out["handoff.md"]
        status = quick_status_block(
            plan.active_phase(), plan.next_task(), open_blockers(handoff, phases)
        )
        out["handoff.md"] = _set_anchor(handoff, "QUICK_STATUS", status)
    return out


def check_consistency(files: Mapping[str, str]) -> list[str]:
    """Files whose derived regions disagree with the phase files; ``[]`` = consistent."""
    fixed = refresh(files)
    return [f"{path}: derived sections are stale" for path in sorted(fixed) if fixed[path] != files[path]]


def restore_ritual(base: Mapping[str, str], files: Mapping[str, str]) -> dict[str, str]:
    """``files`` with every ritual-owned region put back as it is in ``base``.

    What is left of a step's change is its content (the model's edits and the
    lines :func:`record` added), which can be carried onto a newer head; the
    ritual is then run again there.
    """
    out = dict(files)
    for path, text in files.items():
        if path not in base:
            continue
        old = base[path]
        for name in _anchor_names(text):
            if is_ritual_anchor(path, name):
                before = anchor_content(old, name)
                if before is not None and before != anchor_content(text, name):
                    text = put_anchor_lines(text, name, before)
        if path == "devplan.md":
            text = _restore_rows(old, text)
        out[path] = text
    return out


def _anchor_names(text: str) -> list[str]:
    return re.findall(r"^[ \t]*<!--[ \t]*([A-Za-z0-9_]+?)_START[ \t]*-->", text, re.MULTILINE)


def _restore_rows(old: str, text: str) -> str:
    rows = {}
    for line in old.split("\n"):
        row = _ROW.match(line)
        if row:
            rows.setdefault(row.group(1), line)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        row = _ROW.match(line)
        if row and row.group(1) in rows:
            lines[index] = rows[row.group(1)]
    return "\n".join(lines)


def task_of(phases: tuple[Phase, ...], task_id: str) -> Task | None:
    """The task ``task_id`` of ``phases``, or ``None``."""
    return next((t for p in phases for t in p.tasks if t.id == task_id), None)


def with_done(phases: tuple[Phase, ...], task_id: str) -> tuple[Phase, ...]:
    """``phases`` with ``task_id`` marked done (for a what-comes-next preview)."""
    return tuple(
        replace(p, tasks=tuple(replace(t, done=True) if t.id == task_id else t for t in p.tasks))
        for p in phases
    )
