"""Rendering of the plan files, Devussy-compatible, anchors as DESIGN section 4.

``project_design.md``, ``validation_report.md``, ``devplan.md``,
``phaseN.md`` and ``handoff.md`` are produced here from values. Each anchor's
inner content has a helper of its own (``quick_status_block`` ...) so the
handoff agent rewrites an anchor with exactly what a fresh render would hold.

Pure: returns strings, never writes files. Task items are always written
``- [ ] N.M: title`` (never escaped).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from devussy_git.plan.anchors import anchor_block
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.interview import Interview
from devussy_git.plan.model import Phase, Plan, Task, ValidationResult

__all__ = [
    "completion_summary_block",
    "next_task_group_block",
    "overview_table",
    "phase_progress_block",
    "phase_status_block",
    "phase_tasks_block",
    "plan_summary",
    "quick_status_block",
    "render_design",
    "render_devplan",
    "render_handoff",
    "render_phase",
    "render_plan_files",
    "render_validation_report",
    "task_line",
]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_list_line(line: str) -> bool:
    stripped = line.lstrip()
    return re.match(r"(?:[-*+]|\d+[.)])\s", stripped) is not None


def _separate_blocks(text: str) -> str:
    """Blank lines between a paragraph and an adjacent list, as mdformat writes them."""
    out: list[str] = []
    for line in text.strip().split("\n"):
        if out and out[-1].strip() and line.strip():
            previous_is_list = _is_list_line(out[-1]) or out[-1].startswith("  ")
            if _is_list_line(line) != previous_is_list and not line.startswith("  "):
                out.append("")
        out.append(line.rstrip())
    return "\n".join(out)


def task_line(task: Task) -> str:
    """``- [ ] N.M: title`` (``[x]`` when done) plus two-space-indented details."""
    box = "x" if task.done else " "
    lines = [f"- [{box}] {task.id}: {_one_line(task.title)}"]
    lines.extend(f"  - {_one_line(detail)}" for detail in task.details)
    return "\n".join(lines)


def plan_summary(interview: Interview, complexity: ComplexityProfile) -> str:
    """A short summary paragraph of a plan, from the answers and the rubric."""
    stack = ", ".join(
        x
        for x in (
            interview.primary_language,
            *interview.frameworks,
            interview.database,
        )
        if x
    )
    apis = ", ".join(interview.external_apis)
    parts = [
        f"{interview.project_name} is a {interview.project_type} built with {stack}.",
        _one_line(interview.requirements).rstrip(".") + ".",
    ]
    if apis:
        parts.append(f"It integrates {apis}.")
    parts.append(f"Complexity {complexity.score:g} ({complexity.depth} depth): {complexity.phase_count} phases.")
    return " ".join(parts)


# -- project_design.md / validation_report.md -------------------------------


def render_design(interview: Interview, design_markdown: str) -> str:
    """``project_design.md``: the design under a ``# Project Design`` title."""
    body = design_markdown.strip()
    lines = body.split("\n")
    titles = [line for line in lines if line.startswith("# ")]
    # The model's own title gives way to ours; H1 sections ("# Objectives") stay.
    if lines[0].startswith("# ") and len(titles) == 1:
        body = "\n".join(lines[1:]).strip()
    header = (
        f"# Project Design: {interview.project_name}\n\n"
        f"> {interview.project_type} · {interview.primary_language} · "
        f"project id `{interview.project_id}`"
    )
    return f"{header}\n\n{body}\n"


def render_validation_report(result: ValidationResult, rounds: int, *, earlier: Sequence[ValidationResult] = ()) -> str:
    """``validation_report.md``: the final verdict, the review and the corrections.

    ``earlier`` holds the reviews of the rounds before the last, whose issues
    were corrected.
    """
    verdict = "Approved" if result.approved else "Not approved"
    plural = "" if rounds == 1 else "s"
    parts = [
        "# Validation Report",
        f"**Verdict:** {verdict} after {rounds} review round{plural}.",
        "## Review",
        result.review.strip() or "No review text was given.",
        "## Open Issues",
        "\n".join(f"- {_one_line(i)}" for i in result.issues) or "- None.",
    ]
    if earlier:
        parts.append("## Corrections")
        for index, review in enumerate(earlier, 1):
            parts.append(f"### Round {index}")
            parts.append("\n".join(f"- {_one_line(i)}" for i in review.issues) or "- None.")
    return "\n\n".join(parts) + "\n"


# -- anchor contents --------------------------------------------------------


def next_task_group_block(tasks: Sequence[Task]) -> str:
    """Inner content of ``NEXT_TASK_GROUP``: the given tasks as task items."""
    if not tasks:
        return "- All tasks are complete."
    return "\n".join(f"- [{'x' if t.done else ' '}] {t.id}: {_one_line(t.title)}" for t in tasks)


def phase_status_block(phase: Phase, completed: int) -> str:
    """Inner content of ``PHASE_<n>_STATUS``: ``phase:``, ``name:``, ``completed:`` lines."""
    return f"phase: {phase.number}\nname: {_one_line(phase.title)}\ncompleted: {completed}/{len(phase.tasks)}"


def completion_summary_block(plan: Plan) -> str:
    """Inner content of ``COMPLETION_SUMMARY``."""
    total = len(plan.tasks)
    done = plan.completed
    percent = round(100 * done / total) if total else 0
    finished = sum(1 for p in plan.phases if p.is_done)
    return f"{done} of {total} steps completed ({percent}%); {finished} of {len(plan.phases)} phases done."


def phase_tasks_block(phase: Phase) -> str:
    """Inner content of ``PHASE_TASKS``: every task item of the phase."""
    return "\n".join(task_line(task) for task in phase.tasks)


def phase_progress_block(phase: Phase) -> str:
    """Inner content of ``PHASE_PROGRESS``."""
    return f"completed: {phase.completed}/{len(phase.tasks)} · status: {phase.status}"


def quick_status_block(
    active_phase: Phase | None,
    next_task: Task | None,
    blockers: Sequence[str] | str | None = None,
) -> str:
    """Inner content of ``QUICK_STATUS``: active phase, next task, blockers."""
    if active_phase is None:
        phase_line = "- Active Phase: none - all phases complete"
    else:
        phase_line = (
            f"- Active Phase: {active_phase.number} - {_one_line(active_phase.title)} ({active_phase.filename})"
        )
    if next_task is None:
        task_text = "- Next Immediate Task: none - all tasks complete"
    else:
        task_text = f"- Next Immediate Task: {next_task.id} - {_one_line(next_task.title)}"
    if isinstance(blockers, str):
        blockers = [blockers] if blockers.strip() else []
    listed = "; ".join(_one_line(b) for b in (blockers or ()) if b.strip())
    return f"{phase_line}\n{task_text}\n- Blockers: {listed or 'None known'}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GFM table with padded columns (mdformat's layout, so it stays stable)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    widths = [max(width, 3) for width in widths]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def overview_table(plan: Plan) -> str:
    """The devplan's phase overview table."""
    rows = [
        [
            str(phase.number),
            _one_line(phase.title).replace("|", "\\|"),
            phase.status,
            f"{phase.completed}/{len(phase.tasks)}",
            f"[{phase.filename}]({phase.filename})",
        ]
        for phase in plan.phases
    ]
    return _table(("Phase", "Title", "Status", "Steps", "File"), rows)


# -- devplan.md / phaseN.md / handoff.md -------------------------------------


def render_devplan(plan: Plan) -> str:
    """``devplan.md``: the dashboard of the plan."""
    c = plan.complexity
    if plan.tasks:
        next_group = next_task_group_block(plan.next_task_group())
    else:
        next_group = "- No steps yet: they are written when the phases are detailed."
    parts = [
        "# Development Plan",
        f"**Project:** {plan.project_name} (`{plan.project_id}`)",
        "## Summary",
        _separate_blocks(plan.summary),
        f"**Complexity:** {c.score:g} · {c.depth} depth · {len(plan.phases)} phases",
        "## Phase Overview",
        overview_table(plan),
        "## Phases",
        *(
            f"### Phase {phase.number}: {_one_line(phase.title)}"
            + (f"\n\n{_separate_blocks(phase.summary)}" if phase.summary.strip() else "")
            for phase in plan.phases
        ),
        "## Next Task Group",
        anchor_block("NEXT_TASK_GROUP", next_group),
        "## Progress Log",
        anchor_block("PROGRESS_LOG", f"- Plan created: {len(plan.phases)} phases, {len(plan.tasks)} steps."),
        "## Phase Status",
    ]
    for phase in plan.phases:
        parts.append(anchor_block(f"PHASE_{phase.number}_STATUS", phase_status_block(phase, phase.completed)))
    parts += [
        "## Completion Summary",
        anchor_block("COMPLETION_SUMMARY", completion_summary_block(plan)),
    ]
    if c.risks:
        parts += ["## Risks", "\n".join(f"- {_one_line(r)}" for r in c.risks)]
    return "\n\n".join(parts) + "\n"


def render_phase(plan: Plan, phase: Phase) -> str:
    """``phaseN.md``: one phase's tasks, context, outcomes and progress."""
    previous = plan.phase(phase.number - 1)
    following = plan.phase(phase.number + 1)
    context = [_separate_blocks(phase.summary) or f"Phase {phase.number} of {plan.project_name}."]
    if previous is not None:
        context.append(f"Builds on phase {previous.number}: {_one_line(previous.title)}.")
    if following is not None:
        context.append(f"Prepares phase {following.number}: {_one_line(following.title)}.")
    parts = [
        f"# Phase {phase.number}: {_one_line(phase.title)}",
        f"Part of [devplan.md](devplan.md) for {plan.project_name} (phase {phase.number} of {len(plan.phases)}).",
        "## Tasks",
        anchor_block("PHASE_TASKS", phase_tasks_block(phase)),
        "## Context",
        anchor_block("PHASE_CONTEXT", "\n\n".join(context)),
        "## Outcomes",
        anchor_block("PHASE_OUTCOMES", ""),
        "## Progress",
        anchor_block("PHASE_PROGRESS", phase_progress_block(phase)),
        "Back to [devplan.md](devplan.md).",
    ]
    return "\n\n".join(parts) + "\n"


_DEV_INSTRUCTIONS = """- Read `QUICK_STATUS` in this file: the active phase and the next task.
- In devplan.md, read only the `NEXT_TASK_GROUP` section.
- In the active phase's file (named under Active Phase in `QUICK_STATUS`), read only
  the `PHASE_TASKS` section.
- Do the next task group in order; do not skip ahead.
- Record the work: one line in devplan.md `PROGRESS_LOG`, one line in the phase's
  `PHASE_OUTCOMES`, tick the task's checkbox, and refresh `QUICK_STATUS` here.
- Put decisions in `DECISIONS` and anything that stops you in `BLOCKERS`.
- Stop after the group and hand off if more work is needed."""

_TOKEN_RULES_INTRO = "Stay under about 500 tokens of context per turn by reading only anchored sections:"


def _token_rules() -> str:
    # The active phase changes with every step; only QUICK_STATUS (refreshed by each
    # step and revert) names its file, so nothing here goes stale.
    rows = [
        ("handoff.md", "QUICK_STATUS", "always"),
        ("devplan.md", "NEXT_TASK_GROUP", "always"),
        ("devplan.md", "PROGRESS_LOG", "when needed"),
        ("the active phase's file", "PHASE_TASKS", "always"),
        ("the active phase's file", "PHASE_OUTCOMES", "when needed"),
        ("everything else", "whole files", "never"),
    ]
    return _TOKEN_RULES_INTRO + "\n\n" + _table(("File", "Section", "Read?"), rows)


def render_handoff(plan: Plan) -> str:
    """``handoff.md``: what the next agent reads first."""
    active = plan.active_phase()
    parts = [
        f"# Handoff Prompt: {plan.project_name}",
        "> **QuickStart:** read QUICK_STATUS, then the phase's PHASE_TASKS; do the next "
        "task group; update the anchors; hand off.",
        "## Quick Status",
        anchor_block("QUICK_STATUS", quick_status_block(active, plan.next_task(), None)),
        "## How to Continue Development",
        anchor_block("DEV_INSTRUCTIONS", _DEV_INSTRUCTIONS),
        "## Token Budget",
        anchor_block("TOKEN_RULES", _token_rules()),
        "## Handoff Notes",
        anchor_block("HANDOFF_NOTES", ""),
        "## Decisions",
        anchor_block("DECISIONS", ""),
        "## Blockers",
        anchor_block("BLOCKERS", ""),
        "## File References",
        "- project_design.md: architecture, tech stack and core decisions.\n"
        "- devplan.md: the dashboard with every phase.\n"
        f"- phase1.md … phase{len(plan.phases)}.md: the tasks of each phase.",
    ]
    return "\n\n".join(parts) + "\n"


def render_plan_files(plan: Plan) -> dict[str, str]:
    """``devplan.md`` and every ``phaseN.md`` (``handoff.md`` is rendered apart)."""
    files = {"devplan.md": render_devplan(plan)}
    for phase in plan.phases:
        files[phase.filename] = render_phase(plan, phase)
    return files
