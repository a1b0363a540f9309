"""Guild settings, interview sessions and LLM profiles."""

from __future__ import annotations

import asyncio

import pytest

from devussy_git.db import Database, GuildConfig, ProjectRecord
from devussy_git.errors import ConflictError, InvalidInputError, NotFoundError
from tests.integration.db.conftest import OpenDb
from tests.integration.db.factories import FakeClock, project

# -- guild settings -----------------------------------------------------------


async def test_unset_guild_has_every_field_none(db: Database) -> None:
    assert await db.guilds.get(123) == GuildConfig(123, None, None, None, None)


async def test_set_changes_only_the_given_fields(db: Database) -> None:
    first = await db.guilds.set(123, provider="requesty", model="openai/gpt-4o-mini")
    assert first == GuildConfig(123, "requesty", "openai/gpt-4o-mini", None, None)

    second = await db.guilds.set(123, max_runs=2, role_id=2**62)

    assert second == GuildConfig(123, "requesty", "openai/gpt-4o-mini", 2, 2**62)
    assert await db.guilds.get(123) == second
    assert await db.guilds.get(456) == GuildConfig(456)


async def test_none_clears_a_field(db: Database) -> None:
    await db.guilds.set(1, provider="zai", max_runs=3)
    assert await db.guilds.set(1, provider=None) == GuildConfig(1, None, None, 3, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "red"}, "unknown guild setting\\(s\\): colour"),
        ({"max_runs": -1}, "max_runs must be a non-negative integer"),
        ({"max_runs": True}, "max_runs must be a non-negative integer"),
        ({"role_id": "admins"}, "role id must be a Discord id"),
        ({"model": "m" * 201}, "model is too long"),
    ],
)
async def test_bad_guild_settings_are_refused(db: Database, fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await db.guilds.set(1, **fields)
    assert await db.guilds.get(1) == GuildConfig(1)


async def test_concurrent_first_settings_of_a_guild_both_land(open_db: OpenDb) -> None:
    first, second = await open_db(), await open_db()
    await asyncio.gather(first.guilds.set(9, provider="openai"), second.guilds.set(9, max_runs=4))

    assert await first.guilds.get(9) == GuildConfig(9, "openai", None, 4, None)


# -- interviews ---------------------------------------------------------------


async def test_interview_lifecycle(open_db: OpenDb) -> None:
    clock = FakeClock()
    db = await open_db(clock=clock)
    await db.projects.add(project())
    opened = await db.interviews.open(111, 555, 42, "shop-api")
    assert (opened.state, opened.answers, opened.thread_id, opened.user_id) == ("open", {}, 555, 42)
    assert opened.created_at == opened.updated_at == clock.now
    assert await db.interviews.by_thread(555) == opened

    clock.advance(30)
    answers = {
        "project_name": "Shop",
        "project_type": "REST API",
        "requirements": ["a", "b"],
        "authentication": True,
        "team_size": 3,
        "frontend_framework": None,
    }
    saved = await db.interviews.save_answers(opened.session_id, answers)

    assert saved.answers == answers and saved.updated_at == clock.now
    assert saved.created_at == opened.created_at
    answers["project_name"] = "changed after saving"
    assert (await db.interviews.get(opened.session_id)).answers["project_name"] == "Shop"

    done = await db.interviews.complete(opened.session_id)
    assert done.state == "complete"
    assert await db.interviews.by_thread(555) == done
    with pytest.raises(ConflictError, match="is complete: cannot save answers"):
        await db.interviews.save_answers(opened.session_id, {})


async def test_one_open_interview_per_thread(db: Database, shop: ProjectRecord) -> None:
    first = await db.interviews.open(111, 555, 42, "shop-api")
    with pytest.raises(ConflictError, match="thread 555 already has an interview"):
        await db.interviews.open(111, 555, 43, "shop-api")

    await db.interviews.cancel(first.session_id)
    second = await db.interviews.open(111, 555, 43, "shop-api")

    assert await db.interviews.by_thread(555) == second
    with pytest.raises(ConflictError, match="is cancelled: cannot cancel"):
        await db.interviews.cancel(first.session_id)
    await db.interviews.complete(second.session_id)
    assert (await db.interviews.by_thread(555)).session_id == second.session_id


async def test_interview_errors(db: Database, shop: ProjectRecord) -> None:
    with pytest.raises(NotFoundError, match="project ghost not found"):
        await db.interviews.open(111, 1, 2, "ghost")
    with pytest.raises(NotFoundError, match="interview nope not found"):
        await db.interviews.complete("nope")
    assert await db.interviews.by_thread(1) is None
    session = await db.interviews.open(111, 1, 2, "shop-api")
    for bad, message in (
        ({1: "x"}, "text keys"),
        ({"x": object()}, "not JSON"),
        ({"x": float("nan")}, "not JSON"),
        (["not", "a", "dict"], "JSON object"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            await db.interviews.save_answers(session.session_id, bad)
    assert (await db.interviews.get(session.session_id)).answers == {}


# -- LLM profiles -------------------------------------------------------------


async def test_profiles_upsert_get_list(db: Database) -> None:
    assert await db.profiles.list() == []
    created = await db.profiles.upsert("fast", "requesty", "openai/gpt-4o-mini")
    await db.profiles.upsert("local", "openai", "llama3", api_base="http://127.0.0.1:8080/v1")

    changed = await db.profiles.upsert("fast", "zai", "glm-4.6")

    assert (created.provider, changed.provider, changed.model) == ("requesty", "zai", "glm-4.6")
    assert await db.profiles.get("fast") == changed
    assert await db.profiles.get("missing") is None
    assert [(p.name, p.api_base) for p in await db.profiles.list()] == [
        ("fast", None),
        ("local", "http://127.0.0.1:8080/v1"),
    ]


@pytest.mark.parametrize(
    ("name", "api_base", "message"),
    [
        ("ok", "https://user:sk-123@example.test/v1", "must not contain credentials"),
        ("ok", "https://example.test/v1?api_key=sk-123", "must not carry a key"),
        ("ok", "ftp://example.test", "http:// or https://"),
        ("bad name", None, "profile name must be"),
        ("x" * 65, None, "profile name is too long"),
    ],
)
async def test_profiles_never_hold_keys(db: Database, name: str, api_base: str | None, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        await db.profiles.upsert(name, "openai", "gpt-4o-mini", api_base=api_base)
    assert "sk-123" not in caught.value.user_message
    assert await db.profiles.list() == []
