"""handoff-next replies of the corpus, parsed exactly as a step parses them.

The plan is the 3-phase shop-api sample of the agent tests, as the formatter
writes it (as committed); the step is its first task, 1.1. The parse is the
step's own (:func:`devussy_git.agent.step.step_parser`), so a reply accepted
here is one a step would commit.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from devussy_git.agent.context import build_context
from devussy_git.agent.selection import select_task
from devussy_git.agent.step import step_parser
from devussy_git.plan.files import read_phases
from tests.unit.agent.conftest import plan_files, sample_plan

__all__ = ["handoff_files", "parse_handoff_reply"]


@cache
def handoff_files() -> dict[str, str]:
    return plan_files(sample_plan(), formatted=True)


def parse_handoff_reply(text: str) -> Any:
    files = handoff_files()
    selection = select_task(read_phases(files), handoff=files["handoff.md"], task_id=None)
    context = build_context(files, selection, None)
    editable = {p: files[p] for p in context.allowed_files}
    return step_parser(files, editable, selection.task)(text)
