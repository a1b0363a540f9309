"""The deterministic ritual of a handoff-next step, done by code, not by the model.

After the model's edits, :func:`record` adds what the model left out (the
step's ``PROGRESS_LOG`` line; the blocker of a blocked task) and :func:`refresh`
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
from collections.abc import Mapping, Sequence

from devussy_git.agent.regions import RegionDoc, anchor_value, replace_anchor
from devussy_git.markdown.edits import Edit
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.compose import (
    completion_summary_block,
    next_task_group_block,
    phase_progress_block,
    quick_status_block,
)
from devussy_git.plan.files import overview_rows, phase_files, read_phases
from devussy_git.plan.model import Phase, Plan, Task
from devussy_git.plan.tasks import set_task_box

__all__ = [
    "RITUAL_ANCHORS",
    "check_consistency",
    "is_ritual_anchor",
    "open_blockers",
    "record",
    "refresh",
    "restore_ritual",
    "set_task_box",
    "task_of",
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


def _logs_task(edits: Sequence[Edit], task_id: str) -> bool:
    """Whether one of the model's ``PROGRESS_LOG`` edits starts with ``task_id``."""
    entry = re.compile(rf"^(?:[-*+][ \t]+)?(?:\*\*)?{re.escape(task_id)}(?![0-9]|\.[0-9])")
    for edit in edits:
        if edit.file.strip() != "devplan.md" or (edit.anchor or "").strip() != "PROGRESS_LOG":
            continue
        if entry.match(edit.content.strip()):
            return True
    return False


def record(
    files: Mapping[str, str],
    task: Task,
    *,
    summary: str,
    blocked: bool,
    touched: frozenset[tuple[str, str]],
    edits: Sequence[Edit] = (),
) -> dict[str, str]:
    """Add the step's progress log line and the blocker the model did not write.

    The ``PROGRESS_LOG`` line is added unless one of the model's ``edits`` to
    ``PROGRESS_LOG`` already starts with the task's id. ``touched`` holds the
    ``(file, anchor)`` pairs the model's edits changed; a blocked task's
    blocker is added unless ``BLOCKERS`` is among them.
    """
    out = dict(files)
    summary = " ".join(summary.split())
    if not _logs_task(edits, task.id) and "devplan.md" in out:
        state = " (blocked)" if blocked else ""
        out["devplan.md"] = _append(out["devplan.md"], "PROGRESS_LOG", f"- {task.id}{state}: {summary}")
    if blocked and ("handoff.md", "BLOCKERS") not in touched and "handoff.md" in out:
        out["handoff.md"] = _append(out["handoff.md"], "BLOCKERS", f"- {task.id}: {summary}")
    return out


def open_blockers(block: str, phases: tuple[Phase, ...]) -> list[str]:
    """Items of a ``BLOCKERS`` section, without those naming a task that is done."""
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


def _set(doc: RegionDoc, name: str, content: str) -> None:
    current = doc.value(name)
    if current is not None and current != content.strip("\n"):
        doc.set(name, content)


def _set_completed(doc: RegionDoc, phase: Phase) -> None:
    name = f"PHASE_{phase.number}_STATUS"
    current = doc.value(name)
    if current is None or not _COMPLETED.search(current):
        return
    _set(doc, name, _COMPLETED.sub(f"completed: {phase.completed}/{len(phase.tasks)}", current, count=1))


def _cell(old: str, value: str) -> str:
    """``value`` as a table cell, padded to the old cell's width when it fits."""
    if old.strip() == value:
        return old
    return f" {value.ljust(len(old) - 2)} " if len(old) - 2 >= len(value) else f" {value} "


def _set_overview(doc: RegionDoc, phases: tuple[Phase, ...]) -> None:
    """Status and Steps cells of each phase's overview row; other cells untouched.

    Only the rows of the overview table (:func:`overview_rows`) are read and
    written; a row-like line anywhere else is text like any other.
    """
    by_number = {p.number: p for p in phases}
    at = [(r, i) for r, (key, lines) in enumerate(doc.regions) if key.startswith("text:") for i in range(len(lines))]
    flat = [doc.regions[r][1][i] for r, i in at]
    for index in overview_rows(flat):
        line = flat[index]
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
            region, offset = at[index]
            key, lines = doc.regions[region]
            lines[offset] = new
            doc.regions[region] = (key, lines)
            doc.changed = True


def refresh(files: Mapping[str, str], task_id: str | None = None, *, done: bool = True) -> dict[str, str]:
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
        doc = RegionDoc(out["devplan.md"])
        for phase in phases:
            _set_completed(doc, phase)
        _set_overview(doc, phases)
        _set(doc, "NEXT_TASK_GROUP", next_task_group_block(plan.next_task_group()))
        _set(doc, "COMPLETION_SUMMARY", completion_summary_block(plan))
        out["devplan.md"] = doc.text()
    for phase in phases:
        if phase.number in names:
            path = names[phase.number]
            doc = RegionDoc(out[path])
            _set(doc, "PHASE_PROGRESS", phase_progress_block(phase))
            out[path] = doc.text()
    if "handoff.md" in out:
        doc = RegionDoc(out["handoff.md"])
        blockers = open_blockers(doc.value("BLOCKERS") or "", phases)
        _set(doc, "QUICK_STATUS", quick_status_block(plan.active_phase(), plan.next_task(), blockers))
        out["handoff.md"] = doc.text()
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
        if path not in base or base[path] == text:
            continue
        before, doc = RegionDoc(base[path]), RegionDoc(text)
        for name in doc.names():
            old_lines = before.lines(name)
            if is_ritual_anchor(path, name) and old_lines is not None:
                doc.put_lines(name, old_lines)
        text = doc.text()
        if path == "devplan.md":
            text = _restore_rows(base[path], text)
        out[path] = text
    return out


def _restore_rows(old: str, text: str) -> str:
    """``text`` with its overview table rows put back as they are in ``old``."""
    old_lines = old.split("\n")
    rows: dict[str, str] = {}
    for index in overview_rows(old_lines):
        row = _ROW.match(old_lines[index])
        if row:
            rows.setdefault(row.group(1), old_lines[index])
    lines = text.split("\n")
    for index in overview_rows(lines):
        row = _ROW.match(lines[index])
        if row and row.group(1) in rows:
            lines[index] = rows[row.group(1)]
    return "\n".join(lines)


def task_of(phases: tuple[Phase, ...], task_id: str) -> Task | None:
    """The task ``task_id`` of ``phases``, or ``None``."""
    return next((t for p in phases for t in p.tasks if t.id == task_id), None)
