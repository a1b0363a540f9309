"""Two nodes on one machine, as an operator runs them: one PostgreSQL database, two repos
roots, a ``serve`` and a ``worker`` per node. A project is read and cloned through the node
that does not own it (proxied to its owner, with the clone token), then moved with
``devussy-git move-project`` (a job of the target node's worker copies every ref over the
owner's serve), after which its runs go to the new owner's queue and the old copy is in the
old owner's trash."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving
from tests.e2e.test_queue_workers import Workers
from tests.integration.db.conftest import pg_cluster  # noqa: F401 (the session's cluster)
from tests.integration.db.pg import PgCluster
from tests.support.gitcli import git

SECRET = "one-secret-shared-by-every-node"
NODE_TOKEN = hmac.new(SECRET.encode(), b"devussy-node-sync", hashlib.sha256).hexdigest()


def _refs(repo: Path) -> dict[str, str]:
    lines = git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    return dict(line.split(" ", 1) for line in lines)


def _node(tmp_path: Path, name: str, url: str) -> Cli:
    home = tmp_path / name
    home.mkdir()
    cli = Cli(home)
    cli.env.update(
        {
            "DATABASE_URL": url,
            "DEVUSSY_EXECUTOR": "queue",
            "DEVUSSY_NODE": name,
            "DEVUSSY_SECRET_KEY": SECRET,
            "DEVUSSY_MAINTENANCE_INTERVAL_S": "0",
        }
    )
    return cli


@pytest.mark.slow
def test_a_project_is_read_through_any_node_and_moves_between_nodes(tmp_path: Path, pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database()
    one, two = _node(tmp_path, "node-1", url), _node(tmp_path, "node-2", url)
    assert one("migrate").code == 0
    refused = two("move-project", "alpha", "node-2")
    assert refused.code == 1 and "no project called 'alpha'" in refused.err
    workers_one, workers_two = Workers(one, tmp_path / "node-1"), Workers(two, tmp_path / "node-2")
    with contextlib.ExitStack() as stack:
        stack.callback(workers_one.stop)
        stack.callback(workers_two.stop)
        serve_one = stack.enter_context(serving(one))
        serve_two = stack.enter_context(serving(two))
        workers_one.start(1)
        workers_two.start(1)

        assert one("new", "alpha", "--answers", str(DEMO_ANSWERS)).code == 0
        ran = one("run", "alpha", timeout=400)
        assert ran.code == 0, (ran.err, workers_one.output())
        proposed = one("handoff-next", "alpha", "--preview")
        assert proposed.code == 0, proposed.err
        source = tmp_path / "node-1" / "repos" / "alpha.git"
        before = _refs(source)
        assert any(r.startswith("refs/proposals/") for r in before) and any(r.startswith("refs/tags/") for r in before)

        # Cloned through the node that does not own it (proxied to node-1).
        clone_url = one("clone-url", "alpha", "--json").json()["url"]
        via_two = clone_url.replace(serve_one.base.removeprefix("http://"), serve_two.base.removeprefix("http://"))
        assert via_two != clone_url
        git(tmp_path, "clone", "--quiet", via_two, str(tmp_path / "clone-1"))
        assert git(tmp_path / "clone-1", "rev-parse", "HEAD").strip() == before["refs/heads/main"]
        # The node-sync endpoint: every ref, for the node token only.
        sync = f"{serve_one.base}/nodes/git/alpha.git/info/refs?service=git-upload-pack"
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {NODE_TOKEN}x"}):
            assert httpx.get(sync, headers=headers, timeout=60).status_code == 401
        assert httpx.get(f"{serve_one.base}/nodes/files/alpha", timeout=60).status_code == 401
        advertised = httpx.get(sync, headers={"Authorization": f"Bearer {NODE_TOKEN}"}, timeout=60)
        assert advertised.status_code == 200 and b"refs/proposals/" in advertised.content
        assert httpx.post(f"{serve_one.base}/nodes/retire/alpha", timeout=60).status_code == 401
        kept = httpx.post(
            f"{serve_one.base}/nodes/retire/alpha", headers={"Authorization": f"Bearer {NODE_TOKEN}"}, timeout=60
        )
        assert kept.status_code == 409 and "has not moved away" in kept.json()["detail"] and source.exists()
        elsewhere = two("status", "alpha")
        assert elsewhere.code == 1 and "Project alpha is on node node-1, not on this node (node-2)" in elsewhere.err

        # Refused moves say why.
        for args, message in [
            (("alpha", "node-1"), "already on node node-1"),
            (("alpha", "nope"), "Node nope is unknown"),
            (("alpha", "Bad_Name"), "The node must be 1 to 63 lowercase letters"),
        ]:
            done = one("move-project", *args)
            assert done.code == 1 and message in done.err, done.err
        local = _node(tmp_path, "node-3", url)
        local.env["DEVUSSY_EXECUTOR"] = "local"
        done = local("move-project", "alpha", "node-2")
        assert done.code == 1 and "needs DEVUSSY_EXECUTOR=queue" in done.err

        moved = one("move-project", "alpha", "node-2", timeout=400)
        assert moved.code == 0, (moved.err, workers_two.output())
        assert "Moving alpha from node node-1 to node node-2" in moved.out
        for phase in ("queued:", "copying:", "verified: git fsck passed", "switched:"):
            assert phase in moved.out, moved.out
        assert "alpha is on node node-2 now; its copy on node-1 went to node-1's trash" in moved.out

        target = tmp_path / "node-2" / "repos" / "alpha.git"
        assert _refs(target) == before
        git(target, "fsck")
        assert not source.exists()
        assert [p.name for p in (tmp_path / "node-1" / "repos" / ".trash").iterdir() if p.name.startswith("alpha")]
        listed = {p["project_id"]: p["node"] for p in json.loads(one("projects", "--json").out)}
        assert listed == {"alpha": "node-2"}

        # The same clone URL now reaches the new owner through node-1; runs go to node-2's worker.
        git(tmp_path, "clone", "--quiet", clone_url, str(tmp_path / "clone-2"))
        assert git(tmp_path / "clone-2", "rev-parse", "HEAD").strip() == before["refs/heads/main"]
        again = two("run", "alpha", "--yes", timeout=400)
        assert again.code == 0, (again.err, workers_two.output())
        assert git(target, "rev-parse", "main").strip() != before["refs/heads/main"]
        status = two("status", "alpha", "--json")
        assert status.code == 0 and json.loads(status.out)["node"] == "node-2"
        assert one("move-project", "alpha", "node-2").code == 1

    # node-2's serve is gone: node-1 says who owns the project, and that it cannot reach it.
    with serving(one) as serve_one:
        gone = httpx.get(f"{serve_one.base}/projects/alpha/files/devplan.md", timeout=60)
        assert gone.status_code == 503 and "node-2" in gone.text, gone.text
    assert os.path.isdir(target)
