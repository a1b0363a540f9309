"""Concurrent ``POST /runs`` with interviews, on two server processes sharing one
repos root and database: one decision per project, only the winner's answers land."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving
from tests.support.gitcli import git


def _answers(name: str) -> dict[str, Any]:
    return {**json.loads(DEMO_ANSWERS.read_text()), "project_name": name}


def _fire(bases: list[str], project_id: str, count: int) -> list[tuple[str, int, str]]:
    results: list[tuple[str, int, str]] = []
    barrier = threading.Barrier(count)

    def post(index: int) -> None:
        name = f"Contender {index}"
        barrier.wait()
        r = httpx.post(
            f"{bases[index % len(bases)]}/runs",
            timeout=60,
            json={"project_id": project_id, "interview": _answers(name)},
        )
        results.append((name, r.status_code, r.text))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _interview_commits(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%H", "--grep=^Devussy-Stage: interview$", "main").split()


def _wait_done(base: str, run_id: str) -> str:
    deadline = time.monotonic() + 120
    while True:
        state = httpx.get(f"{base}/runs/{run_id}", timeout=30).json()["state"]
        if state in ("completed", "failed"):
            return str(state)
        assert time.monotonic() < deadline, state
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("existing", [True, False])
def test_refused_requests_commit_nothing_and_each_run_uses_its_own_answers(tmp_path: Path, existing: bool) -> None:
    cli = Cli(tmp_path)
    if existing:
        assert cli("new", "race", "--answers", str(DEMO_ANSWERS)).code == 0
    with ExitStack() as stack:
        servers = [stack.enter_context(serving(cli)) for _ in range(2)]
        results = _fire([s.base for s in servers], "race", 6)
        accepted = {name: json.loads(text)["run_id"] for name, code, text in results if code == 202}
        refused = [name for name, code, _ in results if code != 202]
        assert accepted, results
        assert all(code == 409 for _, code, _ in results if code != 202), results
        for run_id in accepted.values():
            assert _wait_done(servers[0].base, run_id) == "completed"
    repo = tmp_path / "repos" / "race.git"
    committed = {
        json.loads(git(repo, "show", f"{sha}:interview.json"))["project_name"] for sha in _interview_commits(repo)
    }
    original = {"Shop API"} if existing else set()
    assert committed == set(accepted) | original, (committed, accepted)
    assert not committed & set(refused)
    for name, run_id in accepted.items():
        first_stage = git(repo, "log", "--format=%H", f"--grep=^Devussy-Run: {run_id}$", "main").split()[-1]
        assert json.loads(git(repo, "show", f"{first_stage}:interview.json"))["project_name"] == name
