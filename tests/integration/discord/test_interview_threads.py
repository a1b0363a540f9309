"""The interview listens only to real answers in live threads."""

from __future__ import annotations

import discord

from devussy_git import services
from tests.support.discord_fakes import DiscordHarness

from .helpers import ALICE


async def test_system_messages_in_the_thread_are_not_answers(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Sys Msg")
    thread = harness.threads[-1]
    before = await services.current_interview(harness.app, thread.id)
    assert before is not None
    await harness.say(thread, ALICE, "2", message_type=4)  # a thread renamed to "2"
    await harness.say(thread, ALICE, "", message_type=6)  # a pin
    after = await services.current_interview(harness.app, thread.id)
    assert after is not None and after.session.answers == before.session.answers


async def test_deleting_the_thread_ends_its_interview(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Gone Thread")
    thread = harness.threads[-1]
    event = discord.RawThreadDeleteEvent(
        {"id": str(thread.id), "guild_id": str(harness.guild_id), "parent_id": "1", "type": 11}
    )
    await harness.bot.on_raw_thread_delete(event)
    assert await services.current_interview(harness.app, thread.id) is None
    # The name can start a project again with the same id.
    await harness.command("devussy new", ALICE, name="Gone Thread")
    ids = sorted(p.project_id for p in await harness.app.db.projects.list())
    assert ids == ["gone-thread"]
