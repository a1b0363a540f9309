"""The Devussy plan domain, pure: interview, complexity rubric, plan model,
tolerant parsing of LLM output, rendering of the plan files with Devussy's
anchors, the anchor validator and the offline provider's content.

Nothing in this package does I/O, touches git or the network, or imports
litellm; it is values in, values (or strings) out.
"""

from __future__ import annotations

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
from devussy_git.plan.model import Phase, PhaseOutline, Plan, Task, ValidationResult
from devussy_git.plan.offline import OFFLINE_STAGES, offline_reply
from devussy_git.plan.parse import (
    parse_design,
    parse_devplan_outline,
    parse_phase_tasks,
    parse_validation,
)
from devussy_git.plan.render import (
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

__all__ = [
    "OFFLINE_STAGES",
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
    "offline_reply",
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
