"""``/devussy admin archive | restore | delete``: admins only, confirmed by the one who
asked, and what each does is what the CLI does (same services)."""

from __future__ import annotations

from tests.support.discord_fakes import DiscordHarness

from .helpers import ADMIN, ALICE, planned


async def test_archive_is_for_admins_and_asks_first(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    repo = harness.app.store.open("shop-api")
    await harness.command("devussy admin archive", ALICE, channel=thread)
    assert "Manage Server" in harness.outbox.text()
    assert repo.archived() is None

    await harness.command("devussy admin archive", ADMIN, channel=thread)
    ask = harness.outbox.last()
    assert ask["ephemeral"] and "Archive **shop-api**?" in ask["content"]
    assert [b["label"] for b in harness.outbox.buttons()] == ["Archive shop-api", "Keep it"]
    assert repo.archived() is None  # nothing happens before the confirmation
    message, yes = harness.message_with("devussy:archive-yes:shop-api:")
    await harness.press(message, yes, ALICE)  # not the one who asked
    assert repo.archived() is None
    await harness.press(message, yes, ADMIN)
    assert repo.archived() is not None
    assert "archived (read-only)" in harness.outbox.text()

    # Gone from the list, refused for changes, still shown by status.
    await harness.command("devussy projects", ALICE)
    assert "shop-api" not in harness.outbox.text()
    head = repo.head()
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    assert "archived" in harness.outbox.text() and "/devussy admin restore" in harness.outbox.text()
    assert repo.head() == head
    await harness.command("devussy status", ALICE, channel=thread)
    assert "Archived" in harness.outbox.text()

    await harness.command("devussy admin restore", ADMIN, channel=thread)
    assert "accepts changes again" in harness.outbox.text()
    await harness.command("devussy handoff-next", ALICE, channel=thread)
    assert repo.head() != head


async def test_delete_names_the_project_and_restore_brings_it_back(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    head = harness.app.store.open("shop-api").head()
    await harness.command("devussy admin delete", ADMIN, project="shop-api")
    ask = harness.outbox.last()
    assert ask["ephemeral"] and "Delete **shop-api** for good?" in ask["content"]
    assert [b["label"] for b in harness.outbox.buttons()] == ["Delete shop-api", "Keep it"]
    message, keep = harness.message_with("devussy:cancel:shop-api:")
    await harness.press(message, keep, ADMIN)
    assert harness.app.store.exists("shop-api")

    _, yes = harness.message_with("devussy:delete-yes:shop-api:")
    await harness.press(message, yes, ADMIN)
    assert not harness.app.store.exists("shop-api")
    assert "Deleted **shop-api**" in harness.outbox.text()
    retired = harness.outbox.pinned()[-1]  # the thread's HUD says so too
    assert retired["op"] == "edit" and "Deleted **shop-api**" in retired["content"] and retired["embeds"] == []
    await harness.command("devussy status", ALICE, project="shop-api")
    assert "no project" in harness.outbox.text().lower()

    await harness.command("devussy admin restore", ADMIN, project="shop-api")
    assert "back from the trash" in harness.outbox.text()
    assert harness.app.store.open("shop-api").head() == head
    record = await harness.app.db.projects.get("shop-api")
    assert record is not None and record.thread_id == thread.id
