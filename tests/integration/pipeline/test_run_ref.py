"""A run works on ``refs/runs/<id>``; ``main`` only ever holds a consistent plan.

The scenario of a re-run that dies at the phases stage: before, ``main`` held
the new ``devplan.md`` with the old phase files and ``handoff-next`` worked on
that mix. Now ``main`` keeps the old plan whole until the new one is complete,
``handoff-next`` works on the old plan meanwhile, and the resumed run lands
on top of what was done (checked with the real ``git`` CLI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.errors import InvalidLLMOutputError, RunOutdatedError
from devussy_git.pipeline import STAGES
from devussy_git.plan import check_plan_anchors
from devussy_git.plan.files import plan_progress
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git
from tests.support.llm_server import ScriptedLLMServer, Text
from tests.support.pipeline_script import PipelineScript

ACTOR = services.Actor("cli", "carol", "Carol", "carol@example.invalid")
SMALL = Path(__file__).parents[3] / "fixtures" / "interviews" / "csv-report-cli.json"


def _plan_files(repo: Path, rev: str = "main") -> dict[str, str]:
    names = git(repo, "ls-tree", "--name-only", rev).split()
    return {n: git(repo, "show", f"{rev}:{n}") for n in names if n.endswith(".md")}


def _assert_consistent(repo: Path, rev: str = "main") -> None:
    """The plan at ``rev`` is one plan: devplan's phases are the phase files, anchors intact."""
    files = _plan_files(repo, rev)
    assert check_plan_anchors(files) == []
    phases = sorted(int(n[5:-3]) for n in files if n.startswith("phase"))
    devplan = files["devplan.md"]
    for number in phases:
        assert f"phase{number}.md" in devplan
    assert f"phase{len(phases) + 1}.md" not in devplan


def _run_refs(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", "refs/runs").split()


async def _app(tmp_path: Path, server: ScriptedLLMServer) -> App:
    return await build_app(make_settings(tmp_path, server.env()))


async def test_a_rerun_that_fails_at_phases_leaves_main_on_the_old_plan_and_resumes_on_top_of_new_steps(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    small = json.loads(SMALL.read_text())
    script = PipelineScript(small)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    repo = tmp_path / "repos" / "mix.git"
    try:
        await services.create_project(app, "mix", answers, actor=ACTOR)
        first = await services.run_project(app, "mix", actor=ACTOR, provider="offline")
        await services.handoff_next(app, "mix", actor=ACTOR, provider="offline")
        old_head = git(repo, "rev-parse", "main").strip()
        old_plan = _plan_files(repo)
        before = plan_progress(old_plan)
        assert before.done == 1

        # New answers (3 phases instead of the first plan's more), then a run whose
        # phases stage gets nothing usable from the model.
        await services.update_interview(app, "mix", small, actor=ACTOR)
        answers_head = git(repo, "rev-parse", "main").strip()
        script.override("phase", *[Text("I cannot help with that.")] * 12)
        with pytest.raises(InvalidLLMOutputError):
            await services.run_project(app, "mix", actor=ACTOR, restart=True)

        # main: the old plan, whole, with its progress; nothing of the new run.
        assert git(repo, "rev-parse", "main").strip() == answers_head
        assert _plan_files(repo) == old_plan
        _assert_consistent(repo)
        (ref,) = _run_refs(repo)
        pending = git(repo, "log", "--format=%s", f"main..{ref}").splitlines()
        assert [s.split(":")[0] for s in pending] == ["devplan", "validation", "design", "complexity"]
        status = await services.project_status(app, "mix")
        assert status.progress is not None
        assert (status.progress.done, status.progress.total) == (before.done, before.total)

        # The old plan is still worked on: the step lands on it, consistently.
        step = await services.handoff_next(app, "mix", actor=ACTOR, provider="offline")
        assert plan_progress(_plan_files(repo)).done == 2
        _assert_consistent(repo)

        script.reset_overrides()
        run = await app.db.runs.latest("mix")
        assert run is not None and run.state == "failed" and run.resumable
        outcome = await services.run_project(app, "mix", actor=ACTOR, resume=True)
        assert outcome.run_id == run.run_id
        record = await services.get_run(app, run.run_id)
    finally:
        await app.close()

    # Landed: a fast-forward over everything main had, every stage one commit.
    git(repo, "merge-base", "--is-ancestor", step.commit.sha, "main")
    git(repo, "merge-base", "--is-ancestor", old_head, "main")
    landed = git(repo, "log", "--format=%s", f"{step.commit.sha}..main").splitlines()
    assert [s.split(":")[0] for s in landed] == list(reversed(STAGES[1:]))
    assert git(repo, "rev-parse", f"run/{outcome.run_id}").strip() == git(repo, "rev-parse", "main").strip()
    assert _run_refs(repo) == []
    _assert_consistent(repo)
    new_plan = _plan_files(repo)
    assert sorted(n for n in new_plan if n.startswith("phase")) == ["phase1.md", "phase2.md", "phase3.md"]
    progress = plan_progress(new_plan)
    assert progress.done == 0 and progress.total == sum(len(p.tasks) for p in outcome.plan.phases)
    assert progress.total != before.total
    assert first.plan.complexity.phase_count > 3
    # The run's record names the commits main holds, not the ones it made before the replay.
    on_main = set(git(repo, "log", "--format=%H", "main").split())
    assert all(s.commit in on_main for s in record.stages if s.commit)
    git(repo, "fsck", "--strict")


async def test_a_failed_run_whose_answers_changed_on_main_is_not_resumed(app: App, answers: dict[str, Any]) -> None:
    from devussy_git.llm import LLMRequest, OfflineClient, Reply
    from devussy_git.pipeline import PipelineRunner

    small = json.loads(SMALL.read_text())
    await services.create_project(app, "stale", answers, actor=ACTOR)
    repo = app.store.open("stale")

    class FailsAtDevplan:
        def __init__(self) -> None:
            self.inner = OfflineClient()
            self.profile = self.inner.profile

        async def complete(self, request: LLMRequest) -> Reply:
            if request.stage == "devplan":
                raise InvalidLLMOutputError("no outline")
            return await self.inner.complete(request)

    with pytest.raises(InvalidLLMOutputError):
        await PipelineRunner(FailsAtDevplan()).run(repo, "r9", author=ACTOR.identity, actor=ACTOR.trailer)
    await services.update_interview(app, "stale", small, actor=ACTOR)
    with pytest.raises(RunOutdatedError, match="start a new run"):
        await PipelineRunner(OfflineClient()).run(repo, "r9", author=ACTOR.identity, actor=ACTOR.trailer)
    path = app.store.path_of("stale")
    assert [s.split(":")[0] for s in git(path, "log", "--format=%s", "main").splitlines()] == [
        "interview",
        "interview",
    ]


async def test_answers_sent_with_a_run_reach_main_only_with_its_plan(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    small = json.loads(SMALL.read_text())
    script = PipelineScript(small)
    llm_server.route(script)
    app = await _app(tmp_path, llm_server)
    repo = tmp_path / "repos" / "sent.git"
    try:
        await services.create_project(app, "sent", answers, actor=ACTOR)
        await services.run_project(app, "sent", actor=ACTOR, provider="offline")
        old = git(repo, "rev-parse", "main").strip()
        script.override("design", *[Text("")] * 3)
        record = await services.submit_run(app, "sent", actor=ACTOR, interview=small)
        with pytest.raises(InvalidLLMOutputError):
            await services.execute_run(app, record.run_id, actor=ACTOR)
        # A failed run changed nothing on main, not even the answers.
        assert git(repo, "rev-parse", "main").strip() == old
        assert json.loads(git(repo, "show", "main:interview.json"))["project_name"] == answers["project_name"]
        assert (await services.get_project(app, "sent")).name == answers["project_name"]

        script.reset_overrides()
        await services.run_project(app, "sent", actor=ACTOR, resume=True)
        assert json.loads(git(repo, "show", "main:interview.json"))["project_name"] == small["project_name"]
        assert (await services.get_project(app, "sent")).name == small["project_name"]
    finally:
        await app.close()
    _assert_consistent(repo)
    git(repo, "merge-base", "--is-ancestor", old, "main")
