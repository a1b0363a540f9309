"""The scripted OpenAI-compatible server, and litellm's background work drained per test."""

from __future__ import annotations

import pytest

from tests.support.llm_server import drain_litellm, llm_server

__all__ = ["drain_litellm", "llm_server"]


@pytest.fixture(autouse=True)
def _always_drain_litellm(drain_litellm: None) -> None:
    """Every test here may call litellm: drain its background logging each time."""
