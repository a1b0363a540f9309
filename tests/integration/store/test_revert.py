"""Revert, revert of a range and cherry-pick, checked against git in a clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.errors import (
    ConflictError,
    HeadMovedError,
    InvalidInputError,
    NotFoundError,
    RevertConflictError,
)
from devussy_git.store import Identity, PlanRepo

LINES = "".join(f"line {i}\n" for i in range(1, 21))


def _edit(text: str, n: int, new: str) -> str:
    return text.replace(f"line {n}\n", f"{new}\n")


def _history(repo: PlanRepo, author: Identity, steps: list[dict[str, str | None]]) -> list[str]:
    shas: list[str] = []
    head = None
    for i, files in enumerate(steps):
        # a two-line first paragraph: git's revert quotes only the first line
        message = f"step {i}: change\nsecond line of the title\n\nBody."
        head = repo.commit(files, message, author=author, expected_head=head).sha
        shas.append(head)
    return shas


def _git_revert_tree(git, repo: PlanRepo, tmp_path: Path, *shas: str) -> tuple[str, str]:
    """Tree sha and message of ``git revert --no-edit <shas>`` in a fresh clone."""
    work = tmp_path / f"clone-{shas[0][:7]}-{len(list(tmp_path.iterdir()))}"
    git("clone", "--quiet", str(repo.path), str(work), cwd=tmp_path)
    git("revert", "--no-edit", *shas, cwd=work)
    message = git("log", "-1", "--format=%B", cwd=work).rstrip("\n") + "\n"
    return git("rev-parse", "HEAD^{tree}", cwd=work).strip(), message


def _tree_of(git, repo: PlanRepo, sha: str) -> str:
    return git("rev-parse", f"{sha}^{{tree}}", cwd=repo.path).strip()


BASE: dict[str, str | None] = {"devplan.md": LINES, "phases/phase1.md": LINES, "handoff.md": "handoff\n"}
SCENARIOS: dict[str, tuple[list[dict[str, str | None]], int]] = {
    # (history after the base commit, index of the commit to revert)
    "newest_step": ([{"devplan.md": _edit(LINES, 3, "three")}], 1),
    "older_step_other_lines_changed_later": (
        [{"devplan.md": _edit(LINES, 2, "two")}, {"devplan.md": _edit(_edit(LINES, 2, "two"), 18, "eighteen")}],
        1,
    ),
    "older_step_other_files_changed_later": (
        [{"phases/phase1.md": _edit(LINES, 5, "five")}, {"handoff.md": "handoff v2\n"}],
        1,
    ),
    "added_and_deleted_files": ([{"notes/new.md": "new\n", "handoff.md": None}, {"devplan.md": "x\n"}], 1),
    "nested_new_directory": ([{"a/b/c/d.md": "deep\n"}], 1),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_revert_tree_equals_git_revert(name: str, repo: PlanRepo, author: Identity, git, fsck, tmp_path: Path) -> None:
    steps, index = SCENARIOS[name]
    shas = _history(repo, author, [BASE, *steps])
    target = shas[index]
    expected_tree, git_message = _git_revert_tree(git, repo, tmp_path, target)

    info = repo.revert(target, author=author, trailers={"Devussy-Run": "r1"}, expected_head=shas[-1])
    assert _tree_of(git, repo, info.sha) == expected_tree
    assert info.parents == (shas[-1],) and repo.head() == info.sha
    assert info.subject == f'Revert "step {index}: change"'
    assert info.message == git_message + "\nDevussy-Stage: revert\nDevussy-Run: r1\n"
    assert info.trailers == {"Devussy-Stage": "revert", "Devussy-Run": "r1"}
    fsck(repo)


def test_reverting_a_revert_reapplies(repo: PlanRepo, author: Identity, git, tmp_path: Path) -> None:
    shas = _history(repo, author, [BASE, {"devplan.md": _edit(LINES, 4, "four")}])
    undo = repo.revert("main", author=author)
    assert repo.read("devplan.md") == LINES
    with pytest.raises(InvalidInputError, match="changes nothing"):
        repo.revert(shas[1], author=author)
    expected_tree, _ = _git_revert_tree(git, repo, tmp_path, undo.sha)
    redo = repo.revert(undo.sha, author=author, trailers=[("Devussy-Stage", "apply")])
    assert _tree_of(git, repo, redo.sha) == expected_tree == _tree_of(git, repo, shas[1])
    assert redo.subject == 'Revert "Revert "step 1: change""'
    assert redo.trailers["Devussy-Stage"] == "apply"


def _unchanged(repo: PlanRepo):
    before = (repo.head(), repo.count_objects(), repo.list_refs("refs/"))

    def check() -> None:
        assert (repo.head(), repo.count_objects(), repo.list_refs("refs/")) == before

    return check


def test_conflicting_revert_names_files_and_later_commits(
    repo: PlanRepo, author: Identity, git, tmp_path: Path
) -> None:
    shas = _history(
        repo,
        author,
        [
            BASE,
            # touches line 3 of devplan (will conflict) and line 10 of phase1 (would merge cleanly)
            {"devplan.md": _edit(LINES, 3, "three"), "phases/phase1.md": _edit(LINES, 10, "ten")},
            {"phases/phase1.md": _edit(_edit(LINES, 10, "ten"), 1, "one")},
            {"devplan.md": _edit(LINES, 3, "THREE")},
            {"handoff.md": "unrelated\n"},
        ],
    )
    work = tmp_path / "clone"
    git("clone", "--quiet", str(repo.path), str(work), cwd=tmp_path)
    git("revert", "--no-edit", shas[1], cwd=work, check=False)  # git refuses too:
    assert git("status", "--porcelain", cwd=work).splitlines() == ["UU devplan.md", "M  phases/phase1.md"]

    check = _unchanged(repo)
    with pytest.raises(RevertConflictError) as err:
        repo.revert(shas[1], author=author)
    assert err.value.paths == ["devplan.md"]
    assert err.value.later_commits == [shas[3]]
    assert "devplan.md" in err.value.user_message and shas[3][:7] in err.value.user_message
    check()

    # The offered way out: revert the range newest first.
    info = repo.revert_range([shas[3], shas[1]], "Revert steps 3 and 1", author=author, expected_head=shas[4])
    assert repo.read("devplan.md") == LINES
    assert repo.read("phases/phase1.md") == _edit(LINES, 1, "one")
    work2 = tmp_path / "clone2"
    git("clone", "--quiet", str(repo.path), str(work2), cwd=tmp_path)
    git("reset", "--quiet", "--hard", shas[4], cwd=work2)
    git("revert", "--no-edit", shas[3], shas[1], cwd=work2)
    assert git("rev-parse", "HEAD^{tree}", cwd=work2).strip() == _tree_of(git, repo, info.sha)
    assert info.trailers == {"Devussy-Stage": "revert"}


def _merge_commit(git, repo: PlanRepo, a: str, b: str) -> str:
    tree = git("rev-parse", f"{b}^{{tree}}", cwd=repo.path).strip()
    return git("commit-tree", tree, "-p", a, "-p", b, "-m", "merge", cwd=repo.path).strip()


def test_refusals_write_nothing(repo: PlanRepo, author: Identity, git) -> None:
    shas = _history(repo, author, [BASE, {"devplan.md": "v1\n"}, {"devplan.md": "v2\n"}])
    side = repo.commit(
        {"side.md": "s\n"}, "side", author=author, expected_head=None, ref="refs/proposals/p1", parent=shas[0]
    )
    merge = _merge_commit(git, repo, shas[2], side.sha)
    git("update-ref", "refs/heads/main", merge, shas[2], cwd=repo.path)
    unmerged = repo.commit(
        {"u.md": "u\n"}, "unmerged", author=author, expected_head=None, ref="refs/proposals/p2", parent=merge
    )
    orphan = repo.commit({"o.md": "o\n"}, "orphan", author=author, expected_head=None, ref="refs/proposals/o")
    check = _unchanged(repo)
    cases = [
        (shas[0], InvalidInputError, "first commit"),
        (merge, InvalidInputError, "merge"),
        (unmerged.sha, InvalidInputError, "not on main"),
        (orphan.sha, InvalidInputError, "not on main"),
        ("f" * 40, NotFoundError, "Unknown revision"),
        ("no-such-tag", NotFoundError, "Unknown revision"),
    ]
    for rev, error, words in cases:
        with pytest.raises(error, match=words):
            repo.revert(rev, author=author)
        check()
    with pytest.raises(HeadMovedError):
        repo.revert(shas[2], author=author, expected_head=shas[1])
    with pytest.raises(InvalidInputError, match="newest first"):
        repo.revert_range([shas[1], shas[2]], "bad order", author=author, trailers=(), expected_head=merge)
    check()


def test_cherry_pick_onto_a_moved_main(repo: PlanRepo, author: Identity, git, fsck) -> None:
    base = repo.commit(BASE, "base", author=author, expected_head=None)
    proposal = repo.commit(
        {"devplan.md": _edit(LINES, 2, "two")},
        "handoff-next 1.1: proposal",
        author=author,
        trailers={"Devussy-Stage": "handoff-next"},
        expected_head=None,
        ref="refs/proposals/p1",
        parent=base.sha,
    )
    assert repo.head() == base.sha
    moved = repo.commit({"devplan.md": _edit(LINES, 19, "nineteen")}, "other", author=author, expected_head=base.sha)
    sha = repo.cherry_pick(proposal.sha, onto="main", trailers={"Devussy-Stage": "apply"})
    picked = repo.get_commit(sha)
    assert picked.parents == (moved.sha,) and repo.head() == moved.sha
    assert repo.read("devplan.md", sha) == _edit(_edit(LINES, 2, "two"), 19, "nineteen")
    assert picked.author == author and picked.subject == proposal.subject
    assert picked.trailers == {"Devussy-Stage": "apply"}
    assert git("interpret-trailers", "--parse", cwd=repo.path, input=picked.message) == (
        "Devussy-Stage: handoff-next\nDevussy-Stage: apply\n"
    )
    repo.set_ref("refs/heads/main", sha, expected=moved.sha)
    fsck(repo)

    clash = repo.commit(
        {"devplan.md": "rewritten\n"},
        "rewrite",
        author=author,
        expected_head=None,
        ref="refs/proposals/p2",
        parent=base.sha,
    )
    check = _unchanged(repo)
    with pytest.raises(ConflictError, match="devplan.md"):
        repo.cherry_pick(clash.sha, onto="main")
    check()
