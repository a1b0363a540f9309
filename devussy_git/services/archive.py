"""Archive, restore and delete a project.

Archiving makes a project read-only (the store refuses every ref move) and
hides it from lists; its history still reads and clones. Deleting removes the
repository and the project's rows, leaving a ``git bundle`` of every ref in
``<repos root>/.trash/`` for ``DEVUSSY_TRASH_DAYS``; ``restore`` brings back
an archived project, or a deleted one from its newest bundle (with its record:
name, guild, thread). Neither happens while a run of the project is going.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from devussy_git.app import App
from devussy_git.db import ProjectRecord
from devussy_git.errors import ConflictError, InvalidInputError, NotFoundError
from devussy_git.services.actors import Actor
from devussy_git.services.projects import ensure_no_active_run, get_project
from devussy_git.stages import ACTIVE_RUN_STATES
from devussy_git.store import ArchiveMark, TrashEntry, validate_project_id

__all__ = [
    "ArchiveMark",
    "Restored",
    "TrashEntry",
    "archive_project",
    "delete_project",
    "project_archived",
    "restore_project",
    "trash",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: ``unarchived`` or ``undeleted`` (from ``bundle``)."""

    project_id: str
    how: str
    bundle: str | None = None


async def project_archived(app: App, project_id: str, *, guild_id: int | None = None) -> ArchiveMark | None:
    """The project's archive mark, or ``None`` when it accepts changes."""
    record = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    return await asyncio.to_thread(repo.archived)


async def archive_project(app: App, project_id: str, *, actor: Actor, guild_id: int | None = None) -> ArchiveMark:
    """Make the project read-only and hide it from lists (idempotent)."""
    record = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, record.project_id)
    found = await asyncio.to_thread(repo.archived)
    if found is not None:
        return found
    await ensure_no_active_run(app, record.project_id)
    async with app.lock_for(record.project_id):
        mark = await asyncio.to_thread(repo.archive, actor.trailer)
    log.info("project %s archived by %s", record.project_id, actor.trailer)
    return mark


def _record_meta(record: ProjectRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "guild_id": record.guild_id,
        "thread_id": record.thread_id,
        "created_by": record.created_by,
        "created_at": record.created_at.isoformat(),
    }


async def delete_project(app: App, project_id: str, *, actor: Actor, guild_id: int | None = None) -> TrashEntry:
    """Remove the project for good, leaving a bundle in the trash; the entry written."""
    record = await get_project(app, project_id, guild_id=guild_id)
    pid = record.project_id
    run = await app.db.runs.latest(pid)
    if run is not None and run.state in ACTIVE_RUN_STATES:
        raise ConflictError(
            f"Project {pid} has a run in progress ({run.run_id}); wait for it to finish, then delete it."
        )
    meta = {"deleted_by": actor.trailer, "record": _record_meta(record)}
    async with app.lock_for(pid):
        entry = await asyncio.to_thread(app.store.delete, pid, meta=meta)
        await app.db.projects.delete(pid)
    log.info("project %s deleted by %s; bundle %s", pid, actor.trailer, entry.bundle.name)
    return entry


async def trash(app: App, *, guild_id: int | None = None) -> list[TrashEntry]:
    """Deleted projects whose bundles are still kept (a guild sees only its own)."""
    entries = await asyncio.to_thread(app.store.trash)
    if guild_id is None:
        return entries
    return [e for e in entries if _guild_of(e) == guild_id]


def _guild_of(entry: TrashEntry) -> int | None:
    record = entry.meta.get("record") if isinstance(entry.meta, dict) else None
    guild = record.get("guild_id") if isinstance(record, dict) else None
    return guild if isinstance(guild, int) else None


async def restore_project(app: App, project_id: str, *, actor: Actor, guild_id: int | None = None) -> Restored:
    """Bring back an archived project, or a deleted one from the trash."""
    project_id = validate_project_id(project_id)
    if await asyncio.to_thread(app.store.exists, project_id):
        record = await get_project(app, project_id, guild_id=guild_id)
        repo = await asyncio.to_thread(app.store.open, record.project_id)
        async with app.lock_for(record.project_id):
            changed = await asyncio.to_thread(repo.unarchive)
        if not changed:
            raise InvalidInputError(f"Project {project_id} is not archived; there is nothing to restore.")
        log.info("project %s restored by %s", project_id, actor.trailer)
        return Restored(project_id, "unarchived")
    entries = await asyncio.to_thread(app.store.trash, project_id)
    if guild_id is not None:
        entries = [e for e in entries if _guild_of(e) == guild_id]
    if not entries:
        raise NotFoundError(f"There is no project called {project_id!r}, and none in the trash.")
    async with app.lock_for(project_id):
        _repo, entry = await asyncio.to_thread(app.store.undelete, project_id)
        record = replace(_restored_record(project_id, entry), node=app.settings.node)
        if await app.db.projects.get(project_id) is None:
            try:
                await app.db.projects.add(record)
            except ConflictError:
                # Its thread was bound to another project meanwhile: restore it unbound.
                await app.db.projects.add(
                    ProjectRecord(
                        record.project_id,
                        record.name,
                        record.guild_id,
                        None,
                        record.created_by,
                        record.created_at,
                        app.settings.node,
                    )
                )
    log.info("project %s restored from %s by %s", project_id, entry.bundle.name, actor.trailer)
    return Restored(project_id, "undeleted", entry.bundle.name)


def _restored_record(project_id: str, entry: TrashEntry) -> ProjectRecord:
    raw = entry.meta.get("record") if isinstance(entry.meta, dict) else None
    raw = raw if isinstance(raw, dict) else {}

    def snowflake(key: str) -> int | None:
        value = raw.get(key)
        return value if isinstance(value, int) and value > 0 else None

    try:
        created_at = datetime.fromisoformat(str(raw["created_at"]))
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
    except (KeyError, ValueError):
        created_at = entry.deleted_at
    name = raw.get("name") if isinstance(raw.get("name"), str) and raw.get("name") else project_id
    created_by = raw.get("created_by") if isinstance(raw.get("created_by"), str) else "unknown"
    return ProjectRecord(
        project_id,
        str(name)[:200],
        snowflake("guild_id"),
        snowflake("thread_id"),
        str(created_by)[:200] or "unknown",
        created_at,
    )
