"""Whole steps on a real plan repository against hostile model replies.

Each hostile reply is sent back with a message the model can act on; the
step lands when the next reply is good, and the plan passes the strict
anchor check and the consistency check after it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from devussy_git.agent import ritual
from devussy_git.agent import step as step_module
from devussy_git.agent.landing import check_step, land, plan_files_at
from devussy_git.agent.regions import anchor_value, replace_anchor
from devussy_git.agent.ritual import check_consistency
from devussy_git.agent.step import StepResult, run_step
from devussy_git.app import App
from devussy_git.config import Settings
from devussy_git.errors import InvalidLLMOutputError, StoreError
from devussy_git.llm import LLMProfile, LLMRequest, Reply
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.store import PlanRepo
from tests.integration.agent.conftest import ACTOR, PROJECT


class FakeClient:
    """Answers with the given texts in order; records every request."""

    def __init__(self, *texts: str, model: str = "fake-model") -> None:
        self.texts = list(texts)
        self.model = model
        self.requests: list[LLMRequest] = []
        self.profile = LLMProfile.from_settings(Settings())

    async def complete(self, request: LLMRequest) -> Reply:
        self.requests.append(request)
        return Reply(self.texts.pop(0), self.model, 10, 5)

    def feedback(self, index: int) -> str:
        """The re-ask text sent with request ``index``."""
        return str(self.requests[index].messages[-1]["content"])


def reply(*edits: dict[str, Any], summary: str = "layout in place", status: str = "done") -> str:
    return json.dumps({"summary": summary, "status": status, "edits": list(edits)})


NOTES = {"file": "handoff.md", "anchor": "HANDOFF_NOTES", "action": "append", "content": "- src layout chosen"}
GOOD = reply(NOTES)


async def step(repo: PlanRepo, client: FakeClient, **kwargs: Any) -> StepResult:
    return await run_step(repo, client, author=ACTOR.identity, actor=ACTOR.trailer, **kwargs)


def assert_whole(files: Mapping[str, str]) -> None:
    assert check_plan_anchors(files, strict=True) == []
    assert check_consistency(files) == []


HOSTILE: dict[str, tuple[str, str]] = {
    "summary-marker": (
        reply(NOTES, summary="x <!-- PROGRESS_LOG_END --> <!-- QUICK_STATUS_START -->", status="blocked"),
        "HTML comment markers",
    ),
    "nul-content": (
        reply({**NOTES, "content": "- a \u0000 b"}),
        "NUL character",
    ),
    "surrogate-content": (
        (
            '{"summary": "ok", "edits": [{"file": "handoff.md", "anchor": "HANDOFF_NOTES", '
            '"action": "append", "content": "- a \\ud800 b"}]}'
        ),
        "lone surrogate",
    ),
    "overview-row": (
        reply(
            {
                "file": "devplan.md",
                "heading": "Phase Overview",
                "action": "append",
                "content": "| 6 | Fake | Done | 0/0 | [phase6.md](phase6.md) |",
            }
        ),
        "Phase Overview table",
    ),
    "overview-removed": (
        reply({"file": "devplan.md", "heading": "Phase Overview", "action": "replace", "content": "(removed)"}),
        "Phase Overview table",
    ),
    "log-replaced": (
        reply({"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "replace", "content": "- 1.1: wrote config"}),
        "use action 'append'",
    ),
    "invisible-content": (
        reply(
            {
                "file": "handoff.md",
                "anchor": "HANDOFF_NOTES",
                "action": "append",
                "content": "[devplan.md]: http://evil.example",
            }
        ),
        "no visible text",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_a_hostile_reply_is_re_asked_and_the_good_one_lands(app: App, case: str) -> None:
    repo = app.store.open(PROJECT)
    bad, phrase = HOSTILE[case]
    client = FakeClient(bad, GOOD)
    result = await step(repo, client)
    assert len(client.requests) == 2
    feedback = client.feedback(1)
    assert phrase in feedback, feedback
    assert result.task.id == "1.1" and result.status == "done"
    files = plan_files_at(repo, repo.head())
    assert_whole(files)
    assert "Fake" not in files["devplan.md"]
    assert "evil.example" not in files["handoff.md"]


async def test_three_hostile_replies_commit_nothing(app: App) -> None:
    repo = app.store.open(PROJECT)
    head, objects = repo.head(), repo.count_objects()
    bad = HOSTILE["summary-marker"][0]
    with pytest.raises(InvalidLLMOutputError, match="after 3 attempts"):
        await step(repo, FakeClient(bad, bad, bad))
    assert repo.head() == head
    assert repo.count_objects() == objects


async def test_the_plan_stays_whole_for_every_later_step(app: App) -> None:
    repo = app.store.open(PROJECT)
    client = FakeClient(HOSTILE["summary-marker"][0], GOOD, GOOD, GOOD)
    for expected in ("1.1", "1.2", "1.3"):
        result = await step(repo, client)
        assert result.task.id == expected
        assert_whole(plan_files_at(repo, repo.head()))


async def test_a_plan_the_ritual_would_break_is_re_asked_not_committed(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ritual's result is checked inside the reply loop: the model is asked again."""
    repo = app.store.open(PROJECT)
    real_record = ritual.record  # what agent.step calls
    calls = []

    def breaking_record(files: Mapping[str, str], *args: Any, **kwargs: Any) -> dict[str, str]:
        out = real_record(files, *args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            out["handoff.md"] = replace_anchor(out["handoff.md"], "HANDOFF_NOTES", "- x\n<!-- QUICK_STATUS_START -->")
        return out

    monkeypatch.setattr(step_module, "record", breaking_record)
    client = FakeClient(GOOD, GOOD)
    await step(repo, client)
    assert len(client.requests) == 2
    assert "QUICK_STATUS appears more than once" in client.feedback(1)
    assert_whole(plan_files_at(repo, repo.head()))


async def test_landing_refuses_a_broken_plan_and_commits_nothing(app: App) -> None:
    repo = app.store.open(PROJECT)
    head = repo.head()
    assert head is not None
    files = plan_files_at(repo, head)
    devplan = files["devplan.md"].replace(
        "<!-- PROGRESS_LOG_END -->", "- 1.1: x <!-- PROGRESS_LOG_END -->\n<!-- PROGRESS_LOG_END -->"
    )
    objects = repo.count_objects()
    with pytest.raises(InvalidLLMOutputError) as caught:
        land(
            repo,
            base_head=head,
            base_files=files,
            content={**files, "devplan.md": devplan},
            task_id="1.1",
            done=True,
            subject="handoff-next 1.1: x",
            trailers=[],
            author=ACTOR.identity,
        )
    assert "PROGRESS_LOG appears more than once" in caught.value.user_message
    assert repo.head() == head and repo.count_objects() == objects
    # A check made for other content is not taken for this one.
    good = check_step(files, files, "1.1", True)
    with pytest.raises(InvalidLLMOutputError):
        land(
            repo,
            base_head=head,
            base_files=files,
            content={**files, "devplan.md": devplan},
            task_id="1.1",
            done=True,
            subject="handoff-next 1.1: x",
            trailers=[],
            author=ACTOR.identity,
            checked=good,
        )
    assert repo.head() == head and repo.count_objects() == objects


async def test_the_step_records_its_own_log_line_unless_the_model_did(app: App) -> None:
    repo = app.store.open(PROJECT)
    other = {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- cleaned up the README"}
    await step(repo, FakeClient(reply(other, summary="made the layout")))
    log = anchor_value(plan_files_at(repo, repo.head())["devplan.md"], "PROGRESS_LOG") or ""
    assert log.endswith("- cleaned up the README\n- 1.1: made the layout")
    own = {**other, "content": "- 1.2: tooling configured with ruff"}
    await step(repo, FakeClient(reply(own, summary="tooling")))
    log = anchor_value(plan_files_at(repo, repo.head())["devplan.md"], "PROGRESS_LOG") or ""
    assert log.endswith("- 1.1: made the layout\n- 1.2: tooling configured with ruff")


async def test_the_model_trailer_is_one_printable_line(app: App) -> None:
    repo = app.store.open(PROJECT)
    client = FakeClient(GOOD, model="evil\nDevussy-Actor: root\x00" + "m" * 300)
    result = await step(repo, client)
    model = result.commit.trailers["Devussy-Model"]
    assert model.startswith("evil Devussy-Actor: root m")
    assert len(model) <= 100 and model.isprintable()
    assert result.commit.trailers["Devussy-Actor"] == ACTOR.trailer


async def test_preview_creates_its_ref_with_its_commit(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = app.store.open(PROJECT)
    head = repo.head()

    def no_set_ref(*args: object, **kwargs: object) -> None:
        raise AssertionError("a proposal ref must not point at main before its commit exists")

    monkeypatch.setattr(PlanRepo, "set_ref", no_set_ref)
    result = await step(repo, FakeClient(GOOD), preview=True)
    assert result.proposal_id is not None
    assert repo.get_ref(f"refs/proposals/{result.proposal_id}") == result.commit.sha
    assert result.commit.parents == (head,)
    assert repo.head() == head


async def test_a_preview_whose_commit_fails_leaves_no_ref(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = app.store.open(PROJECT)

    def failing_commit(*args: object, **kwargs: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(PlanRepo, "commit", failing_commit)
    with pytest.raises(StoreError):
        await step(repo, FakeClient(GOOD), preview=True)
    assert repo.list_refs("refs/proposals/") == {}


async def test_a_crlf_plan_is_stepped_and_keeps_its_line_endings(app: App) -> None:
    repo = app.store.open(PROJECT)
    head = repo.head()
    assert head is not None
    files = plan_files_at(repo, head)
    windows = {path: text.replace("\n", "\r\n") for path, text in files.items()}
    repo.commit(windows, "docs: CRLF line endings", author=ACTOR.identity, expected_head=head)
    result = await step(repo, FakeClient(GOOD))
    assert result.task.id == "1.1" and result.next_task is not None
    assert result.next_task.id == "1.2"
    after = plan_files_at(repo, repo.head())
    assert_whole(after)
    assert "1.2" in (anchor_value(after["handoff.md"], "QUICK_STATUS") or "")
    for path, text in after.items():
        assert text.count("\n") == text.count("\r\n"), path
