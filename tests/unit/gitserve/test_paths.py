"""Project ids and /git/ paths: validated before any filesystem access."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.errors import InvalidProjectIdError, NotFoundError
from devussy_git.gitserve.paths import (
    GitRequestKind,
    classify_git_path,
    repo_dir,
    repo_path_escapes,
)
from devussy_git.store import validate_project_id


@pytest.mark.parametrize("good", ["a", "shop-api", "0", "a" * 63, "x-1-y"])
def test_valid_ids_pass(good: str) -> None:
    assert validate_project_id(good) == good


@pytest.mark.parametrize("bad", ["", "-a", "A", "a" * 64, "a/b", "..", "a.b", "a_b", "a\n", " a", "é", "a\x00"])
def test_invalid_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidProjectIdError):
        validate_project_id(bad)


@pytest.mark.parametrize(
    ("subpath", "service", "kind"),
    [
        ("p.git/info/refs", "git-upload-pack", GitRequestKind.UPLOAD_PACK_ADVERTISEMENT),
        ("p.git/git-upload-pack", None, GitRequestKind.UPLOAD_PACK),
        ("p.git/info/refs", "git-receive-pack", GitRequestKind.RECEIVE_PACK),
        ("p.git/git-receive-pack", None, GitRequestKind.RECEIVE_PACK),
        ("p.git/info/refs", None, GitRequestKind.UNSUPPORTED),
        ("p.git/HEAD", None, GitRequestKind.UNSUPPORTED),
        ("p.git/objects/info/packs", None, GitRequestKind.UNSUPPORTED),
        ("p.git/../../etc/passwd", None, GitRequestKind.UNSUPPORTED),
    ],
)
def test_requests_are_classified(subpath: str, service: str | None, kind: GitRequestKind) -> None:
    parsed = classify_git_path(subpath, service)
    assert parsed is not None
    assert (parsed.project_id, parsed.kind) == ("p", kind)


@pytest.mark.parametrize(
    "subpath",
    [
        "",
        "p.git",
        "../x",
        "../p.git/info/refs",
        "/etc/passwd",
        "P.git/HEAD",
        ".git/HEAD",
        "p/info/refs",
        "p.gitx/info/refs",
        "a..b.git/HEAD",
    ],
)
def test_paths_without_a_valid_repo_name_are_rejected(subpath: str) -> None:
    assert classify_git_path(subpath, "git-upload-pack") is None


def test_repo_dir_finds_existing_repos_only(tmp_path: Path) -> None:
    (tmp_path / "p.git").mkdir()
    assert repo_dir(tmp_path, "p") == (tmp_path / "p.git").resolve()
    with pytest.raises(NotFoundError):
        repo_dir(tmp_path, "q")
    (tmp_path / "file.git").write_text("not a repo")
    with pytest.raises(NotFoundError):
        repo_dir(tmp_path, "file")


def test_symlinks_leading_outside_the_root_count_as_absent(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside.git"
    root.mkdir()
    outside.mkdir()
    (root / "evil.git").symlink_to(outside)
    (root / "inner.git").mkdir()
    (root / "alias.git").symlink_to(root / "inner.git")
    assert repo_path_escapes(root, "evil")
    assert not repo_path_escapes(root, "alias")
    assert not repo_path_escapes(root, "inner")
    assert not repo_path_escapes(root, "missing")
    with pytest.raises(NotFoundError):
        repo_dir(root, "evil")
    assert repo_dir(root, "alias") == (root / "inner.git").resolve()
