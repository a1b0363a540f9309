"""handoff-next: the circular-development agent, its previews and its ritual.

Task selection, the token-lean context, parsing and validating the model's
edit reply, the deterministic ritual, landing a step with compare-and-swap,
and preview proposals. The pure parts (``selection``, ``context``, ``reply``,
``ritual``, ``regions``) never touch git or a model; ``landing``, ``proposals``
and ``step`` reach git only through the store. The use cases that drive it
(``handoff_next``, proposals) live in :mod:`devussy_git.services.steps`.
"""

from __future__ import annotations

from devussy_git.agent.proposals import Proposal
from devussy_git.agent.selection import PlanCompleteError, Selection, select_task
from devussy_git.agent.step import StepResult

__all__ = [
    "PlanCompleteError",
    "Proposal",
    "Selection",
    "StepResult",
    "select_task",
]
