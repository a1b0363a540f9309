"""Tags (run/<id>) and named refs (refs/proposals/<id>), seen from git and clones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devussy_git.errors import ConflictError, HeadMovedError, InvalidInputError, NotFoundError
from devussy_git.store import Identity, PlanRepo, validate_ref_name


def test_tags_are_lightweight_and_cloned(repo: PlanRepo, author: Identity, git, tmp_path: Path) -> None:
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first.sha)
    repo.create_tag("run/r1", first.sha)
    repo.create_tag("run/r2", "main")
    repo.create_tag("other", "main~1")
    assert repo.list_tags() == {"other": first.sha, "run/r1": first.sha, "run/r2": second.sha}
    assert repo.list_tags("run/") == {"run/r1": first.sha, "run/r2": second.sha}
    assert git("cat-file", "-t", "refs/tags/run/r1", cwd=repo.path).strip() == "commit"
    with pytest.raises(ConflictError, match="already exists"):
        repo.create_tag("run/r1", "main")
    repo.set_ref("refs/proposals/p1", second.sha, expected=None)
    git("clone", "--quiet", str(repo.path), "c", cwd=tmp_path)
    cloned = git("for-each-ref", "--format=%(refname) %(objectname)", "refs/tags", cwd=tmp_path / "c")
    assert cloned.splitlines() == [
        f"refs/tags/other {first.sha}",
        f"refs/tags/run/r1 {first.sha}",
        f"refs/tags/run/r2 {second.sha}",
    ]
    assert git("for-each-ref", "refs/proposals", cwd=tmp_path / "c") == ""
    repo.delete_tag("run/r1")
    assert "run/r1" not in repo.list_tags()
    with pytest.raises(NotFoundError):
        repo.delete_tag("run/r1")
    assert repo.read("a.md", "run/r2") == "2\n"


def test_named_refs_compare_and_swap(repo: PlanRepo, author: Identity, git) -> None:
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first.sha)
    repo.set_ref("refs/proposals/p1", first.sha, expected=None)
    with pytest.raises(HeadMovedError):
        repo.set_ref("refs/proposals/p1", second.sha, expected=None)
    with pytest.raises(HeadMovedError) as err:
        repo.set_ref("refs/proposals/p1", second.sha, expected=second.sha)
    assert (err.value.expected, err.value.actual) == (second.sha, first.sha)
    repo.set_ref("refs/proposals/p1", second.sha, expected=first.sha)
    repo.set_ref("refs/proposals/p2", "main~1")
    assert repo.list_refs("refs/proposals/") == {"refs/proposals/p1": second.sha, "refs/proposals/p2": first.sha}
    assert git("rev-parse", "refs/proposals/p1", cwd=repo.path).strip() == second.sha
    assert repo.get_ref("refs/proposals/none") is None
    repo.delete_ref("refs/proposals/p1")
    assert repo.get_ref("refs/proposals/p1") is None
    with pytest.raises(NotFoundError):
        repo.delete_ref("refs/proposals/p1")
    with pytest.raises(InvalidInputError):
        repo.delete_ref("refs/heads/main")
    with pytest.raises(NotFoundError):
        repo.set_ref("refs/proposals/p3", "no-such-rev")


@pytest.mark.parametrize(
    "name", ["refs/proposals/../../HEAD", "refs/proposals/a b", "HEAD", "refs/x.lock/y", "proposals/x"]
)
def test_bad_ref_names_write_nothing(repo: PlanRepo, author: Identity, name: str) -> None:
    repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    before = (repo.list_refs("refs/"), sorted(p.name for p in repo.path.rglob("*")))
    with pytest.raises(InvalidInputError):
        repo.set_ref(name, "main")
    if name.startswith("refs/"):  # "HEAD" and "proposals/x" are fine *tag* names
        with pytest.raises(InvalidInputError):
            repo.create_tag(name, "main")
    assert (repo.list_refs("refs/"), sorted(p.name for p in repo.path.rglob("*"))) == before


def test_refs_survive_gc(repo: PlanRepo, author: Identity, git, fsck) -> None:
    head = None
    for i in range(30):
        head = repo.commit({"a.md": f"{i}\n" * 200}, f"step {i}", author=author, expected_head=head).sha
    repo.create_tag("run/x", "main")
    loose = repo.count_objects()
    repo.gc()
    assert repo.count_objects() == loose  # same objects, now packed
    assert not any((repo.path / "objects").glob("??/*"))
    next_commit = repo.commit({"a.md": "after gc\n"}, "after gc", author=author, expected_head=head)
    repo.delete_tag("run/x")  # packed ref
    assert repo.list_tags() == {}
    assert git("rev-parse", "main", cwd=repo.path).strip() == next_commit.sha
    fsck(repo)


def test_clashing_ref_names_are_a_conflict(repo: PlanRepo, author: Identity) -> None:
    repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    repo.create_tag("run", "main")
    repo.set_ref("refs/proposals/p/q", "main")
    before = repo.list_refs("refs/")
    with pytest.raises(ConflictError, match="refs/tags/run"):
        repo.create_tag("run/x", "main")
    with pytest.raises(ConflictError, match="refs/proposals/p/q"):
        repo.set_ref("refs/proposals/p", "main")
    assert repo.list_refs("refs/") == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.text(st.sampled_from("ab/.-_@{}~^:?*[\\ \x7f\x01é"), min_size=1, max_size=12))
def test_names_we_accept_pass_git_check_ref_format(tail: str, git, tmp_path: Path) -> None:
    name = "refs/proposals/" + tail
    try:
        validate_ref_name(name)
    except InvalidInputError:
        return
    git("check-ref-format", name, cwd=tmp_path)


def test_published_revisions_are_what_a_clone_sees(repo: PlanRepo, author: Identity, git) -> None:
    one = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    two = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=one.sha)
    repo.create_tag("run/r1", one.sha)
    side = repo.commit(
        {"a.md": "secret\n"},
        "proposal: secret",
        author=author,
        expected_head=None,
        ref="refs/proposals/p1",
        parent=two.sha,
    )
    assert repo.resolve_published("main") == two.sha
    assert repo.resolve_published("HEAD") == two.sha
    assert repo.resolve_published("run/r1") == one.sha
    assert repo.resolve_published(one.sha) == one.sha
    assert repo.resolve_published(one.sha[:7]) == one.sha
    assert repo.resolve_published(two.sha.upper()) == two.sha
    # what `git clone` would fetch holds exactly these commits
    assert side.sha not in git("rev-list", "--branches", "--tags", cwd=repo.path)
    for hidden in (
        side.sha,
        side.sha[:10],
        "refs/proposals/p1",
        "main~1",
        "main^",
        ":/secret",
        "main@{0}",
        "HEAD:a.md",
        "0" * 40,
        "",
        "run/nope",
    ):
        with pytest.raises(NotFoundError, match="Unknown revision"):
            repo.resolve_published(hidden)
