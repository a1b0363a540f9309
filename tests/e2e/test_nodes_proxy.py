"""Reads of a project through a node that does not own it: two ``serve`` processes (two
nodes, two repos roots, one state database). The clone endpoint and file reads are proxied
to the owner's serve with the client's credentials; a request already proxied once is not
sent on again; an owner that cannot be reached, or never said where it serves, is a 503
naming it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving
from tests.support.gitcli import git


def _node(tmp_path: Path, name: str) -> Cli:
    home = tmp_path / name
    home.mkdir()
    cli = Cli(home)
    cli.env.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
            "DEVUSSY_NODE": name,
            "DEVUSSY_MAINTENANCE_INTERVAL_S": "0",
        }
    )
    return cli


def test_clones_and_file_reads_are_answered_by_the_owner_through_any_node(tmp_path: Path) -> None:
    one, two = _node(tmp_path, "node-1"), _node(tmp_path, "node-2")
    assert one("new", "alpha", "--answers", str(DEMO_ANSWERS)).code == 0
    assert two("new", "beta", "--answers", str(DEMO_ANSWERS)).code == 0
    with serving(two) as serve_two:
        # node-1's serve never ran: nobody knows where to find alpha.
        unknown = httpx.get(f"{serve_two.base}/projects/alpha/files/interview.json", timeout=60)
        assert unknown.status_code == 503 and "node-1" in unknown.json()["detail"]
        with serving(one) as serve_one:
            clone_url = one("clone-url", "alpha", "--json").json()["url"]
            host_one, host_two = serve_one.base.removeprefix("http://"), serve_two.base.removeprefix("http://")
            via_two = clone_url.replace(host_one, host_two)
            assert via_two != clone_url
            for protocol in ("2", "0"):
                dest = tmp_path / f"clone-v{protocol}"
                git(tmp_path, "-c", f"protocol.version={protocol}", "clone", "--quiet", via_two, str(dest))
                assert git(dest, "rev-parse", "HEAD") == git(
                    tmp_path / "node-1" / "repos" / "alpha.git", "rev-parse", "main"
                )
            with pytest.raises(AssertionError):  # the owner checks the token, as for a direct clone
                git(tmp_path, "clone", "--quiet", via_two.replace("x:", "x:wrong", 1), str(tmp_path / "refused"))
            # beta, node-2's, through node-1.
            beta_url = two("clone-url", "beta", "--json").json()["url"].replace(host_two, host_one)
            git(tmp_path, "clone", "--quiet", beta_url, str(tmp_path / "beta"))

            direct = httpx.get(f"{serve_one.base}/projects/alpha/files/interview.json", timeout=60)
            proxied = httpx.get(f"{serve_two.base}/projects/alpha/files/interview.json", timeout=60)
            assert proxied.status_code == 200 and proxied.text == direct.text
            assert proxied.headers["content-type"] == direct.headers["content-type"]
            missing = httpx.get(f"{serve_two.base}/projects/alpha/files/nope.md", timeout=60)
            assert missing.status_code == 404
            looped = httpx.get(
                f"{serve_two.base}/projects/alpha/files/interview.json", headers={"X-Devussy-Hop": "node-3"}, timeout=60
            )
            assert looped.status_code == 508 and "node-2" in looped.text and "node-1" in looped.text
        # node-1 stopped: node-2 names the owner it cannot reach.
        gone = httpx.get(f"{serve_two.base}/projects/alpha/files/interview.json", timeout=60)
        assert gone.status_code == 503 and "node-1" in gone.text
        cloned = git_fails(tmp_path, via_two)
        assert "503" in cloned or "node-1" in cloned


def git_fails(cwd: Path, url: str) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "clone", "--quiet", url, str(cwd / "after-stop")], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    return done.stderr
