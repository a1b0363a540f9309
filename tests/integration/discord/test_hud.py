"""The pinned heads-up message of a project thread: sent and pinned once, edited in
place after every change (in Discord or elsewhere), never edited when nothing changed."""

from __future__ import annotations

import logging

import pytest

from devussy_git import services
from devussy_git.faces.discord.hud import refresh_hud
from tests.support.discord_fakes import DiscordHarness

from .helpers import ADMIN, ALICE, planned

CLI = services.Actor("cli", "dora", "Dora", "dora@example.invalid")


def _fields(event: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in event["embeds"][0]["fields"]}


async def test_a_run_pins_one_hud_that_every_change_edits_in_place(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    pins = [e for e in harness.outbox.events if e["op"] == "pin"]
    assert len(pins) == 1 and pins[0]["where"] == thread.name
    [hud] = harness.outbox.pinned()
    assert hud["op"] == "send" and hud["where"] == thread.name
    fields = _fields(hud)
    assert fields["Phase"].startswith("1 of 5 · ") and "(0/" in fields["Phase"]
    assert fields["Tasks"].startswith("`▱▱▱▱") and fields["Tasks"].endswith(" 0/24")
    assert fields["Next task"].startswith("1.1: ")
    assert "/git/shop-api.git" in fields["Clone"] and "token=" not in fields["Clone"]
    assert "<t:" in fields["Last change"] and "by alice" in fields["Last change"]
    # The progress picture is the embed's image, attached to the same message.
    assert hud["embeds"][0]["image"]["url"] == "attachment://progress.png"
    assert [(f["name"], f.get("png")) for f in hud["files"]] == [("progress.png", "1000x500")]

    harness.outbox.clear()
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    [edit] = harness.outbox.pinned()
    assert edit["op"] == "edit" and not [e for e in harness.outbox.events if e["op"] == "pin"]
    assert _fields(edit)["Tasks"].endswith(" 1/24") and _fields(edit)["Next task"].startswith("1.2: ")
    assert [f["name"] for f in edit["files"]] == ["progress.png"]  # the picture is replaced too
    # The reply to the command is still the step, not the HUD.
    assert harness.outbox.last()["embeds"][0]["title"].startswith("Step 1")

    harness.outbox.clear()
    await harness.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    assert harness.outbox.pinned() == []  # a preview changes nothing on main
    message, apply = harness.message_with("devussy:apply:shop-api:")
    await harness.press(message, apply, ALICE)
    assert _fields(harness.outbox.pinned()[-1])["Tasks"].endswith(" 2/24")

    harness.outbox.clear()
    step_message, revert = harness.message_with("devussy:revert:shop-api:")
    await harness.press(step_message, revert, ALICE)
    confirm, yes = harness.message_with("devussy:revert-yes:shop-api:")
    await harness.press(confirm, yes, ALICE)
    assert _fields(harness.outbox.pinned()[-1])["Tasks"].endswith(" 1/24")  # the revert is a drop


async def test_changes_made_elsewhere_reach_the_hud_and_nothing_else_edits_it(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    app = harness.app
    assert await services.huds_behind(app) == []
    harness.outbox.clear()
    assert await refresh_hud(harness.bot, "shop-api") is False  # nothing changed: no edit
    assert harness.outbox.events == []

    await services.handoff_next(app, "shop-api", actor=CLI)  # from the CLI
    assert await services.huds_behind(app) == ["shop-api"]
    assert await refresh_hud(harness.bot, "shop-api") is True
    [edit] = harness.outbox.pinned()
    assert edit["op"] == "edit" and edit["where"] == thread.name
    assert "by Dora" in _fields(edit)["Last change"]
    assert await services.huds_behind(app) == []


async def test_a_deleted_hud_is_sent_and_pinned_again(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    record = await services.hud_record(harness.app, "shop-api")
    assert record is not None and record.channel_id == thread.id
    harness.messages[record.message_id].deleted = True
    await services.handoff_next(harness.app, "shop-api", actor=CLI)
    harness.outbox.clear()
    assert await refresh_hud(harness.bot, "shop-api") is True
    assert [e["op"] for e in harness.outbox.events] == ["send", "pin"]
    again = await services.hud_record(harness.app, "shop-api")
    assert again is not None and again.message_id != record.message_id


async def test_without_the_pin_permission_the_hud_is_still_kept(
    harness: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    from .helpers import interview

    thread = await interview(harness, ALICE)
    thread.forbid_pins = True
    with caplog.at_level(logging.WARNING):
        await harness.command("devussy run", ALICE, channel=thread)
    assert "Pin Messages" in caplog.text
    assert [e["op"] for e in harness.outbox.events if e.get("where") == thread.name][-1] == "send"
    harness.outbox.clear()
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    edits = [e for e in harness.outbox.events if e["op"] == "edit" and e.get("where") == thread.name]
    assert edits and _fields(edits[-1])["Tasks"].endswith(" 1/24")


async def test_an_archived_project_says_so_on_its_hud(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy admin archive", ADMIN, channel=thread)
    message, yes = harness.message_with("devussy:archive-yes:shop-api:")
    harness.outbox.clear()
    await harness.press(message, yes, ADMIN)
    assert "Archived" in _fields(harness.outbox.pinned()[-1])
