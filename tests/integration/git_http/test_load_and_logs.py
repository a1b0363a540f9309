"""Many clones at once; what the server logs and counts while serving them."""

from __future__ import annotations

import base64
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.git_http.conftest import BIG_PROJECT, GitServer, serve_router
from tests.integration.git_http.gitrepos import git, make_plan_repo

CLONES = 20
COMMITS = 1000


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory, genv: dict[str, str]) -> Iterator[GitServer]:
    root = tmp_path_factory.mktemp("bigrepos")
    make_plan_repo(root / f"{BIG_PROJECT}.git", genv, commits=COMMITS, runs=5, proposals=3)
    yield from serve_router(root)


def test_twenty_concurrent_clones_of_a_1000_commit_repo_all_succeed(
    big_server: GitServer, genv: dict[str, str], tmp_path: Path
) -> None:
    url = big_server.url(BIG_PROJECT, big_server.access.token_for(BIG_PROJECT))
    before = _clone_count(big_server)
    procs = [
        subprocess.Popen(
            ["git", "clone", "--quiet", url, str(tmp_path / f"c{n}")],
            env=genv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(CLONES)
    ]
    failures = []
    for n, proc in enumerate(procs):
        _, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failures.append((n, err.decode(errors="replace")))
    assert failures == []
    for n in range(CLONES):
        count = git("rev-list", "--count", "HEAD", env=genv, cwd=tmp_path / f"c{n}").stdout
        assert int(count) == COMMITS
    assert _clone_count(big_server) - before == CLONES


def _clone_count(server: GitServer) -> float:
    value = server.metrics.registry.get_sample_value("devussy_git_clones_total", {"project": BIG_PROJECT})
    return value or 0.0


def test_tokens_never_reach_the_logs(
    big_server: GitServer,
    genv: dict[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = big_server.access.token_for(BIG_PROJECT)
    basic = base64.b64encode(f"x:{token}".encode()).decode()
    with caplog.at_level(logging.DEBUG):
        git("clone", "--quiet", big_server.url(BIG_PROJECT, token), str(tmp_path / "c"), env=genv)
        git("ls-remote", big_server.url(BIG_PROJECT, "wrong-" + token), env=genv, check=False)
        git("push", big_server.url(BIG_PROJECT, token), "HEAD:main", env=genv, cwd=tmp_path / "c", check=False)
    assert caplog.records, "the server logged nothing, so this test proves nothing"
    assert any("git-upload-pack" in r.getMessage() for r in caplog.records)
    for secret in (token, basic):
        assert secret not in caplog.text


def test_metrics_count_requests_per_route(big_server: GitServer, genv: dict[str, str]) -> None:
    token = big_server.access.token_for(BIG_PROJECT)
    git("ls-remote", big_server.url(BIG_PROJECT, token), env=genv)
    text = big_server.metrics.render()[0].decode()
    assert 'devussy_http_requests_total{method="GET",route="/git/{project_id}.git/info/refs",status="200"}' in text
    assert 'devussy_http_request_duration_seconds_count{route="/git/{project_id}.git/info/refs"}' in text
    assert token not in text
