"""Errors, acknowledgements, interview edge cases, max-runs, failed runs and buttons."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

import pytest

from devussy_git import services
from devussy_git.errors import LLMUnavailableError
from devussy_git.llm import OfflineClient
from devussy_git.llm.offline.replies import offline_reply
from tests.support.discord_fakes import DiscordHarness

from .helpers import ADMIN, ALICE, BOB, interview, planned


async def test_unexpected_errors_get_an_id_that_is_in_the_log(
    harness: DiscordHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    thread = await planned(harness, ALICE)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "project_status", broken)
    harness.outbox.clear()
    with caplog.at_level(logging.ERROR, logger="devussy_git.faces.discord"):
        await harness.command("devussy status", ALICE, channel=thread)
    reply = harness.outbox.last()
    match = re.fullmatch(r"Something went wrong \(error id `([0-9a-f]{8})`\)\..*", reply["content"])
    assert reply["ephemeral"] and match, reply
    assert "disk on fire" not in reply["content"]
    logged = [r for r in caplog.records if getattr(r, "error_id", None) == match.group(1)]
    assert logged and logged[0].exc_info and "disk on fire" in str(logged[0].exc_info[1])
    assert vars(logged[0])["guild_id"] == harness.guild_id


async def test_user_errors_are_short_and_ephemeral(harness: DiscordHarness) -> None:
    await harness.command("devussy status", ALICE, project="Shop API!")
    assert harness.outbox.last()["content"] == (
        "⚠️ 'Shop API!' is not a project id (lowercase letters, digits, dashes)."
    )
    harness.outbox.clear()
    await harness.command("devussy log", ALICE)  # not in a project thread, no project named
    # The public "thinking…" placeholder is removed so the error stays private.
    assert [e["op"] for e in harness.outbox.events] == ["defer", "delete", "send"]
    assert harness.outbox.last()["ephemeral"]
    assert harness.outbox.last()["content"] == "⚠️ Name a project, or use this command in a project's thread."
    await harness.command("devussy show", ALICE, project="nope", file="devplan.md")
    assert harness.outbox.last()["content"] == "⚠️ There is no project called 'nope'."


async def test_commands_acknowledge_before_touching_git_llm_or_database(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    calls = [
        ("devussy run", {}),
        ("devussy status", {}),
        ("devussy handoff-next", {}),
        ("devussy revert", {}),
        ("devussy diff", {}),
        ("devussy log", {}),
        ("devussy show", {"file": "devplan.md"}),
        ("devussy clone", {}),
        ("devussy projects", {}),
        ("devussy new", {"name": "Other"}),
        ("devussy version", {}),
        ("devussy admin set-max-runs", {"count": 0}),
        ("devussy admin set-model", {"model": "default"}),
    ]
    for path, values in calls:
        harness.outbox.clear()
        await harness.command(path, ALICE, channel=thread, **values)
        assert harness.outbox.events[0]["op"] == "defer", path


async def test_interview_cancel_then_restart_reuses_the_id(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Cancelled Idea")
    thread = harness.threads[-1]
    await harness.say(thread, ALICE, "cancel")
    assert "Interview for **cancelled-idea** cancelled" in harness.outbox.last()["content"]
    harness.outbox.clear()
    await harness.say(thread, ALICE, "3")  # the session is closed: ignored
    assert harness.outbox.events == []
    await harness.command("devussy new", ALICE, name="Cancelled Idea")
    assert "**cancelled-idea**" in harness.outbox.last()["content"]
    assert harness.app.store.exists("cancelled-idea") is False


async def test_interview_reasks_and_accepts_buttons(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Buttons")
    thread = harness.threads[-1]
    message, custom_id = harness.message_with("devussy:answer:buttons:project_type.3")
    await harness.press(message, custom_id, ALICE)  # CLI Tool
    assert "primary programming language" in harness.outbox.last()["content"]
    await harness.press(message, custom_id, ALICE)  # the same old button again
    assert harness.outbox.last()["content"] == "⚠️ That question was already answered; answer the latest one."
    await harness.say(thread, ALICE, "x" * 51)  # language: at most 50 characters
    assert "the limit is 50" in harness.outbox.last()["content"]
    await harness.say(thread, ALICE, "Go")
    await harness.say(thread, ALICE, "skip")
    await harness.say(thread, ALICE, "skip")  # requirements are required
    assert "This question needs an answer." in harness.outbox.last()["content"]
    session = await harness.app.db.interviews.by_thread(thread.id)
    assert session is not None and session.answers == {
        "project_name": "Buttons",
        "project_type": "CLI Tool",
        "primary_language": "Go",
        "additional_languages": None,
    }


async def test_max_runs_is_enforced_with_a_clear_message(harness: DiscordHarness) -> None:
    thread = await interview(harness, ALICE)
    await harness.command("devussy admin set-max-runs", ADMIN, count=1)
    await interview(harness, ALICE, "Other")
    await harness.app.db.runs.create(
        "other", provider="offline", model="offline", actor="discord:1", guild_id=harness.guild_id
    )
    harness.outbox.clear()
    await harness.command("devussy run", ALICE, channel=thread)
    assert harness.outbox.last()["content"] == (
        "⚠️ This server already has 1 run going (limit 1). Wait for one to finish, "
        "or ask an admin to raise it with /devussy admin set-max-runs."
    )
    assert harness.app.store.open("shop-api").log("main", limit=5)[0].subject.startswith("interview")


async def test_a_failed_run_offers_resume_which_finishes_it(harness: DiscordHarness) -> None:
    thread = await interview(harness, ALICE)
    failures = {"design": 2}

    def flaky(stage: str, context: Mapping[str, Any]) -> str:
        if failures.get(stage):
            failures[stage] -= 1
            raise LLMUnavailableError("offline/offline did not answer (timeout); try again later.")
        return offline_reply(stage, context)

    client = OfflineClient(responder=flaky)
    harness.app.llm_client = lambda provider=None, model=None, api_base=None: client  # type: ignore[method-assign]
    await harness.command("devussy run", ALICE, channel=thread)
    failed = harness.outbox.last()
    assert failed["embeds"][0]["title"].endswith("failed")
    assert "did not answer" in failed["embeds"][0]["description"]
    message, resume_id = harness.message_with("devussy:resume:shop-api:")
    await harness.press(message, resume_id, BOB)  # fails again at design
    assert harness.outbox.last()["embeds"][0]["title"].endswith("failed")
    # After a restart there is no failure message to press: status offers Resume, and so does /devussy run.
    harness.outbox.clear()
    await harness.command("devussy status", ALICE, channel=thread)
    assert [b["label"] for b in harness.outbox.buttons()] == ["Resume"]
    await harness.command("devussy run", ALICE, channel=thread, resume=True)
    assert harness.outbox.last()["embeds"][0]["title"] == "Plan ready: shop-api"
    stages = [c.trailers.get("Devussy-Stage") for c in harness.app.store.open("shop-api").log("main")]
    assert stages == ["handoff", "phases", "devplan", "validation", "design", "complexity", "interview"]
    runs = await harness.app.db.runs.list("shop-api")
    assert [r.state for r in runs] == ["completed"]


async def test_full_diff_discard_confirm_and_cancel(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    message, full = harness.message_with("devussy:fulldiff:shop-api:")
    await harness.press(message, full, BOB)
    sent = harness.outbox.last()
    repo = harness.app.store.open("shop-api")
    assert sent["ephemeral"] and sent["files"][0]["text"] == repo.diff_commit("main").patch

    await harness.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    message, discard = harness.message_with("devussy:discard:shop-api:")
    await harness.press(message, discard, ALICE)
    confirm_message, keep = harness.message_with("devussy:cancel:shop-api:")
    await harness.press(confirm_message, keep, ALICE)
    assert harness.outbox.last()["content"] == "Cancelled; nothing changed."
    assert len(repo.list_refs("refs/proposals/")) == 1
    _, yes = harness.message_with("devussy:discard-yes:shop-api:")
    await harness.press(confirm_message, yes, ALICE)
    assert "Discarded proposal" in harness.outbox.last()["content"]
    assert repo.list_refs("refs/proposals/") == {}


async def test_autocomplete_lists_the_guilds_projects_and_files(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    choices = await harness.autocomplete("devussy status", ALICE, "project", project="sho")
    assert choices == [{"name": "shop-api — Shop API", "value": "shop-api"}]
    files = await harness.autocomplete("devussy show", ALICE, "file", channel=thread, file="phase")
    assert [c["value"] for c in files] == [f"phase{n}.md" for n in range(1, 6)]


async def test_answers_sent_at_once_are_taken_in_order(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Quick")
    thread = harness.threads[-1]
    await asyncio.gather(harness.say(thread, ALICE, "3"), harness.say(thread, ALICE, "Rust"))
    session = await harness.app.db.interviews.by_thread(thread.id)
    assert session is not None
    assert (session.answers["project_type"], session.answers["primary_language"]) == ("CLI Tool", "Rust")


async def test_two_runs_at_once_cannot_both_take_the_last_slot(harness: DiscordHarness) -> None:
    await interview(harness, ALICE, "One")
    await interview(harness, ALICE, "Two")
    await harness.command("devussy admin set-max-runs", ADMIN, count=1)
    caller = services.Caller(ALICE.user_id)
    actor = services.Actor.discord(ALICE.user_id, "alice")
    results = await asyncio.gather(
        *(
            services.start_guild_run(harness.app, pid, actor=actor, caller=caller, guild_id=harness.guild_id)
            for pid in ("one", "two")
        ),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["RunAlreadyActiveError", "RunStarted"]
    assert await harness.app.db.runs.active_count(harness.guild_id) == 1


async def test_answers_after_the_token_expired_go_to_the_channel(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    harness.outbox.clear()
    await harness.command("devussy status", ALICE, channel=thread, age_s=20 * 60)
    assert [(e["op"], e.get("where")) for e in harness.outbox.events] == [("defer", None), ("send", thread.name)]
    harness.outbox.clear()
    await harness.command("devussy show", ALICE, channel=thread, age_s=20 * 60, file="nope.md")
    assert [e["op"] for e in harness.outbox.events] == ["defer"]  # a private error cannot be posted publicly


async def test_a_name_without_letters_leaves_no_thread_behind(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="!!!")
    assert harness.outbox.last()["content"] == "⚠️ '!!!' has no letters or digits to make a project id from."
    assert harness.threads[-1].deleted
    assert await harness.app.db.projects.list() == []


async def test_missing_discord_permissions_are_explained(harness: DiscordHarness) -> None:
    harness.channel.forbid_threads = True
    await harness.command("devussy new", ALICE, name="Locked")
    reply = harness.outbox.last()
    assert reply["ephemeral"] and "Create Public Threads" in reply["content"]


async def test_buttons_keep_working_after_a_confirmation_times_out(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    step_message, full = harness.message_with("devussy:fulldiff:shop-api:")
    _, revert_id = harness.message_with("devussy:revert:shop-api:")
    await harness.press(step_message, revert_id, ALICE)
    confirm, _ = harness.message_with("devussy:revert-yes:shop-api:")
    harness.outbox.clear()
    confirm.view.stop()  # what discord.py does when the timeout passes, then on_timeout
    await confirm.view.on_timeout()
    assert [b["disabled"] for b in harness.outbox.buttons(harness.outbox.last())] == [True, True]
    await harness.press(step_message, full, BOB)
    assert harness.outbox.last()["files"][0]["name"].endswith(".diff")


async def test_a_run_that_would_start_progress_over_asks_first(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    repo = harness.app.store.open("shop-api")
    head = repo.head()
    harness.outbox.clear()
    await harness.command("devussy run", ALICE, channel=thread)
    ask = harness.outbox.last()
    assert ask["ephemeral"] and "1 of" in ask["content"] and "steps done" in ask["content"]
    assert repo.head() == head  # nothing ran
    message, keep = harness.message_with("devussy:cancel:shop-api:")
    await harness.press(message, keep, ALICE)
    assert repo.head() == head
    _, yes = harness.message_with("devussy:restart-yes:shop-api:")
    await harness.press(message, yes, BOB)  # only the person who asked may confirm
    assert repo.head() == head
    await harness.press(message, yes, ALICE)
    assert harness.outbox.last()["embeds"][0]["title"] == "Plan ready: shop-api"
    assert repo.head() != head


async def test_a_confirmation_expires_by_its_own_age_even_after_a_restart(harness: DiscordHarness) -> None:
    from tests.support.discord_fakes import snowflake

    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    repo = harness.app.store.open("shop-api")
    head = repo.head()
    step_message, revert_id = harness.message_with("devussy:revert:shop-api:")
    await harness.press(step_message, revert_id, ALICE)
    confirm, yes = harness.message_with("devussy:revert-yes:shop-api:")
    # Posted 3 minutes ago by a bot process that has since restarted: no timer of its own is left.
    confirm.view = None
    confirm.id = snowflake(age_s=180)
    await harness.press(confirm, yes, ALICE)
    assert "expired" in harness.outbox.last()["content"]
    assert repo.head() == head
    # A fresh confirmation still works.
    await harness.press(step_message, revert_id, ALICE)
    fresh, yes = harness.message_with("devussy:revert-yes:shop-api:")
    await harness.press(fresh, yes, ALICE)
    assert repo.head() != head


async def test_proposals_are_listed_with_apply_and_discard_buttons(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    repo = harness.app.store.open("shop-api")
    await harness.command("devussy proposals", ALICE, channel=thread)
    assert "No proposals in **shop-api**" in harness.outbox.last()["content"]
    await harness.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    await harness.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    ids = sorted(name.removeprefix("refs/proposals/") for name in repo.list_refs("refs/proposals/"))
    assert len(ids) == 2
    await harness.command("devussy proposals", ALICE, channel=thread)
    listing = harness.outbox.last()
    assert listing["embeds"][0]["title"] == "shop-api: 2 proposals"
    labels = [b["label"] for b in harness.outbox.buttons(listing)]
    assert sorted(labels) == sorted([f"Apply {i[:8]}" for i in ids] + [f"Discard {i[:8]}" for i in ids])
    head = repo.head()
    message, apply_id = harness.message_with(f"devussy:apply:shop-api:{ids[0]}")
    await harness.press(message, apply_id, ALICE)
    assert repo.head() != head and len(repo.list_refs("refs/proposals/")) == 1
    # Pressing Apply again on the same listing: the proposal is gone, and the answer names the command.
    await harness.press(message, apply_id, ALICE)
    assert "/devussy proposals" in harness.outbox.last()["content"]
