"""Project names of any script and any length start an interview that works."""

from __future__ import annotations

from tests.support.discord_fakes import DiscordHarness

from .helpers import ALICE


async def test_a_name_in_another_script_gets_a_generic_id(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="日本語プロジェクト")
    [record] = await harness.app.db.projects.list()
    assert record.project_id == "project"
    assert record.name == "日本語プロジェクト"


async def test_a_very_long_name_keeps_every_button_within_discord_limits(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="a" * 100)
    thread = harness.threads[-1]
    [record] = await harness.app.db.projects.list()
    assert len(record.project_id) <= 56
    # Answer the type (a choice, with buttons) and the language: the interview goes on.
    await harness.say(thread, ALICE, "2")
    await harness.say(thread, ALICE, "Python")
    content = str(harness.outbox.last().get("content", "")) + str(harness.outbox.last())
    assert "error id" not in content
