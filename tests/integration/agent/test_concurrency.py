"""Two handoff-next steps on one project at once never interleave and never lose work."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from devussy_git.agent.landing import plan_files_at
from devussy_git.app import App
from devussy_git.config import Secret
from devussy_git.errors import ConflictError
from devussy_git.plan.files import plan_progress
from devussy_git.services import handoff_next
from tests.integration.agent.conftest import ACTOR, OTHER, PROJECT, git
from tests.integration.agent.test_steps_and_reverts import assert_valid
from tests.support.llm_server import ScriptedLLMServer, Text

_TASK = re.compile(r"Work on task (\d+)\.(\d+)")


def answer_any_task(body: dict[str, Any]) -> Text:
    """A good reply for whichever task the prompt names."""
    prompt = body["messages"][-1]["content"]
    phase, step = _TASK.search(prompt).groups()
    task = f"{phase}.{step}"
    return Text(
        json.dumps(
            {
                "summary": f"finish {task}",
                "status": "done",
                "edits": [
                    {
                        "file": "devplan.md",
                        "anchor": "PROGRESS_LOG",
                        "action": "append",
                        "content": f"- {task}: finished",
                    },
                    {
                        "file": f"phase{phase}.md",
                        "anchor": "PHASE_OUTCOMES",
                        "action": "append",
                        "content": f"- {task} works",
                    },
                ],
            }
        )
    )


def scripted(server: ScriptedLLMServer) -> dict[str, object]:
    return {
        "llm_provider": "openai",
        "llm_model": "scripted-model",
        "llm_api_base": server.base_url,
        "llm_api_key": Secret("sk-agent-test"),
        "llm_max_retries": 1,
    }


async def test_one_process_serialises_steps(app: App) -> None:
    first, second = await asyncio.gather(
        handoff_next(app, PROJECT, actor=ACTOR, note="a"),
        handoff_next(app, PROJECT, actor=OTHER, note="b"),
    )
    assert sorted([first.task.id, second.task.id]) == ["1.1", "1.2"]
    assert sorted([first.step, second.step]) == [1, 2]
    assert_valid(app.store.open(PROJECT))


async def test_two_writers_on_different_tasks_both_land(make_app: Any, llm_server: ScriptedLLMServer) -> None:
    # Two Apps = two in-process locks: only the store's compare-and-swap orders them.
    one, two = await make_app(**scripted(llm_server)), await make_app(**scripted(llm_server))
    llm_server.route(answer_any_task)
    llm_server.delay_all = 0.3
    a, b = await asyncio.gather(
        handoff_next(one, PROJECT, actor=ACTOR, task="1.1"),
        handoff_next(two, PROJECT, actor=OTHER, task="2.1"),
    )
    assert {a.step, b.step} == {1, 2}
    first, second = sorted((a, b), key=lambda r: r.step)
    assert second.commit.parents == (first.commit.sha,)
    repo = one.store.open(PROJECT)
    log = repo.log("main", limit=2)
    assert sorted(i.trailers["Devussy-Task"] for i in log) == ["1.1", "2.1"]
    assert sorted(i.trailers["Devussy-Step"] for i in log) == ["1", "2"]
    devplan = repo.read("devplan.md")
    assert "- 1.1: finished" in devplan and "- 2.1: finished" in devplan
    assert plan_progress(plan_files_at(repo, "main")).done == 2
    assert_valid(repo)
    git(repo.path, "fsck", "--strict")


async def test_two_writers_on_the_same_task_one_is_refused_cleanly(
    make_app: Any, llm_server: ScriptedLLMServer
) -> None:
    one, two = await make_app(**scripted(llm_server)), await make_app(**scripted(llm_server))
    llm_server.route(answer_any_task)
    llm_server.delay_all = 0.3
    results = await asyncio.gather(
        handoff_next(one, PROJECT, actor=ACTOR),
        handoff_next(two, PROJECT, actor=OTHER),
        return_exceptions=True,
    )
    landed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(landed) == 1 and len(refused) == 1
    assert isinstance(refused[0], ConflictError)
    assert "try again" in refused[0].user_message and "1.1" in refused[0].user_message
    repo = one.store.open(PROJECT)
    assert repo.head() == landed[0].commit.sha
    assert_valid(repo)
