"""The CLI tells a new user what happened and what to type next, in full."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import DEMO_ANSWERS, Cli
from tests.support.gitcli import git


def test_an_answers_file_lists_each_problem_once_without_prompt_hints(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"project_name": "X", "project_type": "nope", "team_size": "abc"}))
    r = cli("new", "shop", "--answers", str(bad))
    assert r.code == 1
    lines = r.err.splitlines()
    assert lines[0] == "error: The answers have 4 problems:"
    assert sum("team_size" in line for line in lines) == 1
    assert sum("project_type" in line for line in lines) == 1
    assert "skip" not in r.err


def test_an_id_that_is_not_a_slug_gets_a_suggestion_and_is_shown_whole(cli: Cli) -> None:
    r = cli("new", "Shop API", "--answers", str(DEMO_ANSWERS))
    assert r.code == 1 and "Try 'shop-api'." in r.err
    for bad, suggestion in (("shop-", "shop"), ("a--b", "a-b")):
        r = cli("new", bad, "--answers", str(DEMO_ANSWERS))
        assert r.code == 1 and f"Try '{suggestion}'." in r.err, r.err
        assert not (cli.workdir / "repos" / f"{bad}.git").exists()
    long = "Ab" * 150
    r = cli("log", long)
    assert r.code == 1
    # Quoted whole and shortened, never cut inside the quotes.
    assert f"Invalid project id '{long[:40]}'… (300 characters):" in r.err
    suggestion = r.err.split("Try '")[1].split("'")[0]
    assert len(suggestion) == 63 and suggestion == long.lower()[:63]


def test_hints_name_the_project_and_the_run_ends_with_next_steps(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert "devussy-git run shop" in cli("status", "shop").out
    assert "devussy-git handoff-next shop --preview" in cli("proposals", "shop").out
    run = cli("run", "shop")
    assert run.code == 0
    assert run.out.rstrip().splitlines()[-1].startswith("Next: devussy-git handoff-next shop")
    preview = cli("handoff-next", "shop", "--preview")
    assert preview.code == 0 and "Next task once applied: 1.2" in preview.out
    applied_now = cli("handoff-next", "shop")
    assert "Next task: 1.2" in applied_now.out


def test_revert_on_a_terminal_shows_what_it_would_undo_before_asking(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    assert cli("handoff-next", "shop").code == 0
    repo = cli.workdir / "repos" / "shop.git"
    head = git(repo, "rev-parse", "main").strip()
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "revert", "shop"],
        cwd=cli.workdir,
        env=cli.env,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    seen = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 1)
        if ready:
            try:
                seen += os.read(main_fd, 4096)
            except OSError:
                break
    os.write(main_fd, b"n\n")
    proc.wait(30)
    try:
        while select.select([main_fd], [], [], 0.5)[0]:
            seen += os.read(main_fd, 4096)
    except OSError:
        pass  # the child closed its end of the terminal: everything it wrote is read
    os.close(main_fd)
    text = seen.decode(errors="replace")
    assert "Reverting undoes:" in text
    assert "handoff.md" in text and "file" in text and "changed" in text
    assert "Nothing reverted." in text
    assert git(repo, "rev-parse", "main").strip() == head


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_model_server_is_named_and_not_retried(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    port = _closed_port()
    cli.env.update(
        {
            "LLM_DEFAULT_PROVIDER": "openai",
            "LLM_DEFAULT_MODEL": "m",
            "LLM_API_BASE": f"http://127.0.0.1:{port}/v1",
            "LLM_API_KEY": "sk-test-secret",
        }
    )
    r = cli("run", "shop")
    assert r.code == 1
    assert f"Could not connect to http://127.0.0.1:{port}/v1: connection refused." in r.err
    assert "retrying" not in r.err and "attempt" not in r.err
    assert "sk-test-secret" not in r.err + r.out


def test_an_unreachable_postgresql_is_named_without_its_password(cli: Cli) -> None:
    cli.env["DATABASE_URL"] = f"postgresql://planner:hunter2secret@127.0.0.1:{_closed_port()}/plans"
    r = cli("projects")
    assert r.code == 1
    assert "the state database at 127.0.0.1:" in r.err and "connection refused" in r.err
    assert "hunter2secret" not in r.err


def test_the_terminal_interview_asks_each_question_once_and_re_asks_briefly(cli: Cli) -> None:
    answers = "\n".join(["Tiny CLI", "rest", "Py", "skip", "Serve CSV files as JSON"]) + "\n" + "skip\n" * 20
    r = cli("new", "tiny", input_=answers)
    assert r.code == 0, r.err
    interview = json.loads(git(cli.workdir / "repos" / "tiny.git", "show", "main:interview.json"))
    assert interview["project_type"] == "REST API" and interview["primary_language"] == "Python"
    # "(or 'skip')" belongs to the question, not to its last choice.
    assert "(or 'skip')" not in "".join(line for line in r.out.splitlines() if line.startswith("  "))
    ambiguous = "\n".join(["Tiny CLI", "cli tool", "ja", "Java", "skip", "Convert CSV"]) + "\n" + "skip\n" * 20
    r = cli("new", "tiny2", input_=ambiguous)
    assert r.code == 0, r.err
    assert "could be JavaScript or Java" in r.err
    # The list is shown once, with the question; a re-ask says only what was wrong.
    assert (r.out + r.err).count("1. Python") == 1
    assert "Pick a number from the list above or type your own" in r.err


def test_well_known_names_are_stored_in_their_usual_spelling(cli: Cli, tmp_path: Path) -> None:
    answers = {
        "project_name": "Six",
        "project_type": "rest",
        "primary_language": "js",
        "requirements": "stuff",
        "database": "postgres",
        "deployment_platform": "k8s",
    }
    path = tmp_path / "six.json"
    path.write_text(json.dumps(answers))
    assert cli("new", "six", "--answers", str(path)).code == 0
    stored = json.loads(git(cli.workdir / "repos" / "six.git", "show", "main:interview.json"))
    assert (stored["project_type"], stored["primary_language"]) == ("REST API", "JavaScript")
    assert (stored["database"], stored["deployment_platform"]) == ("PostgreSQL", "Kubernetes")


def test_help_explains_every_option_with_defaults_and_the_answer_keys(cli: Cli) -> None:
    import argparse

    from devussy_git.faces.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, verb in sub.choices.items():
        for action in verb._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
    assert "default: 20" in cli("log", "--help").out
    assert "default: main" in cli("show", "--help").out
    assert "asks first" in cli("revert", "--help").out
    serve = cli("serve", "--help").out
    assert "default 127.0.0.1" in serve and "default 8000" in serve
    new = cli("new", "--help").out
    assert "project_type*" in new and "REST API" in new and "team_size" in new


def test_an_offline_note_that_says_blocked_leaves_the_task_open_and_shows_the_blocker(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    r = cli("handoff-next", "shop", "--note", "Blocked: waiting for the Stripe keys")
    assert r.code == 0, r.err
    assert "(blocked)" in r.out.splitlines()[0]
    status = cli("status", "shop", "--json").json()
    assert status["progress"]["done"] == 0 and status["progress"]["next_task"]["id"] == "1.1"
    handoff = git(cli.workdir / "repos" / "shop.git", "show", "main:handoff.md")
    quick = handoff.split("<!-- QUICK_STATUS_START -->")[1].split("<!-- QUICK_STATUS_END -->")[0]
    assert "Blockers: 1.1: Blocked: waiting for the Stripe keys" in quick
    done = cli("handoff-next", "shop", "--note", "Keys arrived; repository initialised")
    assert "(done)" in done.out.splitlines()[0]
    assert cli("status", "shop", "--json").json()["progress"]["done"] == 1


def test_run_on_a_terminal_shows_live_stage_lines_and_plain_lines_elsewhere(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "run", "shop"],
        cwd=cli.workdir,
        env={**cli.env, "COLUMNS": "120", "TERM": "xterm"},
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    seen = b""
    while True:
        ready, _, _ = select.select([main_fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(main_fd)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "tokens in/out" in text  # the live table's header
    for stage in ("complexity", "design", "validation", "devplan", "phases", "handoff"):
        assert stage in text
    assert "\x1b[" in text  # redrawn in place, with colour
    assert "Next: devussy-git handoff-next shop" in text
    plain = cli("run", "shop", "--yes")
    assert plain.code == 0
    assert "\x1b[" not in plain.out and "✓ phases     completed" in plain.out


def test_maintenance_dry_run_then_run_from_the_cli(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    assert cli("handoff-next", "shop", "--preview").code == 0
    cli.env["DEVUSSY_PROPOSAL_MAX_AGE_S"] = "0"
    dry = cli("maintenance", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    report = dry.json()
    assert report["dry_run"] is True and len(report["proposals"]) == 1
    assert "refs/proposals/" in git(cli.workdir / "repos" / "shop.git", "for-each-ref", "--format=%(refname)")
    done = cli("maintenance")
    assert done.code == 0 and done.out.startswith("Did:") and "prune proposals: shop:" in done.out
    assert "refs/proposals/" not in git(cli.workdir / "repos" / "shop.git", "for-each-ref", "--format=%(refname)")


def test_status_names_the_blockers_a_blocked_step_recorded(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    assert "Blocker" not in cli("status", "shop").out
    step = cli("handoff-next", "shop", "--provider", "offline", "--note", "Blocked: waiting for the vendor's keys")
    assert step.code == 0 and "(blocked)" in step.out
    status = cli("status", "shop")
    assert "Next task: 1.1: " in status.out
    assert "Blocker: 1.1: Blocked: waiting for the vendor's keys" in status.out.splitlines()
    as_json = json.loads(cli("status", "shop", "--json").out)
    assert as_json["progress"]["blockers"] == ["1.1: Blocked: waiting for the vendor's keys"]


def test_a_revert_refused_off_a_terminal_shows_what_it_would_undo(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    assert cli("handoff-next", "shop", "--provider", "offline").code == 0
    head = git(cli.workdir / "repos" / "shop.git", "rev-parse", "main")
    refused = cli("revert", "shop")  # stdin is not a terminal
    assert refused.code == 2
    assert "Reverting undoes:" in refused.err and "add --yes to confirm" in refused.err
    assert re.search(r"^ 3 files changed, \d+ insertions?\(\+\), \d+ deletions?\(-\)$", refused.err, re.MULTILINE)
    assert git(cli.workdir / "repos" / "shop.git", "rev-parse", "main") == head
