"""Cancelling a run in the process that runs it: a queued run never starts, a
running one stops with nothing landed, and a cancel that arrives while the run
lands is too late (the run completes rather than be recorded cancelled with its
plan on ``main``)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import build_app
from devussy_git.errors import ConflictError, NotFoundError, RunCancelledError
from devussy_git.pipeline import run as pipeline_run
from devussy_git.pipeline import runref
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text
from tests.support.pipeline_script import PipelineScript

ACTOR = services.Actor("cli", "lee", "Lee", "lee@example.invalid")


async def _wait_stage(app: Any, run_id: str, stage: str) -> None:
    for _ in range(600):
        record = await services.get_run(app, run_id)
        if any(s.name == stage and s.state == "running" for s in record.stages):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{stage} never started: {record}")


async def test_a_queued_run_never_starts(tmp_path: Path, answers: dict[str, Any]) -> None:
    app = await build_app(make_settings(tmp_path, {"LLM_DEFAULT_PROVIDER": "offline"}))
    try:
        await services.create_project(app, "queued", answers, actor=ACTOR)
        record = await services.start_run(app, "queued", actor=ACTOR)
        done = await services.cancel_guild_run(app, "queued", actor=ACTOR)
        assert (done.run_id, done.state, done.stopping) == (record.run_id, "cancelled", False)
        with pytest.raises(ConflictError, match="already cancelled"):
            await services.cancel_run(app, "queued", record.run_id, actor=ACTOR)
        with pytest.raises(ConflictError):  # a cancelled run is not run
            await services.execute_run(app, record.run_id, actor=ACTOR)
        with pytest.raises(NotFoundError):
            await services.cancel_run(app, "queued", "0123456789ab", actor=ACTOR)
        # resuming it runs the whole plan
        await services.run_project(app, "queued", actor=ACTOR, resume=True)
    finally:
        await app.close()
    assert "Devussy-Stage: handoff" in git(tmp_path / "repos" / "queued.git", "log", "-1", "--format=%B", "main")


async def test_a_running_run_stops_mid_stage_with_main_unmoved(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override("devplan", Delay(120, Text("held")))
    llm_server.route(script)
    app = await build_app(make_settings(tmp_path, llm_server.env()))
    repo = tmp_path / "repos" / "held.git"
    try:
        await services.create_project(app, "held", answers, actor=ACTOR)
        before = git(repo, "rev-parse", "main").strip()
        record = await services.start_run(app, "held", actor=ACTOR)
        running = asyncio.create_task(services.execute_run(app, record.run_id, actor=ACTOR))
        await _wait_stage(app, record.run_id, "devplan")
        done = await services.cancel_run(app, "held", actor=ACTOR)
        assert done.cancel_requested
        with pytest.raises(RunCancelledError):
            await asyncio.wait_for(running, 10)
        final = await services.get_run(app, record.run_id)
        assert final.state == "cancelled" and final.resumable
        assert {s.name: s.state for s in final.stages}["devplan"] == "pending"
    finally:
        await app.close()
    assert git(repo, "rev-parse", "main").strip() == before
    git(repo, "fsck", "--strict")


async def test_a_cancel_during_landing_is_too_late(
    tmp_path: Path, answers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, release = threading.Event(), threading.Event()
    real_land = runref.land  # what pipeline.run calls

    def slow_land(*args: Any) -> None:
        landing.set()
        assert release.wait(30)
        real_land(*args)

    monkeypatch.setattr(pipeline_run, "land", slow_land)
    app = await build_app(make_settings(tmp_path, {"LLM_DEFAULT_PROVIDER": "offline"}))
    repo = tmp_path / "repos" / "late.git"
    try:
        await services.create_project(app, "late", answers, actor=ACTOR)
        record = await services.start_run(app, "late", actor=ACTOR)
        running = asyncio.create_task(services.execute_run(app, record.run_id, actor=ACTOR))
        assert await asyncio.to_thread(landing.wait, 60)
        await services.cancel_run(app, "late", record.run_id, actor=ACTOR)
        await asyncio.sleep(0.2)  # the cancel reaches the task while the ref update is under way
        release.set()
        outcome = await asyncio.wait_for(running, 30)
        final = await services.get_run(app, record.run_id)
    finally:
        release.set()
        await app.close()
    assert final.state == "completed"
    assert git(repo, "rev-parse", "main").strip() == outcome.head
