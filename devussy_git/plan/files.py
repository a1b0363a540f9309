"""Read a plan back from its rendered files: the inverse of ``plan.compose``.

A run resumed after the devplan or phases stage, ``status`` and the handoff
agent all need the plan as values (phases, tasks and which tasks are done)
while git only holds markdown. This module parses the files
:mod:`devussy_git.plan.compose` writes — the devplan's summary and overview
table, each ``phaseN.md``'s title, ``PHASE_TASKS`` items and ``PHASE_CONTEXT``
— and ``handoff.md``'s ``QUICK_STATUS`` blockers.

The phase files are the truth about tasks: a checked box there is a done task,
whatever the devplan's counters say. Anchors and task lines are read through
:mod:`devussy_git.plan.anchors` and :mod:`devussy_git.plan.tasks`, the readers
every other part of the project uses. Pure: text in, values out; it never reads
git, never writes, never calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from devussy_git.errors import InvalidInputError
from devussy_git.plan.anchors import extract_anchor
from devussy_git.plan.model import Phase, PhaseOutline, Plan, PlanProgress, Task
from devussy_git.plan.tasks import plan_task_lines

if TYPE_CHECKING:
    from devussy_git.plan.complexity import ComplexityProfile
    from devussy_git.plan.interview import Interview

__all__ = [
    "PlanProgress",
    "blockers_from_quick_status",
    "count_tasks",
    "outline_from_devplan",
    "overview_rows",
    "phase_files",
    "phase_titles",
    "plan_progress",
    "read_phase",
    "read_phases",
    "read_plan",
]

_PHASE_FILE = re.compile(r"^phase([1-9]\d*)\.md$")
_PHASE_HEADING = re.compile(r"^# Phase (\d+): (.*)$", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")
_OVERVIEW_HEADING = re.compile(r"^##[ \t]+Phase Overview[ \t]*#*[ \t]*\r?$")
_OVERVIEW_HEADING_IN_TEXT = re.compile(_OVERVIEW_HEADING.pattern, re.MULTILINE)
_ANY_HEADING = re.compile(r"^#", re.MULTILINE)
_OVERVIEW_HEADER = re.compile(r"^\|\s*Phase\s*\|\s*Title\s*\|")
_TABLE_DELIMITER = re.compile(r"^\|[\s:|-]*-[\s:|-]*\r?$")
_SUMMARY = re.compile(r"^## Summary\n\n(.*?)(?:\n\n\*\*Complexity:\*\*|\n\n## |\Z)", re.MULTILINE | re.DOTALL)
_BLOCKERS_LINE = re.compile(r"^- Blockers:[ \t]*(.*)$", re.MULTILINE)
_NO_BLOCKERS = frozenset({"", "none", "none known", "-", "n/a"})


def phase_files(files: Mapping[str, str]) -> dict[int, str]:
    """``{n: name}`` of the ``phaseN.md`` files among ``files``, by number."""
    found = {}
    for name in files:
        match = _PHASE_FILE.match(name)
        if match:
            found[int(match.group(1))] = name
    return dict(sorted(found.items()))


def _split_cells(row: str) -> list[str]:
    """Cells of a table row body, honouring the ``\\|`` escape the renderer writes."""
    cells = re.split(r"(?<!\\)\|", row)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def overview_rows(lines: Sequence[str]) -> range:
    """Indexes of the body rows of the phase overview table in ``lines``.

    Only the one table the renderer writes counts: the first table under the
    first ``## Phase Overview`` heading, whose header is ``| Phase | Title |``.
    Rows anywhere else (a table in the summary, a row in a log) are never the
    overview. An empty range when the devplan has no such table.
    """
    start = next((i for i, line in enumerate(lines) if _OVERVIEW_HEADING.match(line)), None)
    if start is None:
        return range(0)
    at = start + 1
    while at < len(lines) and not lines[at].strip():
        at += 1
    if not (at + 1 < len(lines) and _OVERVIEW_HEADER.match(lines[at]) and _TABLE_DELIMITER.match(lines[at + 1])):
        return range(0)
    end = at + 2
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    return range(at + 2, end)


def _overview(devplan: str) -> dict[int, str]:
    """``{number: title}`` from the devplan's phase overview table."""
    titles: dict[int, str] = {}
    # Only the lines from the first overview heading to the next heading can hold
    # the table (a row never starts with '#'): the rest of a long devplan (its
    # progress log grows with every step) is not split into lines for nothing.
    heading = _OVERVIEW_HEADING_IN_TEXT.search(devplan)
    if heading is None:
        return titles
    after = _ANY_HEADING.search(devplan, heading.end())
    lines = devplan[heading.start() : after.start() if after else len(devplan)].split("\n")
    for index in overview_rows(lines):
        match = _TABLE_ROW.match(lines[index])
        if match:
            cells = _split_cells(match.group(2))
            if cells:
                titles.setdefault(int(match.group(1)), cells[0])
    return titles


def phase_titles(devplan: str) -> dict[int, str]:
    """``{number: title}`` of the phases the devplan's overview table lists (``{}`` when none)."""
    return _overview(devplan)


def outline_from_devplan(text: str) -> tuple[PhaseOutline, ...]:
    """The phase outline of a rendered ``devplan.md``: numbers, titles and the
    summaries under its ``### Phase N: Title`` headings (empty when absent)."""
    titles = _overview(text)
    if not titles:
        raise InvalidInputError("devplan.md has no phase overview table to read the phases from.")
    numbers = sorted(titles)
    if numbers != list(range(1, len(numbers) + 1)):
        raise InvalidInputError(f"devplan.md numbers its phases {numbers}; expected 1..{len(numbers)} in order.")
    summaries = _phase_summaries(text)
    return tuple(PhaseOutline(n, titles[n], summaries.get(n, "")) for n in numbers)


_DEVPLAN_PHASE_HEADING = re.compile(r"^### Phase (\d+): ")
_PHASES_HEADING = re.compile(r"^##[ \t]+Phases[ \t]*#*[ \t]*$")


def _phase_summaries(text: str) -> dict[int, str]:
    """``{n: summary}`` from the text under each ``### Phase n: ...`` heading of
    the ``## Phases`` section (headings elsewhere are not the outline)."""
    summaries: dict[int, list[str]] = {}
    current: list[str] | None = None
    in_phases = False
    for line in text.splitlines():
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            if level <= 2:
                in_phases = _PHASES_HEADING.match(line) is not None
            match = _DEVPLAN_PHASE_HEADING.match(line) if in_phases else None
            current = summaries.setdefault(int(match.group(1)), []) if match else None
        elif current is not None:
            current.append(line)
    return {n: "\n".join(lines).strip() for n, lines in summaries.items()}


def _phase_summary(context: str, number: int, project_name: str | None) -> str:
    """The phase summary: ``PHASE_CONTEXT`` without the renderer's link lines."""
    paragraphs = context.split("\n\n") if context else []
    if paragraphs and paragraphs[-1].startswith(f"Prepares phase {number + 1}: "):
        paragraphs.pop()
    if paragraphs and paragraphs[-1].startswith(f"Builds on phase {number - 1}: "):
        paragraphs.pop()
    summary = "\n\n".join(paragraphs).strip()
    if project_name is not None and summary == f"Phase {number} of {project_name}.":
        # The renderer's stand-in for an empty summary.
        return ""
    return summary


def read_phase(name: str, text: str, *, project_name: str | None = None) -> Phase:
    """One ``phaseN.md`` as a :class:`Phase` (title, summary, tasks with done state)."""
    return _read_phase(name, text, project_name)


@lru_cache(maxsize=128)
def _read_phase(name: str, text: str, project_name: str | None) -> Phase:
    # Cached: a step reads the same phase files several times (select, ritual,
    # result) and most of them do not change; Phase values are frozen.
    match = _PHASE_FILE.match(name)
    if match is None:
        raise InvalidInputError(f"{name!r} is not a phase file name (phaseN.md).")
    number = int(match.group(1))
    heading = _PHASE_HEADING.search(text)
    title = heading.group(2).strip() if heading and int(heading.group(1)) == number else ""
    lines = plan_task_lines(text)
    if lines is None:
        raise InvalidInputError(f"{name} has no PHASE_TASKS section to read its tasks from.")
    tasks = tuple(Task(t.task_id, t.title, t.details, t.done) for t in lines)
    context = extract_anchor(text, "PHASE_CONTEXT") or ""
    return Phase(number, title, _phase_summary(context, number, project_name), tasks)


def count_tasks(name: str, text: str) -> tuple[str, int, int]:
    """``(title, done, total)`` of one ``phaseN.md``, as :func:`read_phase` reads them.

    The same reader, without building the tasks (the progress history runs it on
    every version of a plan). The title is ``""`` when the
    file has no ``# Phase N:`` heading of its own number.
    """
    match = _PHASE_FILE.match(name)
    if match is None:
        raise InvalidInputError(f"{name!r} is not a phase file name (phaseN.md).")
    heading = _PHASE_HEADING.search(text)
    title = heading.group(2).strip() if heading and int(heading.group(1)) == int(match.group(1)) else ""
    lines = plan_task_lines(text)
    if lines is None:
        raise InvalidInputError(f"{name} has no PHASE_TASKS section to read its tasks from.")
    return title, sum(1 for task in lines if task.done), len(lines)


def read_phases(files: Mapping[str, str], *, project_name: str | None = None) -> tuple[Phase, ...]:
    """Every phase named by the devplan's overview or present as a phase file.

    A phase the devplan lists whose file does not exist yet (a plan between
    the devplan and phases stages) has its title and no tasks.
    """
    titles = _overview(files["devplan.md"]) if "devplan.md" in files else {}
    present = phase_files(files)
    phases = []
    for number in sorted(set(titles) | set(present)):
        if number in present:
            phase = read_phase(present[number], files[present[number]], project_name=project_name)
            if not phase.title and number in titles:
                phase = Phase(number, titles[number], phase.summary, phase.tasks)
            phases.append(phase)
        else:
            phases.append(Phase(number, titles[number], "", ()))
    return tuple(phases)


def read_plan(
    files: Mapping[str, str],
    project_id: str,
    interview: Interview,
    complexity: ComplexityProfile,
) -> Plan:
    """The :class:`Plan` whose rendering gives ``files`` (devplan + phase files)."""
    if "devplan.md" not in files:
        raise InvalidInputError("The plan has no devplan.md to read.")
    devplan = files["devplan.md"]
    summary = _SUMMARY.search(devplan)
    return Plan(
        project_id=project_id,
        project_name=interview.project_name,
        summary=summary.group(1).strip() if summary else "",
        phases=read_phases(files, project_name=interview.project_name),
        complexity=complexity,
    )


def blockers_from_quick_status(handoff: str) -> tuple[str, ...]:
    """The blockers ``QUICK_STATUS`` names (``- Blockers: a; b``); ``()`` for none."""
    block = extract_anchor(handoff, "QUICK_STATUS")
    if block is None:
        return ()
    match = _BLOCKERS_LINE.search(block)
    if match is None or match.group(1).strip().lower() in _NO_BLOCKERS:
        return ()
    return tuple(part.strip() for part in match.group(1).split(";") if part.strip())


def plan_progress(files: Mapping[str, str]) -> PlanProgress:
    """Progress x/y, active phase, next task and blockers of the ``.md`` files at a rev."""
    phases = read_phases(files)
    tasks = [task for phase in phases for task in phase.tasks]
    active = next((p for p in phases if p.tasks and not p.is_done), None)
    return PlanProgress(
        done=sum(1 for t in tasks if t.done),
        total=len(tasks),
        active_phase=active.number if active is not None else None,
        next_task=next((t for t in tasks if not t.done), None),
        blockers=blockers_from_quick_status(files.get("handoff.md", "")),
    )
