"""Concurrent ``POST /runs`` with interviews, on two server processes sharing one
repos root and database: one decision per project, only the winner's answers land."""

from __future__ import annotations

import json
import threading
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
        r = httpx.post(f"{bases[index % len(bases)]}/runs", timeout=60,
                       json={"project_id": project_id, "interview": _answers(name)})
        results.append((name, r.status_code, r.text))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _interview_commits(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%H", "--grep=^Devussy-Stage: interview$", "main").split()


@pytest.mark.slow
@pytest.mark.parametrize("existing", [True, False])
def test_one_request_wins_and_only_its_answers_are_committed(tmp_path: Path, existing: bool) -> None:
    cli = Cli(tmp_path)
    if existing:
        assert cli("new", "race", "--answers", str(DEMO_ANSWERS)).code == 0
    with ExitStack() as stack:
        servers = [stack.enter_context(serving(cli)) for _ in range(2)]
        results = _fire([s.base for s in servers], "race", 6)
    statuses = sorted(code for _, code, _ in results)
    assert statuses == [202] + [409] * 5, results
    winner = next(name for name, code, _ in results if code == 202)
    repo = tmp_path / "repos" / "race.git"
    assert len(_interview_commits(repo)) == (2 if existing else 1)
    committed = json.loads(git(repo, "show", "main:interview.json"))
    assert committed["project_name"] == winner
