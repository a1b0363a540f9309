"""Projects: add, get, list per guild, guild isolation, thread binding."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from devussy_git.db import Database, ProjectRecord
from devussy_git.errors import ConflictError, InvalidInputError, NotFoundError
from tests.integration.db.factories import project


async def test_add_then_get_returns_the_same_record(db: Database) -> None:
    added = await db.projects.add(project(thread_id=9_000_000_000_000_000_001))

    found = await db.projects.get("shop-api")

    assert found == added == project(thread_id=9_000_000_000_000_000_001)
    assert isinstance(found, ProjectRecord)
    assert found.created_at.tzinfo == UTC


async def test_get_unknown_project_is_none(db: Database) -> None:
    assert await db.projects.get("nope") is None


async def test_adding_an_existing_id_is_a_conflict(db: Database, shop: ProjectRecord) -> None:
    with pytest.raises(ConflictError, match="shop-api already exists"):
        await db.projects.add(project(name="Another"))
    assert (await db.projects.get("shop-api")).name == "Shop API"


async def test_list_filters_by_guild_and_defaults_to_all(db: Database) -> None:
    await db.projects.add(project("b-one", guild_id=1))
    await db.projects.add(project("a-one", guild_id=1))
    await db.projects.add(project("c-two", guild_id=2))
    await db.projects.add(project("cli-made", guild_id=None))

    assert [p.project_id for p in await db.projects.list(1)] == ["a-one", "b-one"]
    assert [p.project_id for p in await db.projects.list(guild_id=2)] == ["c-two"]
    assert [p.project_id for p in await db.projects.list(None)] == ["cli-made"]
    assert [p.project_id for p in await db.projects.list()] == [
        "a-one",
        "b-one",
        "c-two",
        "cli-made",
    ]


async def test_list_by_prefix_and_limit_for_autocomplete(db: Database) -> None:
    for pid in ("shop-api", "shop-web", "shopping", "blog", "sh_op"):
        await db.projects.add(project(pid, guild_id=5))

    assert [p.project_id for p in await db.projects.list(5, prefix="shop-")] == [
        "shop-api",
        "shop-web",
    ]
    assert [p.project_id for p in await db.projects.list(5, prefix="sh_")] == ["sh_op"]
    assert len(await db.projects.list(5, prefix="sh", limit=2)) == 2


async def test_another_guilds_project_is_not_found(db: Database, shop: ProjectRecord) -> None:
    assert await db.projects.get_in_guild("shop-api", 111) == shop
    assert await db.projects.get_in_guild("shop-api", 222) is None
    assert await db.projects.get_in_guild("shop-api", None) is None
    await db.projects.add(project("local", guild_id=None))
    assert (await db.projects.get_in_guild("local", None)).project_id == "local"
    assert await db.projects.get_in_guild("local", 111) is None


async def test_thread_binding(db: Database, shop: ProjectRecord) -> None:
    assert await db.projects.by_thread(77) is None

    bound = await db.projects.set_thread("shop-api", 77)

    assert bound.thread_id == 77
    assert await db.projects.by_thread(77) == bound
    await db.projects.set_thread("shop-api", None)
    assert await db.projects.by_thread(77) is None


async def test_a_thread_belongs_to_one_project(db: Database, shop: ProjectRecord) -> None:
    await db.projects.add(project("other", thread_id=77))
    with pytest.raises(ConflictError, match="thread 77"):
        await db.projects.set_thread("shop-api", 77)
    assert (await db.projects.by_thread(77)).project_id == "other"


async def test_set_thread_of_unknown_project(db: Database) -> None:
    with pytest.raises(NotFoundError, match="ghost"):
        await db.projects.set_thread("ghost", 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"project_id": "x" * 64}, "project id is too long"),
        ({"name": ""}, "project name must be a non-empty text"),
        ({"guild_id": -1}, "guild id must be a Discord id"),
        ({"thread_id": 2**64}, "thread id must be a Discord id"),
        ({"created_by": "u" * 201}, "created_by is too long"),
    ],
)
async def test_bad_records_are_refused_the_same_on_every_backend(
    db: Database, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await db.projects.add(replace(project(), **changes))
    assert await db.projects.list() == []


async def test_naive_created_at_is_refused(db: Database) -> None:
    naive = replace(project(), created_at=project().created_at.replace(tzinfo=None))
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        await db.projects.add(naive)
