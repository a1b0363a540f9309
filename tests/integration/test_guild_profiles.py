"""A guild's own LLM endpoint, end to end through the real bot.

One App, two guilds: "lab" points its provider at a scripted OpenAI-compatible
server on 127.0.0.1 with ``/devussy admin set-provider base_url:…``; "shop"
keeps the offline provider. Runs and handoff-next steps of lab reach that
server (requests recorded), shop's never do, and the operator's key shows up
nowhere: not in a reply, a log line, the profile table or a request header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.config import Secret
from devussy_git.services import build_executor
from tests.integration.discord.helpers import ADMIN, ALICE, interview, planned, settings_for
from tests.support.discord_fakes import DiscordHarness
from tests.support.llm_server import ScriptedLLMServer, Text, drain_litellm, llm_server
from tests.support.pipeline_script import PipelineScript

__all__ = ["drain_litellm", "llm_server"]

KEY = "sk-operator-0123456789abcdef"
LAB = 1_000_000_000_000_000_101
SHOP = 1_000_000_000_000_000_202

STEP = json.dumps(
    {
        "summary": "set up the repository",
        "status": "done",
        "edits": [
            {
                "file": "devplan.md",
                "anchor": "PROGRESS_LOG",
                "action": "append",
                "content": "- 1.1: repository created on the lab's own model",
            },
            {
                "file": "handoff.md",
                "anchor": "HANDOFF_NOTES",
                "action": "append",
                "content": "- The lab model wrote this step.",
            },
        ],
    }
)


@pytest.fixture(autouse=True)
def _always_drain_litellm(drain_litellm: None) -> None:
    """Lab's steps call litellm: drain its background logging after each test."""


@pytest.fixture(autouse=True)
def _all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    # The operator has an OpenAI key; both guilds start on the offline provider.
    # The scripted server listens on 127.0.0.1: allow private hosts for these tests.
    built = await build_app(settings_for(tmp_path, llm_api_key=Secret(KEY), allow_private_llm_hosts=True))
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def lab(app: App) -> DiscordHarness:
    return DiscordHarness(app, guild_id=LAB)


@pytest.fixture
def shop(app: App) -> DiscordHarness:
    return DiscordHarness(app, guild_id=SHOP)


def _interview_answers(app: App, project_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads(app.store.open(project_id).read("interview.json"))
    return answers


def _assert_no_key(harness: DiscordHarness, server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    for event in harness.outbox.events:
        assert KEY not in json.dumps(event, default=str)
    assert KEY not in caplog.text
    for request in server.requests:
        assert KEY not in json.dumps(request.headers) + json.dumps(request.body)


async def test_a_guilds_run_and_step_reach_its_endpoint_and_another_guilds_do_not(
    app: App,
    lab: DiscordHarness,
    shop: DiscordHarness,
    llm_server: ScriptedLLMServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=llm_server.base_url)
    reply = lab.outbox.last()
    assert reply["ephemeral"]
    assert f"Endpoint: `127.0.0.1:{llm_server.port}`" in lab.outbox.text(reply)
    assert "Provider: `openai`" in lab.outbox.text(reply)

    # Lab: the whole run goes to its server, with the provider's default model.
    thread = await interview(lab, ALICE, "Lab Tool")
    script = PipelineScript(_interview_answers(app, "lab-tool"))
    llm_server.route(script)
    lab.outbox.clear()
    await lab.command("devussy run", ALICE, channel=thread)
    assert lab.outbox.last()["embeds"][0]["title"] == "Plan ready: lab-tool"
    run_requests = len(llm_server.requests)
    assert run_requests >= 5
    assert {"complexity", "design", "validation", "devplan", "phase"} <= set(script.seen), script.seen
    assert {r.body["model"] for r in llm_server.requests} == {"gpt-4o-mini"}
    run = await app.db.runs.latest("lab-tool")
    assert run is not None and (run.provider, run.model, run.guild_id) == ("openai", "gpt-4o-mini", LAB)
    assert app.store.open("lab-tool").log("main", limit=1)[0].trailers["Devussy-Model"] == "gpt-4o-mini"

    # Lab: a handoff-next step too.
    llm_server.route(None)
    llm_server.enqueue(Text(STEP, prompt_tokens=300, completion_tokens=40))
    await lab.command("devussy handoff-next", ALICE, channel=thread, note="repo is up")
    assert len(llm_server.requests) == run_requests + 1
    head = app.store.open("lab-tool").log("main", limit=1)[0]
    assert head.subject == "handoff-next 1.1: set up the repository"
    assert "The lab model wrote this step." in app.store.open("lab-tool").read("handoff.md")

    # Shop: the offline provider for its run and its step; the server hears nothing.
    shop_thread = await planned(shop, ALICE, "Shop API")
    await shop.command("devussy handoff-next", ALICE, channel=shop_thread)
    assert app.store.open("shop-api").log("main", limit=1)[0].trailers["Devussy-Model"] == "offline"
    assert len(llm_server.requests) == run_requests + 1
    await shop.command("devussy version", ALICE)
    assert shop.outbox.last()["content"].endswith("LLM for this server: `offline` / `offline`")

    # The key for openai is the operator's; a guild's endpoint never receives it.
    assert all(r.headers.get("authorization") == "Bearer no-key" for r in llm_server.requests)
    _assert_no_key(lab, llm_server, caplog)
    _assert_no_key(shop, llm_server, caplog)


async def test_the_endpoint_is_kept_in_the_guilds_profile_and_cleared_with_default(
    app: App, lab: DiscordHarness, shop: DiscordHarness
) -> None:
    base = "http://10.1.2.3:8000/v1"
    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=base)
    await lab.command("devussy admin set-model", ADMIN, model="llama-3.1-70b")
    stored = await app.db.profiles.get(services.guild_profile_name(LAB))
    assert stored is not None
    assert (stored.provider, stored.model, stored.api_base) == ("openai", "llama-3.1-70b", base)
    assert "Endpoint: `10.1.2.3:8000`" in lab.outbox.text()
    await lab.command("devussy version", ALICE)
    assert lab.outbox.last()["content"].endswith("`openai` / `llama-3.1-70b` at `10.1.2.3:8000`")
    # Shop neither sees nor uses lab's endpoint.
    assert (await services.effective_config(app, SHOP)).api_base is None
    assert await services.guild_api_base(app, SHOP, "openai") is None

    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url="default")
    assert "Endpoint: the provider's own" in lab.outbox.text()
    assert (await services.effective_config(app, LAB)).api_base is None

    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=base)
    await lab.command("devussy admin set-provider", ADMIN, provider="openai")
    assert (await services.effective_config(app, LAB)).api_base is None
    stored = await app.db.profiles.get(services.guild_profile_name(LAB))
    assert stored is not None and stored.api_base is None


async def test_an_endpoint_saved_for_one_provider_does_not_follow_another(app: App, lab: DiscordHarness) -> None:
    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url="http://10.1.2.3:8000/v1")
    # Changing the provider afterwards (e.g. straight in the settings) leaves the endpoint behind.
    await app.db.guilds.set(LAB, provider="offline", model=None)
    config = await services.effective_config(app, LAB)
    assert (config.provider, config.api_base) == ("offline", None)
    assert (await services.llm_client_for(app, provider=None, model=None, guild_id=LAB)).profile.provider == "offline"


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        (f"https://admin:{KEY}@llm.example.com/v1", "must not contain a user or password"),
        (f"https://llm.example.com/v1?api_key={KEY}", "must not have a query or fragment"),
        (f"https://llm.example.com/v1#{KEY}", "must not have a query or fragment"),
        ("ftp://llm.example.com/v1", "starts with http:// or https://"),
    ],
)
async def test_a_bad_or_key_carrying_base_url_is_refused_and_not_echoed(
    app: App, lab: DiscordHarness, base_url: str, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=base_url)
    reply = lab.outbox.last()
    assert reply["ephemeral"] and problem in reply["content"]
    assert KEY not in json.dumps(lab.outbox.events, default=str)
    assert KEY not in caplog.text
    assert await app.db.profiles.list() == []
    assert (await app.db.guilds.get(LAB)).provider is None


async def test_offline_takes_no_base_url_and_only_admins_set_one(app: App, lab: DiscordHarness) -> None:
    await lab.command("devussy admin set-provider", ADMIN, provider="offline", base_url="http://127.0.0.1:1/v1")
    assert "offline provider runs inside the bot" in lab.outbox.last()["content"]
    await lab.command("devussy admin set-provider", ALICE, provider="openai", base_url="http://127.0.0.1:1/v1")
    assert "Only members with Manage Server" in lab.outbox.last()["content"]
    assert await app.db.profiles.list() == []


async def test_a_runner_bot_refuses_to_run_a_guild_with_its_own_endpoint(app: App) -> None:
    # The runner's API has no endpoint field: the run must not silently go elsewhere.
    executor = build_executor(app.settings.with_(runner_url="http://127.0.0.1:9"))
    harness = DiscordHarness(app.with_executor(executor), guild_id=LAB)
    try:
        await harness.command("devussy admin set-provider", ADMIN, provider="openai", base_url="http://10.0.0.1/v1")
        thread = await interview(harness, ALICE, "Lab Tool")
        harness.outbox.clear()
        await harness.command("devussy run", ALICE, channel=thread)
    finally:
        await executor.aclose()
    assert "cannot use this server's base URL" in harness.outbox.last()["content"]
    assert await app.db.runs.latest("lab-tool") is None


async def test_the_operators_own_endpoint_gets_its_key_which_still_shows_nowhere(
    tmp_path: Path, llm_server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The operator runs its server at the same origin; a guild may choose another path there.
    settings = settings_for(
        tmp_path, llm_api_key=Secret(KEY), llm_api_base=f"http://127.0.0.1:{llm_server.port}/"
    ).with_(llm_provider="offline", llm_model="offline")
    built = await build_app(settings)
    try:
        lab = DiscordHarness(built, guild_id=LAB)
        await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=llm_server.base_url)
        thread = await interview(lab, ALICE, "Lab Tool")
        llm_server.route(PipelineScript(_interview_answers(built, "lab-tool")))
        await lab.command("devussy run", ALICE, channel=thread)
        assert lab.outbox.last()["embeds"][0]["title"] == "Plan ready: lab-tool"
        assert {r.headers.get("authorization") for r in llm_server.requests} == {f"Bearer {KEY}"}
        for event in lab.outbox.events:
            assert KEY not in json.dumps(event, default=str)
        assert KEY not in caplog.text
        stored = await built.db.profiles.list()
        assert KEY not in repr(stored)
    finally:
        await built.close()


async def test_a_guild_cannot_point_the_bot_at_private_addresses(tmp_path: Path) -> None:
    built = await build_app(settings_for(tmp_path, llm_api_key=Secret(KEY)))
    try:
        lab = DiscordHarness(built, guild_id=LAB)
        for url in (
            "http://127.0.0.1:9/v1",
            "http://169.254.169.254/v1",
            "http://10.1.2.3/v1",
            "http://localhost:8/v1",
        ):
            await lab.command("devussy admin set-provider", ADMIN, provider="openai", base_url=url)
            assert "private or local address" in lab.outbox.last()["content"], url
        assert await built.db.profiles.get(services.guild_profile_name(LAB)) is None
    finally:
        await built.close()
