"""The CLI end to end: the verbs a user types, their output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import DEMO_ANSWERS, Cli
from tests.support.gitcli import git


def test_new_run_status_log_diff_show(cli: Cli) -> None:
    r = cli("new", "shop-api", "--answers", str(DEMO_ANSWERS))
    assert r.code == 0, r.err
    assert "interview: answers for shop-api" in r.out

    r = cli("run", "shop-api")
    assert r.code == 0, r.err
    for stage in ("complexity", "design", "validation", "devplan", "phases", "handoff"):
        assert stage in r.out
    assert "Complexity: score" in r.out and "Phases:" in r.out

    r = cli("status", "shop-api", "--json")
    assert r.code == 0, r.err
    status = r.json()
    assert status["run"]["state"] == "completed"
    assert status["progress"]["next_task"]["id"] == "1.1"
    assert status["progress"]["done"] == 0 and status["progress"]["total"] > 0

    r = cli("log", "shop-api", "--json", "--limit", "3")
    assert r.code == 0, r.err
    log = r.json()
    assert len(log) == 3
    assert set(log[0]) == {"sha", "subject", "author", "time", "parents", "trailers"}
    assert log[0]["trailers"]["Devussy-Stage"] == "handoff"
    repo = cli.workdir / "repos" / "shop-api.git"
    assert log[0]["sha"] == git(repo, "rev-parse", "main").strip()
    assert log[0]["parents"] == [log[1]["sha"]]

    r = cli("diff", "shop-api")
    assert r.code == 0, r.err
    assert r.out == git(repo, "diff", f"{log[1]['sha']}", f"{log[0]['sha']}")

    r = cli("diff", "shop-api", log[2]["sha"], log[1]["sha"], "--stat")
    assert r.code == 0 and "changed" in r.out

    r = cli("show", "shop-api", "handoff.md")
    assert r.code == 0 and r.out == git(repo, "show", "main:handoff.md")

    r = cli("projects", "--json")
    assert r.code == 0 and [p["project_id"] for p in r.json()] == ["shop-api"]


def test_user_mistakes_exit_1_without_traceback(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"project_name": "X", "project_type": "Spaceship", "colour": "red"}))
    r = cli("new", "bad-answers", "--answers", str(bad))
    assert r.code == 1
    assert "Traceback" not in r.err
    assert "project_type" in r.err and "colour" in r.err and "requirements" in r.err

    for args in (
        ("new", "../escape", "--answers", str(DEMO_ANSWERS)),
        ("new", "UPPER", "--answers", str(DEMO_ANSWERS)),
        ("log", "missing-project"),
        ("show", "missing-project", "x.md"),
        ("new", "nofile", "--answers", str(tmp_path / "nope.json")),
    ):
        r = cli(*args)
        assert r.code == 1, args
        assert r.err.startswith("error: "), (args, r.err)
        assert "Traceback" not in r.err
    assert not (cli.workdir / "escape.git").exists()
    assert not (cli.workdir / "repos" / "UPPER.git").exists()


def test_usage_errors_exit_2(cli: Cli) -> None:
    for args in ((), ("frobnicate",), ("log",), ("log", "x", "--limit", "many")):
        r = cli(*args)
        assert r.code == 2, (args, r.out, r.err)
        assert "Traceback" not in r.err


def test_revert_needs_confirmation_off_a_terminal(cli: Cli) -> None:
    assert cli("new", "p1", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "p1").code == 0
    repo = cli.workdir / "repos" / "p1.git"
    head = git(repo, "rev-parse", "main").strip()
    r = cli("revert", "p1", head)
    assert r.code == 2 and "--yes" in r.err
    assert git(repo, "rev-parse", "main").strip() == head
    r = cli("revert", "p1", head, "--yes")
    assert r.code == 0, r.err
    assert git(repo, "log", "-1", "--format=%s", "main").startswith('Revert "handoff:')
    git(repo, "fsck", "--strict")


def test_interactive_interview_on_the_terminal(cli: Cli) -> None:
    answers = (
        "\n".join(
            [
                "Tiny CLI",  # project_name
                "99",  # project_type: out of range, re-asked
                "cli tool",  # project_type by text
                "Python",  # primary_language
                "skip",  # additional_languages
                "Convert CSV files to JSON with a streaming parser",  # requirements
            ]
        )
        + "\n"
        + "skip\n" * 20
    )
    r = cli("new", "tiny-cli", input_=answers)
    assert r.code == 0, r.err
    repo = cli.workdir / "repos" / "tiny-cli.git"
    interview = json.loads(git(repo, "show", "main:interview.json"))
    assert interview["project_type"] == "CLI Tool"
    assert interview["project_name"] == "Tiny CLI"


def test_new_refuses_control_characters_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    answers = json.loads(DEMO_ANSWERS.read_text())
    answers["requirements"] = "Catalogue\x00, cart"
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    result = cli("new", "ctl", "--answers", str(path))
    assert result.code == 1
    assert "requirements" in result.err and "NUL (U+0000)" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "repos" / "ctl.git").exists()
    assert cli("new", "ctl", "--answers", str(DEMO_ANSWERS)).code == 0


def test_a_repo_symlinked_from_outside_the_root_is_never_served(cli: Cli, tmp_path: Path) -> None:
    assert cli("new", "inside", "--answers", str(DEMO_ANSWERS)).code == 0
    repos = tmp_path / "repos"
    outside = tmp_path / "outside.git"
    (repos / "inside.git").rename(outside)
    (repos / "inside.git").symlink_to(outside, target_is_directory=True)
    for verb in (["show", "inside", "interview.json"], ["log", "inside"], ["status", "inside"]):
        result = cli(*verb)
        assert result.code == 1, (verb, result.out)
        assert "Traceback" not in result.err
    listed = cli("projects", "--json")  # the record is listed; nothing is read through the link
    assert listed.code == 0 and "Traceback" not in listed.err


def test_one_ctrl_c_ends_the_interview_and_leaves_nothing(cli: Cli, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "new", "halfway"],
        cwd=cli.workdir,
        env=cli.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("Half Way\n")
    proc.stdin.flush()
    seen = ""
    deadline = time.monotonic() + 60
    while "type of project" not in seen:  # the second question is on screen
        line = proc.stdout.readline()
        assert line and time.monotonic() < deadline, seen
        seen += line
    proc.send_signal(signal.SIGINT)
    # stdin stays open, as a terminal's does: communicate() would close it, and an end of
    # input read before the signal is handled is a different way to end the interview.
    proc.wait(timeout=10)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stdin.close()
    assert proc.returncode == 130, err
    assert "Interview cancelled; nothing was written." in err
    assert "Traceback" not in err and "CancelledError" not in err
    assert not (tmp_path / "repos" / "halfway.git").exists()
    assert cli("new", "halfway", "--answers", str(DEMO_ANSWERS)).code == 0


def test_an_empty_repo_left_by_a_crash_does_not_block_the_id(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "repos").mkdir(exist_ok=True)
    git(tmp_path, "init", "-q", "--bare", "--initial-branch=main", str(tmp_path / "repos" / "left.git"))
    created = cli("new", "left", "--answers", str(DEMO_ANSWERS))
    assert created.code == 0, created.err
    assert cli("run", "left").code == 0
    # a project with a commit is never taken over
    again = cli("new", "left", "--answers", str(DEMO_ANSWERS))
    assert again.code == 1 and "already exists" in again.err


def test_run_asks_before_starting_a_plan_with_progress_over(cli: Cli) -> None:
    assert cli("new", "again", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "again").code == 0
    assert cli("handoff-next", "again").code == 0
    before = cli("status", "again", "--json").json()
    refused = cli("run", "again")  # not a terminal: refused unless --yes
    assert refused.code == 2
    assert "1 of" in refused.err and "steps done" in refused.err and "--yes" in refused.err
    assert cli("status", "again", "--json").json() == before
    assert cli("run", "again", "--yes").code == 0
    after = cli("status", "again", "--json").json()
    assert after["progress"]["done"] == 0
