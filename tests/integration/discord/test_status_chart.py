"""``/devussy status`` carries the progress chart: a PNG attachment the embed shows as its
picture once the project has a plan; before that the reply is text only, as it was."""

from __future__ import annotations

from tests.support.discord_fakes import DiscordHarness

from .helpers import ALICE, interview, planned


async def test_status_of_a_planned_project_shows_its_progress_chart(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    harness.outbox.clear()

    await harness.command("devussy status", ALICE, channel=thread)
    reply = harness.outbox.last()
    assert not reply["ephemeral"]
    assert reply["files"] == [{"name": "progress.png", "png": "1000x500"}]
    (embed,) = reply["embeds"]
    assert embed["image"] == {"url": "attachment://progress.png"}
    progress = next(f["value"] for f in embed["fields"] if f["name"] == "Progress")
    assert progress.startswith("1/") and progress.endswith(" tasks")


async def test_status_before_the_plan_exists_has_no_picture(harness: DiscordHarness) -> None:
    thread = await interview(harness, ALICE)
    harness.outbox.clear()

    await harness.command("devussy status", ALICE, channel=thread)
    reply = harness.outbox.last()
    assert reply["files"] == []
    assert "image" not in reply["embeds"][0]
    assert "not planned yet" in harness.outbox.text(reply)
