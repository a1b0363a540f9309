"""Fixtures: an App on a temporary repos root and SQLite file, and sample answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git.app import App, build_app
from devussy_git.config import load_settings
from tests.integration.db.conftest import pg_cluster  # noqa: F401  (the session's cluster)
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


@pytest.fixture(params=["local", "queue"])
async def run_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[App]:
    """An App whose runs execute in this process (``local``) or on the job queue
    (``queue``: PostgreSQL, with a worker running in the background of this event loop)."""
    if request.param == "local":
        built = await build_app(make_settings(tmp_path))
        try:
            yield built
        finally:
            await built.close()
        return
    import asyncio

    from devussy_git import services

    cluster = request.getfixturevalue("pg_cluster")
    built = await build_app(
        make_settings(tmp_path, {"DATABASE_URL": cluster.new_database(), "DEVUSSY_EXECUTOR": "queue"})
    )
    await services.migrate(built)
    worker = asyncio.create_task(services.run_worker(built, concurrency=2))
    try:
        yield built
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await built.close()
