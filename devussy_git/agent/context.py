"""The token-lean context of a handoff-next step: only the slices the protocol names.

The prompt carries ``NEXT_TASK_GROUP``, the task's phase ``PHASE_TASKS`` (in
brief: done ids on one line, open tasks without details) and
``PHASE_OUTCOMES``, ``QUICK_STATUS``, ``HANDOFF_NOTES``, the few design lines
that mention the task's words, and the team's note — never whole files and
never ``PROGRESS_LOG`` (it grows with every step). Sections that grow with the
work (outcomes, notes) are cut to their newest lines.

Pure: files in, prompt values out; never reads git or calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devussy_git.agent.regions import anchor_content
from devussy_git.agent.selection import Selection
from devussy_git.plan.tasks import task_ids

__all__ = ["StepContext", "build_context", "design_lines", "newest_lines", "phase_tasks_view"]

#: Newest lines kept of a section that grows with the work.
TAIL_LINES = 8
#: Design lines quoted at most, and their longest length.
DESIGN_LINES = 5
DESIGN_LINE_CHARS = 200
MAX_NOTE = 4000
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "over",
        "under",
        "using",
        "use",
        "add",
        "set",
        "up",
        "are",
        "all",
        "any",
        "its",
        "their",
        "them",
        "then",
        "than",
        "when",
        "where",
        "which",
        "while",
        "will",
        "can",
        "via",
        "per",
        "each",
        "new",
        "one",
        "two",
    ]
)
_TITLE = re.compile(r"^# Handoff Prompt: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class StepContext:
    """What a step sends: the prompt's values and the offline provider's context."""

    values: Mapping[str, str]
    offline: Mapping[str, Any]
    #: The files the model may edit (devplan.md, the task's phase file, handoff.md).
    allowed_files: tuple[str, ...]


def newest_lines(text: str, limit: int = TAIL_LINES) -> str:
    """``text`` cut to its newest ``limit`` non-blank lines, saying how many were left out."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) <= limit:
        return "\n".join(lines)
    return f"(… {len(lines) - limit} earlier lines left out)\n" + "\n".join(lines[-limit:])


def _words(text: str) -> set[str]:
    return {w.lower().rstrip(".") for w in _WORD.findall(text)} - _STOP


def design_lines(design: str, selection: Selection, limit: int = DESIGN_LINES) -> str:
    """The lines of ``project_design.md`` sharing the most words with the task."""
    wanted = _words(" ".join((selection.task.title, *selection.task.details, selection.phase.title)))
    scored = []
    for index, line in enumerate(design.split("\n")):
        text = line.strip()
        if not text or text.startswith(("#", "<!--", "|---", "| ---")):
            continue
        score = len(wanted & _words(text))
        if score:
            scored.append((score, index, text))
    best = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    lines = [_clip(text, DESIGN_LINE_CHARS) for _, _, text in sorted(best, key=lambda s: s[1])]
    return "\n".join(lines) or "(none match this task)"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def phase_tasks_view(selection: Selection, listed: frozenset[str] = frozenset()) -> str:
    """``PHASE_TASKS`` in brief: done tasks on one line, open tasks without details
    (the step's own task is quoted in full above), and tasks ``NEXT_TASK_GROUP``
    already shows by id only."""
    done = [t.id for t in selection.phase.tasks if t.done]
    lines = [f"- [x] {', '.join(done)} (done)"] if done else []
    shown = [t.id for t in selection.phase.tasks if not t.done and t.id in listed]
    if shown:
        lines.append(f"- [ ] {', '.join(shown)} (as in NEXT_TASK_GROUP)")
    lines += [f"- [ ] {t.id}: {t.title}" for t in selection.phase.tasks if not t.done and t.id not in listed]
    return "\n".join(lines) or "(empty)"


def _section(files: Mapping[str, str], path: str, name: str, *, tail: bool = False) -> str:
    text = anchor_content(files.get(path, ""), name)
    if text is None or not text.strip():
        return "(empty)"
    return newest_lines(text) if tail else text.strip("\n")


def build_context(files: Mapping[str, str], selection: Selection, note: str | None) -> StepContext:
    """Prompt values for ``handoff_next.md`` and the offline provider's context."""
    task, phase = selection.task, selection.phase
    phase_file = selection.phase_file
    title = _TITLE.search(files.get("handoff.md", ""))
    note_text = (note or "").strip()[:MAX_NOTE]
    group = _section(files, "devplan.md", "NEXT_TASK_GROUP")
    values = {
        "project_name": title.group(1).strip() if title else "",
        "task_id": task.id,
        "task_title": task.title,
        "task_details": "\n".join(f"  - {d}" for d in task.details) or "  (no details)",
        "phase_number": str(phase.number),
        "phase_title": phase.title,
        "phase_file": phase_file,
        "note": note_text or "(none)",
        "next_task_group": group,
        "phase_tasks": phase_tasks_view(selection, frozenset(task_ids(group))),
        "phase_outcomes": _section(files, phase_file, "PHASE_OUTCOMES", tail=True),
        "quick_status": _section(files, "handoff.md", "QUICK_STATUS"),
        "handoff_notes": _section(files, "handoff.md", "HANDOFF_NOTES", tail=True),
        "design_lines": design_lines(files.get("project_design.md", ""), selection),
    }
    offline = {
        "task": {"id": task.id, "title": task.title, "details": list(task.details)},
        "phase": {"number": phase.number, "title": phase.title, "file": phase_file},
        "note": note_text or None,
    }
    allowed = tuple(p for p in ("devplan.md", phase_file, "handoff.md") if p in files)
    return StepContext(values, offline, allowed)
