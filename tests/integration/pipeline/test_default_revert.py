"""A plain ``revert`` walks back through the steps still in effect."""

from __future__ import annotations

from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import App
from devussy_git.errors import NotFoundError
from tests.support.gitcli import git

ACTOR = services.Actor("cli", "rae", "Rae", "rae@example.invalid")


async def test_repeated_default_reverts_undo_older_steps(app: App, answers: dict[str, Any]) -> None:
    await services.create_project(app, "undo", answers, actor=ACTOR)
    await services.run_project(app, "undo", actor=ACTOR)
    first = await services.handoff_next(app, "undo", actor=ACTOR, note="first")
    second = await services.handoff_next(app, "undo", actor=ACTOR, note="second")
    handoff_tree = git(app.store.path_of("undo"), "rev-parse", f"{first.commit.sha}^^{{tree}}")

    one = await services.revert(app, "undo", actor=ACTOR)
    assert one.reverted == (second.commit.sha,)
    two = await services.revert(app, "undo", actor=ACTOR)
    assert two.reverted == (first.commit.sha,)
    repo = app.store.path_of("undo")
    assert git(repo, "rev-parse", "main^{tree}") == handoff_tree
    with pytest.raises(NotFoundError, match="no handoff-next step left"):
        await services.revert(app, "undo", actor=ACTOR)

    # Reverting a revert re-applies the step; then the default target is that step again.
    await services.revert(app, "undo", actor=ACTOR, rev=two.commit.sha)
    again = await services.revert_target(app, "undo")
    assert again.sha == first.commit.sha
    git(repo, "fsck", "--strict")


async def test_reverting_what_cannot_be_reverted_is_refused_before_confirmation(
    app: App, answers: dict[str, Any]
) -> None:
    from devussy_git.errors import InvalidInputError

    await services.create_project(app, "norev", answers, actor=ACTOR)
    await services.run_project(app, "norev", actor=ACTOR)
    step = await services.handoff_next(app, "norev", actor=ACTOR, note="one")
    undo = await services.revert(app, "norev", actor=ACTOR)
    with pytest.raises(InvalidInputError, match=f"already reverted by {undo.commit.sha[:10]}"):
        await services.revert_target(app, "norev", step=step.step)
    root = git(app.store.path_of("norev"), "rev-list", "--max-parents=0", "main").strip()
    with pytest.raises(InvalidInputError, match="first commit"):
        await services.revert_target(app, "norev", rev=root)
