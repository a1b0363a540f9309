"""``PlanRepo.diff`` prints exactly what ``git diff A B`` prints."""

from __future__ import annotations

import hashlib
import itertools
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devussy_git.faces.cli_output import format_stat
from devussy_git.store import Identity, PlanRepo, PlanStore

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
BIG = "".join(f"line {i}: the plan says something useful here\n" for i in range(80))
CODE = "def handler(request):\n" + "".join(f"    step_{i} = run({i})\n" for i in range(30))

# Each case: (files before, change applied on top)
CASES = {
    "modify": ({"a.md": "one\ntwo\nthree\n"}, {"a.md": "one\n2\nthree\nfour\n"}),
    "add_and_delete": ({"a.md": "a\n", "b.md": "b\n"}, {"a.md": None, "c.md": "c\n"}),
    "no_trailing_newline": ({"a.md": "x\ny"}, {"a.md": "x\ny\n", "b.md": "no newline"}),
    "remove_trailing_newline": ({"a.md": "x\ny\n"}, {"a.md": "x\ny"}),
    "unicode_content_and_paths": (
        {"é/naïve.md": "café\n", "日本.md": "一\n"},
        {"é/naïve.md": "café ☕\n", "日本.md": None, "emoji 🎉.md": "🎉\n"},
    ),
    "names_with_spaces_and_quotes": ({"my plan.md": "a\n"}, {"my plan.md": "b\n", 'q"uote.md': "q\n"}),
    "nested_paths": (
        {"docs/a/b.md": "b\n", "docs/c.md": "c\n"},
        {"docs/a/b.md": None, "docs/a/z/y.md": "y\n", "docs/c.md": "c2\n"},
    ),
    "exact_rename": ({"old.md": BIG}, {"old.md": None, "new/place.md": BIG}),
    "similar_rename": (
        {"phase1.md": BIG},
        {"phase1.md": None, "phase2.md": BIG.replace("line 40:", "LINE 40:").replace("line 7:", "l7:")},
    ),
    "function_context_and_indent": (
        {"code.py": CODE},
        {"code.py": CODE.replace("step_20 = run(20)", "step_20 = run(200)\n\n    extra = 1")},
    ),
    "many_hunks": (
        {"big.md": BIG},
        {"big.md": BIG.replace("line 3:", "L3:").replace("line 50:", "L50:").replace("line 79:", "L79:")},
    ),
    "crlf": ({"w.md": "a\r\nb\r\n"}, {"w.md": "a\r\nB\r\n"}),
    "control_characters": ({"ansi.md": "\x1b[31mred\x1b[0m\x01\x02\n" * 3}, {"ansi.md": "\x1b[32mgreen\x07\n"}),
    "empty_files_added_and_deleted": ({"gone.md": "", "keep.md": "k\n"}, {"gone.md": None, "new.md": ""}),
    "tiny_similar_rename_is_not_a_rename": (
        {"a.md": "alpha\nalpha\nalpha"},
        {"a.md": None, "ren/a.md": "tweak\nalpha\nalpha"},
    ),
    "rename_with_quoted_names": (
        {"é/old naïve.md": BIG, "plain.md": "t\n" * 5},
        {
            "é/old naïve.md": None,
            'q"x/new.md': BIG.replace("line 9:", "nine:"),
            "plain.md": None,
            "moved here ☕.md": "t\n" * 5,
        },
    ),
    "duplicate_contents_renamed": (
        {"one.md": BIG, "two.md": BIG, "d/one.md": "x\n"},
        {"one.md": None, "two.md": None, "z/one.md": BIG, "a.md": BIG},
    ),
    "function_context_cut_at_80_bytes": (
        {"f.md": "long " * 20 + "\n" + "".join(f"  line {i}\n" for i in range(8))},
        {"f.md": "long " * 20 + "\n" + "".join(f"  line {i}\n" for i in range(7)) + "  changed\n"},
    ),
    "form_feed_in_function_context": (
        {"f.md": "Zed\x0c\n" + "".join(f"  line {i}\n" for i in range(8))},
        {"f.md": "Zed\x0c\n" + "".join(f"  line {i}\n" for i in range(7)) + "  changed\n"},
    ),
    "mostly_control_characters": ({"c.md": "".join(map(chr, range(1, 32))) * 40}, {"c.md": "\x01\x02\x03\n" * 300}),
    "cr_only_and_odd_whitespace": ({"cr.md": "a\rb\rc"}, {"cr.md": "a\rB\rc\x0c\x0b\u2028x\n"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_diff_is_git_diff(case: str, repo: PlanRepo, author: Identity, git) -> None:
    before, change = CASES[case]
    first = repo.commit(before, "before", author=author, expected_head=None)
    second = repo.commit(change, "after", author=author, expected_head=first.sha)

    ours = repo.diff(first.sha, second.sha)
    assert ours.patch == git("diff", first.sha, second.sha, cwd=repo.path)
    assert repo.diff_commit(second.sha).patch == ours.patch
    assert repo.diff("main~1", "main").patch == ours.patch

    root = repo.diff(None, first.sha)
    assert root.patch == git("diff", EMPTY_TREE, first.sha, cwd=repo.path)
    assert repo.diff_commit(first.sha).patch == root.patch

    numstat = git("diff", "--numstat", "-z", first.sha, second.sha, cwd=repo.path)
    assert (ours.added, ours.removed) == _numstat_totals(numstat)
    # The summary line ``diff --stat`` and the revert confirmation print is git's.
    summary = git("diff", "--stat", first.sha, second.sha, cwd=repo.path).splitlines()[-1]
    assert format_stat(ours).splitlines()[-1] == summary


def _numstat_totals(raw: str) -> tuple[int, int]:
    added = removed = 0
    for record in raw.split("\0"):
        fields = record.split("\t")  # "added<TAB>removed<TAB>path"; renames: empty path
        if len(fields) == 3:
            added += int(fields[0])
            removed += int(fields[1])
    return added, removed


def test_file_stats_and_filtering(repo: PlanRepo, author: Identity, git) -> None:
    files = {"a.md": "1\n2\n", "d/b.md": "b\n", "old.md": BIG}
    first = repo.commit(files, "one", author=author, expected_head=None)
    second = repo.commit(
        {"a.md": "1\nX\n3\n", "d/b.md": None, "c.md": "c\n", "old.md": None, "new.md": BIG},
        "two",
        author=author,
        expected_head=first.sha,
    )
    diff = repo.diff(first.sha, second.sha)
    by_path = {f.path: f for f in diff.files}
    assert {p: (f.status, f.added, f.removed) for p, f in by_path.items()} == {
        "a.md": ("modified", 2, 1),
        "c.md": ("added", 1, 0),
        "d/b.md": ("deleted", 0, 1),
        "new.md": ("renamed", 0, 0),
    }
    assert by_path["new.md"].old_path == "old.md"
    assert (diff.added, diff.removed) == (3, 2)
    only = diff.for_paths(["d", "c.md"])
    assert [f.path for f in only.files] == ["c.md", "d/b.md"]
    assert only.patch == git("diff", first.sha, second.sha, "--", "c.md", "d", cwd=repo.path)
    assert diff.for_paths(["old.md"]).files[0].path == "new.md"


def _blob_sha(text: str) -> str:
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_ambiguous_short_shas_are_lengthened_like_git(repo: PlanRepo, author: Identity, git) -> None:
    seen: dict[str, str] = {}
    for n in itertools.count():  # two texts whose blob shas share 7 hex digits
        text = f"collision candidate {n}\n"
        prefix = _blob_sha(text)[:7]
        if prefix in seen:
            first_text, second_text = seen[prefix], text
            break
        seen[prefix] = text
    first = repo.commit({"a.md": "start\n", "other.md": second_text}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": first_text}, "two", author=author, expected_head=first.sha)
    ours = repo.diff(first.sha, second.sha).patch
    assert ours == git("diff", first.sha, second.sha, cwd=repo.path)
    assert f"..{_blob_sha(first_text)[:8]} " in ours


def test_big_packed_repo_gets_longer_abbreviations(repo: PlanRepo, author: Identity, git) -> None:
    stream = "".join(f"blob\ndata {len(str(i)) + 1}\n{i}\n" for i in range(17_000))
    git("fast-import", "--quiet", cwd=repo.path, input=stream)
    first = repo.commit({"a.md": "one\n", "gone.md": "bye\n"}, "one", author=author, expected_head=None)
    second = repo.commit({"a.md": "two\n", "gone.md": None}, "two", author=author, expected_head=first.sha)
    ours = repo.diff(first.sha, second.sha).patch
    assert ours == git("diff", first.sha, second.sha, cwd=repo.path)
    assert re.search(r"^index [0-9a-f]{8}\.\.0{8}$", ours, re.MULTILINE)  # deleted file
    assert re.search(r"^index [0-9a-f]{8}\.\.[0-9a-f]{8} 100644$", ours, re.MULTILINE)


_LINES = st.sampled_from(
    [
        "alpha",
        "beta",
        "",
        "  indented",
        "}",
        "def f():",
        "# Heading",
        "- [ ] 1.1: task",
        "<!-- X_START -->",
        "é word",
        "_private",
        "$var",
        "9digit",
        "Zed\x0c",
        "crlf\r",
        "same line here",
        "long " * 20,
    ]
)
_TEXT = st.lists(_LINES, max_size=30).map("\n".join).flatmap(lambda t: st.sampled_from([t, t + "\n"]))
_NAMES = st.sampled_from(["a.md", "b.md", "d/c.md", "d/e/f.md", "x y.md", "d/a.md", "é.md"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.dictionaries(_NAMES, _TEXT, min_size=1, max_size=5), seed=st.integers(0, 10**6))
def test_random_changes_diff_like_git(
    before: dict[str, str], seed: int, store: PlanStore, author: Identity, git
) -> None:
    """Edits, deletions, exact and inexact renames: our patch is git's, byte for byte."""
    rng = random.Random(seed)
    repo = store.create(f"p{seed}-{len(store.list_projects())}")
    first = repo.commit(before, "one", author=author, expected_head=None)
    after: dict[str, str | None] = {}
    for name, text in before.items():
        lines = text.split("\n")
        op = rng.choice(["keep", "edit", "delete", "rename", "move"])
        if op == "edit":
            lines[rng.randrange(len(lines))] = rng.choice(["changed", "", "alpha"])
            after[name] = "\n".join(lines)
        elif op == "delete":
            after[name] = None
        elif op in ("rename", "move"):
            if op == "rename":
                lines[rng.randrange(len(lines))] = "tweak"
            after[name] = None
            new_name = rng.choice(["ren/" + name.replace("/", "_"), "ren/" + name.rsplit("/", 1)[-1]])
            after[new_name] = "\n".join(lines)
    if all(after.get(k, before.get(k)) == before.get(k) for k in after):
        return
    second = repo.commit(after, "two", author=author, expected_head=first.sha)
    assert repo.diff(first.sha, second.sha).patch == git("diff", first.sha, second.sha, cwd=repo.path)
