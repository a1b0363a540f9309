"""The Devussy plan domain, pure: interview, complexity rubric, plan model,
tolerant parsing of LLM output, rendering of the plan files with Devussy's
anchors and the anchor validator.

Nothing in this package does I/O, touches git or the network, or imports
litellm; it is values in, values (or strings) out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports

# Each name is imported from its module on first use: a command pays only for the
# parts it touches (reading a plan's progress never builds the pydantic models of the
# model-reply parsers).
_HOMES: dict[str, str] = {
    "ComplexityProfile": "devussy_git.plan.complexity",
    "parse_complexity_refinement": "devussy_git.plan.complexity",
    "score_complexity": "devussy_git.plan.complexity",
    "Interview": "devussy_git.plan.interview",
    "PROJECT_TYPES": "devussy_git.plan.interview",
    "QUESTIONS": "devussy_git.plan.interview",
    "Question": "devussy_git.plan.interview",
    "SKIP": "devussy_git.plan.interview",
    "applicable_questions": "devussy_git.plan.interview",
    "next_question": "devussy_git.plan.interview",
    "parse_answer": "devussy_git.plan.interview",
    "question_by_id": "devussy_git.plan.interview",
    "slugify": "devussy_git.plan.interview",
    "validate_answers": "devussy_git.plan.interview",
    "PLAN_ANCHORS": "devussy_git.plan.anchors",
    "REQUIRED_ANCHORS": "devussy_git.plan.anchors",
    "anchor_block": "devussy_git.plan.anchors",
    "anchor_markers": "devussy_git.plan.anchors",
    "check_plan_anchors": "devussy_git.plan.anchors",
    "extract_anchor": "devussy_git.plan.anchors",
    "Phase": "devussy_git.plan.model",
    "PhaseOutline": "devussy_git.plan.model",
    "Plan": "devussy_git.plan.model",
    "Task": "devussy_git.plan.model",
    "ValidationResult": "devussy_git.plan.model",
    "completion_summary_block": "devussy_git.plan.compose",
    "next_task_group_block": "devussy_git.plan.compose",
    "phase_progress_block": "devussy_git.plan.compose",
    "phase_status_block": "devussy_git.plan.compose",
    "phase_tasks_block": "devussy_git.plan.compose",
    "plan_summary": "devussy_git.plan.compose",
    "quick_status_block": "devussy_git.plan.compose",
    "render_design": "devussy_git.plan.compose",
    "render_devplan": "devussy_git.plan.compose",
    "render_handoff": "devussy_git.plan.compose",
    "render_phase": "devussy_git.plan.compose",
    "render_plan_files": "devussy_git.plan.compose",
    "render_validation_report": "devussy_git.plan.compose",
    "task_line": "devussy_git.plan.compose",
    "parse_design": "devussy_git.plan.parse",
    "parse_devplan_outline": "devussy_git.plan.parse",
    "parse_phase_tasks": "devussy_git.plan.parse",
    "parse_validation": "devussy_git.plan.parse",
}

# Literal so type checkers see the re-exports; a test keeps it equal to _HOMES.
__all__ = [
    "PLAN_ANCHORS",
    "PROJECT_TYPES",
    "QUESTIONS",
    "REQUIRED_ANCHORS",
    "SKIP",
    "ComplexityProfile",
    "Interview",
    "Phase",
    "PhaseOutline",
    "Plan",
    "Question",
    "Task",
    "ValidationResult",
    "anchor_block",
    "anchor_markers",
    "applicable_questions",
    "check_plan_anchors",
    "completion_summary_block",
    "extract_anchor",
    "next_question",
    "next_task_group_block",
    "parse_answer",
    "parse_complexity_refinement",
    "parse_design",
    "parse_devplan_outline",
    "parse_phase_tasks",
    "parse_validation",
    "phase_progress_block",
    "phase_status_block",
    "phase_tasks_block",
    "plan_summary",
    "question_by_id",
    "quick_status_block",
    "render_design",
    "render_devplan",
    "render_handoff",
    "render_phase",
    "render_plan_files",
    "render_validation_report",
    "score_complexity",
    "slugify",
    "task_line",
    "validate_answers",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


if TYPE_CHECKING:
    from devussy_git.plan.anchors import (
        PLAN_ANCHORS,
        REQUIRED_ANCHORS,
        anchor_block,
        anchor_markers,
        check_plan_anchors,
        extract_anchor,
    )
    from devussy_git.plan.complexity import (
        ComplexityProfile,
        parse_complexity_refinement,
        score_complexity,
    )
    from devussy_git.plan.compose import (
        completion_summary_block,
        next_task_group_block,
        phase_progress_block,
        phase_status_block,
        phase_tasks_block,
        plan_summary,
        quick_status_block,
        render_design,
        render_devplan,
        render_handoff,
        render_phase,
        render_plan_files,
        render_validation_report,
        task_line,
    )
    from devussy_git.plan.interview import (
        PROJECT_TYPES,
        QUESTIONS,
        SKIP,
        Interview,
        Question,
        applicable_questions,
        next_question,
        parse_answer,
        question_by_id,
        slugify,
        validate_answers,
    )
    from devussy_git.plan.model import (
        Phase,
        PhaseOutline,
        Plan,
        Task,
        ValidationResult,
    )
    from devussy_git.plan.parse import (
        parse_design,
        parse_devplan_outline,
        parse_phase_tasks,
        parse_validation,
    )
