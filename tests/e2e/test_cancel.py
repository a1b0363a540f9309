"""Cancelling a run as users do: ``devussy-git cancel`` from another shell while
``run`` waits on the model, and ``DELETE /runs/{id}`` on a served runner.

The model is a scripted OpenAI-compatible server (litellm's real HTTP path) that
holds the design stage's reply, so the cancel lands mid-stage. Afterwards ``main``
has not moved, ``git fsck`` is clean, and ``run --resume`` finishes the plan with
every stage committed once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text, llm_server  # noqa: F401 (fixture)
from tests.support.pipeline_script import PipelineScript

STAGES = ("interview", "complexity", "design", "validation", "devplan", "phases", "handoff")


def _status(cli: Cli, project: str) -> dict[str, Any]:
    done = cli("status", project, "--json")
    assert done.code == 0, done.err
    return dict(json.loads(done.out))


def _wait_for(cli: Cli, project: str, predicate: Any, what: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = _status(cli, project)
        if predicate(status):
            return status
        assert time.monotonic() < deadline, f"waited for {what}: {status}"
        time.sleep(0.1)


def _stage_running(name: str) -> Any:
    def check(status: dict[str, Any]) -> bool:
        run = status["run"]
        return bool(run) and any(s["name"] == name and s["state"] == "running" for s in run["stages"])

    return check


def _stage_commits(repo: Path, ref: str) -> list[str]:
    return git(repo, "log", "--format=%(trailers:key=Devussy-Stage,valueonly)", ref).split()


def _held_script(slow_stage: str) -> PipelineScript:
    script = PipelineScript(json.loads(DEMO_ANSWERS.read_text()))
    # The stage's reply is held long enough for any cancel to land first.
    script.override(slow_stage, Delay(120, Text("held")))
    return script


@pytest.mark.slow
def test_cancel_from_another_process_stops_the_run_and_resume_finishes_it(
    tmp_path: Path, llm_server: ScriptedLLMServer
) -> None:
    cli = Cli(tmp_path)
    cli.env.update(llm_server.env())
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    repo = tmp_path / "repos" / "shop.git"
    main_before = git(repo, "rev-parse", "main").strip()
    llm_server.route(_held_script("design"))

    running = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "run", "shop"],
        cwd=cli.workdir,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = _wait_for(cli, "shop", _stage_running("design"), "the design stage to start")
        run_id = status["run"]["run_id"]

        cancelled = cli("cancel", "shop")
        assert cancelled.code == 0, cancelled.err
        assert f"Run {run_id} of shop is stopping" in cancelled.out
        assert "devussy-git run shop --resume" in cancelled.out

        out, err = running.communicate(timeout=120)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 1, (out, err)
    assert f"Run {run_id} was cancelled" in err
    assert "Traceback" not in err

    status = _status(cli, "shop")
    assert status["run"]["state"] == "cancelled"
    stages = {s["name"]: s["state"] for s in status["run"]["stages"]}
    assert stages["complexity"] == "completed" and stages["design"] == "pending", stages
    text = cli("status", "shop")
    assert "resume it with `devussy-git run shop --resume`" in text.out

    # Nothing moved on main; the finished stage waits on the run's own ref.
    assert git(repo, "rev-parse", "main").strip() == main_before
    assert _stage_commits(repo, f"refs/runs/{run_id}")[:2] == ["complexity", "interview"]
    git(repo, "fsck", "--strict")

    again = cli("cancel", "shop")
    assert again.code == 1 and "no queued or running run to cancel" in again.err
    unknown = cli("cancel", "shop", "0123456789ab")
    assert unknown.code == 1 and "no run" in unknown.err.lower()

    llm_server.route(PipelineScript(json.loads(DEMO_ANSWERS.read_text())))
    resumed = cli("run", "shop", "--resume")
    assert resumed.code == 0, resumed.err
    assert _status(cli, "shop")["run"]["state"] == "completed"
    # Every stage is one commit on main, the cancelled one included.
    assert sorted(_stage_commits(repo, "main")) == sorted(STAGES)
    git(repo, "fsck", "--strict")


@pytest.mark.slow
def test_delete_runs_cancels_a_served_run(tmp_path: Path, llm_server: ScriptedLLMServer) -> None:
    cli = Cli(tmp_path)
    cli.env.update(llm_server.env())
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    repo = tmp_path / "repos" / "shop.git"
    main_before = git(repo, "rev-parse", "main").strip()
    llm_server.route(_held_script("validation"))
    with serving(cli) as served:
        started = httpx.post(f"{served.base}/runs", json={"project_id": "shop"}, timeout=30)
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        _wait_for(cli, "shop", _stage_running("validation"), "the validation stage to start")

        answer = httpx.delete(f"{served.base}/runs/{run_id}", timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["run_id"] == run_id and answer.json()["state"] in ("running", "cancelled")

        deadline = time.monotonic() + 120
        while (state := httpx.get(f"{served.base}/runs/{run_id}", timeout=30).json()["state"]) != "cancelled":
            assert state == "running" and time.monotonic() < deadline, state
            time.sleep(0.1)

        twice = httpx.delete(f"{served.base}/runs/{run_id}", timeout=30)
        assert twice.status_code == 409 and "already cancelled" in twice.json()["detail"]
        assert httpx.delete(f"{served.base}/runs/0123456789ab", timeout=30).status_code == 404
    assert git(repo, "rev-parse", "main").strip() == main_before
    git(repo, "fsck", "--strict")
