"""A planned project (offline pipeline, built once per session) copied into each test's app."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.config import Secret, Settings
from tests.support.llm_server import ScriptedLLMServer, drain_litellm, llm_server

__all__ = ["drain_litellm", "llm_server"]

ROOT = Path(__file__).resolve().parents[3]
PROJECT = "shop"
ACTOR = services.Actor("cli", "tester", "Test Person", "tester@example.invalid")
OTHER = services.Actor("discord", "42", "Other Person", "42@users.noreply.discord.invalid")


@pytest.fixture(autouse=True)
def _always_drain_litellm(drain_litellm: None) -> None:
    """Steps may call litellm: drain its background logging after each test."""


def settings_for(tmp: Path, **changes: object) -> Settings:
    return Settings(repos_root=tmp / "repos", database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite").with_(**changes)


async def _build(tmp: Path) -> None:
    app = await build_app(settings_for(tmp))
    try:
        answers = json.loads((ROOT / "fixtures/interviews/shop-api.json").read_text("utf-8"))
        await services.create_project(app, PROJECT, answers, actor=ACTOR)
        await services.run_project(app, PROJECT, actor=ACTOR)
    finally:
        await app.close()


@pytest.fixture(scope="session")
def planned_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare repo holding a full offline plan for shop-api (5 phases, 30 tasks)."""
    tmp = tmp_path_factory.mktemp("template")
    asyncio.run(_build(tmp))
    return tmp / "repos" / f"{PROJECT}.git"


def install(planned_repo: Path, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{PROJECT}.git"
    shutil.copytree(planned_repo, target)
    return target


@pytest.fixture
async def make_app(tmp_path: Path, planned_repo: Path) -> AsyncIterator[Callable[..., object]]:
    """``await make_app(**settings_changes)``: an App over a fresh copy of the plan."""
    install(planned_repo, tmp_path / "repos")
    apps: list[App] = []

    async def make(**changes: object) -> App:
        app = await build_app(settings_for(tmp_path, **changes))
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.close()


@pytest.fixture
async def app(make_app: Callable[..., object]) -> App:
    return await make_app()  # type: ignore[misc]


@pytest.fixture
async def scripted_app(make_app: Callable[..., object], llm_server: ScriptedLLMServer) -> App:
    """An App whose configured model is the scripted server (litellm's real HTTP path)."""
    return await make_app(  # type: ignore[misc]
        llm_provider="openai",
        llm_model="scripted-model",
        llm_api_base=llm_server.base_url,
        llm_api_key=Secret("sk-agent-test"),
        llm_max_retries=1,
        llm_timeout_s=10.0,
    )


def git(repo: Path, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args] if cwd else ["git", "--git-dir", str(repo), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout
