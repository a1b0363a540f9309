"""Housekeeping: pack repositories, prune old proposals, run rows, idle interviews and trash.

``maintenance`` does it all (``devussy-git maintenance``, and periodically inside
``serve`` and ``bot``); ``pack_if_needed`` is the cheap check a write makes after it
lands, so a busy project is packed as it grows rather than once a night. Nothing
here rewrites history: packing keeps every object a ref reaches (``main``, run
tags, proposals, runs in progress); run tags stay in git when their rows go.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from devussy_git.app import App

__all__ = ["MaintenanceReport", "pack_if_needed", "run_maintenance", "start_periodic_maintenance"]

log = logging.getLogger(__name__)


@dataclass
class MaintenanceReport:
    """What a maintenance pass did (or, with ``dry_run``, would do)."""

    dry_run: bool
    #: ``(project, loose objects before)`` of each repository packed.
    packed: list[tuple[str, int]] = field(default_factory=list)
    #: ``(project, proposal id)`` of each proposal pruned.
    proposals: list[tuple[str, str]] = field(default_factory=list)
    #: Ids of the run rows deleted.
    runs: list[str] = field(default_factory=list)
    #: Ids of the finished queued-step rows deleted.
    steps: list[str] = field(default_factory=list)
    #: Ids of the interview sessions ended.
    interviews: list[str] = field(default_factory=list)
    #: Bundles of deleted projects removed from the trash (file names).
    trash: list[str] = field(default_factory=list)
    #: Projects skipped because a writer held them (packed next time).
    busy: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.packed or self.proposals or self.runs or self.steps or self.interviews or self.trash)


async def pack_if_needed(app: App, project_id: str) -> bool:
    """Pack ``project_id`` when its loose objects passed the threshold; never waits for a writer.

    Called after a write lands. Returns whether it packed; a failure is logged,
    never raised (the write it follows has already succeeded).
    """
    threshold = app.settings.pack_loose_objects
    if threshold <= 0:
        return False
    try:
        repo = await asyncio.to_thread(app.store.open, project_id)
        loose = await asyncio.to_thread(repo.loose_object_count)
        if loose < threshold:
            return False
        packed = await asyncio.to_thread(repo.pack, wait=False)
    except Exception:
        log.warning("packing %s failed; the next write tries again", project_id, exc_info=True)
        return False
    if packed:
        log.info("packed %s (%d loose objects)", project_id, loose)
    return packed


async def run_maintenance(app: App, *, dry_run: bool = False) -> MaintenanceReport:
    """One housekeeping pass over every project and the state database."""
    from devussy_git.agent.proposals import prune_proposals, stale_proposals

    report = MaintenanceReport(dry_run=dry_run)
    settings = app.settings
    for project_id in await asyncio.to_thread(app.store.list_projects):
        repo = await asyncio.to_thread(app.store.open, project_id)
        loose = await asyncio.to_thread(repo.loose_object_count)
        if settings.pack_loose_objects > 0 and loose >= min(settings.pack_loose_objects, 100):
            if dry_run or await asyncio.to_thread(repo.pack, wait=False):
                report.packed.append((project_id, loose))
            else:
                # A writer is at work on it: leave the whole project for the next pass.
                report.busy.append(project_id)
                continue
        if dry_run:
            found = await asyncio.to_thread(stale_proposals, repo, settings.proposal_max_age_s)
        else:
            async with app.lock_for(project_id):
                found = await asyncio.to_thread(prune_proposals, repo, settings.proposal_max_age_s)
        report.proposals += [(project_id, p) for p in found]
    now = app.db.now()
    report.runs = await app.db.runs.delete_finished(
        before=now - timedelta(days=settings.run_retention_days), dry_run=dry_run
    )
    report.steps = await app.db.steps.delete_finished(
        before=now - timedelta(days=settings.run_retention_days), dry_run=dry_run
    )
    report.interviews = await app.db.interviews.end_idle(
        before=now - timedelta(days=settings.interview_ttl_days), dry_run=dry_run
    )
    purged = await asyncio.to_thread(app.store.purge_trash, now - timedelta(days=settings.trash_days), dry_run=dry_run)
    report.trash = [entry.bundle.name for entry in purged]
    return report


def start_periodic_maintenance(app: App) -> asyncio.Task[None] | None:
    """Run :func:`run_maintenance` every ``maintenance_interval_s`` (``serve``, ``bot``).

    The first pass runs one interval after start-up; a failed pass is logged
    and the next one runs on time. The task is the app's: ``App.close`` stops it.
    """
    interval = app.settings.maintenance_interval_s
    if interval <= 0:
        return None

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                report = await run_maintenance(app)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("maintenance failed; next pass in %.0f s", interval)
                continue
            if report.changed:
                log.info(
                    "maintenance: packed %d repositories, pruned %d proposals, deleted %d run rows, "
                    "ended %d idle interviews, removed %d deleted projects from the trash",
                    len(report.packed),
                    len(report.proposals),
                    len(report.runs),
                    len(report.interviews),
                    len(report.trash),
                )

    task = asyncio.get_running_loop().create_task(loop(), name="maintenance")
    app.tasks.add(task)
    task.add_done_callback(app.tasks.discard)
    return task
