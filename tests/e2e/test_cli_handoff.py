"""The CLI verbs handoff-next, proposals and revert, run as real processes (offline provider)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.agent.conftest import PROJECT, install, planned_repo

__all__ = ["planned_repo"]

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path: Path, planned_repo: Path) -> dict[str, str]:
    install(planned_repo, tmp_path / "repos")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "DEVUSSY_", "DISCORD_"))}
    env.update(
        DEVUSSY_REPOS_ROOT=str(tmp_path / "repos"),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        PYTHONPATH=str(ROOT),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        GIT_CONFIG_GLOBAL=os.devnull,
        USER="alice",
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devussy_git", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def git(env: dict[str, str], *args: str) -> str:
    repo = Path(env["DEVUSSY_REPOS_ROOT"]) / f"{PROJECT}.git"
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_handoff_next_prints_task_summary_diff_and_next_task(cli_env: dict[str, str]) -> None:
    done = cli(cli_env, "handoff-next", PROJECT, "--note", "repo and layout ready")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Step 1 · task 1.1: ")
    assert "Summary: repo and layout ready" in out
    assert "diff --git a/phase1.md b/phase1.md" in out and "+- [x] 1.1:" in out
    assert "\x1b[" not in out  # no colour when not on a terminal
    assert "Next task: 1.2 - " in out
    log = git(cli_env, "log", "-1", "--format=%an <%ae>%n%(trailers:key=Devussy-Actor,valueonly)")
    assert log.split("\n")[:2] == ["alice <alice@localhost.invalid>", "cli:alice"]


def test_handoff_next_json_and_clear_errors(cli_env: dict[str, str]) -> None:
    done = cli(cli_env, "handoff-next", PROJECT, "--task", "2.1", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["task"] == {"id": "2.1", "title": data["task"]["title"], "done": True}
    assert data["step"] == 1 and data["status"] == "done" and data["proposal_id"] is None
    assert data["commit"]["trailers"]["Devussy-Model"] == "offline"
    assert data["diff"]["patch"].startswith("diff --git ")
    # Out of order: QUICK_STATUS still names 1.1, so handoff.md is untouched.
    assert {f["path"] for f in data["diff"]["files"]} == {"devplan.md", "phase2.md"}
    assert data["next_task"]["id"] == "1.1"

    bad = cli(cli_env, "handoff-next", PROJECT, "--task", "9.9")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: There is no task '9.9' in this plan. Open tasks: 1.1, ")
    missing = cli(cli_env, "handoff-next", "nope")
    assert missing.returncode == 1 and "no project called 'nope'" in missing.stderr


def test_preview_list_apply_discard(cli_env: dict[str, str]) -> None:
    head = git(cli_env, "rev-parse", "main")
    parked = cli(cli_env, "handoff-next", PROJECT, "--preview", "--json")
    assert parked.returncode == 0, parked.stderr
    proposal = json.loads(parked.stdout)["proposal_id"]
    assert git(cli_env, "rev-parse", "main") == head
    listed = cli(cli_env, "proposals", PROJECT)
    assert proposal in listed.stdout and "1.1" in listed.stdout and "alice" in listed.stdout
    applied = cli(cli_env, "proposals", PROJECT, "apply", proposal)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith(f"Applied proposal {proposal}.") and "→ main" in applied.stdout
    assert json.loads(cli(cli_env, "proposals", PROJECT, "--json").stdout) == []

    text = cli(cli_env, "handoff-next", PROJECT, "--preview")
    assert text.returncode == 0, text.stderr
    other = re.search(r"→ proposal ([0-9a-f]+)\n", text.stdout).group(1)
    # Not counted as a step before it is applied.
    assert text.stdout.startswith(f"Proposal {other} · task 1.2: ") and "(done; step 2 once applied)" in text.stdout
    assert f"devussy-git proposals {PROJECT} apply {other}" in text.stdout
    assert git(cli_env, "rev-parse", "main") != head and "→ main" not in text.stdout
    dropped = cli(cli_env, "proposals", PROJECT, "discard", other)
    assert dropped.returncode == 0 and f"Discarded proposal {other}." in dropped.stdout
    again = cli(cli_env, "proposals", PROJECT, "discard", other)
    assert again.returncode == 1 and f"There is no proposal {other}" in again.stderr
    usage = cli(cli_env, "proposals", PROJECT, "apply")
    assert usage.returncode == 2


def test_revert_then_the_next_step_takes_the_task_again(cli_env: dict[str, str]) -> None:
    assert cli(cli_env, "handoff-next", PROJECT).returncode == 0
    assert cli(cli_env, "handoff-next", PROJECT).returncode == 0
    reverted = cli(cli_env, "revert", PROJECT, "--yes")
    assert reverted.returncode == 0, reverted.stderr
    assert 'Revert "handoff-next 1.2: ' in reverted.stdout and "-- [x] 1.2:" in reverted.stdout
    again = cli(cli_env, "handoff-next", PROJECT)
    assert again.stdout.startswith("Step 3 · task 1.2: ")


def test_two_processes_at_once_lose_nothing(cli_env: dict[str, str]) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "devussy_git", "handoff-next", PROJECT, "--json"],
            env=cli_env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in runs]
    landed = [json.loads(out) for code, out, _ in outcomes if code == 0]
    refused = [err for code, _, err in outcomes if code != 0]
    assert landed, outcomes
    for err in refused:
        assert "the plan changed" in err.lower() and "try again" in err and "Traceback" not in err
    listed = git(cli_env, "log", "--format=%(trailers:key=Devussy-Task,valueonly)", "main")
    tasks = [line for line in listed.split("\n") if line.strip()]
    assert sorted(tasks) == sorted(r["task"]["id"] for r in landed)
    assert len(set(tasks)) == len(tasks)
    assert git(cli_env, "rev-list", "--min-parents=2", "main") == ""
    git(cli_env, "fsck", "--strict")
