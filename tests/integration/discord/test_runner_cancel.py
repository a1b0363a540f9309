"""``/devussy cancel`` on a bot whose runs go to the runner (``DEVUSSY_RUNNER_URL``):
the cancel travels as ``DELETE /runs/{id}`` over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from devussy_git.app import App, build_app
from devussy_git.config import Secret
from devussy_git.errors import NotFoundError
from devussy_git.faces.http import create_http_app
from devussy_git.services import Actor, RunnerExecutor, build_executor
from tests.support.discord_fakes import DiscordHarness
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text, llm_server  # noqa: F401 (fixture)
from tests.support.pipeline_script import PipelineScript

from .helpers import ALICE, interview, settings_for

TOKEN = Secret("runner-s3cret")


@pytest.fixture
async def served(tmp_path: Path, llm_server: ScriptedLLMServer) -> AsyncIterator[tuple[App, str]]:
    settings = settings_for(
        tmp_path,
        runner_token=TOKEN,
        llm_provider="openai",
        llm_model="scripted-model",
        llm_api_base=llm_server.base_url,
        llm_api_key=Secret("sk-runner-cancel"),
        llm_max_retries=1,
    )
    app = await build_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_http_app(app_state=app), host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await app.close()


async def test_cancel_reaches_the_runner_and_the_run_ends_cancelled(
    served: tuple[App, str], llm_server: ScriptedLLMServer, tmp_path: Path
) -> None:
    app, url = served
    executor = build_executor(app.settings.with_(runner_url=url, runner_token=TOKEN))
    assert isinstance(executor, RunnerExecutor)
    executor.client.poll_initial_s = 0.05
    harness = DiscordHarness(app.with_executor(executor))
    try:
        with pytest.raises(NotFoundError, match="name the run"):
            await executor.cancel(app, "shop-api", None, actor=Actor.cli())
        thread = await interview(harness, ALICE)
        answers: dict[str, Any] = json.loads(app.store.open("shop-api").read("interview.json"))
        script = PipelineScript(answers)
        script.override("validation", Delay(120, Text("held")))
        llm_server.route(script)
        before = git(tmp_path / "repos" / "shop-api.git", "rev-parse", "main").strip()

        running = asyncio.create_task(harness.command("devussy run", ALICE, channel=thread))
        for _ in range(600):
            run = await app.db.runs.latest("shop-api")
            if run is not None and any(s.name == "validation" and s.state == "running" for s in run.stages):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("validation never started")

        await harness.command("devussy cancel", ALICE, channel=thread)
        assert f"Run `{run.run_id}` of **shop-api** is stopping" in harness.outbox.last()["content"]
        await asyncio.wait_for(running, 30)
        assert harness.outbox.last()["embeds"][0]["title"] == f"Run {run.run_id} of shop-api was cancelled"
        assert (await app.db.runs.get(run.run_id)).state == "cancelled"
        assert git(tmp_path / "repos" / "shop-api.git", "rev-parse", "main").strip() == before
    finally:
        await executor.aclose()
