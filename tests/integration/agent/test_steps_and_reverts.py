"""Twenty offline steps, then reverts compared with `git revert` in a real clone.

After every step and every revert the plan passes the anchor validator and
its derived sections agree with the phase files; every step touches only its
targeted regions and the ritual's.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest

from devussy_git import services
from devussy_git.agent.landing import plan_files_at
from devussy_git.agent.regions import split_regions
from devussy_git.agent.ritual import check_consistency
from devussy_git.app import App
from devussy_git.errors import RevertConflictError
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.files import plan_progress
from devussy_git.services import handoff_next
from devussy_git.store import PlanRepo
from tests.integration.agent.conftest import ACTOR, PROJECT, git

pytestmark = pytest.mark.slow

#: Regions a step may change: the model's (offline: log + outcomes) and the ritual's.
_ALLOWED = {
    "devplan.md": {"PROGRESS_LOG", "NEXT_TASK_GROUP", "COMPLETION_SUMMARY"},
    "handoff.md": {"QUICK_STATUS"},
    "phase": {"PHASE_TASKS", "PHASE_OUTCOMES", "PHASE_PROGRESS"},
}


def assert_valid(repo: PlanRepo, rev: str = "main") -> None:
    files = plan_files_at(repo, rev)
    assert check_plan_anchors(files, strict=True) == []
    assert check_consistency(files) == []
    assert_handoff_names_the_active_phase(files)


def assert_handoff_names_the_active_phase(files: dict[str, str]) -> None:
    """Every phase file ``handoff.md`` names is the active one: nothing in it goes stale."""
    progress = plan_progress(files)
    handoff = "\n".join(line for line in files["handoff.md"].splitlines() if not line.startswith("- phase1.md …"))
    named = set(re.findall(r"phase(\d+)\.md", handoff))
    expected = set() if progress.active_phase is None else {str(progress.active_phase)}
    assert named == expected, (named, expected)


def assert_only_own_regions(repo: PlanRepo, sha: str, task_id: str) -> None:
    info = repo.get_commit(sha)
    before, after = plan_files_at(repo, info.parents[0]), plan_files_at(repo, sha)
    phase_file = f"phase{task_id.split('.')[0]}.md"
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed <= {"devplan.md", "handoff.md", phase_file}
    for path in changed:
        old, new = split_regions(before[path]), split_regions(after[path])
        assert [k for k, _ in old] == [k for k, _ in new], f"{path}: anchors moved"
        allowed = _ALLOWED["phase" if path == phase_file else path]
        for (key, a), (_, b) in zip(old, new, strict=True):
            if a == b:
                continue
            name = key.removeprefix("anchor:")
            if key.startswith("text:"):
                # Only rows of the overview table may change outside anchors.
                diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
                assert len(a) == len(b) and all(x.startswith("| ") for x, _ in diff), key
            elif name == "PHASE_TASKS":
                diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
                assert diff == [(d[0], d[0].replace("[ ]", "[x]", 1)) for d in diff]
                assert len(diff) == 1 and f" {task_id}:" in diff[0][0]
            else:
                assert name in allowed or (path == "devplan.md" and name.startswith("PHASE_")), key


def git_revert_tree(bare: Path, work: Path, head: str, shas: list[str]) -> str | None:
    """The tree `git revert --no-commit <shas>` gives on ``head`` in a clone; None on conflict."""
    if not work.exists():
        git(bare, "clone", "--quiet", str(bare), str(work), cwd=bare.parent)
        git(bare, "config", "user.email", "t@example.invalid", cwd=work)
        git(bare, "config", "user.name", "t", cwd=work)
    git(bare, "fetch", "--quiet", "origin", cwd=work)
    git(bare, "reset", "--quiet", "--hard", head, cwd=work)
    done = subprocess.run(["git", "revert", "--no-commit", *shas], cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["git", "revert", "--abort"], cwd=work, capture_output=True)
        return None
    return git(bare, "write-tree", cwd=work).strip()


def tree_of(bare: Path, sha: str) -> str:
    return git(bare, "rev-parse", f"{sha}^{{tree}}").strip()


async def test_twenty_steps_then_reverts_agree_with_git(app: App, tmp_path: Path) -> None:
    repo = app.store.open(PROJECT)
    bare, work = repo.path, tmp_path / "clone"
    steps: dict[int, tuple[str, str]] = {}
    for number in range(1, 21):
        result = await handoff_next(app, PROJECT, actor=ACTOR, note=f"step {number} done")
        assert result.step == number
        steps[number] = (result.commit.sha, result.task.id)
        assert_only_own_regions(repo, result.commit.sha, result.task.id)
        assert_valid(repo)
    assert plan_progress(plan_files_at(repo, "main")).done == 20

    # Arbitrary older steps: git and we agree on refusing or on the tree.
    for number in random.Random(5).sample(range(1, 20), 6):
        head = repo.head()
        assert head is not None
        expected = git_revert_tree(bare, work, head, [steps[number][0]])
        try:
            reverted = await services.revert(app, PROJECT, actor=ACTOR, step=number)
        except RevertConflictError as exc:
            assert expected is None, f"git reverts step {number} cleanly"
            assert exc.later_commits and repo.head() == head
            continue
        assert expected == tree_of(bare, reverted.commit.sha)
        assert_valid(repo)

    # The newest step: reverted like git, and the next step takes its task again.
    head = repo.head()
    assert head is not None
    newest_sha, newest_task = steps[20]
    expected = git_revert_tree(bare, work, head, [newest_sha])
    reverted = await services.revert(app, PROJECT, actor=ACTOR)
    assert reverted.reverted == (newest_sha,)
    assert expected == tree_of(bare, reverted.commit.sha)
    assert reverted.commit.subject.startswith('Revert "handoff-next')
    assert_valid(repo)
    again = await handoff_next(app, PROJECT, actor=ACTOR, note="redo")
    assert again.task.id == newest_task and again.step == 21
    assert_valid(repo)

    # A range newest-first in one commit: back to the plan before step 16.
    head = repo.head()
    assert head is not None
    later = [again.commit.sha] + [steps[n][0] for n in range(20, 15, -1)]
    expected = git_revert_tree(bare, work, head, later)
    ranged = await services.revert(app, PROJECT, actor=ACTOR, step=16, range_=True)
    assert expected == tree_of(bare, ranged.commit.sha)
    assert tree_of(bare, ranged.commit.sha) == tree_of(bare, repo.get_commit(steps[16][0]).parents[0])
    assert_valid(repo)
    assert plan_progress(plan_files_at(repo, "main")).next_task.id == steps[16][1]

    # Reverting the revert re-applies the range.
    head = repo.head()
    assert head is not None
    expected = git_revert_tree(bare, work, head, [ranged.commit.sha])
    redone = await services.revert(app, PROJECT, actor=ACTOR, rev=ranged.commit.sha)
    assert expected == tree_of(bare, redone.commit.sha) == tree_of(bare, again.commit.sha)
    assert_valid(repo)
    git(bare, "fsck", "--strict")
