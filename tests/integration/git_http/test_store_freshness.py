"""Commits written by the plan store (pygit2, loose objects, no hooks) are served at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devussy_git.store import Identity, PlanStore
from tests.integration.git_http.conftest import GitServer, serve_router
from tests.integration.git_http.gitrepos import git

PROJECT = "from-store"
AUTHOR = Identity("Ada Planner", "ada@example.invalid")


@pytest.fixture(scope="module")
def store_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GitServer, PlanStore]]:
    root = tmp_path_factory.mktemp("store-repos")
    store = PlanStore(root)
    store.create(PROJECT)
    for server in serve_router(root):
        yield server, store


def _step(store: PlanStore, number: int) -> str:
    repo = store.open(PROJECT)
    head = repo.log(limit=1)[0].sha if number > 1 else None
    info = repo.commit(
        {"handoff.md": f"# Handoff\n\nstep {number}\n"},
        f"handoff-next 1.{number}: step {number}",
        author=AUTHOR,
        trailers=[("Devussy-Stage", "handoff-next"), ("Devussy-Step", str(number))],
        expected_head=head,
    )
    return info.sha


def test_a_store_commit_is_fetched_at_once_with_equal_trailers(
    store_server: tuple[GitServer, PlanStore], genv: dict[str, str], tmp_path: Path
) -> None:
    server, store = store_server
    _step(store, 1)
    token = server.access.token_for(PROJECT)
    clone = tmp_path / "clone"
    git("clone", "--quiet", server.url(PROJECT, token), str(clone), env=genv)
    repo = store.open(PROJECT)
    proposal = repo.commit(
        {"draft.md": "draft\n"},
        "proposal",
        author=AUTHOR,
        expected_head=None,
        ref="refs/proposals/p1",
        parent=repo.log(limit=1)[0].sha,
    )
    running = repo.commit(
        {"devplan.md": "half a plan\n"},
        "devplan: a run that has not landed",
        author=AUTHOR,
        expected_head=None,
        ref="refs/runs/r1",
        parent=repo.log(limit=1)[0].sha,
    )
    second = _step(store, 2)
    git("pull", "--quiet", "--ff-only", env=genv, cwd=clone)
    assert git("rev-parse", "HEAD", env=genv, cwd=clone).stdout.strip() == second
    fmt = ["log", "--format=%H %(trailers:key=Devussy-Step,valueonly,separator=)", "main"]
    bare = server.root / f"{PROJECT}.git"
    assert git(*fmt, env=genv, cwd=clone).stdout == git(*fmt, env=genv, cwd=bare).stdout
    refs = git("ls-remote", server.url(PROJECT, token), env=genv).stdout
    assert proposal.sha not in refs and "refs/proposals" not in refs
    assert running.sha not in refs and "refs/runs" not in refs
    fetch = git("fetch", "--quiet", "origin", running.sha, env=genv, cwd=clone, check=False)
    assert fetch.returncode != 0
