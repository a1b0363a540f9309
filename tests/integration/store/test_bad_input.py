"""Bad input to the store: a clear error each time, and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devussy_git.errors import (
    ConflictError,
    InvalidInputError,
    InvalidProjectIdError,
    NotFoundError,
    StoreError,
)
from devussy_git.store import Identity, PlanRepo, PlanStore

INVALID_IDS = ["", "Shop", "../escape", "a/b", "-x", "a" * 64, "shop.git", "café", "..", "a b"]


@pytest.mark.parametrize("project_id", INVALID_IDS)
def test_store_refuses_invalid_project_ids(store: PlanStore, project_id: str, tmp_path: Path) -> None:
    for call in (store.create, store.open, store.exists, store.path_of):
        with pytest.raises(InvalidProjectIdError):
            call(project_id)
    assert not store.root.exists() or list(store.root.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_create_open_list(store: PlanStore) -> None:
    assert store.list_projects() == []
    store.create("beta")
    store.create("alpha-1")
    (store.root / "stray.txt").write_text("not a repo")
    (store.root / "Upper.git").mkdir()
    assert store.list_projects() == ["alpha-1", "beta"]
    assert store.exists("beta") and not store.exists("gamma")
    assert store.open("beta").path == store.root / "beta.git"
    with pytest.raises(ConflictError, match="already exists"):
        store.create("beta")
    with pytest.raises(NotFoundError, match="gamma"):
        store.open("gamma")
    assert store.path_of("x").parent == store.root
    assert sorted(p.name for p in store.root.iterdir()) == ["Upper.git", "alpha-1.git", "beta.git", "stray.txt"]


def test_create_replaces_an_empty_leftover_directory(store: PlanStore, author: Identity) -> None:
    (store.root / "gamma.git").mkdir(parents=True)  # e.g. left by an interrupted older create
    assert not store.exists("gamma")
    repo = store.create("gamma")
    repo.commit({"a.md": "x\n"}, "one", author=author, expected_head=None)
    assert store.list_projects() == ["gamma"]


BAD_FILES: dict[str, dict[str, Any]] = {
    "dotdot": {"../escape.md": "x"},
    "absolute": {"/tmp/x.md": "x"},
    "dot_git": {".git/config": "x"},
    "nested_dot_git": {"a/.git/HEAD": "x"},
    "backslash": {"a\\b.md": "x"},
    "nul_in_text": {"a.md": "a\x00b"},
    "non_utf8_text": {"a.md": "caf\udce9"},
    "bytes_not_text": {"a.md": b"bytes"},
    "file_and_dir": {"a.md": "x", "a.md/b.md": "y"},
    "delete_missing": {"missing.md": None},
    "write_over_directory": {"dir": "x"},
    "write_under_file": {"top.md/x.md": "x"},
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_commits_write_nothing(name: str, repo: PlanRepo, author: Identity, tmp_path: Path) -> None:
    first = repo.commit({"top.md": "t\n", "dir/inner.md": "i\n"}, "one", author=author, expected_head=None)
    objects = repo.count_objects()
    good = {"good.md": "a brand new blob that must not be written\n"}
    with pytest.raises((InvalidInputError, NotFoundError)) as err:
        files = {**good, **BAD_FILES[name]}
        repo.commit(files, "bad", author=author, expected_head=first.sha)
    assert err.value.user_message
    assert repo.head() == first.sha
    assert repo.count_objects() == objects


def test_bad_messages_authors_and_trailers(repo: PlanRepo, author: Identity) -> None:
    calls = [
        dict(message="", author=author),
        dict(message="ok", author=Identity("A <b>", "a@b")),
        dict(message="ok", author=author, trailers=[("Bad Key", "v")]),
        dict(message="ok", author=author, trailers={"Devussy-Run": "two\nlines"}),
    ]
    for kwargs in calls:
        with pytest.raises(InvalidInputError):
            repo.commit({"a.md": "x"}, expected_head=None, **kwargs)
    with pytest.raises(InvalidInputError, match="40-character"):
        repo.commit({"a.md": "x"}, "ok", author=author, expected_head="main")
    assert repo.head() is None and repo.count_objects() == 0


def test_reading_bad_paths_and_revisions(repo: PlanRepo, author: Identity) -> None:
    repo.commit({"a.md": "x\n"}, "one", author=author, expected_head=None)
    with pytest.raises(InvalidInputError):
        repo.read("../a.md")
    with pytest.raises(InvalidInputError):
        repo.read("a.md", "--upload-pack=evil")
    with pytest.raises(InvalidInputError):
        repo.log(limit=-1)
    with pytest.raises(NotFoundError):
        repo.diff("nope", "main")


def test_reading_a_non_utf8_blob_is_a_clear_error(repo: PlanRepo, author: Identity, git) -> None:
    repo.commit({"a.md": "x\n"}, "one", author=author, expected_head=None)
    # A latin-1 file written by plain git (not by the store) reads as a clear error.
    work = repo.path.parent / "w"
    git("clone", "--quiet", str(repo.path), str(work), cwd=repo.path.parent)
    (work / "latin1.md").write_bytes(b"caf\xe9\n")
    git("add", "latin1.md", cwd=work)
    git("commit", "--quiet", "-m", "latin1", cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    # Asking to read it as text is the caller's mistake (HTTP 422, CLI exit 1) ...
    with pytest.raises(InvalidInputError, match="not a UTF-8"):
        repo.read("latin1.md")
    # ... while a plan file that is not text, read as part of the plan, is a broken store.
    with pytest.raises(StoreError, match="not a UTF-8"):
        repo.read_many(["latin1.md"])


@pytest.mark.parametrize("inside", [False, True])
def test_a_symlinked_repo_is_not_a_project(tmp_path: Path, inside: bool) -> None:
    store = PlanStore(tmp_path / "repos")
    real_store = PlanStore(tmp_path / ("repos" if inside else "elsewhere"))
    target = real_store.create("real").path
    (store.root).mkdir(parents=True, exist_ok=True)
    (store.root / "linked.git").symlink_to(target, target_is_directory=True)
    assert not store.exists("linked")
    assert "linked" not in store.list_projects()
    with pytest.raises(NotFoundError):
        store.open("linked")
    with pytest.raises(StoreError):
        store.create("linked")
    assert target.is_dir()  # nothing was followed or removed
