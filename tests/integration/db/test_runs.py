"""Runs: the state machine, stage records, tokens, resume, listing and counts."""

from __future__ import annotations

from datetime import UTC

import pytest

from devussy_git.db import RUN_STATES, STAGES, Database, ProjectRecord, RunRecord
from devussy_git.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RunAlreadyActiveError,
)
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import FakeClock, project

OWNER = "worker-host:4242"


async def _new_run(db: Database, project_id: str = "shop-api", **kwargs: object) -> RunRecord:
    return await db.runs.create(project_id, provider="offline", model="offline", actor="discord:42", **kwargs)


async def _run_until_phases_fail(db: Database, run_id: str) -> None:
    await db.runs.start(run_id, OWNER)
    for number, name in enumerate(STAGES[: STAGES.index("phases")]):
        await db.runs.stage_started(run_id, name)
        await db.runs.stage_completed(run_id, name, f"{number:040x}", 10 * number, number)
    await db.runs.stage_started(run_id, "phases")
    await db.runs.stage_failed(run_id, "phases", "model returned no phases")
    await db.runs.fail(run_id, "phases: model returned no phases")


async def test_create_queues_a_run_with_every_stage_pending(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db, guild_id=111)

    assert len(run.run_id) == 12 and int(run.run_id, 16) >= 0
    assert (run.state, run.stage, run.error, run.resumable) == ("queued", None, None, False)
    assert (run.project_id, run.provider, run.model, run.actor, run.guild_id) == (
        "shop-api",
        "offline",
        "offline",
        "discord:42",
        111,
    )
    assert [s.name for s in run.stages] == list(STAGES)
    assert {s.state for s in run.stages} == {"pending"}
    assert run.created_at.tzinfo == UTC
    assert (run.started_at, run.finished_at, run.tokens_in, run.tokens_out) == (None, None, 0, 0)
    assert await db.runs.get(run.run_id) == run


async def test_create_for_an_unknown_project_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="ghost"):
        await _new_run(db, "ghost")
    assert await db.runs.list() == []


async def test_a_second_run_of_a_busy_project_is_refused(db: Database, shop: ProjectRecord) -> None:
    first = await _new_run(db)
    with pytest.raises(RunAlreadyActiveError, match=f"run {first.run_id} is queued"):
        await _new_run(db)
    await db.runs.start(first.run_id, OWNER)
    with pytest.raises(RunAlreadyActiveError, match="already has a run in progress"):
        await _new_run(db)
    await db.runs.finish(first.run_id)

    second = await _new_run(db)

    assert second.run_id != first.run_id
    assert [r.run_id for r in await db.runs.list("shop-api")] == [second.run_id, first.run_id]


async def test_other_projects_are_not_blocked(db: Database, shop: ProjectRecord) -> None:
    await db.projects.add(project("blog"))
    await _new_run(db)
    assert (await _new_run(db, "blog")).state == "queued"


async def test_a_full_run_records_stages_commits_timings_and_tokens(
    open_db: OpenDb,
) -> None:
    clock = FakeClock()
    db = await open_db(clock=clock)
    await db.projects.add(project())
    run = await _new_run(db)

    started = await db.runs.start(run.run_id, OWNER)
    assert (started.state, started.owner, started.started_at) == ("running", OWNER, clock.now)
    for number, name in enumerate(STAGES):
        current = await db.runs.stage_started(run.run_id, name)
        assert current.stage == name
        assert current.stage_record(name).state == "running"
        clock.advance(2)
        await db.runs.stage_completed(run.run_id, name, f"{number + 1:040x}", 100, 10 * number)
    done = await db.runs.finish(run.run_id)

    assert (done.state, done.stage, done.error, done.resumable) == ("completed", None, None, False)
    assert done.finished_at == clock.now
    assert [s.commit for s in done.stages] == [f"{n + 1:040x}" for n in range(len(STAGES))]
    assert [(s.finished_at - s.started_at).total_seconds() for s in done.stages] == [2.0] * 7
    assert (done.tokens_in, done.tokens_out) == (700, 10 * sum(range(7)))
    assert done.completed_stages == STAGES and done.next_stage is None
    assert await db.runs.get(run.run_id) == done


async def test_failure_records_the_error_on_the_run_and_the_stage(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await _run_until_phases_fail(db, run.run_id)

    failed = await db.runs.get(run.run_id)

    assert (failed.state, failed.stage, failed.resumable) == ("failed", "phases", True)
    assert failed.error == "phases: model returned no phases"
    assert failed.stage_record("phases").state == "failed"
    assert failed.stage_record("phases").error == "model returned no phases"
    assert failed.stage_record("handoff").state == "pending"
    assert failed.completed_stages == STAGES[:5]
    assert failed.next_stage == "phases"
    assert failed.finished_at is not None


async def test_fail_marks_a_still_running_stage_failed(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await db.runs.start(run.run_id, OWNER)
    await db.runs.stage_started(run.run_id, "interview")

    failed = await db.runs.fail(run.run_id, "cancelled by the user", resumable=False)

    assert (failed.state, failed.resumable, failed.stage) == ("failed", False, "interview")
    assert failed.stage_record("interview").state == "failed"
    assert failed.stage_record("interview").error == "cancelled by the user"


async def test_resume_keeps_completed_stages_and_requeues(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await _run_until_phases_fail(db, run.run_id)
    before = await db.runs.get(run.run_id)

    resumed = await db.runs.resume(run.run_id)

    assert (resumed.state, resumed.error, resumed.stage, resumed.resumable) == (
        "queued",
        None,
        None,
        False,
    )
    assert resumed.stages[:5] == before.stages[:5]  # commits, timings, tokens kept
    assert [s.state for s in resumed.stages[5:]] == ["pending", "pending"]
    assert resumed.stage_record("phases").error is None
    assert resumed.next_stage == "phases"
    assert (resumed.tokens_in, resumed.tokens_out) == (before.tokens_in, before.tokens_out)
    with pytest.raises(RunAlreadyActiveError):
        await _new_run(db)

    await db.runs.start(run.run_id, OWNER)
    for name in ("phases", "handoff"):
        await db.runs.stage_started(run.run_id, name)
        await db.runs.stage_completed(run.run_id, name, "f" * 40, 1, 1)
    done = await db.runs.finish(run.run_id)
    assert done.completed_stages == STAGES
    assert done.stages[:5] == before.stages[:5]


async def test_a_completed_stage_is_never_redone(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await _run_until_phases_fail(db, run.run_id)
    await db.runs.resume(run.run_id)
    await db.runs.start(run.run_id, OWNER)

    with pytest.raises(ConflictError, match=r"design of run \w+ is already completed"):
        await db.runs.stage_started(run.run_id, "design")
    with pytest.raises(ConflictError, match="already completed"):
        await db.runs.stage_completed(run.run_id, "design", "e" * 40, 1, 1)
    assert (await db.runs.get(run.run_id)).stage_record("design").commit == f"{2:040x}"


@pytest.mark.parametrize(("resumable", "message"), [(False, "cannot be resumed"), (True, None)])
async def test_only_resumable_failed_runs_resume(
    db: Database, shop: ProjectRecord, resumable: bool, message: str | None
) -> None:
    run = await _new_run(db)
    await db.runs.fail(run.run_id, "bad interview", resumable=resumable)
    if message:
        with pytest.raises(ConflictError, match=message):
            await db.runs.resume(run.run_id)
        assert (await db.runs.get(run.run_id)).state == "failed"
    else:
        assert (await db.runs.resume(run.run_id)).state == "queued"


async def test_resume_refuses_active_completed_and_unknown_runs(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    with pytest.raises(ConflictError, match="is queued: cannot resume"):
        await db.runs.resume(run.run_id)
    await db.runs.start(run.run_id, OWNER)
    await db.runs.finish(run.run_id)
    with pytest.raises(ConflictError, match="is completed: cannot resume"):
        await db.runs.resume(run.run_id)
    with pytest.raises(NotFoundError):
        await db.runs.resume("0" * 12)


async def test_only_the_newest_run_resumes(db: Database, shop: ProjectRecord) -> None:
    old = await _new_run(db)
    await db.runs.fail(old.run_id, "boom")
    new = await _new_run(db)
    await db.runs.fail(new.run_id, "boom again")

    with pytest.raises(ConflictError, match=f"run {new.run_id} is"):
        await db.runs.resume(old.run_id)
    assert (await db.runs.resume(new.run_id)).state == "queued"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda db, rid: db.runs.stage_started(rid, "design"), "is queued: cannot start stage"),
        (lambda db, rid: db.runs.stage_completed(rid, "design", None, 0, 0), "is queued"),
        (lambda db, rid: db.runs.stage_failed(rid, "design", "x"), "is queued"),
        (lambda db, rid: db.runs.finish(rid), "is queued: cannot finish"),
    ],
)
async def test_stage_moves_need_a_running_run(db: Database, shop: ProjectRecord, call, message: str) -> None:
    run = await _new_run(db)
    with pytest.raises(ConflictError, match=message):
        await call(db, run.run_id)
    assert await db.runs.get(run.run_id) == run


async def test_start_twice_is_a_conflict(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await db.runs.start(run.run_id, OWNER)
    with pytest.raises(ConflictError, match="is running: cannot start"):
        await db.runs.start(run.run_id, "other:1")
    assert (await db.runs.get(run.run_id)).owner == OWNER


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda db, rid: db.runs.stage_started(rid, "deploy"), InvalidInputError, "stage must be"),
        (
            lambda db, rid: db.runs.stage_completed(rid, "design", "a" * 65, 0, 0),
            InvalidInputError,
            "commit is too long",
        ),
        (
            lambda db, rid: db.runs.stage_completed(rid, "design", None, -1, 0),
            InvalidInputError,
            "tokens_in must be a non-negative integer",
        ),
    ],
)
async def test_bad_stage_arguments(
    db: Database, shop: ProjectRecord, call, error: type[Exception], message: str
) -> None:
    run = await _new_run(db)
    started = await db.runs.start(run.run_id, OWNER)
    with pytest.raises(error, match=message):
        await call(db, run.run_id)
    assert await db.runs.get(run.run_id) == started


async def test_failing_never_fails_on_the_error_text(db: Database, shop: ProjectRecord) -> None:
    run = await _new_run(db)
    await db.runs.start(run.run_id, OWNER)
    await db.runs.stage_started(run.run_id, "design")

    stage = await db.runs.stage_failed(run.run_id, "design", "")
    failed = await db.runs.fail(run.run_id, "x" * 50_000 + "é")

    assert stage.stage_record("design").error == "failed without a message"
    assert failed.error.endswith(" … (truncated)") and failed.error.startswith("xxx")
    assert len(failed.error) <= 8_000
    assert (await db.runs.get(run.run_id)).error == failed.error


async def test_unknown_run_ids(db: Database) -> None:
    assert await db.runs.get("feedfacecafe") is None
    for call in (
        db.runs.start("feedfacecafe", OWNER),
        db.runs.finish("feedfacecafe"),
        db.runs.fail("feedfacecafe", "x"),
    ):
        with pytest.raises(NotFoundError, match="run feedfacecafe not found"):
            await call


async def test_latest_list_and_limit(db: Database, shop: ProjectRecord) -> None:
    await db.projects.add(project("blog"))
    assert await db.runs.latest("shop-api") is None
    ids = []
    for _ in range(3):
        run = await _new_run(db)
        ids.append(run.run_id)
        await db.runs.fail(run.run_id, "stop")
    blog = await _new_run(db, "blog")

    assert (await db.runs.latest("shop-api")).run_id == ids[-1]
    assert [r.run_id for r in await db.runs.list("shop-api")] == ids[::-1]
    assert [r.run_id for r in await db.runs.list("shop-api", limit=2)] == ids[:0:-1]
    assert [r.run_id for r in await db.runs.list()] == [blog.run_id, *ids[::-1]]
    assert all(len(r.stages) == len(STAGES) for r in await db.runs.list())


async def test_active_count_per_guild_and_counts_by_state(db: Database) -> None:
    for pid, guild in (("a", 1), ("b", 1), ("c", 2), ("d", None), ("e", 1)):
        await db.projects.add(project(pid, guild_id=guild))
    assert await db.runs.counts_by_state() == dict.fromkeys(RUN_STATES, 0)
    a = await _new_run(db, "a", guild_id=1)
    b = await _new_run(db, "b", guild_id=1)
    await _new_run(db, "c", guild_id=2)
    await _new_run(db, "d")
    e = await _new_run(db, "e", guild_id=1)
    await db.runs.start(a.run_id, OWNER)
    await db.runs.start(b.run_id, OWNER)
    await db.runs.finish(b.run_id)
    await db.runs.fail(e.run_id, "x")

    assert await db.runs.active_count(1) == 1
    assert await db.runs.active_count(2) == 1
    assert await db.runs.active_count(3) == 0
    assert await db.runs.active_count() == 3
    assert await db.runs.counts_by_state() == {
        "queued": 2,
        "running": 1,
        "completed": 1,
        "failed": 1,
        "cancelled": 0,
    }
