"""The prompts each stage sends, for a fixture interview, are snapshot-tested:
a wording change shows up in review as a snapshot diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from devussy_git.llm import LLMRequest, OfflineClient, Reply
from devussy_git.pipeline.prompts import PROMPT_NAMES, load_prompt, render_prompt

ROOT = Path(__file__).parents[3]


class RecordingClient:
    """The offline client, recording every request it answers."""

    def __init__(self) -> None:
        self.inner = OfflineClient()
        self.profile = self.inner.profile
        self.requests: list[LLMRequest] = []

    async def complete(self, request: LLMRequest) -> Reply:
        self.requests.append(request)
        return await self.inner.complete(request)


@pytest.fixture
def recorded(tmp_path: Path) -> list[LLMRequest]:
    """Every request of a full offline run of the shop-api fixture."""
    import asyncio

    from devussy_git.pipeline import PipelineRunner
    from devussy_git.plan import validate_answers
    from devussy_git.store import Identity, PlanStore

    answers = json.loads((ROOT / "fixtures" / "interviews" / "shop-api.json").read_text())
    repo = PlanStore(tmp_path).create("shop-api")
    repo.commit(
        {"interview.json": validate_answers(answers).to_json()},
        "interview: answers for shop-api",
        author=Identity("T", "t@example.invalid"),
        trailers=[("Devussy-Stage", "interview")],
        expected_head=None,
    )
    client = RecordingClient()
    runner = PipelineRunner(client, max_concurrent_phases=1)
    asyncio.run(runner.run(repo, "snap", author=Identity("T", "t@example.invalid"), actor="cli:t"))
    return client.requests


def test_every_stage_prompt_matches_its_snapshot(recorded: list[LLMRequest], snapshot: SnapshotAssertion) -> None:
    stages = [r.stage for r in recorded]
    assert stages[:4] == ["complexity", "design", "validation", "devplan"]
    assert set(stages[4:]) == {"phase"}
    for request in recorded:
        assert request.messages[0]["role"] == "system"
        assert request.messages[1]["content"].startswith(f"Stage: {request.stage}")
    rendered: list[Any] = [{"stage": r.stage, "messages": [dict(m) for m in r.messages]} for r in recorded[:6]]
    assert rendered == snapshot


@pytest.mark.parametrize("name", [n for n in PROMPT_NAMES if n != "system"])
def test_prompts_name_their_stage_and_have_no_unknown_placeholders(name: str) -> None:
    text = load_prompt(name)
    assert text.startswith("Stage: ")
    with pytest.raises(KeyError):
        render_prompt(name, {})
