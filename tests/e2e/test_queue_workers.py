"""The job queue as an operator runs it: ``migrate``, three ``devussy-git worker``
processes on a throwaway PostgreSQL cluster, runs submitted with ``run --detach`` and
``run`` (which follows to the end), a worker killed with SIGKILL mid-stage, cancels of a
queued and a running run. The model is a scripted OpenAI-compatible server that answers
slowly (litellm's real HTTP path)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devussy_git.db import Database, RunRecord, StepRecord
from devussy_git.llm.offline.replies import offline_reply
from tests.e2e.conftest import DEMO_ANSWERS, Cli
from tests.integration.db.conftest import pg_cluster  # noqa: F401 (the session's cluster)
from tests.integration.db.pg import PgCluster
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text, llm_server  # noqa: F401 (fixture)
from tests.support.pipeline_script import PipelineScript, stage_of

STAGES = ("interview", "complexity", "design", "validation", "devplan", "phases", "handoff")
PROJECTS = ("alpha", "beta", "gamma")


class SlowModel:
    """Every reply after ``delay_s``; ``hold(stage, n)`` holds the next n replies of a stage for long."""

    def __init__(self, delay_s: float) -> None:
        self.script = PipelineScript(json.loads(DEMO_ANSWERS.read_text()))
        self.delay_s = delay_s
        self._held: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hold(self, stage: str, count: int = 1) -> None:
        with self._lock:
            self._held[stage] += count

    def __call__(self, body: dict[str, Any]) -> Any:
        stage = stage_of(body)
        with self._lock:
            held = self._held[stage] > 0
            if held:
                self._held[stage] -= 1
        reply = self._step(body) if stage == "handoff-next" else self.script(body)
        return Delay(120 if held else self.delay_s, reply)

    @staticmethod
    def _step(body: dict[str, Any]) -> Any:
        """A handoff-next reply for the task and note the prompt names."""
        prompt = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
        task = re.search(r"^Work on task (\S+): (.*)$", prompt, re.MULTILINE)
        note = re.search(r"^Team note: (.*)$", prompt, re.MULTILINE)
        assert task is not None, "a step prompt without its task"
        context = {"task": {"id": task.group(1), "title": task.group(2)}, "note": note.group(1) if note else ""}
        return Text(offline_reply("handoff-next", context), prompt_tokens=300, completion_tokens=60)


def _runs(url: str, project: str) -> list[RunRecord]:
    return _read(url, lambda db: db.runs.list(project))


def _steps_of(url: str, project: str) -> list[StepRecord]:
    return _read(url, lambda db: db.steps.list(project))


def _read(url: str, query: Any) -> Any:
    """``await query(db)`` on a database opened for it, from synchronous test code."""

    async def read() -> Any:
        db = await Database.open(url)
        try:
            return list(await query(db))
        finally:
            await db.close()

    return asyncio.run(read())


def _wait(predicate: Any, what: str, timeout: float = 300) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {timeout}s for {what}"
        time.sleep(0.2)


def _status(cli: Cli, project: str) -> dict[str, Any]:
    done = cli("status", project, "--json")
    assert done.code == 0, done.err
    return dict(json.loads(done.out))


def _stage_running(cli: Cli, project: str, stage: str) -> str | None:
    run = _status(cli, project)["run"]
    if run and any(s["name"] == stage and s["state"] == "running" for s in run["stages"]):
        return str(run["run_id"])
    return None


def _state(cli: Cli, project: str) -> str | None:
    run = _status(cli, project)["run"]
    return None if run is None else str(run["state"])


def _stage_commits_of(repo: Path, run_id: str) -> Counter[str]:
    out = git(
        repo,
        "log",
        "--format=%(trailers:key=Devussy-Run,valueonly,separator=)|%(trailers:key=Devussy-Stage,valueonly,separator=)",
        "main",
    )
    return Counter(
        stage.strip()
        for line in out.splitlines()
        if "|" in line
        for rid, stage in [line.split("|", 1)]
        if rid.strip() == run_id
    )


class Workers:
    def __init__(self, cli: Cli, logs: Path) -> None:
        self.cli, self.logs = cli, logs
        self.procs: list[Any] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            index = len(self.procs)
            log = (self.logs / f"worker{index}.log").open("w")
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "devussy_git", "worker", "--concurrency", "2"],
                    cwd=self.cli.workdir,
                    env=self.cli.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.logs.glob("worker*.log")))


@pytest.fixture
def queued(
    tmp_path: Path, pg_cluster: PgCluster, llm_server: ScriptedLLMServer
) -> Iterator[tuple[Cli, str, Workers, SlowModel]]:
    url = pg_cluster.new_database()
    cli = Cli(tmp_path)
    cli.env.update(llm_server.env())
    cli.env.update(
        {"DATABASE_URL": url, "DEVUSSY_EXECUTOR": "queue", "DEVUSSY_STALLED_AFTER_S": "2", "LLM_MAX_RETRIES": "1"}
    )
    model = SlowModel(0.2)
    llm_server.route(model)
    migrated = cli("migrate")
    assert migrated.code == 0, migrated.err
    assert "job queue's schema was created" in migrated.out
    workers = Workers(cli, tmp_path)
    try:
        yield cli, url, workers, model
    finally:
        workers.stop()


@pytest.mark.slow
def test_workers_run_every_project_once_at_a_time_and_a_killed_worker_loses_nothing(
    queued: tuple[Cli, str, Workers, SlowModel], tmp_path: Path
) -> None:
    cli, url, workers, model = queued
    for project in PROJECTS:
        assert cli("new", project, "--answers", str(DEMO_ANSWERS)).code == 0

    # Without a worker, a detached run waits in the queue.
    detached = cli("run", "alpha", "--detach")
    assert detached.code == 0, detached.err
    assert "queued for the workers" in detached.out
    time.sleep(1)
    assert _state(cli, "alpha") == "queued"

    workers.start(3)
    followed = cli("run", "beta", timeout=400)  # follows to the end, as without the queue
    assert followed.code == 0, (followed.err, workers.output())
    assert "Next: devussy-git handoff-next beta" in followed.out
    assert "✓ handoff" in followed.out or "handoff" in followed.out
    assert cli("run", "gamma", "--detach").code == 0
    for project in ("alpha", "gamma"):
        _wait(lambda p=project: _state(cli, p) == "completed", f"{project} to complete")

    # A worker killed in the middle of a stage: another one resumes the run.
    model.hold("design")
    assert cli("run", "alpha", "--detach").code == 0
    run_id = _wait(lambda: _stage_running(cli, "alpha", "design"), "alpha's design stage")
    owner = next(r.owner for r in _runs(url, "alpha") if r.run_id == run_id)
    assert owner is not None
    os.kill(int(owner.rpartition(":")[2]), signal.SIGKILL)
    _wait(lambda: _state(cli, "alpha") == "completed", "the killed worker's run to complete elsewhere", timeout=300)
    repo = tmp_path / "repos" / "alpha.git"
    assert _stage_commits_of(repo, run_id) == Counter(STAGES[1:]), workers.output()
    git(repo, "fsck", "--strict")
    finished = next(r for r in _runs(url, "alpha") if r.run_id == run_id)
    assert finished.owner != owner

    # Runs of one project never overlapped.
    for project in PROJECTS:
        spans = sorted((r.started_at, r.finished_at) for r in _runs(url, project) if r.started_at and r.finished_at)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)), spans


@pytest.mark.slow
def test_cancel_a_running_and_a_queued_run(queued: tuple[Cli, str, Workers, SlowModel], tmp_path: Path) -> None:
    cli, _, workers, model = queued
    for project in ("alpha", "beta"):
        assert cli("new", project, "--answers", str(DEMO_ANSWERS)).code == 0
    main_before = {p: git(tmp_path / "repos" / f"{p}.git", "rev-parse", "main").strip() for p in ("alpha", "beta")}

    # Queued, no worker yet: cancelled at once; when a worker comes, the job does nothing.
    assert cli("run", "alpha", "--detach").code == 0
    cancelled = cli("cancel", "alpha")
    assert cancelled.code == 0 and "is cancelled; it never started" in cancelled.out
    workers.start(1)

    # Running on a worker: stopped at its next await.
    model.hold("validation")
    assert cli("run", "beta", "--detach").code == 0
    _wait(lambda: _stage_running(cli, "beta", "validation"), "beta's validation stage")
    stopping = cli("cancel", "beta")
    assert stopping.code == 0 and "is stopping" in stopping.out
    _wait(lambda: _state(cli, "beta") == "cancelled", "beta to end cancelled", timeout=120)

    time.sleep(2)  # the worker had time to take alpha's job
    assert _state(cli, "alpha") == "cancelled"
    for project in ("alpha", "beta"):
        assert git(tmp_path / "repos" / f"{project}.git", "rev-parse", "main").strip() == main_before[project]

    # A cancelled run resumes on a worker.
    resumed = cli("run", "beta", "--resume", timeout=400)
    assert resumed.code == 0, (resumed.err, workers.output())
    assert _state(cli, "beta") == "completed"


def _step_commits(repo: Path) -> list[tuple[str, str]]:
    """``(task, note)`` of every handoff-next commit on main, oldest first."""
    out = git(
        repo,
        "log",
        "--reverse",
        "--format=%(trailers:key=Devussy-Stage,valueonly,separator=%x2C)|%(trailers:key=Devussy-Task,valueonly,separator=%x2C)|%s",
        "main",
    )
    return [
        (task.strip(), subject.partition(": ")[2])
        for line in out.splitlines()
        for stage, task, subject in [line.split("|", 2)]
        if "handoff-next" in stage
    ]


@pytest.mark.slow
def test_handoff_next_runs_on_a_worker_and_a_killed_worker_lands_its_step_once(
    queued: tuple[Cli, str, Workers, SlowModel], tmp_path: Path
) -> None:
    cli, _, workers, model = queued
    assert cli("new", "alpha", "--answers", str(DEMO_ANSWERS)).code == 0
    workers.start(2)
    assert cli("run", "alpha", timeout=400).code == 0, workers.output()

    # The CLI submits the step, waits for a worker and prints what it always prints.
    first = cli("handoff-next", "alpha", "--note", "schema drafted", timeout=200)
    assert first.code == 0, (first.err, workers.output())
    assert first.out.startswith("Step 1 · task 1.1: "), first.out
    assert "Summary: schema drafted" in first.out and "→ main" in first.out
    assert "Next task: 1.2 - " in first.out
    as_json = cli("handoff-next", "alpha", "--json", "--note", "api stubbed", timeout=200)
    assert as_json.code == 0, as_json.err
    step = json.loads(as_json.out)
    assert (step["step"], step["task"]["id"], step["summary"]) == (2, "1.2", "api stubbed")
    # A refusal on the worker reaches the user as it would without the queue.
    refused = cli("handoff-next", "alpha", "--task", "9.9", timeout=200)
    assert refused.code == 1 and "9.9" in refused.err and "Traceback" not in refused.err

    # The worker running a step is killed while the model thinks: another worker takes
    # the step over after the stall timeout and lands it, once.
    model.hold("handoff-next")
    stepping = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "handoff-next", "alpha", "--note", "survived a kill"],
        cwd=cli.workdir,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        owner = _wait(lambda: _step_owner(cli, "alpha"), "a worker to take the step")
        os.kill(int(owner.rpartition(":")[2]), signal.SIGKILL)
        out, err = stepping.communicate(timeout=300)
    finally:
        if stepping.poll() is None:
            stepping.kill()
    assert stepping.returncode == 0, (err, workers.output())
    assert out.startswith("Step 3 · task 1.3: ") and "Summary: survived a kill" in out
    repo = tmp_path / "repos" / "alpha.git"
    assert _step_commits(repo) == [("1.1", "schema drafted"), ("1.2", "api stubbed"), ("1.3", "survived a kill")]
    git(repo, "fsck", "--strict")


def _step_owner(cli: Cli, project: str) -> str | None:
    running = [s for s in _steps_of(cli.env["DATABASE_URL"], project) if s.state == "running" and s.base]
    return running[-1].owner if running else None


@pytest.mark.slow
def test_thirty_jobs_over_three_projects_run_in_submission_order_without_overlap(
    queued: tuple[Cli, str, Workers, SlowModel], tmp_path: Path
) -> None:
    cli, url, workers, _ = queued
    for project in PROJECTS:
        assert cli("new", project, "--answers", str(DEMO_ANSWERS)).code == 0
        assert cli("run", project, "--detach").code == 0
    workers.start(3)
    for project in PROJECTS:
        _wait(lambda p=project: _state(cli, p) == "completed", f"{project}'s run", timeout=400)

    # 27 steps at once, 9 per project, from as many processes: each waits for its own.
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "devussy_git", "handoff-next", project, "--json", "--note", f"job {n} of {project}"],
            cwd=cli.workdir,
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(9)
        for project in PROJECTS
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, (err, workers.output())
        results.append(json.loads(out))
    assert sorted(r["step"] for r in results) == sorted(list(range(1, 10)) * 3)

    for project in PROJECTS:
        steps = _steps_of(url, project)
        assert len(steps) == 9 and all(s.state == "completed" for s in steps)
        # Landed in the order the queue received them (their jobs' ids), one step number each.
        assert all(s.job_id is not None for s in steps)
        submitted = [s.request["note"] for s in sorted(steps, key=lambda s: s.job_id or 0)]
        landed = [note for _, note in _step_commits(tmp_path / "repos" / f"{project}.git")]
        assert landed == submitted
        # No two jobs of the project (its run and its steps) were ever running at once.
        spans = sorted(
            [(r.started_at, r.finished_at) for r in _runs(url, project)]
            + [(s.started_at, s.finished_at) for s in steps]
        )
        assert all(start is not None and end is not None for start, end in spans), spans
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)), spans
        git(tmp_path / "repos" / f"{project}.git", "fsck", "--strict")
