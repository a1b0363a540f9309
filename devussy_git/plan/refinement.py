"""The shape of a complexity refinement reply, checked with pydantic.

Kept apart from :mod:`devussy_git.plan.complexity`, which imports it only when it
reads a refinement: building profiles (every handoff-next step does) never loads
pydantic. Pure: values in, a model out.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from devussy_git.plan.complexity import DEPTHS

__all__ = ["Refinement"]


def _as_number(value: Any) -> Any:
    """Numbers as models write them: ``6``, ``6.5``, ``"6"``; never ``true``."""
    if isinstance(value, bool):
        raise ValueError(f"is {json.dumps(value)}, not a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"is {value!r}, not a number") from None
    if isinstance(value, int | float) and not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value


class Refinement(BaseModel):
    """The refinement reply after JSON repair; Devussy's field names are aliases."""

    model_config = ConfigDict(extra="ignore")

    score: float | None = Field(default=None, validation_alias=AliasChoices("score", "complexity_score"))
    phase_count: float | None = Field(
        default=None, validation_alias=AliasChoices("phase_count", "estimated_phase_count")
    )
    depth: str | None = Field(default=None, validation_alias=AliasChoices("depth", "depth_level"))
    risks: list[str] | None = Field(default=None, validation_alias=AliasChoices("risks", "hidden_risks"))
    rationale: str | None = None

    @field_validator("score", "phase_count", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        return None if value is None else _as_number(value)

    @field_validator("depth", mode="before")
    @classmethod
    def _depth(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower() not in DEPTHS:
            raise ValueError(f"is {json.dumps(value)}; use minimal, standard or detailed")
        return value.strip().lower()
