"""Preview proposals: apply (fast-forward or clean rebase), refuse on conflict, discard, prune."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devussy_git.agent.proposals import prune_proposals
from devussy_git.app import App
from devussy_git.errors import ConflictError, NotFoundError
from devussy_git.services import apply_proposal, discard_proposal, handoff_next, list_proposals
from tests.integration.agent.conftest import ACTOR, OTHER, PROJECT, git
from tests.integration.agent.test_steps_and_reverts import assert_valid


async def test_preview_parks_the_step_off_main(app: App, tmp_path: Path) -> None:
    repo = app.store.open(PROJECT)
    head = repo.head()
    result = await handoff_next(app, PROJECT, actor=OTHER, note="drafted", preview=True)
    assert repo.head() == head
    assert result.proposal_id is not None
    assert repo.get_ref(f"refs/proposals/{result.proposal_id}") == result.commit.sha
    assert result.commit.parents == (head,)
    assert "+- [x] 1.1:" in result.diff.patch
    [listed] = await list_proposals(app, PROJECT)
    assert (listed.id, listed.task, listed.base, listed.author.name) == (
        result.proposal_id,
        "1.1",
        head,
        "Other Person",
    )
    assert listed.summary == "drafted" and listed.age_s() < 600
    # A plain clone does not fetch proposals.
    git(repo.path, "clone", "--quiet", str(repo.path), str(tmp_path / "c"), cwd=tmp_path)
    cloned = git(repo.path, "for-each-ref", "--format=%(refname)", cwd=tmp_path / "c")
    assert "proposals" not in cloned and "refs/remotes/origin/main" in cloned


async def test_apply_when_main_did_not_move_fast_forwards(app: App) -> None:
    repo = app.store.open(PROJECT)
    parked = await handoff_next(app, PROJECT, actor=OTHER, preview=True)
    assert parked.proposal_id is not None
    applied = await apply_proposal(app, PROJECT, parked.proposal_id, actor=ACTOR)
    assert repo.head() == parked.commit.sha == applied.commit.sha
    assert applied.step == 1 and applied.task.id == "1.1" and applied.status == "done"
    assert await list_proposals(app, PROJECT) == []
    assert_valid(repo)


async def test_apply_after_another_step_rebases_cleanly(app: App) -> None:
    repo = app.store.open(PROJECT)
    parked = await handoff_next(app, PROJECT, actor=OTHER, note="schema drafted", task="2.1", preview=True)
    assert parked.proposal_id is not None
    landed = await handoff_next(app, PROJECT, actor=ACTOR, note="repo ready")
    assert landed.task.id == "1.1"
    applied = await apply_proposal(app, PROJECT, parked.proposal_id, actor=ACTOR)
    info = applied.commit
    assert info.parents == (landed.commit.sha,) and repo.head() == info.sha
    assert info.subject == parked.commit.subject
    assert info.author.name == "Other Person"
    assert info.trailers["Devussy-Stage"] == "handoff-next"
    assert info.trailers["Devussy-Step"] == "2" and applied.step == 2
    assert info.trailers["Devussy-Task"] == "2.1"
    assert info.trailers["Devussy-Actor"] == "discord:42"
    trailers = git(repo.path, "log", "-1", "--format=%(trailers:key=Devussy-Stage,valueonly)", info.sha)
    assert trailers.split() == ["apply", "handoff-next"]
    devplan = repo.read("devplan.md")
    assert "- 1.1: repo ready" in devplan and "- 2.1: schema drafted" in devplan
    assert "- [x] 2.1:" in repo.read("phase2.md") and "- [x] 1.1:" in repo.read("phase1.md")
    assert_valid(repo)
    git(repo.path, "fsck", "--strict")


async def test_apply_refuses_when_the_task_was_done_meanwhile(app: App) -> None:
    repo = app.store.open(PROJECT)
    parked = await handoff_next(app, PROJECT, actor=OTHER, preview=True)
    assert parked.proposal_id is not None
    await handoff_next(app, PROJECT, actor=ACTOR)
    head = repo.head()
    with pytest.raises(ConflictError) as caught:
        await apply_proposal(app, PROJECT, parked.proposal_id, actor=ACTOR)
    message = caught.value.user_message
    assert parked.proposal_id in message and "task 1.1" in message and "Discard it" in message
    assert repo.head() == head
    assert [p.id for p in await list_proposals(app, PROJECT)] == [parked.proposal_id]


async def test_apply_refuses_when_both_replaced_one_region(app: App) -> None:
    repo = app.store.open(PROJECT)
    parked = await handoff_next(app, PROJECT, actor=OTHER, task="2.1", preview=True)
    assert parked.proposal_id is not None
    # Someone rewrites the progress log on main meanwhile.
    devplan = repo.read("devplan.md")
    start, end = devplan.index("<!-- PROGRESS_LOG_START -->"), devplan.index("<!-- PROGRESS_LOG_END -->")
    devplan = devplan[: start + 27] + "\n\n- Log restarted.\n\n" + devplan[end:]
    repo.commit({"devplan.md": devplan}, "docs: restart the log", author=ACTOR.identity, expected_head=repo.head())
    head = repo.head()
    with pytest.raises(ConflictError, match="PROGRESS_LOG"):
        await apply_proposal(app, PROJECT, parked.proposal_id, actor=ACTOR)
    assert repo.head() == head


async def test_discard_deletes_the_ref_and_unknown_ids_are_clear(app: App) -> None:
    repo = app.store.open(PROJECT)
    parked = await handoff_next(app, PROJECT, actor=OTHER, preview=True)
    assert parked.proposal_id is not None
    await discard_proposal(app, PROJECT, parked.proposal_id)
    assert repo.list_refs("refs/proposals/") == {}
    with pytest.raises(NotFoundError, match="no proposal"):
        await discard_proposal(app, PROJECT, parked.proposal_id)
    with pytest.raises(NotFoundError):
        await apply_proposal(app, PROJECT, "deadbeef", actor=ACTOR)


async def test_old_proposals_are_pruned(app: App) -> None:
    repo = app.store.open(PROJECT)
    old = await handoff_next(app, PROJECT, actor=OTHER, preview=True)
    fresh = await handoff_next(app, PROJECT, actor=OTHER, task="1.2", preview=True)
    later = datetime.now(UTC) + timedelta(hours=2)
    assert prune_proposals(repo, 3 * 3600, now=later) == []
    assert old.proposal_id is not None and fresh.proposal_id is not None
    assert sorted(prune_proposals(repo, 3600, now=later)) == sorted([old.proposal_id, fresh.proposal_id])
    assert repo.list_refs("refs/proposals/") == {}


async def test_list_prunes_by_the_configured_age(make_app: object) -> None:
    app = await make_app(proposal_max_age_s=0)
    await handoff_next(app, PROJECT, actor=OTHER, preview=True)
    assert await list_proposals(app, PROJECT) == []
