"""Archive, restore and delete: an archived project refuses every change at the store,
a deleted one leaves a bundle that git can read and that ``restore`` brings back whole."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.db import ProjectRecord
from devussy_git.errors import (
    InvalidInputError,
    NotFoundError,
    ProjectArchivedError,
    RunAlreadyActiveError,
    StoreError,
)
from devussy_git.store import Identity
from tests.integration.pipeline.conftest import ANSWERS_FILE, make_settings
from tests.support.gitcli import git

ACTOR = services.Actor("cli", "dora", "Dora", "dora@example.invalid")
AUTHOR = Identity("Dora", "dora@example.invalid")
GUILD, OTHER_GUILD, THREAD = 111111111111111111, 222222222222222222, 333333333333333333


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(make_settings(tmp_path))
    try:
        yield built
    finally:
        await built.close()


async def _planned(app: App, project_id: str, *, steps: int = 1) -> None:
    await services.create_project(app, project_id, json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    await services.run_project(app, project_id, actor=ACTOR)
    for _ in range(steps):
        await services.handoff_next(app, project_id, actor=ACTOR)


def _refs(app: App, project_id: str) -> str:
    return git(app.store.path_of(project_id), "for-each-ref", "--format=%(objectname) %(refname)")


async def test_an_archived_project_refuses_every_change_and_still_reads(app: App, tmp_path: Path) -> None:
    await _planned(app, "shop")
    proposal = await services.handoff_next(app, "shop", actor=ACTOR, preview=True)
    refs = _refs(app, "shop")
    mark = await services.archive_project(app, "shop", actor=ACTOR)
    assert mark.by == "cli:dora"
    # Archiving twice keeps the first mark.
    assert await services.archive_project(app, "shop", actor=ACTOR) == mark

    attempts = {
        "step": lambda: services.handoff_next(app, "shop", actor=ACTOR),
        "preview": lambda: services.handoff_next(app, "shop", actor=ACTOR, preview=True),
        "apply": lambda: services.apply_proposal(app, "shop", proposal.proposal_id, actor=ACTOR),
        "discard": lambda: services.discard_proposal(app, "shop", proposal.proposal_id),
        "revert": lambda: services.revert(app, "shop", actor=ACTOR),
        "run": lambda: services.start_run(app, "shop", actor=ACTOR, restart=True),
        "answers": lambda: services.update_interview(
            app, "shop", {**json.loads(ANSWERS_FILE.read_text()), "project_name": "Other"}, actor=ACTOR
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ProjectArchivedError, match="devussy-git restore shop"):
            await attempt()
        assert _refs(app, "shop") == refs, name
    assert await app.db.runs.latest("shop") is not None
    assert (await app.db.runs.latest("shop")).state == "completed"

    # Reading and cloning go on; status says it is archived.
    assert "shop" not in [p.project_id for p in await services.list_projects(app)]
    assert [p.project_id for p in await services.list_projects(app, archived=True)] == ["shop"]
    status = await services.project_status(app, "shop")
    assert status.archived == mark and status.progress is not None and status.progress.done == 1
    assert await services.log(app, "shop", limit=1)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(app.store.path_of("shop")), str(clone)], check=True)
    assert (clone / "handoff.md").is_file()

    restored = await services.restore_project(app, "shop", actor=ACTOR)
    assert restored.how == "unarchived"
    assert (await services.handoff_next(app, "shop", actor=ACTOR)).commit.sha == app.store.open("shop").head()
    with pytest.raises(InvalidInputError, match="not archived"):
        await services.restore_project(app, "shop", actor=ACTOR)


async def test_the_store_refuses_a_write_prepared_before_the_archive(app: App) -> None:
    """The mark is checked inside the writer lock: a writer that looked before it lost."""
    await services.create_project(app, "late", json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    writer = app.store.open("late")  # opened (and checked) before the archive
    head = writer.head()
    await services.archive_project(app, "late", actor=ACTOR)
    with pytest.raises(ProjectArchivedError):
        writer.commit({"notes.md": "late\n"}, "a late write", author=AUTHOR, expected_head=head)
    with pytest.raises(ProjectArchivedError):
        writer.create_tag("run/late", head)
    assert writer.head() == head
    git(app.store.path_of("late"), "fsck", "--strict")


async def test_archiving_waits_for_no_run(app: App) -> None:
    await services.create_project(app, "busy", json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    await app.db.runs.create("busy", provider="offline", model="offline", actor="cli:dora")
    with pytest.raises(RunAlreadyActiveError):
        await services.archive_project(app, "busy", actor=ACTOR)
    with pytest.raises(Exception, match="run in progress"):
        await services.delete_project(app, "busy", actor=ACTOR)
    assert app.store.open("busy").archived() is None and app.store.exists("busy")


async def test_delete_leaves_a_bundle_git_reads_and_restore_brings_everything_back(app: App) -> None:
    await _planned(app, "shop", steps=2)
    await services.handoff_next(app, "shop", actor=ACTOR, preview=True)
    await app.db.projects.set_thread("shop", None)
    refs = _refs(app, "shop")
    assert "refs/proposals/" in refs and "refs/tags/run/" in refs
    path = app.store.path_of("shop")

    entry = await services.delete_project(app, "shop", actor=ACTOR)
    assert not path.exists() and not app.store.exists("shop")
    assert entry.bundle.parent == app.store.root / ".trash"
    assert entry.bundle.name.startswith("shop@")
    heads = subprocess.run(
        ["git", "bundle", "list-heads", str(entry.bundle)], capture_output=True, text=True, check=True
    ).stdout
    assert sorted(line for line in heads.splitlines() if not line.endswith(" HEAD")) == sorted(refs.splitlines())
    assert await app.db.projects.get("shop") is None
    assert await app.db.runs.list("shop") == []
    assert "shop" not in app.store.list_projects()
    with pytest.raises(NotFoundError):
        await services.project_status(app, "shop")
    assert [e.project_id for e in await services.trash(app)] == ["shop"]
    # Nothing but the bundle and its note is left behind.
    assert sorted(p.suffix for p in (app.store.root / ".trash").iterdir()) == [".bundle", ".json"]

    restored = await services.restore_project(app, "shop", actor=ACTOR)
    assert restored.how == "undeleted" and restored.bundle == entry.bundle.name
    assert _refs(app, "shop") == refs
    git(path, "fsck", "--strict")
    record = await app.db.projects.get("shop")
    assert record is not None and record.name == "Shop API" and record.created_by == "cli:dora"
    assert await services.trash(app) == []
    # It works as before: the next step lands.
    await services.handoff_next(app, "shop", actor=ACTOR)
    assert (await services.project_status(app, "shop")).progress.done == 3


async def test_a_guild_sees_and_restores_only_its_own_deleted_projects(app: App) -> None:
    await services.create_project(app, "mine", json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    await app.db.projects.delete("mine")
    await app.db.projects.add(ProjectRecord("mine", "Mine", GUILD, THREAD, "discord:1", datetime.now(UTC)))
    with pytest.raises(NotFoundError):
        await services.delete_project(app, "mine", actor=ACTOR, guild_id=OTHER_GUILD)
    await services.delete_project(app, "mine", actor=ACTOR, guild_id=GUILD)
    assert await services.trash(app, guild_id=OTHER_GUILD) == []
    with pytest.raises(NotFoundError):
        await services.restore_project(app, "mine", actor=ACTOR, guild_id=OTHER_GUILD)
    assert [e.project_id for e in await services.trash(app, guild_id=GUILD)] == ["mine"]
    await services.restore_project(app, "mine", actor=ACTOR, guild_id=GUILD)
    record = await app.db.projects.get_in_guild("mine", GUILD)
    assert record is not None and record.thread_id == THREAD


async def test_a_failed_delete_changes_nothing(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    await services.create_project(app, "keep", json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
    refs = _refs(app, "keep")
    monkeypatch.setattr("devussy_git.store.trash.shutil.which", lambda name: None)
    with pytest.raises(StoreError, match="git command"):
        await services.delete_project(app, "keep", actor=ACTOR)
    monkeypatch.undo()
    assert app.store.exists("keep") and _refs(app, "keep") == refs
    assert await app.db.projects.get("keep") is not None
    assert list((app.store.root / ".trash").glob("*")) == []


async def test_maintenance_empties_the_trash_after_its_days(tmp_path: Path) -> None:
    app = await build_app(make_settings(tmp_path, {"DEVUSSY_TRASH_DAYS": "1"}))
    try:
        for name in ("old", "new"):
            await services.create_project(app, name, json.loads(ANSWERS_FILE.read_text()), actor=ACTOR)
            await services.delete_project(app, name, actor=ACTOR)
        trash = app.store.root / ".trash"
        old = next(trash.glob("old@*.bundle"))
        stamp = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y%m%dT%H%M%S%fZ")
        aged = trash / f"old@{stamp}.bundle"
        old.rename(aged)
        old.with_suffix(".json").rename(aged.with_suffix(".json"))
        (trash / "gone@20200101T000000000000Z.deleting").mkdir()  # a delete killed half-way

        dry = await services.run_maintenance(app, dry_run=True)
        assert dry.trash == [aged.name] and aged.exists()
        done = await services.run_maintenance(app)
        assert done.trash == [aged.name]
        assert not aged.exists() and not aged.with_suffix(".json").exists()
        assert [e.project_id for e in await services.trash(app)] == ["new"]
        assert not list(trash.glob("*.deleting"))
    finally:
        await app.close()


@pytest.mark.parametrize("hostile", ["../shop", "shop/../../x", ".trash", "a" * 64, "Shop"])
async def test_hostile_ids_never_reach_the_trash(app: App, hostile: str) -> None:
    with pytest.raises(InvalidInputError):
        await services.restore_project(app, hostile, actor=ACTOR)
    with pytest.raises(InvalidInputError):
        await services.delete_project(app, hostile, actor=ACTOR)
    assert not os.path.exists(app.store.root / ".trash") or not list((app.store.root / ".trash").iterdir())
