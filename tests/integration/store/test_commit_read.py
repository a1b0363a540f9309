"""Commits and reads, checked against the real git CLI on the same bare repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.errors import HeadMovedError, InvalidInputError, NotFoundError
from devussy_git.store import BOT_IDENTITY, Identity, PlanRepo, PlanStore

PLAN = {
    "interview.json": '{"project_name": "shop"}\n',
    "devplan.md": "# Development Plan\n\n## Summary\n\nShop API.\n",
    "phases/phase1.md": "# Phase 1: Setup\n",
    "docs/notes/é-unicode.md": "naïve café — ☕\n",
    "no-newline.md": "last line without newline",
}


def test_new_repo_is_bare_empty_and_on_main(repo: PlanRepo, git) -> None:
    assert repo.head() is None
    assert repo.log() == []
    assert repo.list_files() == []
    assert git("rev-parse", "--is-bare-repository", cwd=repo.path).strip() == "true"
    assert git("symbolic-ref", "HEAD", cwd=repo.path).strip() == "refs/heads/main"


def test_commit_writes_files_git_can_read(repo: PlanRepo, author: Identity, git, fsck) -> None:
    info = repo.commit(PLAN, "interview: answers for shop", author=author, expected_head=None)
    assert repo.head() == info.sha
    assert git("rev-parse", "main", cwd=repo.path).strip() == info.sha
    listed = git("-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", "main", cwd=repo.path)
    assert sorted(listed.splitlines()) == sorted(PLAN) == repo.list_files()
    for path, text in PLAN.items():
        assert git("show", f"main:{path}", cwd=repo.path) == text
        assert repo.read(path) == text
    fsck(repo)


def test_clone_gives_the_committed_files(repo: PlanRepo, author: Identity, git, tmp_path: Path) -> None:
    first = repo.commit(PLAN, "interview: answers", author=author, expected_head=None)
    repo.commit(
        {"devplan.md": "# Development Plan\n\nv2\n", "no-newline.md": None},
        "devplan: outline",
        author=author,
        expected_head=first.sha,
    )
    git("clone", "--quiet", str(repo.path), "clone", cwd=tmp_path)
    work = tmp_path / "clone"
    files = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file() and ".git" not in p.parts)
    assert files == repo.list_files()
    for path in files:
        assert (work / path).read_text(encoding="utf-8") == repo.read(path)
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=work).strip() == "main"


def test_git_log_agrees(repo: PlanRepo, author: Identity, git) -> None:
    head = None
    for i in range(5):
        head = repo.commit(
            {f"step{i}.md": f"step {i}\n"},
            f"handoff-next 1.{i}: step {i}\n\nDid the thing {i}.\nSecond line.",
            author=author,
            trailers=[("Devussy-Stage", "handoff-next"), ("Devussy-Step", str(i))],
            expected_head=head,
        ).sha
    fmt = "%H%x1f%s%x1f%b%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%at%x1f%ct%x1f%P%x1e"
    records = [r.strip("\n") for r in git("log", f"--format={fmt}", "main", cwd=repo.path).split("\x1e")]
    records = [r for r in records if r]
    ours = repo.log()
    assert len(ours) == len(records) == 5
    for info, record in zip(ours, records, strict=True):
        sha, subject, body, an, ae, cn, ce, at, ct, parents = record.split("\x1f")
        assert info.sha == sha
        assert info.subject == subject
        assert info.body == body.rstrip("\n")
        assert (info.author.name, info.author.email) == (an, ae) == (author.name, author.email)
        assert (info.committer.name, info.committer.email) == (cn, ce)
        assert info.committer == BOT_IDENTITY
        assert int(info.author_time.timestamp()) == int(at)
        assert int(info.commit_time.timestamp()) == int(ct)
        assert info.author_time.tzinfo is not None
        assert list(info.parents) == parents.split()
    assert [c.sha for c in repo.log(limit=2)] == [c.sha for c in ours[:2]]
    assert [c.sha for c in repo.log(paths=["step3.md"])] == [ours[1].sha]
    git_paths = git("log", "--format=%H", "main", "--", "step3.md", "step1.md", cwd=repo.path).split()
    assert [c.sha for c in repo.log(paths=["step3.md", "step1.md"])] == git_paths


def test_nested_changes_and_deletes(repo: PlanRepo, author: Identity, git, fsck) -> None:
    a = repo.commit({"a/b/c.md": "c\n", "a/d.md": "d\n", "top.md": "t\n"}, "one", author=author, expected_head=None)
    b = repo.commit({"a/b/c.md": None, "a/e/f/g.md": "g\n"}, "two", author=author, expected_head=a.sha)
    assert repo.list_files() == ["a/d.md", "a/e/f/g.md", "top.md"]
    assert git("ls-tree", "-d", "--name-only", "main", "a/", cwd=repo.path).split() == ["a/e"]
    c = repo.commit({"a/d.md": None, "a/e/f/g.md": None}, "three", author=author, expected_head=b.sha)
    assert repo.list_files() == ["top.md"]
    # a file replaced by a directory of the same name in one change
    repo.commit({"top.md": None, "top.md/inner.md": "i\n"}, "four", author=author, expected_head=c.sha)
    assert repo.list_files() == ["top.md/inner.md"]
    assert repo.list_files(rev="main~1") == ["top.md"]
    fsck(repo)


def test_reads_at_revisions(repo: PlanRepo, author: Identity, git) -> None:
    shas = []
    head = None
    for i in range(3):
        head = repo.commit({"f.md": f"v{i}\n"}, f"step {i}", author=author, expected_head=head).sha
        shas.append(head)
    repo.create_tag("run/first", shas[0])
    assert repo.read("f.md", "main") == "v2\n"
    assert repo.read("f.md", "HEAD~2") == "v0\n"
    assert repo.read("f.md", shas[1]) == "v1\n"
    assert repo.read("f.md", shas[1][:8]) == "v1\n"
    assert repo.read("f.md", "run/first") == "v0\n"
    assert repo.resolve("main~1") == shas[1] == git("rev-parse", "main~1", cwd=repo.path).strip()
    assert repo.read_many(["f.md", "missing.md"], "main~1") == {"f.md": "v1\n"}
    assert repo.exists_at("f.md") and not repo.exists_at("g.md")
    assert repo.get_commit("main").sha == shas[2]


def test_missing_paths_and_revisions_are_not_found(repo: PlanRepo, author: Identity) -> None:
    with pytest.raises(NotFoundError):
        repo.read("devplan.md")  # unborn main
    repo.commit({"d/x.md": "x\n"}, "one", author=author, expected_head=None)
    for path in ("devplan.md", "d", "d/y.md"):
        with pytest.raises(NotFoundError):
            repo.read(path)
    for rev in ("nope", "main~5", "0" * 40, "deadbeef", "run/none", "main:d/x.md", "a..b"):
        with pytest.raises(NotFoundError):
            repo.resolve(rev)
        with pytest.raises(NotFoundError):
            repo.read("d/x.md", rev)
        with pytest.raises(NotFoundError):
            repo.log(rev)


def test_compare_and_swap_names_both_commits(repo: PlanRepo, author: Identity) -> None:
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first.sha)
    objects = repo.count_objects()
    with pytest.raises(HeadMovedError) as err:
        repo.commit({"a.md": "3\n"}, "three", author=author, expected_head=first.sha)
    assert (err.value.expected, err.value.actual) == (first.sha, second.sha)
    assert first.sha[:7] in err.value.user_message and second.sha[:7] in err.value.user_message
    with pytest.raises(HeadMovedError) as err:
        repo.commit({"a.md": "3\n"}, "three", author=author, expected_head=None)
    assert (err.value.expected, err.value.actual) == (None, second.sha)
    assert repo.head() == second.sha
    assert repo.count_objects() == objects


def test_empty_change_is_refused_unless_allowed(repo: PlanRepo, author: Identity) -> None:
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    with pytest.raises(InvalidInputError, match="Nothing to commit"):
        repo.commit({"a.md": "1\n"}, "again", author=author, expected_head=first.sha)
    with pytest.raises(InvalidInputError):
        repo.commit({}, "nothing", author=author, expected_head=first.sha)
    empty = repo.commit({}, "marker", author=author, expected_head=first.sha, allow_empty=True)
    assert empty.parents == (first.sha,)
    assert repo.diff_commit(empty.sha).is_empty


def test_commit_with_retry_rebuilds_on_the_new_head(repo: PlanRepo, store: PlanStore, author: Identity) -> None:
    repo.commit({"log.md": "start\n"}, "one", author=author, expected_head=None)
    other = store.open("demo")
    seen: list[str | None] = []

    def build(head: str | None) -> tuple[dict[str, str | None], str]:
        seen.append(head)
        if len(seen) == 1:  # someone else commits between our read and our write
            text = other.read("log.md")
            other.commit({"log.md": text + "other\n"}, "other", author=author, expected_head=head)
        text = repo.read("log.md", head or "main")
        return {"log.md": text + "mine\n"}, "mine"

    info = repo.commit_with_retry(build, author=author)
    assert len(seen) == 2 and seen[0] != seen[1]
    assert repo.read("log.md") == "start\nother\nmine\n"
    assert info.parents == (seen[1],)


def test_commit_to_another_ref_leaves_main(repo: PlanRepo, author: Identity) -> None:
    base = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    with pytest.raises(HeadMovedError):
        repo.commit({"a.md": "p\n"}, "proposal", author=author, expected_head=base.sha, ref="refs/proposals/p1")
    proposal = repo.commit({"a.md": "p\n"}, "proposal", author=author, expected_head=None, ref="refs/proposals/p1")
    assert repo.head() == base.sha
    assert repo.get_ref("refs/proposals/p1") == proposal.sha
    assert proposal.parents == ()


def test_list_entries_gives_git_s_blob_ids_and_sizes(repo: PlanRepo, author: Identity, git) -> None:
    assert repo.list_entries() == []
    repo.commit({"a.md": "héllo\n", "d/b.md": "x\n", "e.md": ""}, "c", author=author, expected_head=None)
    listed = git("ls-tree", "-r", "-l", "main", cwd=repo.path).splitlines()
    expected = []
    for line in listed:
        meta, path = line.split("\t")
        _mode, _kind, sha, size = meta.split()
        expected.append((path, int(size), sha))
    assert [(e.path, e.size, e.blob_sha) for e in repo.list_entries()] == sorted(expected)


def test_blob_ids_and_read_blob_agree_with_git(repo: PlanRepo, author: Identity, git) -> None:
    assert repo.blob_ids() == {}
    first = repo.commit({"a.md": "héllo\n", "d/b.md": "x\n"}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": "changed\n"}, "two", author=author, expected_head=first.sha)
    for rev in (first.sha, second.sha):
        listed = git("ls-tree", "-r", rev, cwd=repo.path).splitlines()
        expected = {line.split("\t")[1]: line.split("\t")[0].split()[2] for line in listed}
        assert repo.blob_ids(rev) == expected
    before, after = repo.blob_ids(first.sha), repo.blob_ids(second.sha)
    assert before["d/b.md"] == after["d/b.md"] and before["a.md"] != after["a.md"]
    assert repo.read_blob(before["a.md"]) == "héllo\n" == git("cat-file", "blob", before["a.md"], cwd=repo.path)
    assert repo.read_blob(after["a.md"]) == "changed\n"


def test_read_blob_refuses_what_is_not_a_file_version(repo: PlanRepo, author: Identity, git, tmp_path: Path) -> None:
    info = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    tree = git("rev-parse", "main^{tree}", cwd=repo.path).strip()
    for missing in ("0" * 40, info.sha, tree):
        with pytest.raises(NotFoundError):
            repo.read_blob(missing)
    for bad in ("main", "a.md", info.sha[:10], "../" + "0" * 37, info.sha.upper()):
        with pytest.raises(InvalidInputError):
            repo.read_blob(bad)
    (tmp_path / "latin1.md").write_bytes("café\n".encode("latin-1"))
    binary = git("hash-object", "-w", str(tmp_path / "latin1.md"), cwd=repo.path).strip()
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        repo.read_blob(binary)


def test_first_parent_log_follows_main_s_own_line(repo: PlanRepo, author: Identity, git) -> None:
    base = repo.commit({"a.md": "1\n"}, "base", author=author, expected_head=None)
    side = repo.commit(
        {"b.md": "side\n"}, "side", author=author, expected_head=None, ref="refs/proposals/side", parent=base.sha
    )
    ours = repo.commit({"a.md": "2\n"}, "ours", author=author, expected_head=base.sha)
    tree = git("rev-parse", f"{ours.sha}^{{tree}}", cwd=repo.path).strip()
    merge = git("commit-tree", tree, "-p", ours.sha, "-p", side.sha, "-m", "merge side", cwd=repo.path).strip()
    git("update-ref", "refs/heads/main", merge, ours.sha, cwd=repo.path)
    expected = git("log", "--first-parent", "--format=%H", "main", cwd=repo.path).split()
    assert [c.sha for c in repo.log(first_parent=True)] == expected == [merge, ours.sha, base.sha]
    assert side.sha in [c.sha for c in repo.log()]
    assert [c.sha for c in repo.log(first_parent=True, limit=2)] == expected[:2]
