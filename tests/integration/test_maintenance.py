"""Housekeeping: packing keeps everything a ref reaches and never runs beside a writer;
maintenance prunes what is old and, with ``dry_run``, changes nothing."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.store import Identity
from tests.integration.pipeline.conftest import ANSWERS_FILE, make_settings
from tests.support.gitcli import git

ACTOR = services.Actor("cli", "dora", "Dora", "dora@example.invalid")
AUTHOR = Identity("Dora", "dora@example.invalid")
OLD = {
    "DEVUSSY_RUN_RETENTION_DAYS": "0",
    "DEVUSSY_INTERVIEW_TTL_DAYS": "0",
    "DEVUSSY_PROPOSAL_MAX_AGE_S": "0",
    "DEVUSSY_PACK_LOOSE_OBJECTS": "100000",  # no packing after each write: maintenance does it
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(make_settings(tmp_path, OLD))
    try:
        yield built
    finally:
        await built.close()


async def _project_with_history(app: App, project_id: str) -> None:
    import json

    await services.create_project(app, project_id, json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    await services.run_project(app, project_id, actor=ACTOR)
    await services.run_project(app, project_id, actor=ACTOR, restart=True)
    await services.handoff_next(app, project_id, actor=ACTOR, preview=True)
    repo = app.store.open(project_id)
    for n in range(40):  # enough loose objects to be worth packing
        repo.commit({"notes.md": f"note {n}\n"}, f"note {n}", author=AUTHOR, expected_head=repo.head())


async def test_maintenance_dry_run_lists_and_changes_nothing_then_does_it(app: App) -> None:
    await _project_with_history(app, "shop")
    interview = await app.db.interviews.open(None, 42, 7, "shop")
    # Rows of steps a worker ran (DEVUSSY_EXECUTOR=queue): finished ones go, a queued one stays.
    finished = await app.db.steps.create("shop", "handoff-next", {}, {})
    await app.db.steps.fail(finished.step_id, None, {"error": "DevussyError", "message": "x"})
    waiting = await app.db.steps.create("shop", "handoff-next", {}, {})
    path = app.store.path_of("shop")
    refs_before = git(path, "for-each-ref")
    loose_before = app.store.open("shop").loose_object_count()
    assert loose_before >= 100

    dry = await services.run_maintenance(app, dry_run=True)
    assert dry.packed == [("shop", loose_before)]
    assert len(dry.proposals) == 1 and len(dry.runs) == 1 and dry.interviews == [interview.session_id]
    assert dry.steps == [finished.step_id]
    assert git(path, "for-each-ref") == refs_before
    assert app.store.open("shop").loose_object_count() == loose_before
    assert len(await app.db.runs.list("shop")) == 2
    assert (await app.db.interviews.get(interview.session_id)).state == "open"

    done = await services.run_maintenance(app)
    assert done.packed == dry.packed and done.proposals == dry.proposals
    assert done.runs == dry.runs and done.interviews == dry.interviews and done.steps == dry.steps
    assert [s.step_id for s in await app.db.steps.list("shop")] == [waiting.step_id]
    assert app.store.open("shop").loose_object_count() == 0
    git(path, "fsck", "--strict")
    # The newest run stays (status shows it); the older one's row goes, its tag stays in git.
    remaining = await app.db.runs.list("shop")
    assert len(remaining) == 1
    assert f"refs/tags/run/{done.runs[0]}" in git(path, "for-each-ref", "--format=%(refname)")
    assert "refs/proposals/" not in git(path, "for-each-ref", "--format=%(refname)")
    assert (await app.db.interviews.get(interview.session_id)).state == "cancelled"
    status = await services.project_status(app, "shop")
    assert status.run is not None and status.run.run_id == remaining[0].run_id


async def test_packing_keeps_what_proposals_tags_and_runs_in_progress_reach(app: App) -> None:
    await _project_with_history(app, "keep")
    repo = app.store.open("keep")
    head = repo.head()
    assert head is not None
    side = repo.commit(
        {"draft.md": "a run that has not landed\n"},
        "devplan: pending",
        author=AUTHOR,
        expected_head=None,
        parent=head,
        ref="refs/runs/r1",
    )
    proposal = repo.commit(
        {"idea.md": "a proposal\n"},
        "handoff-next 9.9: idea",
        author=AUTHOR,
        expected_head=None,
        parent=head,
        ref="refs/proposals/deadbeef01",
    )
    assert repo.pack(wait=False) is True
    assert repo.loose_object_count() == 0
    path = app.store.path_of("keep")
    git(path, "fsck", "--strict")
    assert git(path, "show", f"{side.sha}:draft.md") == "a run that has not landed\n"
    assert git(path, "show", f"{proposal.sha}:idea.md") == "a proposal\n"


async def test_packing_never_runs_beside_a_writer(app: App) -> None:
    await _project_with_history(app, "busy")
    repo = app.store.open("busy")
    loose = repo.loose_object_count()
    fd = os.open(repo.path / "devussy.lock", os.O_RDWR | os.O_CREAT)
    try:
        from devussy_git.store.locking import WRITER_LOCK_NAME

        os.close(fd)
        fd = os.open(repo.path / WRITER_LOCK_NAME, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)  # a writer is in the middle of a commit
        assert repo.pack(wait=False) is False
        report = await services.run_maintenance(app)
        assert report.busy == ["busy"] and report.packed == []
        assert repo.loose_object_count() == loose
    finally:
        os.close(fd)
    assert repo.pack(wait=False) is True


async def test_a_write_packs_the_repository_once_it_passes_the_threshold(tmp_path: Path) -> None:
    import json

    app = await build_app(make_settings(tmp_path, {"DEVUSSY_PACK_LOOSE_OBJECTS": "60"}))
    try:
        await services.create_project(app, "grow", json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
        await services.run_project(app, "grow", actor=ACTOR)
        repo = app.store.open("grow")
        counts = [repo.loose_object_count()]
        for _ in range(12):
            await services.handoff_next(app, "grow", actor=ACTOR)
            counts.append(repo.loose_object_count())
        # Loose objects grow with each step and drop to none once a write passes 60.
        assert all(n < 60 for n in counts), counts
        assert 0 in counts[1:] and max(counts) > 30, counts
        assert list((repo.path / "objects" / "pack").glob("*.pack"))
        git(app.store.path_of("grow"), "fsck", "--strict")
    finally:
        await app.close()


async def test_serve_and_bot_run_maintenance_on_their_own(tmp_path: Path) -> None:
    app = await build_app(make_settings(tmp_path, {**OLD, "DEVUSSY_MAINTENANCE_INTERVAL_S": "0.2"}))
    try:
        await _project_with_history(app, "auto")
        task = services.start_periodic_maintenance(app)
        assert task is not None

        def refs() -> str:
            return git(app.store.path_of("auto"), "for-each-ref", "--format=%(refname)")

        # A pass packs first and prunes proposals after: wait for the whole pass.
        for _ in range(100):
            await asyncio.sleep(0.1)
            if app.store.open("auto").loose_object_count() == 0 and "refs/proposals/" not in refs():
                break
        assert app.store.open("auto").loose_object_count() == 0
        assert "refs/proposals/" not in refs()
    finally:
        await app.close()
    assert task.done()
    off: Any = await build_app(make_settings(tmp_path / "off", {"DEVUSSY_MAINTENANCE_INTERVAL_S": "0"}))
    try:
        assert services.start_periodic_maintenance(off) is None
    finally:
        await off.close()


def test_counting_loose_objects_while_git_gc_empties_their_directories(tmp_path: Path) -> None:
    from devussy_git.store.objects import loose_object_count

    objects = tmp_path / "objects"
    (objects / "0f").mkdir(parents=True)
    (objects / "0f" / ("a" * 38)).write_text("x")
    (objects / "1a").mkdir()
    (objects / "1a" / ("b" * 38)).write_text("x")
    real_scandir = os.scandir

    def racing_scandir(path: Any) -> Any:
        # gc removes 1a/ after the top-level listing saw it, before it is read.
        if str(path).endswith("1a"):
            for f in (objects / "1a").iterdir():
                f.unlink()
            (objects / "1a").rmdir()
        return real_scandir(path)

    os.scandir = racing_scandir  # type: ignore[assignment]  # devussy_git.store.objects lists with it
    try:
        assert loose_object_count(objects) == 1
    finally:
        os.scandir = real_scandir
