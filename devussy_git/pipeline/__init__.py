"""The Devussy pipeline: stage prompts, parsing of model output, run orchestration.

It talks to git only through :mod:`devussy_git.store` and to the model only
through :mod:`devussy_git.llm`; it never touches the database (the services
layer records progress events) and never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports

# Each name is imported from its module on first use: a command pays only for the
# parts it touches (reading a plan's progress never builds the pydantic models of the
# model-reply parsers).
_HOMES: dict[str, str] = {
    "PipelineRunner": "devussy_git.pipeline.run",
    "ProgressEvent": "devussy_git.pipeline.run",
    "RUN_REF_PREFIX": "devussy_git.pipeline.run",
    "RunOutcome": "devussy_git.pipeline.run",
    "STAGES": "devussy_git.pipeline.run",
    "completed_stages": "devussy_git.pipeline.runref",
    "run_ref": "devussy_git.pipeline.run",
}

# Literal so type checkers see the re-exports; a test keeps it equal to _HOMES.
__all__ = [
    "RUN_REF_PREFIX",
    "STAGES",
    "PipelineRunner",
    "ProgressEvent",
    "RunOutcome",
    "completed_stages",
    "run_ref",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


if TYPE_CHECKING:
    from devussy_git.pipeline.run import (
        RUN_REF_PREFIX,
        STAGES,
        PipelineRunner,
        ProgressEvent,
        RunOutcome,
        completed_stages,
        run_ref,
    )
