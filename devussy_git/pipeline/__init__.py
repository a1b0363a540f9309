"""The Devussy pipeline: stage prompts, parsing of model output, run orchestration.

It talks to git only through :mod:`devussy_git.store` and to the model only
through :mod:`devussy_git.llm`; it never touches the database (the services
layer records progress events) and never prints.
"""

from __future__ import annotations

from devussy_git.pipeline.run import (
    STAGES,
    PipelineRunner,
    ProgressEvent,
    RunOutcome,
    RUN_REF_PREFIX,
    completed_stages,
    run_ref,
)

__all__ = [
    "RUN_REF_PREFIX",
    "STAGES",
    "PipelineRunner",
    "ProgressEvent",
    "RunOutcome",
    "completed_stages",
    "run_ref",
]
