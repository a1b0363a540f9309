"""``/devussy cancel``: the run's own message ends "cancelled" with a Resume button,
``main`` is untouched, and a member without the operator role cannot cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git.app import App, build_app
from devussy_git.config import Secret
from tests.support.discord_fakes import DiscordHarness, Member
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text, llm_server  # noqa: F401 (fixture)
from tests.support.pipeline_script import PipelineScript

from .helpers import ADMIN, ALICE, BOB, interview, settings_for

ROLE = 1_000_000_000_000_000_777


@pytest.fixture
async def scripted(tmp_path: Path, llm_server: ScriptedLLMServer) -> AsyncIterator[App]:
    settings = settings_for(
        tmp_path,
        llm_provider="openai",
        llm_model="scripted-model",
        llm_api_base=llm_server.base_url,
        llm_api_key=Secret("sk-cancel-test"),
        llm_max_retries=1,
    )
    built = await build_app(settings)
    try:
        yield built
    finally:
        await built.close()


async def _stage_running(app: App, project: str, stage: str) -> str:
    for _ in range(600):
        run = await app.db.runs.latest(project)
        if run is not None and any(s.name == stage and s.state == "running" for s in run.stages):
            return run.run_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{stage} never started")


async def test_cancel_stops_the_run_and_its_message_offers_resume(
    scripted: App, llm_server: ScriptedLLMServer, tmp_path: Path
) -> None:
    harness = DiscordHarness(scripted)
    thread = await interview(harness, ALICE)
    answers: dict[str, Any] = json.loads(scripted.store.open("shop-api").read("interview.json"))
    script = PipelineScript(answers)
    script.override("design", Delay(120, Text("held")))
    llm_server.route(script)
    repo = tmp_path / "repos" / "shop-api.git"
    before = git(repo, "rev-parse", "main").strip()

    running = asyncio.create_task(harness.command("devussy run", ALICE, channel=thread))
    run_id = await _stage_running(scripted, "shop-api", "design")

    # Once a role is set, only its members may cancel (as they run and revert).
    harness.add_role(ROLE)
    await harness.command("devussy admin set-role", ADMIN, role=harness.guild.get_role(ROLE))
    await harness.command("devussy cancel", BOB, channel=thread)
    assert f"Only members with the <@&{ROLE}> role" in harness.outbox.last()["content"]
    assert (await scripted.db.runs.get(run_id)).state == "running"

    planner = Member(444444444444444444, "planner", role_ids=(ROLE,))
    await harness.command("devussy cancel", planner, channel=thread)
    reply = harness.outbox.last()
    assert f"Run `{run_id}` of **shop-api** is stopping" in reply["content"]

    await asyncio.wait_for(running, 30)
    ended = harness.outbox.last()
    assert ended["embeds"][0]["title"] == f"Run {run_id} of shop-api was cancelled"
    assert [b["label"] for b in harness.outbox.buttons(ended)] == ["Resume"]
    assert (await scripted.db.runs.get(run_id)).state == "cancelled"
    assert git(repo, "rev-parse", "main").strip() == before
    git(repo, "fsck", "--strict")

    # Resume continues from the stopped stage and lands the whole plan.
    llm_server.route(PipelineScript(answers))
    message, resume = harness.message_with(f"devussy:resume:shop-api:{run_id}")
    await harness.press(message, resume, planner)
    assert harness.outbox.last()["embeds"][0]["title"] == "Plan ready: shop-api"
    assert (await scripted.db.runs.get(run_id)).state == "completed"
    assert git(repo, "rev-parse", "main").strip() != before
