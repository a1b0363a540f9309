"""Handoff-next steps on the job queue: the same results and errors as in-process, in
line with the project's runs, and a worker that stops mid-step lands nothing twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from devussy_git import services
from devussy_git.agent.step import run_step
from devussy_git.app import App, build_app
from devussy_git.config import Settings, load_settings
from devussy_git.db import StepRecord
from devussy_git.errors import DevussyError, RunTakenOverError
from devussy_git.services.step_jobs import error_from, error_outcome
from tests.integration.db.pg import PgCluster
from tests.support.gitcli import git

ACTOR = services.Actor("cli", "lee", "Lee", "lee@example.invalid")
OTHER = services.Actor("discord", "42", "Ana", "42@users.noreply.discord.invalid")
ANSWERS = json.loads((Path(__file__).parents[3] / "devussy_git" / "fixtures" / "demo_interview.json").read_text())
PROJECT = "shop"


def _settings(tmp_path: Path, url: str, executor: str) -> Settings:
    return load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
            "DATABASE_URL": url,
            "DEVUSSY_EXECUTOR": executor,
            "LLM_DEFAULT_PROVIDER": "offline",
        },
        dotenv_path=None,
    )


@pytest.fixture(params=["local", "queue"])
async def planned(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[App]:
    """An app over a planned project whose steps run in this process (``local``) or on a
    worker of the job queue (``queue``: PostgreSQL, the worker in this event loop)."""
    if request.param == "local":
        app = await build_app(_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/state.db", "local"))
        worker = None
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        app = await build_app(_settings(tmp_path, cluster.new_database(), "queue"))
        await services.migrate(app)
        worker = asyncio.create_task(services.run_worker(app, concurrency=2))
    try:
        await services.create_project(app, PROJECT, ANSWERS, actor=ACTOR)
        await services.run_project(app, PROJECT, actor=ACTOR)
        yield app
    finally:
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        await app.close()


def _step_commits(app: App) -> list[str]:
    repo = app.settings.repos_root / f"{PROJECT}.git"
    out = git(repo, "log", "--format=%H %(trailers:key=Devussy-Stage,valueonly,separator=%x2C)", "main")
    return [line.split()[0] for line in out.splitlines() if line.split()[1:] and "handoff-next" in line.split()[1]]


async def test_steps_previews_and_errors_are_the_same_on_either_executor(planned: App) -> None:
    app = planned
    first = await services.handoff_next(app, PROJECT, actor=ACTOR, note="wired the schema")
    assert (first.step, first.task.id, first.status) == (1, "1.1", "done")
    assert first.commit.trailers["Devussy-Actor"] == "cli:lee" and first.commit.author.name == "Lee"
    assert first.diff.files and first.next_task is not None and first.next_task.id == "1.2"
    assert "wired the schema" in first.diff.patch

    chosen = await services.handoff_next(app, PROJECT, actor=OTHER, task="1.3")
    assert (chosen.step, chosen.task.id) == (2, "1.3")
    assert chosen.commit.trailers["Devussy-Actor"] == "discord:42"

    parked = await services.handoff_next(app, PROJECT, actor=ACTOR, preview=True)
    assert parked.proposal_id is not None and parked.task.id == "1.2"
    proposals = await services.list_proposals(app, PROJECT)
    assert [p.id for p in proposals] == [parked.proposal_id]
    applied = await services.apply_proposal(app, PROJECT, parked.proposal_id, actor=ACTOR)
    assert applied.task.id == "1.2" and applied.step == 3

    # An error on the worker comes back as the same class with the same words.
    with pytest.raises(DevussyError) as unknown:
        await services.handoff_next(app, PROJECT, actor=ACTOR, task="9.9")
    assert type(unknown.value).__name__ == "InvalidInputError"
    assert "9.9" in unknown.value.user_message

    assert len(_step_commits(app)) == 3
    repo = app.settings.repos_root / f"{PROJECT}.git"
    git(repo, "fsck", "--strict")
    if app.settings.executor == "queue":
        assert [s.state for s in await _steps(app)] == ["completed", "completed", "completed", "failed"]


async def _steps(app: App) -> list[StepRecord]:
    return await app.db.steps.list(PROJECT)


def test_an_error_survives_the_trip_through_the_database() -> None:
    from devussy_git.agent.selection import PlanCompleteError
    from devussy_git.errors import HeadMovedError, InvalidInputError

    for error in (
        PlanCompleteError("Every task of the plan is done."),
        InvalidInputError("Bad note", problems=["too long", "has <!--"], headline="Bad"),
        HeadMovedError("main moved", expected="a" * 40, actual="b" * 40),
    ):
        again = error_from(json.loads(json.dumps(error_outcome(error))))
        assert type(again) is type(error)
        assert again.user_message == error.user_message
        assert {k: v for k, v in vars(again).items() if k != "detail"} == {
            k: v for k, v in vars(error).items() if k != "detail"
        }
    assert type(error_from({"error": "NoSuchError", "message": "odd"})) is DevussyError


@pytest.fixture
async def queued_app(tmp_path: Path, pg_cluster: PgCluster) -> AsyncIterator[App]:
    """A planned project on PostgreSQL with the queue executor, and no worker running."""
    app = await build_app(_settings(tmp_path, pg_cluster.new_database(), "queue"))
    await services.migrate(app)
    try:
        await services.create_project(app, PROJECT, ANSWERS, actor=ACTOR)
        local = app.with_executor(services.LocalExecutor())
        await services.run_project(local, PROJECT, actor=ACTOR)
        yield app
    finally:
        await app.close()


async def _stalled_step(app: App, *, land: bool) -> str:
    """A step a worker ``ghost`` started and then stopped: after reading the plan and
    (``land``) after landing its commit, but before it could record the outcome."""
    record = await app.db.steps.create(PROJECT, "handoff-next", {"note": "half done"}, asdict(ACTOR))
    await app.db.steps.start(record.step_id, "ghost:1")
    repo = app.store.open(PROJECT)

    async def chosen(head: str, task_id: str) -> None:
        await app.db.steps.chose(record.step_id, "ghost:1", base=head, task=task_id)

    async def dies() -> None:
        raise RunTakenOverError("the worker stopped here")

    client = app.llm_client("offline")
    if land:
        await run_step(repo, client, author=ACTOR.identity, actor=ACTOR.trailer, note="half done", on_chosen=chosen)
    else:
        with pytest.raises(RunTakenOverError):
            await run_step(repo, client, author=ACTOR.identity, actor=ACTOR.trailer, on_chosen=chosen, before_land=dies)
    return record.step_id


@pytest.mark.parametrize("landed", [True, False], ids=["after-landing", "before-landing"])
async def test_a_step_taken_over_from_a_stopped_worker_lands_once(queued_app: App, landed: bool) -> None:
    app = queued_app
    step_id = await _stalled_step(app, land=landed)
    before = _step_commits(app)
    assert len(before) == (1 if landed else 0)

    await services.handle_step_job(app, step_id, attempts=1)

    record = await app.db.steps.get(step_id)
    assert record is not None and record.state == "completed", record
    after = _step_commits(app)
    assert len(after) == 1, "the step landed exactly once"
    assert record.outcome is not None and record.outcome["sha"] == after[0]
    if landed:
        assert after == before  # adopted, not run again
    info = git(
        app.settings.repos_root / f"{PROJECT}.git", "log", "-1", "--format=%(trailers:key=Devussy-Task,valueonly)"
    )
    assert info.strip() == "1.1"
    # A second hand-back of the same job finds the step done and does nothing.
    await services.handle_step_job(app, step_id, attempts=2)
    assert _step_commits(app) == after


async def test_a_worker_that_lost_its_step_lands_nothing(queued_app: App) -> None:
    app = queued_app
    record = await app.db.steps.create(PROJECT, "handoff-next", {}, asdict(ACTOR))
    await app.db.steps.start(record.step_id, "ghost:1")
    # Another worker took it over meanwhile: the ghost's outcome may not be written.
    await app.db.steps.start(record.step_id, "other:2", stalled_owner="ghost:1")
    assert not await app.db.steps.owns(record.step_id, "ghost:1")
    with pytest.raises(DevussyError, match="no longer this worker's"):
        await app.db.steps.complete(record.step_id, "ghost:1", {"sha": "0" * 40})
    taken = await app.db.steps.get(record.step_id)
    assert taken is not None and taken.owner == "other:2" and taken.state == "running"


async def test_a_queued_step_waits_for_a_worker_and_a_later_run_of_the_project_goes_after_it(
    queued_app: App,
) -> None:
    app = queued_app
    stepping = asyncio.create_task(services.handoff_next(app, PROJECT, actor=ACTOR, note="queued first"))
    for _ in range(100):
        if await _steps(app):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert not stepping.done()  # no worker yet
    [queued] = await _steps(app)
    assert queued.state == "queued" and queued.owner is None
    # Submitted after the step, so it starts only once the step is over.
    run = await services.queue_project_run(app, PROJECT, actor=OTHER, restart=True)

    worker = asyncio.create_task(services.run_worker(app, concurrency=2))
    try:
        result = await asyncio.wait_for(stepping, 60)
        for _ in range(600):
            done = await app.db.runs.get(run.run_id)
            if done is not None and not done.is_active:
                break
            await asyncio.sleep(0.1)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert result.task.id == "1.1" and result.step == 1 and "queued first" in result.diff.patch
    [step] = await _steps(app)
    assert done is not None and done.state == "completed", done
    assert done.started_at is not None and step.updated_at <= done.started_at, "the run waited for the step"
    repo = app.settings.repos_root / f"{PROJECT}.git"
    order = git(repo, "log", "--reverse", "--format=%H", "main").split()
    handoff = next(s.commit for s in done.stages if s.name == "handoff")
    assert handoff is not None and order.index(result.commit.sha) < order.index(handoff)


async def test_a_step_goes_to_its_projects_node_queue(tmp_path: Path, pg_cluster: PgCluster) -> None:
    import psycopg

    from devussy_git.jobqueue import conninfo_of

    url = pg_cluster.new_database()
    settings = _settings(tmp_path, url, "queue").with_(node="eu-2")
    app = await build_app(settings)
    try:
        await services.migrate(app)
        await services.create_project(app, PROJECT, ANSWERS, actor=ACTOR)
        await services.run_project(app.with_executor(services.LocalExecutor()), PROJECT, actor=ACTOR)
        stepping = asyncio.create_task(services.handoff_next(app, PROJECT, actor=ACTOR, note="on eu-2"))
        for _ in range(200):
            if [s for s in await _steps(app) if s.job_id is not None]:
                break
            await asyncio.sleep(0.05)
        async with await psycopg.AsyncConnection.connect(conninfo_of(url)) as conn:
            row = await (await conn.execute("SELECT queue_name, lock, task_name FROM procrastinate_jobs")).fetchone()
        assert row == ("node-eu-2", f"project:{PROJECT}", "devussy.step")
        worker = asyncio.create_task(services.run_worker(app))  # this node's queue: node-eu-2
        try:
            result = await asyncio.wait_for(stepping, 60)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        assert result.task.id == "1.1" and "on eu-2" in result.diff.patch
    finally:
        await app.close()
