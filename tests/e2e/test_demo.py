"""`devussy-git demo`, the quickstart, end to end in a fresh directory."""

from __future__ import annotations

import re
import subprocess

from tests.e2e.conftest import Cli
from tests.support.gitcli import git


def test_demo_runs_offline_and_leaves_a_clonable_plan(cli: Cli) -> None:
    cli.env["LLM_DEFAULT_PROVIDER"] = "openai"  # the demo ignores it: always offline
    r = cli("demo", timeout=300)
    assert r.code == 0, r.err
    for title in (
        "new demo-shop-api",
        "run demo-shop-api",
        "handoff-next #1",
        "handoff-next #2",
        "revert the last step",
        "log (newest 5)",
        "where it went",
        "try next",
    ):
        assert f"=== {title} " in r.out
    # Changes are folded to their stat; the whole demo fits in about a screen and a half.
    assert "diff --git" not in r.out
    assert r.out.count("3 files changed") == 3
    assert len(r.out.splitlines()) <= 80
    assert f"Plan repositories: {cli.workdir / 'repos'}" in r.out
    assert f"State database:    sqlite+aiosqlite:///{cli.workdir}/state.db" in r.out
    last = r.out.rstrip().splitlines()[-3:]
    assert [line.split()[:2] for line in last] == [
        ["devussy-git", "status"],
        ["devussy-git", "handoff-next"],
        ["devussy-git", "diff"],
    ]

    repo = cli.workdir / "repos" / "demo-shop-api.git"
    git(repo, "fsck", "--strict")
    subjects = git(repo, "log", "--format=%s", "main").splitlines()
    assert [s.split(":")[0].split(" ")[0] for s in subjects[:4]] == [
        "Revert",
        "handoff-next",
        "handoff-next",
        "handoff",
    ]
    assert subjects[0] == f'Revert "{subjects[1]}"'
    assert "Devussy-Model: offline" in git(repo, "log", "-1", "--format=%B", "main~1")
    # After the revert, the tree is the one after the first step.
    assert git(repo, "rev-parse", "main^{tree}") == git(repo, "rev-parse", "main~2^{tree}")

    clone_line = re.search(r"Clone it:\s+(git clone \S+ \S+)", r.out)
    assert clone_line is not None
    dest = cli.workdir / "my-plan"
    done = subprocess.run(["git", "clone", "-q", str(repo), str(dest)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (dest / "handoff.md").is_file() and (dest / "devplan.md").is_file()

    again = cli("demo", "--full-diffs", timeout=300)
    assert again.code == 0 and "=== new demo-shop-api-2 " in again.out
    assert again.out.count("diff --git a/devplan.md b/devplan.md") == 3
