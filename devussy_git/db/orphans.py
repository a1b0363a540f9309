"""Failing the runs that a dead process left queued or running.

Used at start-up (:meth:`Database.open`) and by :meth:`RunRepo.mark_orphans`.
Who counts as dead is the caller's ``is_alive``; this module never signals a
process itself (see :mod:`devussy_git.db.owners` for the default check).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from devussy_git.db.engine import Gateway
from devussy_git.db.records import ACTIVE_RUN_STATES
from devussy_git.db.run_rows import fail_locked
from devussy_git.db.schema import runs

__all__ = ["ORPHAN_ERROR", "mark_orphans"]

#: The error recorded on a run whose process died while it ran.
ORPHAN_ERROR = "the process running it stopped"


async def mark_orphans(gateway: Gateway, is_alive: Callable[[str], bool]) -> list[str]:
    """Fail (resumable) every active run whose owner process is dead.

    Queued runs count too: the process that queued a run is the one that
    would start it. Returns the run ids that were marked.
    """
    async with gateway.read() as conn:
        rows = (
            await conn.execute(
                sa.select(runs.c.run_id, runs.c.owner, runs.c.state).where(runs.c.state.in_(ACTIVE_RUN_STATES))
            )
        ).all()
    verdicts: dict[str, bool] = {}
    dead = []
    for row in rows:
        if row.owner not in verdicts:
            verdicts[row.owner] = bool(is_alive(row.owner))
        if not verdicts[row.owner]:
            dead.append((row.run_id, row.owner))
    if not dead:
        return []
    marked: list[str] = []
    async with gateway.write() as conn:
        for run_id, owner in dead:
            # Only if nothing moved it meanwhile (it may have just finished).
            current = (
                await conn.execute(
                    sa.select(runs.c.state, runs.c.owner).where(runs.c.run_id == run_id).with_for_update()
                )
            ).one()
            if current.state in ACTIVE_RUN_STATES and current.owner == owner:
                await fail_locked(conn, gateway.now(), run_id, ORPHAN_ERROR, True)
                marked.append(run_id)
    return marked
