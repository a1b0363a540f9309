"""Prompt files of the pipeline and the handoff agent, filled from plain values.

Prompts live in ``devussy_git/prompts/<name>.md`` (one per stage) and use
``string.Template`` placeholders (``$name``), so JSON examples in them need no
escaping. A missing placeholder value is a programming error and raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from string import Template
from typing import Any

__all__ = ["PROMPT_NAMES", "build_messages", "load_prompt", "render_prompt", "to_json"]

PROMPT_NAMES = (
    "system",
    "complexity",
    "design",
    "design_revision",
    "validation",
    "devplan",
    "phase",
    "handoff_next",
)


@cache
def load_prompt(name: str) -> str:
    """The raw text of prompt ``name`` (cached; files ship inside the package)."""
    if name not in PROMPT_NAMES:
        raise KeyError(f"unknown prompt {name!r}")
    return resources.files("devussy_git").joinpath("prompts", f"{name}.md").read_text("utf-8")


def to_json(value: Any) -> str:
    """Compact, stable JSON for embedding structured inputs in a prompt."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def render_prompt(name: str, values: Mapping[str, Any]) -> str:
    """Fill prompt ``name``; every placeholder must have a value."""
    return Template(load_prompt(name)).substitute({k: str(v) for k, v in values.items()})


def build_messages(name: str, values: Mapping[str, Any]) -> list[dict[str, str]]:
    """System + user messages for one stage request."""
    return [
        {"role": "system", "content": load_prompt("system").strip()},
        {"role": "user", "content": render_prompt(name, values).strip()},
    ]
