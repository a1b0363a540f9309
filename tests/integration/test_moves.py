"""The source side of a move: a node puts its copy of a project in its trash only when
another node asks with the node token, the project has moved away, and the copy still
has the refs the new owner copied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devussy_git import services
from devussy_git.app import build_app
from devussy_git.config import load_settings
from devussy_git.errors import ConflictError, PermissionDeniedError
from devussy_git.gitserve.mirror import local_refs, refs_digest

ACTOR = services.Actor("cli", "lee", "Lee", "lee@example.invalid")
ANSWERS = json.loads((Path(__file__).parents[2] / "devussy_git" / "fixtures" / "demo_interview.json").read_text())


async def test_the_old_copy_goes_to_the_trash_only_when_it_is_what_was_copied(tmp_path: Path) -> None:
    settings = load_settings(
        {"DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"},
        dotenv_path=None,
    )
    app = await build_app(settings)
    try:
        await services.create_project(app, "shop", ANSWERS, actor=ACTOR)
        repo = app.store.path_of("shop")
        token = f"Bearer {app.access.node_token()}"
        copied = refs_digest(local_refs(repo))
        with pytest.raises(PermissionDeniedError):
            await services.retire_moved_project(app, "shop", "Bearer nope", refs=copied)
        with pytest.raises(ConflictError, match="has not moved away"):
            await services.retire_moved_project(app, "shop", token, refs=copied)
        await app.db.projects.set_node("shop", "eu-2", expected="local")
        with pytest.raises(ConflictError, match="changed after node eu-2 copied it; it stays"):
            await services.retire_moved_project(app, "shop", token, refs=refs_digest({"refs/heads/main": "0" * 40}))
        assert repo.is_dir()
        retired = await services.retire_moved_project(app, "shop", token, refs=copied)
        assert not repo.exists() and retired.bundle is not None
        assert (tmp_path / "repos" / ".trash" / retired.bundle).is_file()
    finally:
        await app.close()


async def test_a_copy_left_by_an_unfinished_move_is_cleared_before_copying_again(tmp_path: Path) -> None:
    from devussy_git.errors import UnavailableError

    settings = load_settings(
        {"DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"},
        dotenv_path=None,
    )
    app = await build_app(settings)
    try:
        await services.create_project(app, "shop", ANSWERS, actor=ACTOR)
        # The project is eu-1's; the copy here is what a worker killed before the switch left.
        await app.db.projects.set_node("shop", "eu-1", expected="local")
        await app.db.nodes.record("eu-1", "http://127.0.0.1:9")
        with pytest.raises(UnavailableError, match="cannot be reached"):
            await services.handle_move_job(app, 7, project_id="shop", source="eu-1", target="local")
        assert not app.store.path_of("shop").exists()
        phases = [await app.db.state.get(f"move:7:{n}") for n in range(1, 5)]
        assert phases[0] is not None and phases[0].startswith("cleared|an unfinished earlier copy went")
        assert phases[1] is not None and phases[1].startswith("copying|")
        assert phases[2] is not None and phases[2].startswith("failed|The source node cannot be reached")
        assert phases[3] is None
        record = await app.db.projects.get("shop")
        assert record is not None and record.node == "eu-1"  # the source still owns it
    finally:
        await app.close()
