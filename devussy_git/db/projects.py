"""Projects known to the bot, and the guild and thread each belongs to.

The guild a project belongs to is how guild isolation works: a face looks a
project up with :meth:`ProjectRepo.get_in_guild`, so another guild's project
is simply not found. This module never touches the plan repositories.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from devussy_git.db._checks import check_snowflake, check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import ProjectRecord
from devussy_git.db.schema import (
    ACTOR_LEN,
    NAME_LEN,
    NODE_LEN,
    PROJECT_ID_LEN,
    huds,
    interviews,
    projects,
    run_stages,
    runs,
    steps,
)
from devussy_git.errors import ConflictError, InvalidInputError, NotFoundError

__all__ = ["ALL_GUILDS", "ProjectRepo"]


class _AllGuilds:
    """Marker for "do not filter by guild" (``None`` means "no guild")."""

    def __repr__(self) -> str:
        return "ALL_GUILDS"


#: Default of :meth:`ProjectRepo.list`: every project, whatever its guild.
ALL_GUILDS: Final = _AllGuilds()


def _record(row: sa.Row[Any]) -> ProjectRecord:
    return ProjectRecord(
        project_id=row.project_id,
        name=row.name,
        guild_id=row.guild_id,
        thread_id=row.thread_id,
        created_by=row.created_by,
        created_at=row.created_at,
        node=row.node,
    )


def _guild_is(guild_id: int | None) -> sa.ColumnElement[bool]:
    if guild_id is None:
        return projects.c.guild_id.is_(None)
    return projects.c.guild_id == guild_id


class ProjectRepo:
    """Add, find and list projects."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def add(self, record: ProjectRecord) -> ProjectRecord:
        """Store a new project; :class:`ConflictError` if the id (or thread) is taken."""
        check_text(record.project_id, "project id", PROJECT_ID_LEN)
        check_text(record.name, "project name", NAME_LEN)
        check_text(record.created_by, "created_by", ACTOR_LEN)
        check_snowflake(record.guild_id, "guild id", optional=True)
        check_snowflake(record.thread_id, "thread id", optional=True)
        check_text(record.node, "node", NODE_LEN)
        if record.created_at.tzinfo is None:
            raise InvalidInputError("created_at must be timezone-aware")
        async with self._gw.write(conflict=f"project {record.project_id} already exists") as conn:
            await conn.execute(
                projects.insert().values(
                    project_id=record.project_id,
                    name=record.name,
                    guild_id=record.guild_id,
                    thread_id=record.thread_id,
                    created_by=record.created_by,
                    created_at=record.created_at,
                    node=record.node,
                )
            )
            row = (await conn.execute(sa.select(projects).where(projects.c.project_id == record.project_id))).one()
        return _record(row)

    async def get(self, project_id: str) -> ProjectRecord | None:
        """The project, or ``None`` when unknown."""
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(projects).where(projects.c.project_id == project_id))).one_or_none()
        return None if row is None else _record(row)

    async def get_in_guild(self, project_id: str, guild_id: int | None) -> ProjectRecord | None:
        """The project if it belongs to ``guild_id`` (``None``: no guild), else ``None``."""
        async with self._gw.read() as conn:
            row = (
                await conn.execute(sa.select(projects).where(projects.c.project_id == project_id, _guild_is(guild_id)))
            ).one_or_none()
        return None if row is None else _record(row)

    async def list(
        self,
        guild_id: int | _AllGuilds | None = ALL_GUILDS,
        *,
        prefix: str | None = None,
        limit: int | None = None,
    ) -> list[ProjectRecord]:
        """Projects ordered by id.

        ``guild_id`` not given: every project; ``None``: projects with no
        guild (made from the CLI); an id: that guild's projects only.
        ``prefix`` keeps ids starting with it (autocomplete); ``limit`` caps
        the count.
        """
        query = sa.select(projects).order_by(projects.c.project_id)
        if not isinstance(guild_id, _AllGuilds):
            query = query.where(_guild_is(guild_id))
        if prefix:
            query = query.where(projects.c.project_id.startswith(prefix, autoescape=True))
        if limit is not None:
            query = query.limit(max(limit, 0))
        async with self._gw.read() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def set_thread(self, project_id: str, thread_id: int | None) -> ProjectRecord:
        """Bind the project to a Discord thread (``None`` unbinds it).

        :class:`NotFoundError` for an unknown project, :class:`ConflictError`
        when the thread already belongs to another project.
        """
        check_snowflake(thread_id, "thread id", optional=True)
        return await self._update(
            project_id,
            conflict=f"thread {thread_id} is already bound to another project",
            thread_id=thread_id,
        )

    async def set_name(self, project_id: str, name: str) -> ProjectRecord:
        """Rename the project (its id never changes); :class:`NotFoundError` when unknown."""
        check_text(name, "project name", NAME_LEN)
        return await self._update(project_id, name=name)

    async def set_node(self, project_id: str, node: str, *, expected: str) -> ProjectRecord:
        """Give the project to ``node``, only while it still belongs to ``expected``.

        :class:`NotFoundError` for an unknown project, :class:`ConflictError` when its
        node is no longer ``expected`` (another move won): nothing changes then.
        """
        check_text(node, "node", NODE_LEN)
        async with self._gw.write() as conn:
            result = await conn.execute(
                projects.update()
                .where(projects.c.project_id == project_id, projects.c.node == expected)
                .values(node=node)
            )
            row = (await conn.execute(sa.select(projects).where(projects.c.project_id == project_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"project {project_id} not found")
        if result.rowcount == 0:
            raise ConflictError(f"Project {project_id} belongs to node {row.node} now, not {expected}.")
        return _record(row)

    async def _update(self, project_id: str, *, conflict: str | None = None, **values: object) -> ProjectRecord:
        """Set ``values`` on one project and return the record as stored."""
        async with self._gw.write(conflict=conflict) as conn:
            result = await conn.execute(projects.update().where(projects.c.project_id == project_id).values(**values))
            if result.rowcount == 0:
                raise NotFoundError(f"project {project_id} not found")
            row = (await conn.execute(sa.select(projects).where(projects.c.project_id == project_id))).one()
        return _record(row)

    async def delete(self, project_id: str) -> bool:
        """Forget the project with its runs, their stages, interviews and HUD, in one transaction.

        ``False`` when the project was not known. The caller checks first that no
        run is active (a deleted project's repository is gone too).
        """
        async with self._gw.write() as conn:
            run_ids = sa.select(runs.c.run_id).where(runs.c.project_id == project_id)
            await conn.execute(run_stages.delete().where(run_stages.c.run_id.in_(run_ids)))
            await conn.execute(runs.delete().where(runs.c.project_id == project_id))
            await conn.execute(interviews.delete().where(interviews.c.project_id == project_id))
            await conn.execute(huds.delete().where(huds.c.project_id == project_id))
            await conn.execute(steps.delete().where(steps.c.project_id == project_id))
            result = await conn.execute(projects.delete().where(projects.c.project_id == project_id))
        return bool(result.rowcount)

    async def by_thread(self, thread_id: int) -> ProjectRecord | None:
        """The project bound to ``thread_id``, or ``None``."""
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(projects).where(projects.c.thread_id == thread_id))).one_or_none()
        return None if row is None else _record(row)
