"""handoff-next through litellm's real HTTP path against a scripted model on 127.0.0.1.

Each bad reply is sent back with a message a model can act on, and the step
lands when the next reply is good; three bad replies commit nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devussy_git.app import App
from devussy_git.errors import InvalidLLMOutputError
from devussy_git.services import handoff_next
from tests.integration.agent.conftest import ACTOR, PROJECT
from tests.support.llm_server import ScriptedLLMServer, Text


def reply(*edits: dict[str, Any], summary: str = "add the project layout", status: str = "done") -> str:
    return json.dumps({"summary": summary, "status": status, "edits": list(edits)})


GOOD = reply(
    {
        "file": "devplan.md",
        "anchor": "PROGRESS_LOG",
        "action": "append",
        "content": "- 1.1: repository created with src layout",
    },
    {
        "file": "phase1.md",
        "anchor": "PHASE_OUTCOMES",
        "action": "append",
        "content": "- src/ layout, README and .gitignore in place",
    },
    {
        "file": "handoff.md",
        "anchor": "HANDOFF_NOTES",
        "action": "append",
        "content": "- Use `make check` before committing.",
    },
)


def _feedback(server: ScriptedLLMServer, index: int) -> str:
    """The last user message of request ``index`` (the re-ask text)."""
    messages = server.requests[index].body["messages"]
    assert messages[-1]["role"] == "user"
    return str(messages[-1]["content"])


async def test_good_reply_lands_one_commit_with_trailers(scripted_app: App, llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text(GOOD, prompt_tokens=812, completion_tokens=95))
    result = await handoff_next(scripted_app, PROJECT, actor=ACTOR, note="layout done")
    info = result.commit
    assert info.subject == "handoff-next 1.1: add the project layout"
    assert info.author.name == "Test Person"
    assert info.trailers["Devussy-Stage"] == "handoff-next"
    assert info.trailers["Devussy-Task"] == "1.1"
    assert info.trailers["Devussy-Step"] == "1"
    assert info.trailers["Devussy-Tokens"] == "in=812, out=95"
    assert info.trailers["Devussy-Actor"] == "cli:tester"
    assert info.trailers["Devussy-Model"]
    assert result.next_task is not None and result.next_task.id == "1.2"
    assert "+- [x] 1.1:" in result.diff.patch
    assert "+- Use `make check` before committing." in result.diff.patch
    # The note and the protocol's slices reach the model; PROGRESS_LOG does not.
    prompt = _feedback(llm_server, 0)
    assert "layout done" in prompt and "QUICK_STATUS" in prompt
    assert "Plan created:" not in prompt


async def test_prose_with_a_fenced_json_block_is_accepted(scripted_app: App, llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text(f"Sure! Here are the edits:\n\n```json\n{GOOD}\n```\n\nLet me know."))
    result = await handoff_next(scripted_app, PROJECT, actor=ACTOR)
    assert result.task.id == "1.1" and result.status == "done"
    assert len(llm_server.requests) == 1


BAD_REPLIES = {
    "missing anchor": (
        reply({"file": "devplan.md", "anchor": "PROGRES_LOG", "action": "append", "content": "- x"}),
        ["no anchor PROGRES_LOG in devplan.md", "anchor PROGRESS_LOG"],
    ),
    "file outside the plan": (
        reply({"file": "../x.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- x"}),
        ["../x.md"],
    ),
    "git config": (
        reply({"file": ".git/config", "heading": "core", "action": "append", "content": "x"}),
        [".git/config"],
    ),
    "removed anchor": (
        reply({"file": "phase1.md", "heading": "Outcomes", "action": "replace", "content": "Everything went fine."}),
        ["PHASE_OUTCOMES"],
    ),
    "oversize content": (
        reply({"file": "handoff.md", "anchor": "HANDOFF_NOTES", "action": "append", "content": "- " + "x" * 9000}),
        ["the limit is 8,000"],
    ),
    "invalid json": ('{"summary": "oops", "edits": [', ["no valid JSON object"]),
    "ritual anchor": (
        reply({"file": "handoff.md", "anchor": "QUICK_STATUS", "action": "replace", "content": "- all done"}),
        ["QUICK_STATUS", "Devussy updates those itself"],
    ),
    "wrong shape": (json.dumps({"summary": "", "status": "finished", "edits": []}), ["summary", "status"]),
}


@pytest.mark.parametrize("case", sorted(BAD_REPLIES))
async def test_bad_reply_is_re_asked_with_an_actionable_message(
    scripted_app: App, llm_server: ScriptedLLMServer, case: str
) -> None:
    bad, phrases = BAD_REPLIES[case]
    llm_server.enqueue(Text(bad), Text(GOOD))
    result = await handoff_next(scripted_app, PROJECT, actor=ACTOR)
    assert result.task.id == "1.1"
    assert len(llm_server.requests) == 2
    feedback = _feedback(llm_server, 1)
    for phrase in phrases:
        assert phrase in feedback, feedback
    # The bad reply itself was shown back to the model before the complaint.
    assert llm_server.requests[1].body["messages"][-2] == {"role": "assistant", "content": bad}


async def test_ambiguous_heading_is_re_asked_with_the_paths(scripted_app: App, llm_server: ScriptedLLMServer) -> None:
    repo = scripted_app.store.open(PROJECT)
    handoff = repo.read("handoff.md")
    handoff = handoff.replace("## Decisions", "### Notes\n\nSee below.\n\n## Decisions").replace(
        "## Blockers", "### Notes\n\nNone yet.\n\n## Blockers"
    )
    repo.commit({"handoff.md": handoff}, "docs: add notes", author=ACTOR.identity, expected_head=repo.head())
    ambiguous = reply({"file": "handoff.md", "heading": "Notes", "action": "append", "content": "- x"})
    fixed = reply(
        {"file": "handoff.md", "heading": "Decisions > Notes", "action": "append", "content": "- picked src layout"}
    )
    llm_server.enqueue(Text(ambiguous), Text(fixed))
    result = await handoff_next(scripted_app, PROJECT, actor=ACTOR)
    assert "ambiguous" in _feedback(llm_server, 1)
    assert "Decisions > Notes" in _feedback(llm_server, 1)
    assert "+- picked src layout" in result.diff.patch


async def test_three_bad_replies_commit_nothing(scripted_app: App, llm_server: ScriptedLLMServer) -> None:
    repo = scripted_app.store.open(PROJECT)
    head, objects = repo.head(), repo.count_objects()
    bad = BAD_REPLIES["missing anchor"][0]
    llm_server.enqueue(Text(bad), Text(bad), Text(bad), Text(GOOD))
    with pytest.raises(InvalidLLMOutputError) as caught:
        await handoff_next(scripted_app, PROJECT, actor=ACTOR, preview=True)
    assert "after 3 attempts" in caught.value.user_message
    assert "PROGRES_LOG" in caught.value.user_message
    assert len(llm_server.requests) == 3
    assert repo.head() == head
    assert repo.count_objects() == objects
    assert repo.list_refs("refs/proposals/") == {}


async def test_blocked_reply_keeps_the_task_open_and_names_the_blocker(
    scripted_app: App, llm_server: ScriptedLLMServer
) -> None:
    llm_server.enqueue(Text(reply(summary="waiting for the Stripe test keys", status="blocked")))
    result = await handoff_next(scripted_app, PROJECT, actor=ACTOR)
    assert result.status == "blocked"
    assert result.next_task is not None and result.next_task.id == "1.1"
    handoff = scripted_app.store.open(PROJECT).read("handoff.md")
    assert "- Blockers: 1.1: waiting for the Stripe test keys" in handoff
    # Done later: the blocker leaves QUICK_STATUS, the BLOCKERS history stays.
    llm_server.enqueue(Text(GOOD))
    await handoff_next(scripted_app, PROJECT, actor=ACTOR)
    handoff = scripted_app.store.open(PROJECT).read("handoff.md")
    assert "- Blockers: None known" in handoff
    assert "- 1.1: waiting for the Stripe test keys" in handoff


async def test_provider_and_model_override_the_configured_profile_for_one_step(
    make_app: Any, llm_server: ScriptedLLMServer
) -> None:
    from devussy_git.config import Secret

    app = await make_app(llm_api_base=llm_server.base_url, llm_api_key=Secret("sk-agent-test"))
    assert app.settings.llm_provider == "offline"
    llm_server.enqueue(Text(GOOD))
    result = await handoff_next(app, PROJECT, actor=ACTOR, provider="openai", model="override-model")
    assert llm_server.requests[0].body["model"] == "override-model"
    assert result.commit.trailers["Devussy-Model"] == "override-model"
    offline = await handoff_next(app, PROJECT, actor=ACTOR)
    assert offline.commit.trailers["Devussy-Model"] == "offline"
    assert len(llm_server.requests) == 1
