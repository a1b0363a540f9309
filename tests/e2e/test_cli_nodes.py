"""Projects owned by nodes, from the command line: two nodes (two repos roots) on one
state database. Each lists every project with its node; a command that would open a
project of the other node names that node instead of saying it does not exist."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import DEMO_ANSWERS, Cli


def test_each_node_owns_what_it_creates_and_names_the_owner_of_the_rest(tmp_path: Path) -> None:
    one, two = Cli(tmp_path), Cli(tmp_path)
    two.env.update({"DEVUSSY_NODE": "node-2", "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos-2")})
    assert one("new", "alpha", "--answers", str(DEMO_ANSWERS)).code == 0
    made = two("new", "beta", "--answers", str(DEMO_ANSWERS))
    assert made.code == 0, made.err
    assert (tmp_path / "repos-2" / "beta.git").is_dir() and not (tmp_path / "repos" / "beta.git").exists()

    listed = one("projects", "--json")
    assert listed.code == 0, listed.err
    assert [(p["project_id"], p["node"]) for p in json.loads(listed.out)] == [("alpha", "local"), ("beta", "node-2")]
    assert "beta\tbeta\t(on node node-2)" in one("projects").out or "(on node node-2)" in one("projects").out

    status = two("status", "beta", "--json")
    assert status.code == 0, status.err
    assert json.loads(status.out)["node"] == "node-2"
    for verb in (
        ("status", "alpha"),
        ("handoff-next", "alpha"),
        ("run", "alpha", "--yes"),
        ("log", "alpha"),
        ("show", "alpha", "interview.json"),
        ("clone-url", "alpha"),
    ):
        refused = two(*verb)
        assert refused.code == 1
        assert "Project alpha is on node local, not on this node (node-2)" in refused.err, refused.err

    unknown = two("log", "nope")
    assert unknown.code == 1 and "no project called 'nope'" in unknown.err, unknown.err
    elsewhere = Cli(tmp_path / "fresh")
    (tmp_path / "fresh").mkdir()
    assert elsewhere("log", "alpha").code == 1
    assert not (tmp_path / "fresh" / "state.db").exists()  # a git-only verb creates no database

    bad = Cli(tmp_path)
    bad.env["DEVUSSY_NODE"] = "Node_2"
    wrong = bad("projects")
    assert wrong.code == 1 and "DEVUSSY_NODE must be 1 to 63 lowercase letters" in wrong.err
