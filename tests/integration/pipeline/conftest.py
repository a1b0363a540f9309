"""Fixtures: an App on a temporary repos root and SQLite file, and sample answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git.app import App, build_app
from devussy_git.config import load_settings
from tests.support.llm_server import drain_litellm, llm_server  # noqa: F401  (fixtures)

ANSWERS_FILE = Path(__file__).parents[3] / "devussy_git" / "fixtures" / "demo_interview.json"


@pytest.fixture(autouse=True)
async def _drain(drain_litellm: None) -> None:
    """litellm's logging worker finishes inside each test's own event loop."""


@pytest.fixture
def answers() -> dict[str, Any]:
    return dict(json.loads(ANSWERS_FILE.read_text()))


def make_settings(tmp_path: Path, env: dict[str, str] | None = None) -> Any:
    return load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db",
            "LLM_TIMEOUT_S": "5",
            **(env or {}),
        },
        dotenv_path=None,
    )


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(make_settings(tmp_path))
    try:
        yield built
    finally:
        await built.close()
