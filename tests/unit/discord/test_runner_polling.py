"""Polling the runner: backoff that doubles, resets on progress, survives blips, gives up."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from devussy_git.config import Secret
from devussy_git.errors import RunnerUnavailableError, UnavailableError
from devussy_git.runner_client import RunnerClient, RunnerStatus
from devussy_git.services import summarise_run


def status(state: str, stage: str | None = None) -> dict[str, Any]:
    return {"run_id": "r1", "project_id": "p", "state": state, "stage": stage, "stages": [], "error": None}


def scripted(replies: list[Any]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return httpx.Response(200, json=reply)

    return httpx.MockTransport(handle), seen


async def test_wait_backs_off_resets_on_change_and_reports_each_status() -> None:
    replies = [status("running", "design")] * 4 + [status("running", "devplan")] * 2 + [status("completed")]
    transport, seen = scripted(list(replies))
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    changes: list[str | None] = []
    async with RunnerClient(
        "http://runner", Secret("tok"), transport=transport, sleep=sleep, poll_initial_s=0.5, poll_max_s=2.0
    ) as runner:
        final = await runner.wait("r1", on_status=lambda s: changes.append(s.stage))
    assert final.done and final.state == "completed"
    assert delays == [0.5, 1.0, 2.0, 2.0, 0.5, 1.0]
    assert changes == ["design", "devplan", None]
    assert seen[0].headers["authorization"] == "Bearer tok"


async def test_wait_retries_blips_then_gives_up() -> None:
    blip = httpx.ConnectError("refused")
    transport, _ = scripted([status("running"), blip, blip, status("completed")])

    async def sleep(seconds: float) -> None:
        return None

    async with RunnerClient("http://runner", transport=transport, sleep=sleep) as runner:
        assert (await runner.wait("r1")).state == "completed"
    transport, _ = scripted([blip] * 5)
    async with RunnerClient("http://runner", transport=transport, sleep=sleep) as runner:
        with pytest.raises(RunnerUnavailableError, match="cannot be reached") as caught:
            await runner.wait("r1")
    assert isinstance(caught.value, UnavailableError)  # a face answers 503 / "try again later"


async def test_wait_has_a_deadline() -> None:
    transport, _ = scripted([status("running")] * 10)

    async def sleep(seconds: float) -> None:
        return None

    async with RunnerClient("http://runner", transport=transport, sleep=sleep, poll_initial_s=5) as runner:
        with pytest.raises(RunnerUnavailableError, match="did not finish"):
            await runner.wait("r1", timeout_s=1)


def test_status_equality_drives_change_detection() -> None:
    assert RunnerStatus.from_json(status("running", "a")) == RunnerStatus.from_json(status("running", "a"))


@pytest.mark.parametrize("profile", ["not json", "[1, 2]", json.dumps({"score": "high", "risks": "many"})])
def test_summary_survives_odd_files(profile: str) -> None:
    files = {
        "complexity_profile.json": profile,
        "phase2.md": "# Phase 2: Data\n",
        "phase1.md": "no title",
        "devplan.md": "# Development Plan\n",
    }
    summary = summarise_run("p", "r1", files)
    assert (summary.score, summary.risks) == (None, ())
    assert summary.phases == ((1, "Phase 1"), (2, "Data"))
    assert summary.handoff == ""
