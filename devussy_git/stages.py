"""The one definition of the pipeline's stages and of run and stage states.

A tiny vocabulary every layer shares (the pipeline runs the stages, the
database records them, the faces show them); it imports nothing.
"""

from __future__ import annotations

__all__ = ["ACTIVE_RUN_STATES", "FINISHED_RUN_STATES", "RUN_STATES", "STAGES", "STAGE_STATES", "STEP_STATES"]

#: Devussy's pipeline stages, in the order they run (DESIGN section 6).
STAGES: tuple[str, ...] = (
    "interview",
    "complexity",
    "design",
    "validation",
    "devplan",
    "phases",
    "handoff",
)
#: Every state a run can be in, in lifecycle order.
RUN_STATES: tuple[str, ...] = ("queued", "running", "completed", "failed", "cancelled")
#: States that count as "a run is going" (one per project, max-runs limits).
ACTIVE_RUN_STATES: tuple[str, ...] = ("queued", "running")
#: States a run ends in; nothing moves it out of one except resuming.
FINISHED_RUN_STATES: tuple[str, ...] = ("completed", "failed", "cancelled")
#: Every state a single stage of a run can be in.
STAGE_STATES: tuple[str, ...] = ("pending", "running", "completed", "failed")
#: Every state of a handoff-next step handed to the job queue.
STEP_STATES: tuple[str, ...] = ("queued", "running", "completed", "failed")
