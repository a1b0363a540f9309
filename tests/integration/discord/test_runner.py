"""Runs through the runner API over real HTTP on 127.0.0.1 (DEVUSSY_RUNNER_URL set)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from devussy_git.app import App, build_app
from devussy_git.config import Secret
from devussy_git.errors import NotFoundError, PermissionDeniedError, RunnerUnavailableError
from devussy_git.faces.http import create_http_app
from devussy_git.runner_client import RunnerClient, RunnerStatus
from devussy_git.services import RunnerExecutor, build_executor
from tests.support.discord_fakes import DiscordHarness

from .helpers import ALICE, interview, settings_for

TOKEN = Secret("runner-s3cret")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[App, str]]:
    app = await build_app(settings_for(tmp_path, runner_token=TOKEN))
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


async def test_run_through_the_runner_shows_progress_and_summary(served: tuple[App, str]) -> None:
    app, url = served
    executor = build_executor(app.settings.with_(runner_url=url, runner_token=TOKEN))
    assert isinstance(executor, RunnerExecutor)  # the bot's runs go to the runner over HTTP
    executor.client.poll_initial_s = 0.05
    harness = DiscordHarness(app.with_executor(executor))
    thread = await interview(harness, ALICE)
    harness.outbox.clear()
    try:
        await harness.command("devussy run", ALICE, channel=thread)
    finally:
        await executor.aclose()
    events = harness.outbox.events
    assert events[0]["op"] == "defer"
    progress = [e for e in events if (e.get("content") or "").startswith("**Run `")]
    assert progress and "✅ handoff" in progress[-1]["content"]
    summary = harness.outbox.last()
    assert summary["embeds"][0]["title"] == "Plan ready: shop-api"
    assert {f["name"] for f in summary["files"]} == {"devplan.md", "handoff.md"}
    phases = [f for f in summary["embeds"][0]["fields"] if f["name"] == "Phases"]
    assert phases[0]["value"] == str(len([p for p in app.store.open("shop-api").list_files() if p.startswith("phase")]))


async def test_runner_client_maps_http_errors(served: tuple[App, str]) -> None:
    _, url = served
    async with RunnerClient(url, Secret("wrong")) as bad:
        with pytest.raises(PermissionDeniedError, match="DEVUSSY_RUNNER_TOKEN"):
            await bad.get_run("abc")
    async with RunnerClient(url, TOKEN) as good:
        with pytest.raises(NotFoundError):
            await good.get_run("000000000000")
        with pytest.raises(NotFoundError):
            await good.start_run("no-such-project")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    async with RunnerClient(f"http://127.0.0.1:{closed}", TOKEN, timeout_s=2) as gone:
        with pytest.raises(RunnerUnavailableError, match="cannot be reached") as caught:
            await gone.get_run("abc")
        # The runner's address is the operator's business, not the server members'.
        assert str(closed) not in caught.value.user_message


def test_status_parsing_refuses_garbage() -> None:
    with pytest.raises(RunnerUnavailableError, match="cannot read"):
        RunnerStatus.from_json(["not", "a", "status"])
    status = RunnerStatus.from_json(
        {
            "run_id": "r",
            "state": "completed",
            "stages": [{"name": "design", "state": "completed", "commit": "abc", "error": None}, "junk"],
        }
    )
    assert status.done and [s.name for s in status.stages] == ["design"]
