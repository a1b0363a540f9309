"""The heads-up display of a project: what its pinned thread message shows.

``project_hud`` reads the plan at ``main`` (phases with their task counts,
the next task, blockers), the newest commit and the plain clone URL (never a
token: the message is public to the thread). The HUD message's place is kept
in the database (``huds``); a face decides how to show and pin it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from devussy_git.app import App
from devussy_git.db import HudRecord, ProjectRecord
from devussy_git.services.projects import get_project
from devussy_git.store import ArchiveMark, CommitInfo

__all__ = ["Hud", "HudPhase", "forget_hud", "hud_record", "huds_behind", "project_hud", "save_hud"]


@dataclass(frozen=True)
class HudPhase:
    number: int
    title: str
    done: int
    total: int


@dataclass(frozen=True)
class Hud:
    project: ProjectRecord
    head: str | None
    phases: tuple[HudPhase, ...]
    #: The first phase with an open task (``None`` when all are done or nothing is planned).
    active: HudPhase | None
    done: int
    total: int
    next_task: str | None
    blockers: tuple[str, ...]
    last_commit: CommitInfo | None
    clone_url: str
    archived: ArchiveMark | None

    @property
    def planned(self) -> bool:
        return bool(self.phases)


async def project_hud(app: App, project_id: str, *, guild_id: int | None = None) -> Hud:
    """Everything the project's HUD shows, read at ``main``."""
    from devussy_git.plan.files import plan_progress, read_phases
    from devussy_git.services.access import clone_url

    project = await get_project(app, project_id, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project.project_id)

    def read() -> tuple[str | None, tuple[HudPhase, ...], object, CommitInfo | None, ArchiveMark | None]:
        head = repo.head()
        if head is None:
            return None, (), None, None, repo.archived()
        files = repo.list_files(head)
        phases: tuple[HudPhase, ...] = ()
        progress = None
        if "handoff.md" in files:
            texts = repo.read_many([f for f in files if f.endswith(".md")], head)
            progress = plan_progress(texts)
            phases = tuple(
                HudPhase(p.number, p.title, sum(t.done for t in p.tasks), len(p.tasks)) for p in read_phases(texts)
            )
        return head, phases, progress, repo.get_commit(head), repo.archived()

    head, phases, progress, last, archived = await asyncio.to_thread(read)
    info = await clone_url(app, project.project_id, guild_id=guild_id)
    active = None
    if progress is not None and getattr(progress, "active_phase", None) is not None:
        active = next((p for p in phases if p.number == progress.active_phase), None)  # type: ignore[attr-defined]
    task = getattr(progress, "next_task", None)
    return Hud(
        project=project,
        head=head,
        phases=phases,
        active=active,
        done=getattr(progress, "done", 0),
        total=getattr(progress, "total", 0),
        next_task=f"{task.id}: {task.title}" if task is not None else None,
        blockers=tuple(getattr(progress, "blockers", ())),
        last_commit=last,
        clone_url=info.plain_url,
        archived=archived,
    )


async def hud_record(app: App, project_id: str) -> HudRecord | None:
    """Where the project's HUD message is and what it last showed (``None``: none yet)."""
    return await app.db.huds.get(project_id)


async def huds_behind(app: App) -> list[str]:
    """Projects bound to a thread whose HUD is missing or shows another commit than ``main``."""
    shown = {r.project_id: r.shown.partition(":")[0] for r in await app.db.huds.list()}
    bound = [p.project_id for p in await app.db.projects.list() if p.thread_id is not None]

    def behind() -> list[str]:
        out = []
        for project_id in bound:
            if not app.store.exists(project_id):
                continue
            head = app.store.open(project_id).head() or "0" * 40
            if shown.get(project_id) != head:
                out.append(project_id)
        return out

    return await asyncio.to_thread(behind)


async def save_hud(app: App, record: HudRecord) -> None:
    await app.db.huds.save(record)


async def forget_hud(app: App, project_id: str) -> None:
    await app.db.huds.forget(project_id)
