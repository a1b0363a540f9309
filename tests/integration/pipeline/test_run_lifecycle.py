"""Run states stay true whatever stops a run, and nothing waits on a running one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.errors import LLMUnavailableError, RunAlreadyActiveError
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git, trailers_of
from tests.support.llm_server import ScriptedLLMServer, Status
from tests.support.pipeline_script import PipelineScript

ACTOR = services.Actor("cli", "lee", "Lee", "lee@example.invalid")


async def test_resume_can_switch_to_another_provider(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override("design", Status(401))
    llm_server.route(script)
    app = await build_app(make_settings(tmp_path, llm_server.env()))
    try:
        await services.create_project(app, "swap", answers, actor=ACTOR)
        with pytest.raises(LLMUnavailableError):
            await services.run_project(app, "swap", actor=ACTOR)
        await services.run_project(app, "swap", actor=ACTOR, resume=True, provider="offline")
    finally:
        await app.close()
    repo = tmp_path / "repos" / "swap.git"
    shas = git(repo, "log", "--format=%H", "main").splitlines()
    assert trailers_of(repo, shas[-2])["Devussy-Model"] == "scripted-model"  # complexity, before
    assert trailers_of(repo, shas[0])["Devussy-Model"] == "offline"  # handoff, after the switch


async def test_a_run_that_cannot_start_is_failed_not_left_queued(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    keyed = await build_app(make_settings(tmp_path, llm_server.env()))
    try:
        await services.create_project(keyed, "nokey", answers, actor=ACTOR)
        record = await services.start_run(keyed, "nokey", actor=ACTOR)
    finally:
        await keyed.close()
    keyless = await build_app(make_settings(tmp_path, {"LLM_DEFAULT_PROVIDER": "offline"}))
    try:
        with pytest.raises(LLMUnavailableError, match="LLM_API_KEY"):
            await services.execute_run(keyless, record.run_id, actor=ACTOR)
        run = await services.get_run(keyless, record.run_id)
        assert run.state == "failed" and run.resumable
        # The project is not blocked: a new run can start.
        await services.run_project(keyless, "nokey", actor=ACTOR)
    finally:
        await keyless.close()


async def test_a_failing_progress_display_does_not_stop_the_run(app: App, answers: dict[str, Any]) -> None:
    await services.create_project(app, "pipe", answers, actor=ACTOR)

    def broken(event: Any) -> None:
        raise BrokenPipeError("the reader went away")

    outcome = await services.run_project(app, "pipe", actor=ACTOR, on_progress=broken)
    assert (await services.get_run(app, outcome.run_id)).state == "completed"


async def test_revert_and_interview_updates_refuse_at_once_while_a_run_is_queued(
    app: App, answers: dict[str, Any]
) -> None:
    await services.create_project(app, "busy", answers, actor=ACTOR)
    await services.run_project(app, "busy", actor=ACTOR)
    await services.start_run(app, "busy", actor=ACTOR)
    with pytest.raises(RunAlreadyActiveError):
        await services.revert(app, "busy", actor=ACTOR, rev="main")
    with pytest.raises(RunAlreadyActiveError):
        await services.update_interview(app, "busy", answers, actor=ACTOR)


async def test_handoff_next_refuses_at_once_while_a_run_is_queued(app: App, answers: dict[str, Any]) -> None:
    await services.create_project(app, "busy2", answers, actor=ACTOR)
    await services.run_project(app, "busy2", actor=ACTOR)
    parked = await services.handoff_next(app, "busy2", actor=ACTOR, preview=True)
    await services.start_run(app, "busy2", actor=ACTOR)
    with pytest.raises(RunAlreadyActiveError):
        await services.handoff_next(app, "busy2", actor=ACTOR, note="x")
    with pytest.raises(RunAlreadyActiveError):
        await services.apply_proposal(app, "busy2", str(parked.proposal_id), actor=ACTOR)
    # A preview writes only a proposal ref, so it is still allowed.
    await services.handoff_next(app, "busy2", actor=ACTOR, preview=True)


async def test_a_repo_removed_by_hand_can_be_created_again(app: App, answers: dict[str, Any]) -> None:
    import shutil

    await services.create_project(app, "again", answers, actor=ACTOR)
    shutil.rmtree(app.store.path_of("again"))
    created = await services.create_project(app, "again", {**answers, "project_name": "Again"}, actor=ACTOR)
    assert created.commit.subject == "interview: answers for again"
    assert (await services.get_project(app, "again")).name == "Again"


@pytest.mark.parametrize(
    ("note", "problem"),
    [("fix <!-- x -->", "comment markers"), ("a\x00b", "control characters"), ("x" * 4001, "under 4000")],
)
async def test_a_note_the_plan_cannot_hold_is_refused_before_any_model_call(
    app: App, answers: dict[str, Any], note: str, problem: str
) -> None:
    from devussy_git.errors import InvalidInputError

    await services.create_project(app, "notes", answers, actor=ACTOR)
    await services.run_project(app, "notes", actor=ACTOR)
    head = app.store.open("notes").head()
    with pytest.raises(InvalidInputError, match=problem):
        await services.handoff_next(app, "notes", actor=ACTOR, note=note)
    assert app.store.open("notes").head() == head
