"""The pipeline through litellm's real HTTP path against a scripted server.

Each failure must leave ``main`` on the last completed stage's commit, keep the
run resumable, and say clearly what went wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import build_app
from devussy_git.errors import InvalidLLMOutputError, LLMUnavailableError
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Status, Text
from tests.support.pipeline_script import PipelineScript, stage_of

ACTOR = services.Actor("cli", "bob", "Bob", "bob@example.invalid")
KEY = "sk-scripted-secret-123"


async def _app(tmp_path: Path, server: ScriptedLLMServer, **env: str) -> Any:
    return await build_app(make_settings(tmp_path, {**server.env(key=KEY), **env}))


def _stages_on_main(repo: Path) -> list[str]:
    return [s.split(":", 1)[0] for s in reversed(git(repo, "log", "--format=%s", "main").splitlines())]


def _stages_of_run(repo: Path) -> list[str]:
    """The stages a run that has not landed committed on its ``refs/runs/<id>``."""
    (ref,) = git(repo, "for-each-ref", "--format=%(refname)", "refs/runs").split()
    return [s.split(":", 1)[0] for s in reversed(git(repo, "log", "--format=%s", ref).splitlines())]


async def test_scripted_run_completes_and_sends_the_key_only_as_bearer(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "shop", answers, actor=ACTOR)
        outcome = await services.run_project(app, "shop", actor=ACTOR)
    finally:
        await app.close()
    repo = tmp_path / "repos" / "shop.git"
    assert _stages_on_main(repo)[-1] == "handoff"
    phases = outcome.plan.complexity.phase_count
    assert script.seen.count("phase") == phases
    headers, body = llm_server.requests[0]
    assert headers.get("authorization") == f"Bearer {KEY}" or headers.get("Authorization") == f"Bearer {KEY}"
    assert body["model"] == "scripted-model"
    log = git(repo, "log", "--format=%B", "main")
    assert "Devussy-Model: scripted-model" in log
    assert KEY not in log


async def test_rate_limit_is_retried(tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]) -> None:
    script = PipelineScript(answers)
    script.override("design", Status(429))
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "rl", answers, actor=ACTOR)
        await services.run_project(app, "rl", actor=ACTOR)
    finally:
        await app.close()
    assert script.seen.count("design") == 2
    assert _stages_on_main(tmp_path / "repos" / "rl.git")[-1] == "handoff"


async def test_server_errors_fail_the_stage_and_the_run_resumes(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override("design", Status(500), Status(500), Status(500))
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    repo = tmp_path / "repos" / "err.git"
    try:
        await services.create_project(app, "err", answers, actor=ACTOR)
        with pytest.raises(LLMUnavailableError) as caught:
            await services.run_project(app, "err", actor=ACTOR)
        assert "500" in caught.value.user_message
        assert KEY not in caught.value.user_message
        assert _stages_on_main(repo) == ["interview"]
        assert _stages_of_run(repo) == ["interview", "complexity"]
        run = await app.db.runs.latest("err")
        assert run is not None and run.state == "failed" and run.resumable
        assert {s.name: s.state for s in run.stages}["design"] == "failed"

        outcome = await services.run_project(app, "err", actor=ACTOR, resume=True)
        assert outcome.run_id == run.run_id
    finally:
        await app.close()
    stages = _stages_on_main(repo)
    assert stages == ["interview", "complexity", "design", "validation", "devplan", "phases", "handoff"]
    git(repo, "fsck", "--strict")


async def test_unauthorised_is_not_retried(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override("complexity", Status(401))
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "auth", answers, actor=ACTOR)
        with pytest.raises(LLMUnavailableError):
            await services.run_project(app, "auth", actor=ACTOR)
    finally:
        await app.close()
    assert script.seen.count("complexity") == 1
    assert _stages_on_main(tmp_path / "repos" / "auth.git") == ["interview"]


async def test_timeout_is_retried_then_fails_clearly(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    slow = Delay(3.0, Text("late"))
    script.override("complexity", slow, slow)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server, LLM_TIMEOUT_S="0.5", LLM_MAX_RETRIES="2")
    try:
        await services.create_project(app, "slow", answers, actor=ACTOR)
        with pytest.raises(LLMUnavailableError) as caught:
            await services.run_project(app, "slow", actor=ACTOR)
    finally:
        await app.close()
    assert "imeout" in caught.value.user_message or "timed out" in caught.value.user_message
    assert script.seen.count("complexity") == 2
    assert _stages_on_main(tmp_path / "repos" / "slow.git") == ["interview"]


async def test_unparseable_devplan_is_re_asked_then_fails(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    junk = Text("Sure! Here is a great plan: do everything, then ship it.")
    script.override("devplan", junk, junk, junk)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "junk", answers, actor=ACTOR)
        with pytest.raises(InvalidLLMOutputError) as caught:
            await services.run_project(app, "junk", actor=ACTOR)
    finally:
        await app.close()
    assert "devplan" in caught.value.user_message and "3 attempts" in caught.value.user_message
    devplan_requests = [body for _, body in llm_server.requests if stage_of(body) == "devplan"]
    assert len(devplan_requests) == 3
    # The re-ask carries the parser's explanation back to the model.
    assert devplan_requests[1]["messages"][-1]["content"].startswith("Your reply could not be used")
    assert _stages_on_main(tmp_path / "repos" / "junk.git") == ["interview"]
    assert _stages_of_run(tmp_path / "repos" / "junk.git") == ["interview", "complexity", "design", "validation"]


async def test_unparseable_devplan_then_good_reply_succeeds(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override("devplan", Text("no phases here"))
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "retry", answers, actor=ACTOR)
        await services.run_project(app, "retry", actor=ACTOR)
    finally:
        await app.close()
    assert script.seen.count("devplan") == 2
    assert _stages_on_main(tmp_path / "repos" / "retry.git")[-1] == "handoff"


async def test_unusable_complexity_refinement_keeps_the_rubric_and_says_so(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    junk = Text("I think it is quite complex.")
    script.override("complexity", junk, junk, junk)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "cx", answers, actor=ACTOR)
        outcome = await services.run_project(app, "cx", actor=ACTOR)
    finally:
        await app.close()
    profile = json.loads(git(tmp_path / "repos" / "cx.git", "show", "main:complexity_profile.json"))
    assert profile == {**PipelineScript(answers).context["complexity"], "rationale": profile["rationale"]}
    assert "not usable" in profile["rationale"]
    assert outcome.plan.complexity.phase_count == profile["phase_count"]


async def test_review_asking_for_changes_revises_the_design_and_records_it(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    script.override(
        "validation",
        Text(
            "Verdict: needs-changes\n\n## Review\n\nThe design ignores refunds.\n\n"
            "## Issues\n\n- Add a refunds flow with Stripe webhooks\n"
        ),
    )
    revised = script.context["design"].replace(
        "## Objectives\n", "## Objectives\n\n- Refunds through Stripe webhooks, idempotent\n", 1
    )
    assert revised != script.context["design"]
    script.override("design-revision", Text(revised))
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    try:
        await services.create_project(app, "rev", answers, actor=ACTOR)
        await services.run_project(app, "rev", actor=ACTOR)
    finally:
        await app.close()
    assert script.seen[:5] == ["complexity", "design", "validation", "design-revision", "validation"]
    repo = tmp_path / "repos" / "rev.git"
    report = git(repo, "show", "main:validation_report.md")
    assert "after 2 review rounds" in report
    assert "## Corrections" in report and "Add a refunds flow with Stripe webhooks" in report
    # The revised design is committed with the validation stage.
    changed = git(repo, "show", "--name-only", "--format=", "main~3").split()
    assert git(repo, "log", "-1", "--format=%s", "main~3").startswith("validation:")
    assert sorted(changed) == ["project_design.md", "validation_report.md"]
    assert "Refunds through Stripe webhooks, idempotent" in git(repo, "show", "main:project_design.md")
