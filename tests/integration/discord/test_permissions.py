"""Who may do what: admin commands, the run role, guild isolation, other people's buttons."""

from __future__ import annotations

from devussy_git.app import App
from tests.support.discord_fakes import DiscordHarness, Member

from .helpers import ADMIN, ALICE, BOB, planned

ROLE = 1_000_000_000_000_000_777


async def test_non_admin_is_refused_every_admin_command(harness: DiscordHarness) -> None:
    for path, values in [
        ("devussy admin set-provider", {"provider": "offline"}),
        ("devussy admin set-model", {"model": "m"}),
        ("devussy admin set-max-runs", {"count": 2}),
        ("devussy admin set-role", {}),
    ]:
        harness.outbox.clear()
        await harness.command(path, ALICE, **values)
        reply = harness.outbox.last()
        assert reply["ephemeral"] and "Only members with Manage Server" in reply["content"], path
    config = await harness.app.db.guilds.get(harness.guild_id)
    assert (config.provider, config.model, config.max_runs, config.role_id) == (None, None, None, None)


async def test_admin_sets_role_then_role_holders_administer(harness: DiscordHarness) -> None:
    harness.add_role(ROLE)
    role = harness.guild.get_role(ROLE)
    await harness.command("devussy admin set-role", ADMIN, role=role)
    assert (await harness.app.db.guilds.get(harness.guild_id)).role_id == ROLE
    assert f"<@&{ROLE}>" in harness.outbox.text()
    planner = Member(444444444444444444, "planner", role_ids=(ROLE,))
    await harness.command("devussy admin set-max-runs", planner, count=3)
    assert (await harness.app.db.guilds.get(harness.guild_id)).max_runs == 3
    await harness.command("devussy admin set-model", planner, model="gpt-4o-mini")
    await harness.command("devussy version", planner)
    assert "`offline` / `gpt-4o-mini`" in harness.outbox.last()["content"]


async def test_role_is_required_to_run_and_revert_once_set(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    harness.add_role(ROLE)
    await harness.command("devussy admin set-role", ADMIN, role=harness.guild.get_role(ROLE))
    for path in ("devussy run", "devussy handoff-next", "devussy revert"):
        harness.outbox.clear()
        await harness.command(path, BOB, channel=thread)
        assert f"Only members with the <@&{ROLE}> role" in harness.outbox.last()["content"], path
    # Reading stays open to everyone.
    harness.outbox.clear()
    await harness.command("devussy status", BOB, channel=thread)
    assert "Next task" in harness.outbox.text()


async def test_another_guilds_project_is_not_found(app: App, harness: DiscordHarness) -> None:
    await planned(harness, ALICE)
    other = DiscordHarness(app, guild_id=1_000_000_000_000_000_099)
    for path in (
        "devussy status",
        "devussy log",
        "devussy run",
        "devussy clone",
        "devussy handoff-next",
        "devussy diff",
    ):
        other.outbox.clear()
        await other.command(path, ALICE, project="shop-api")
        assert other.outbox.last()["content"] == "⚠️ There is no project called 'shop-api'.", path
    other.outbox.clear()
    await other.command("devussy projects", ALICE)
    assert "No projects in this server yet" in other.outbox.last()["content"]
    assert await other.autocomplete("devussy status", ALICE, "project", project="sh") == []
    assert await other.autocomplete("devussy show", ALICE, "file", project="shop-api", file="dev") == []
    # The same name in the other guild gets its own id, and nothing of the first leaks.
    await other.command("devussy new", ALICE, name="Shop API")
    assert "**shop-api-2**" in other.outbox.last()["content"]


async def test_another_users_press_on_apply_and_discard_is_refused(harness: DiscordHarness) -> None:
    thread = await planned(harness, ALICE)
    await harness.command("devussy handoff-next", ALICE, channel=thread, preview=True)
    message, apply_id = harness.message_with("devussy:apply:")
    head = await _head(harness)
    for custom_id in (apply_id, apply_id.replace(":apply:", ":discard:")):
        harness.outbox.clear()
        await harness.press(message, custom_id, BOB)
        refusal = harness.outbox.last()
        assert refusal["ephemeral"] and refusal["content"] == f"🚫 Only <@{ALICE.user_id}> can use these buttons."
    assert await _head(harness) == head
    proposals = await _agent().list_proposals(harness.app, "shop-api", guild_id=harness.guild_id)
    assert len(proposals) == 1


async def test_interview_ignores_other_users_and_refuses_their_buttons(harness: DiscordHarness) -> None:
    await harness.command("devussy new", ALICE, name="Quiet")
    thread = harness.threads[-1]
    harness.outbox.clear()
    await harness.say(thread, BOB, "3")
    assert harness.outbox.events == []
    message, custom_id = harness.message_with("devussy:answer:quiet:project_type.3")
    await harness.press(message, custom_id, BOB)
    assert harness.outbox.last()["content"] == f"🚫 Only <@{ALICE.user_id}> answers this interview."
    session = await harness.app.db.interviews.by_thread(thread.id)
    assert session is not None and "project_type" not in session.answers


def _agent():
    from devussy_git import services

    return services


async def _head(h: DiscordHarness) -> str | None:
    return h.app.store.open("shop-api").head()
