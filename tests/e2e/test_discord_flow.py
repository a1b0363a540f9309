"""A team's whole flow in Discord, through the real command tree, buttons and
interview listener, against a real repos root, SQLite and the offline provider:

new → interview message by message (a bad answer, a skip, a restart halfway)
→ Run button → handoff-next → preview → Apply → revert (command and button)
→ log pages, diff, show, status, clone. What would be sent is snapshot-tested
(shas, ids and timings normalised); what is in git is checked with the git CLI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from devussy_git.app import App, build_app
from tests.integration.discord.helpers import ALICE, ANSWERS, BOB, settings_for
from tests.support.discord_fakes import DiscordHarness, normalise
from tests.support.gitcli import git, trailers_of

GUILD = 1_000_000_000_000_000_042


@pytest.fixture
async def apps(tmp_path: Path) -> AsyncIterator[list[App]]:
    opened: list[App] = []
    try:
        yield opened
    finally:
        for app in opened:
            await app.close()


async def open_harness(tmp_path: Path, apps: list[App]) -> DiscordHarness:
    app = await build_app(settings_for(tmp_path))
    apps.append(app)
    return DiscordHarness(app, guild_id=GUILD)


def subjects(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%s", "main").splitlines()


async def test_team_flow(tmp_path: Path, apps: list[App], snapshot: SnapshotAssertion) -> None:
    names: dict[str, str] = {}
    seen: list[Any] = []

    def keep(label: str, h: DiscordHarness) -> None:
        seen.append({"step": label, "events": normalise(h.outbox.events, names)})
        h.outbox.clear()

    h = await open_harness(tmp_path, apps)
    await h.command("devussy new", ALICE, name="Shop API")
    thread = h.threads[-1]
    keep("new", h)
    assert h.outbox.events == []

    await h.say(thread, ALICE, "9")  # not a project type
    keep("bad answer", h)
    for answer in ANSWERS[:3]:  # type, language, skip the optional one
        await h.say(thread, ALICE, answer)
    keep("first answers", h)

    # The bot restarts mid-interview: a new process, same database and repos.
    await apps[0].close()
    apps.clear()
    h = await open_harness(tmp_path, apps)
    thread = h.adopt(thread)
    for answer in ANSWERS[3:]:
        await h.say(thread, ALICE, answer)
    keep("answers after restart", h)
    repo = tmp_path / "repos" / "shop-api.git"
    assert subjects(repo) == ["interview: answers for shop-api"]
    interview_json = git(repo, "show", "main:interview.json")
    assert '"additional_languages"' not in interview_json and '"team_size": 3' in interview_json

    message, run_id = h.message_with("devussy:run:shop-api")
    await h.press(message, run_id, ALICE)
    summary = h.outbox.last()
    assert {f["name"] for f in summary["files"]} == {"devplan.md", "handoff.md"}
    keep("run", h)
    tags = git(repo, "tag", "--list", "run/*").split()
    assert len(tags) == 1
    assert [trailers_of(repo, s).get("Devussy-Stage") for s in git(repo, "log", "--format=%H").split()] == [
        "handoff",
        "phases",
        "devplan",
        "validation",
        "design",
        "complexity",
        "interview",
    ]

    await h.command("devussy handoff-next", ALICE, channel=thread, note="Repository created on GitHub")
    step = h.outbox.last()
    assert [b["label"] for b in h.outbox.buttons(step)] == ["Revert", "Full diff"]
    assert step["files"][0]["text"] == git(repo, "diff", "main~1", "main")
    keep("handoff-next", h)
    assert trailers_of(repo, "main")["Devussy-Step"] == "1"

    await h.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    keep("preview", h)
    head_before = git(repo, "rev-parse", "main").strip()
    message, apply_id = h.message_with("devussy:apply:shop-api")
    await h.press(message, apply_id, ALICE)
    keep("apply", h)
    assert git(repo, "rev-parse", "main~1").strip() == head_before
    assert trailers_of(repo, "main")["Devussy-Step"] == "2"
    assert git(repo, "for-each-ref", "refs/proposals/") == ""

    # Revert step 2 by command: a confirmation only the asker sees, then the revert.
    await h.command("devussy revert", ALICE, channel=thread, step=2)
    confirm = h.outbox.last()
    assert confirm["ephemeral"] and [b["label"] for b in h.outbox.buttons(confirm)] == ["Revert", "Cancel"]
    keep("revert asks", h)
    message, yes_id = h.message_with("devussy:revert-yes:shop-api")
    step2 = git(repo, "rev-parse", "main").strip()
    await h.press(message, yes_id, ALICE)
    keep("revert done", h)
    assert subjects(repo)[0] == f'Revert "{git(repo, "log", "-1", "--format=%s", step2).strip()}"'
    assert git(repo, "diff", "main", "main~2") == ""  # the tree is back to before step 2

    # Revert the revert with its own button (someone else asks: they get their own confirmation).
    message, revert_id = h.message_with("devussy:revert:shop-api")
    await h.press(message, revert_id, BOB)
    bob_confirm = h.outbox.last()
    assert bob_confirm["ephemeral"]
    h.outbox.clear()
    message, yes_id = h.message_with("devussy:revert-yes:shop-api")
    await h.press(message, yes_id, ALICE)  # Alice cannot confirm Bob's revert
    assert h.outbox.last()["content"] == f"🚫 Only <@{BOB.user_id}> can use these buttons."
    await h.press(message, yes_id, BOB)
    assert git(repo, "diff", "main", step2) == ""  # reverting the revert re-applies step 2
    h.outbox.clear()

    await h.command("devussy log", ALICE, channel=thread)
    page = h.outbox.last()
    assert [b["label"] for b in h.outbox.buttons(page)] == ["Older"]
    keep("log", h)
    message, older = h.message_with("devussy:log:shop-api:1")
    await h.press(message, older, BOB)
    keep("log page 2", h)

    await h.command("devussy status", ALICE, channel=thread)
    await h.command("devussy show", ALICE, channel=thread, file="handoff.md")
    await h.command("devussy diff", ALICE, channel=thread, **{"from": "main~2"})
    keep("status show diff", h)

    await h.command("devussy clone", ALICE, channel=thread)
    clone = h.outbox.last()
    assert clone["ephemeral"] and "/git/shop-api.git" in clone["content"]
    h.outbox.clear()

    assert git(repo, "fsck", "--strict") == ""
    assert seen == snapshot
