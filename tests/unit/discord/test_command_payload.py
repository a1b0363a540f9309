"""The application-command payload the bot syncs, built without a token or connection."""

from __future__ import annotations

import json
import subprocess
import sys

from syrupy.assertion import SnapshotAssertion

from devussy_git.faces.discord.bot import command_payload

EXPECTED = {
    "devussy": {
        "new",
        "run",
        "cancel",
        "status",
        "handoff-next",
        "revert",
        "diff",
        "log",
        "show",
        "clone",
        "projects",
        "proposals",
        "version",
        "admin",
    },
    "devussy admin": {"set-provider", "set-model", "set-max-runs", "set-role", "archive", "restore", "delete"},
}


def test_sync_payload_snapshot(snapshot: SnapshotAssertion) -> None:
    assert command_payload() == snapshot


def test_every_command_and_option_is_described_and_projects_autocomplete() -> None:
    payload = {c["name"]: c for c in command_payload()}
    assert set(payload) == {"devussy", "ping"}
    devussy = payload["devussy"]
    assert devussy["dm_permission"] is False
    subs = {o["name"]: o for o in devussy["options"]}
    assert set(subs) == EXPECTED["devussy"]
    assert {o["name"] for o in subs["admin"]["options"]} == EXPECTED["devussy admin"]

    def walk(options: list[dict]) -> list[dict]:
        out = []
        for option in options:
            out.append(option)
            out += walk(option.get("options", []))
        return out

    for option in walk(devussy["options"]):
        assert option["description"], option["name"]
        if option["name"] == "project":
            assert option["autocomplete"] is True and option["required"] is False
    handoff = {o["name"]: o for o in subs["handoff-next"]["options"]}
    assert set(handoff) == {"project", "note", "task", "preview"} and handoff["preview"]["type"] == 5
    assert {o["name"] for o in subs["revert"]["options"]} == {"project", "step", "commit"}
    assert {o["name"] for o in subs["diff"]["options"]} == {"project", "from", "to"}
    assert {o["name"] for o in subs["cancel"]["options"]} == {"project", "run_id"}
    show = {o["name"]: o for o in subs["show"]["options"]}
    assert show["file"]["autocomplete"] is True and "rev" in show


def test_cli_dump_needs_no_token_and_missing_token_is_named() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    dumped = subprocess.run(
        [sys.executable, "-m", "devussy_git", "bot", "--dump-commands"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert dumped.returncode == 0, dumped.stderr
    assert json.loads(dumped.stdout) == json.loads(json.dumps(command_payload()))
    bare = subprocess.run(
        [sys.executable, "-c", "from devussy_git.faces.discord import run_bot; import sys; sys.exit(run_bot())"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        cwd="/tmp",
    )
    assert bare.returncode == 1
    assert "DISCORD_TOKEN" in bare.stderr
