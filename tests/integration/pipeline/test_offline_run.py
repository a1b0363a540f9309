"""A full run with the offline provider: seven stages as commits, checked with git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.pipeline import STAGES
from devussy_git.plan import check_plan_anchors
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git, trailers_of

ACTOR = services.Actor("cli", "alice", "Alice Example", "alice@example.invalid")


async def test_offline_run_commits_each_stage_with_trailers(run_app: App, answers: dict[str, Any]) -> None:
    app = run_app
    await services.create_project(app, "shop-api", answers, actor=ACTOR)
    events: list[Any] = []
    outcome = await services.run_project(app, "shop-api", actor=ACTOR, on_progress=events.append)
    repo_path = app.store.path_of("shop-api")

    git(repo_path, "fsck", "--strict")
    subjects = git(repo_path, "log", "--format=%s", "main").splitlines()
    assert len(subjects) == 7
    assert [s.split(":", 1)[0] for s in reversed(subjects)] == list(STAGES)

    shas = git(repo_path, "log", "--format=%H", "main").splitlines()
    for sha, stage in zip(reversed(shas), STAGES, strict=True):
        trailers = trailers_of(repo_path, sha)
        assert trailers["Devussy-Stage"] == stage
        assert trailers["Devussy-Actor"] == "cli:alice"
        if stage != "interview":
            assert trailers["Devussy-Run"] == outcome.run_id
            assert trailers["Devussy-Model"] == "offline"
            assert trailers["Devussy-Tokens"].startswith("in=")
    author = git(repo_path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main").strip()
    assert author == "Alice Example <alice@example.invalid>|Devussy Bot <bot@devussy.invalid>"

    assert git(repo_path, "rev-parse", f"run/{outcome.run_id}").strip() == shas[0]
    files = set(git(repo_path, "ls-tree", "--name-only", "main").split())
    phase_count = outcome.plan.complexity.phase_count
    assert files == {
        "interview.json",
        "complexity_profile.json",
        "project_design.md",
        "validation_report.md",
        "devplan.md",
        "handoff.md",
        *(f"phase{n}.md" for n in range(1, phase_count + 1)),
    }
    plan_files = {f: git(repo_path, "show", f"main:{f}") for f in files if f.endswith(".md")}
    assert check_plan_anchors(plan_files) == []
    quick = plan_files["handoff.md"].split("<!-- QUICK_STATUS_START -->")[1].split("<!-- QUICK_STATUS_END -->")[0]
    assert "Active Phase: 1 " in quick and "Next Immediate Task: 1.1 " in quick
    assert "- [ ] 1.1:" in plan_files["phase1.md"]
    profile = json.loads(git(repo_path, "show", "main:complexity_profile.json"))
    assert profile["phase_count"] == phase_count

    run = await services.get_run(app, outcome.run_id)
    assert run.state == "completed"
    assert [(s.name, s.state) for s in run.stages] == [(s, "completed") for s in STAGES]
    assert [s.commit for s in run.stages] == list(reversed(shas))
    assert {e.stage for e in events if e.state == "completed"} == set(STAGES)

    status = await services.project_status(app, "shop-api")
    assert status.progress is not None
    assert status.progress.done == 0
    assert status.progress.next_task is not None and status.progress.next_task.id == "1.1"


async def test_offline_run_is_deterministic(tmp_path: Path, answers: dict[str, Any]) -> None:
    trees = []
    for home in ("a", "b"):
        app = await build_app(make_settings(tmp_path / home))
        try:
            await services.create_project(app, "same", answers, actor=ACTOR)
            await services.run_project(app, "same", actor=ACTOR)
            trees.append(git(app.store.path_of("same"), "ls-tree", "-r", "main"))
        finally:
            await app.close()
    assert trees[0] == trees[1]


async def test_second_run_while_one_is_active_is_refused(app: App, answers: dict[str, Any]) -> None:
    from devussy_git.errors import RunAlreadyActiveError

    await services.create_project(app, "busy", answers, actor=ACTOR)
    await services.start_run(app, "busy", actor=ACTOR)
    try:
        await services.start_run(app, "busy", actor=ACTOR)
    except RunAlreadyActiveError as exc:
        assert "busy" in exc.user_message or "already" in exc.user_message.lower()
    else:
        raise AssertionError("a second run was accepted")


async def test_a_rerun_with_fewer_phases_drops_the_old_phase_files(run_app: App, answers: dict[str, Any]) -> None:
    app = run_app
    small = json.loads((Path(__file__).parents[3] / "fixtures" / "interviews" / "csv-report-cli.json").read_text())
    await services.create_project(app, "shrink", answers, actor=ACTOR)
    first = await services.run_project(app, "shrink", actor=ACTOR)
    await services.update_interview(app, "shrink", small, actor=ACTOR)
    second = await services.run_project(app, "shrink", actor=ACTOR)
    assert first.plan.complexity.phase_count > second.plan.complexity.phase_count == 3
    repo = app.store.path_of("shrink")
    phase_files = sorted(f for f in git(repo, "ls-tree", "--name-only", "main").split() if f.startswith("phase"))
    assert phase_files == ["phase1.md", "phase2.md", "phase3.md"]
    status = await services.project_status(app, "shrink")
    assert status.progress is not None and status.progress.total == sum(len(p.tasks) for p in second.plan.phases)
    assert status.project.name == small["project_name"]


async def test_a_commit_landing_mid_run_keeps_main_whole_and_the_resume_replays_the_stages(
    app: App, answers: dict[str, Any]
) -> None:
    from devussy_git.errors import HeadMovedError
    from devussy_git.llm import LLMRequest, OfflineClient, Reply
    from devussy_git.pipeline import PipelineRunner

    await services.create_project(app, "race", answers, actor=ACTOR)
    repo = app.store.open("race")
    path = app.store.path_of("race")

    class SneakyClient:
        """Answers like the offline provider; someone commits while devplan is asked."""

        def __init__(self) -> None:
            self.inner = OfflineClient()
            self.profile = self.inner.profile

        async def complete(self, request: LLMRequest) -> Reply:
            if request.stage == "devplan" and not repo.exists_at("notes.md"):
                repo.commit(
                    {"notes.md": "meanwhile\n"}, "apply: someone else", author=ACTOR.identity, expected_head=repo.head()
                )
            return await self.inner.complete(request)

    with pytest.raises(HeadMovedError, match="changed on main while run r1 was going"):
        await PipelineRunner(SneakyClient()).run(repo, "r1", author=ACTOR.identity, actor=ACTOR.trailer)
    subjects = git(path, "log", "--format=%s", "main").splitlines()
    assert [s.split(":")[0] for s in subjects] == ["apply", "interview"]
    # The stages wait on the run's ref, all seven, none of them on main.
    pending = git(path, "log", "--format=%s", "refs/runs/r1").splitlines()
    assert [s.split(":")[0] for s in pending][:6] == list(reversed(STAGES[1:]))

    outcome = await PipelineRunner(OfflineClient()).run(repo, "r1", author=ACTOR.identity, actor=ACTOR.trailer)
    subjects = git(path, "log", "--format=%s", "main").splitlines()
    assert [s.split(":")[0] for s in subjects] == [*reversed(STAGES[1:]), "apply", "interview"]
    assert git(path, "show", "main:notes.md") == "meanwhile\n"
    assert git(path, "rev-parse", "run/r1").strip() == git(path, "rev-parse", "main").strip() == outcome.head
    assert git(path, "for-each-ref", "refs/runs").strip() == ""
    git(path, "fsck", "--strict")
