"""Runs on the job queue, in this process: a run submitted with ``DEVUSSY_EXECUTOR=queue``
waits for a worker, runs there, and its progress comes back through the run's row."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.config import load_settings
from devussy_git.errors import ConfigurationError
from devussy_git.jobqueue import JobQueue, conninfo_of
from tests.integration.db.pg import PgCluster
from tests.support.gitcli import git

ACTOR = services.Actor("cli", "lee", "Lee", "lee@example.invalid")
ANSWERS = json.loads((Path(__file__).parents[3] / "devussy_git" / "fixtures" / "demo_interview.json").read_text())


async def _app(tmp_path: Path, url: str, **env: str) -> App:
    settings = load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
            "DATABASE_URL": url,
            "DEVUSSY_EXECUTOR": "queue",
            "LLM_DEFAULT_PROVIDER": "offline",
            **env,
        },
        dotenv_path=None,
    )
    return await build_app(settings)


def test_the_queue_needs_postgresql() -> None:
    with pytest.raises(ConfigurationError, match="DEVUSSY_EXECUTOR=queue needs PostgreSQL"):
        conninfo_of("sqlite+aiosqlite:///./devussy_bot.db")
    assert conninfo_of("postgresql+asyncpg://u:p@db:5433/plans?sslmode=require") == (
        "postgresql://u:p@db:5433/plans?sslmode=require"
    )


async def test_a_queued_run_runs_on_a_worker_and_its_progress_comes_back(tmp_path: Path, pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database()
    app = await _app(tmp_path, url)
    try:
        await services.create_project(app, "shop", ANSWERS, actor=ACTOR)
        with pytest.raises(ConfigurationError, match="devussy-git migrate"):
            await services.run_project(app, "shop", actor=ACTOR)
        refused = await app.db.runs.latest("shop")
        assert refused is not None and refused.state == "failed" and "could not be queued" in (refused.error or "")
        assert await services.migrate(app) == {"database": True, "queue": True}
        assert await services.migrate(app) == {"database": True, "queue": False}

        events: list[tuple[str, str]] = []
        follower = asyncio.create_task(
            services.run_project(app, "shop", actor=ACTOR, on_progress=lambda e: events.append((e.stage, e.state)))
        )
        for _ in range(100):
            run = await app.db.runs.latest("shop")
            if run is not None and run.run_id != refused.run_id:
                break
            await asyncio.sleep(0.05)
        assert run is not None and run.state == "queued" and run.owner == "job-queue"
        await asyncio.sleep(0.5)
        assert not follower.done()  # nobody runs it until a worker takes it

        queue = JobQueue(url)

        async def handler(run_id: str, actor: dict[str, Any], attempts: int) -> None:
            await services.handle_run_job(app, run_id, actor, attempts)

        try:
            await queue.run_worker(handler, wait=False, stalled_after_s=5)
        finally:
            await queue.close()
        outcome = await asyncio.wait_for(follower, 30)
    finally:
        await app.close()
    assert outcome.tag == f"run/{run.run_id}" and outcome.plan.phases
    assert ("design", "completed") in events and ("handoff", "completed") in events
    repo = tmp_path / "repos" / "shop.git"
    stages = git(repo, "log", "--format=%(trailers:key=Devussy-Stage,valueonly)", "main").split()
    assert sorted(stages) == sorted(["interview", "complexity", "design", "validation", "devplan", "phases", "handoff"])


async def test_followers_wake_on_a_workers_announcement(pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    from devussy_git.services import queue as queue_service

    # Without the announcement the follower would sleep out its fallback; the test's own
    # timeout is far shorter, so only a delivered NOTIFY lets it pass.
    monkeypatch.setattr(queue_service, "FALLBACK_POLL_S", 600.0)
    url = pg_cluster.new_database()
    executor = queue_service.QueueExecutor(JobQueue(url))
    worker_side = JobQueue(url)
    try:
        executor._changed.setdefault("run-1", asyncio.Event())
        waiting = asyncio.create_task(executor.wait_change("run-1"))
        for _ in range(50):  # until the listener holds its LISTEN
            await worker_side.notify_run("run-1")
            done, _ = await asyncio.wait({waiting}, timeout=0.2)
            if done:
                break
        await asyncio.wait_for(waiting, 10)
        other = asyncio.create_task(executor.wait_change("run-2"))
        await worker_side.notify_run("run-1")  # another run's news does not wake it
        done, _ = await asyncio.wait({other}, timeout=0.5)
        assert not done
        await worker_side.notify_run("run-2")
        await asyncio.wait_for(other, 10)
    finally:
        await worker_side.close()
        await executor.aclose()


async def test_a_projects_runs_go_to_its_nodes_queue_and_only_its_workers_take_them(
    tmp_path: Path, pg_cluster: PgCluster
) -> None:
    import psycopg

    from devussy_git.services.nodes import node_queues

    url = pg_cluster.new_database()
    app = await _app(tmp_path, url, DEVUSSY_NODE="eu-2")
    local = await _app(tmp_path / "local", url)
    try:
        await services.migrate(app)
        await services.create_project(app, "shop", ANSWERS, actor=ACTOR)
        assert (await services.get_project(app, "shop")).node == "eu-2"
        assert node_queues(app) == ["node-eu-2"] and node_queues(local) == ["node-local", "runs"]
        record = await services.submit_run(app, "shop", actor=ACTOR)
        await services.dispatch_run(app, record, actor=ACTOR)
        async with await psycopg.AsyncConnection.connect(conninfo_of(url)) as conn:
            row = await (await conn.execute("SELECT queue_name, lock FROM procrastinate_jobs")).fetchone()
        assert row == ("node-eu-2", "project:shop")

        async def handler(run_id: str, actor: dict[str, Any], attempts: int) -> None:
            await services.handle_run_job(app, run_id, actor, attempts)

        for worker_app in (local, app):  # the local node's worker leaves it; eu-2's runs it
            queue = JobQueue(url)
            try:
                await queue.run_worker(handler, wait=False, stalled_after_s=5, queues=node_queues(worker_app))
            finally:
                await queue.close()
            done = await app.db.runs.get(record.run_id)
            assert done is not None
            assert done.state == ("queued" if worker_app is local else "completed"), done.error
    finally:
        await local.close()
        await app.close()


async def test_a_move_is_refused_while_the_project_has_an_active_run(tmp_path: Path, pg_cluster: PgCluster) -> None:
    from devussy_git.errors import RunAlreadyActiveError

    url = pg_cluster.new_database()
    app = await _app(tmp_path, url)
    try:
        await services.migrate(app)
        await services.create_project(app, "shop", ANSWERS, actor=ACTOR)
        await services.record_node(app, "http://127.0.0.1:1")
        await app.db.nodes.record("eu-2", "http://127.0.0.1:2")
        await app.db.runs.create("shop", provider="offline", model="offline", actor="cli:lee")
        with pytest.raises(RunAlreadyActiveError, match="has a run in progress .* then move it"):
            await services.move_project(app, "shop", "eu-2", actor=ACTOR)
        assert (await services.get_project(app, "shop")).node == "local"
    finally:
        await app.close()


async def test_a_move_whose_worker_stopped_is_put_back_in_the_queue(tmp_path: Path, pg_cluster: PgCluster) -> None:
    import psycopg

    url = pg_cluster.new_database()
    app = await _app(tmp_path, url)
    queue = JobQueue(url)
    try:
        await services.migrate(app)
        job_id = await queue.defer_move("shop", source="local", target="eu-2")
        async with await psycopg.AsyncConnection.connect(conninfo_of(url), autocommit=True) as conn:
            # As a worker left it when it was killed and its row pruned: doing, with no worker.
            await conn.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", (job_id,))
        assert await queue.retry_stalled(5) == [job_id]
        assert await queue.job_status(job_id) == "todo"
    finally:
        await queue.close()
        await app.close()
