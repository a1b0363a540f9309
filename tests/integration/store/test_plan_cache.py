"""The plan's progress kept by the blob ids of the files it was read from: a hit skips
the parse and gives what the parse gives, a changed file is read again, a damaged
cache is ignored and rewritten, and concurrent writers leave one whole cache."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devussy_git.plan import files as plan_files
from devussy_git.plan.files import plan_progress
from devussy_git.services.plan_cache import CACHE_NAME, read_plan_progress
from devussy_git.store import Identity, PlanRepo

CACHE_FILE = f"devussy-cache-{CACHE_NAME}.json"
HANDOFF = (
    "# Handoff\n\n<!-- QUICK_STATUS_START -->\n\n- Phase: 1\n- Blockers: keys; a decision\n\n"
    "<!-- QUICK_STATUS_END -->\n"
)


def phase(number: int, *boxes: bool) -> str:
    tasks = "\n".join(
        f"- [{'x' if done else ' '}] {number}.{i}: task {i}\n  - detail of {i}" for i, done in enumerate(boxes, 1)
    )
    return (
        f"# Phase {number}: Part {number}\n\n## Tasks\n\n<!-- PHASE_TASKS_START -->\n\n{tasks}\n\n"
        f"<!-- PHASE_TASKS_END -->\n\n## Context\n\n<!-- PHASE_CONTEXT_START -->\n\nPhase {number}.\n\n"
        "<!-- PHASE_CONTEXT_END -->\n"
    )


PLAN = {"handoff.md": HANDOFF, "phase1.md": phase(1, True, False), "phase2.md": phase(2, False), "notes.txt": "x\n"}


def commit(repo: PlanRepo, author: Identity, files: dict[str, str | None]) -> str:
    return repo.commit(files, "plan", author=author, expected_head=repo.head()).sha


def parsed(repo: PlanRepo, rev: str = "main") -> object:
    return plan_progress(repo.read_many([f for f in repo.list_files(rev) if f.endswith(".md")], rev))


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(files: object) -> object:
        raise AssertionError("the plan was parsed on a cache hit")

    monkeypatch.setattr(plan_files, "plan_progress", refuse)


def test_a_project_without_a_plan_has_no_progress_and_no_cache(repo: PlanRepo, author: Identity) -> None:
    commit(repo, author, {"phase1.md": phase(1, False)})
    assert read_plan_progress(repo) is None
    assert not (repo.path / CACHE_FILE).exists()


def test_a_miss_parses_and_a_hit_gives_the_same_without_parsing(
    repo: PlanRepo, author: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(repo, author, PLAN)
    first = read_plan_progress(repo)
    assert first == parsed(repo)
    assert first is not None and first.next_task is not None and first.blockers == ("keys", "a decision")
    assert (repo.path / CACHE_FILE).exists()
    no_parse(monkeypatch)
    assert read_plan_progress(repo) == first


def test_a_changed_file_is_counted_again_and_an_earlier_state_still_hits(
    repo: PlanRepo, author: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = commit(repo, author, PLAN)
    old = read_plan_progress(repo)
    commit(repo, author, {"phase1.md": phase(1, True, True)})
    new = read_plan_progress(repo)
    assert new == parsed(repo) and new != old
    assert new is not None and new.done == 2 and new.active_phase == 2
    commit(repo, author, {"phase2.md": None})  # a file removed makes a new key too
    assert read_plan_progress(repo) == parsed(repo)
    no_parse(monkeypatch)
    assert read_plan_progress(repo, before) == old


@pytest.mark.parametrize(
    "damage",
    [
        "not json {",
        "[]",
        json.dumps({"version": 999, "entries": {}}),
        json.dumps({"version": 1, "entries": []}),
        "KEY",  # the right key with a damaged entry
    ],
)
def test_a_damaged_cache_is_ignored_and_rewritten(repo: PlanRepo, author: Identity, damage: str) -> None:
    commit(repo, author, PLAN)
    read_plan_progress(repo)
    (key,) = json.loads((repo.path / CACHE_FILE).read_text())["entries"]
    if damage == "KEY":
        damage = json.dumps({"version": 1, "entries": {key: {"done": "7", "total": 1}}})
    (repo.path / CACHE_FILE).write_text(damage)
    assert read_plan_progress(repo) == parsed(repo)
    assert key in json.loads((repo.path / CACHE_FILE).read_text())["entries"]


def test_an_unwritable_cache_still_reads_the_plan(repo: PlanRepo, author: Identity) -> None:
    commit(repo, author, PLAN)
    (repo.path / CACHE_FILE).mkdir()  # a directory where the file should be: every write fails
    assert read_plan_progress(repo) == parsed(repo)


def test_concurrent_readers_and_writers_agree_and_leave_one_whole_cache(repo: PlanRepo, author: Identity) -> None:
    revs = [commit(repo, author, PLAN)]
    for boxes in [(True, True), (False, False), (True, False, False)]:
        revs.append(commit(repo, author, {"phase1.md": phase(1, *boxes)}))
    expected = {rev: parsed(repo, rev) for rev in revs}
    start = threading.Barrier(8)

    def reader(n: int) -> list[bool]:
        start.wait()
        return [read_plan_progress(repo, rev) == expected[rev] for _ in range(10) for rev in revs[n % 4 :]]

    with ThreadPoolExecutor(8) as pool:
        results = [ok for oks in pool.map(reader, range(8)) for ok in oks]
    assert all(results)
    assert json.loads((repo.path / CACHE_FILE).read_text())["version"] == 1
    assert list(Path(repo.path).glob("*.tmp")) == []
