"""The plan's progress at ``main``, remembered by the content it was read from.

``status`` shows the progress (:func:`~devussy_git.plan.files.plan_progress`),
and reading it parses every phase file and ``handoff.md`` through the one plan
reader, whose markdown parser costs a CLI process more than the rest of the
verb. The result depends only on the ``.md`` files at ``main``, so it is
kept in the repository's cache (:meth:`~devussy_git.store.PlanRepo.read_cache`)
under a key made of their names and blob ids: content-addressed, so an entry
is never stale, and a file edited, added or removed makes a new key. A few
recent keys are kept, so that a step and its revert both hit.

The cache is never needed for correctness: a miss, an unreadable or damaged
cache or a failed write all read the files and parse them. Nothing here
writes to git.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from devussy_git.plan.model import PlanProgress, Task

if TYPE_CHECKING:
    from devussy_git.store import PlanRepo

#: Nothing for the faces: :func:`read_plan_progress` serves ``services.history``.
__all__: list[str] = []

#: Cache name in the repository; bump the version when :class:`PlanProgress`
#: or the reader's meaning changes, so old entries are never read.
CACHE_NAME = "plan-progress"
_VERSION = 1
#: Entries kept, newest first.
_KEEP = 8
#: A commit holds a plan once it has this file (the pipeline's last stage writes it).
_PLAN_MARK = "handoff.md"


def _key(blobs: dict[str, str]) -> str:
    joined = "\n".join(f"{name}\0{blob}" for name, blob in sorted(blobs.items()))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _to_json(progress: PlanProgress) -> dict[str, Any]:
    task = progress.next_task
    return {
        "done": progress.done,
        "total": progress.total,
        "active_phase": progress.active_phase,
        "next_task": None
        if task is None
        else {"id": task.id, "title": task.title, "details": list(task.details), "done": task.done},
        "blockers": list(progress.blockers),
    }


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _from_json(data: object) -> PlanProgress | None:
    """The progress an entry holds; ``None`` for anything not written by :func:`_to_json`."""
    if not isinstance(data, dict):
        return None
    done, total, active, task = data.get("done"), data.get("total"), data.get("active_phase"), data.get("next_task")
    blockers = _strings(data.get("blockers"))
    if type(done) is not int or type(total) is not int or blockers is None:
        return None
    if active is not None and type(active) is not int:
        return None
    next_task = None
    if task is not None:
        if not isinstance(task, dict):
            return None
        task_id, title, done_box = task.get("id"), task.get("title"), task.get("done")
        details = _strings(task.get("details"))
        if not isinstance(task_id, str) or not isinstance(title, str) or details is None or type(done_box) is not bool:
            return None
        next_task = Task(task_id, title, details, done_box)
    return PlanProgress(done, total, active, next_task, blockers)


def _entries(repo: PlanRepo) -> dict[str, Any]:
    """``{key: entry}`` of the cache; ``{}`` when it is missing, damaged or of another version."""
    raw = repo.read_cache(CACHE_NAME)
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("version") == _VERSION else None
    return entries if isinstance(entries, dict) else {}


def read_plan_progress(repo: PlanRepo, rev: str = "main") -> PlanProgress | None:
    """:func:`~devussy_git.plan.files.plan_progress` of the ``.md`` files at ``rev``,
    from the cache when it holds their blob ids; ``None`` when there is no plan.

    Synchronous: the use cases run it in a thread.
    """
    # One commit for the key and the read: were ``main`` to move in between, the
    # progress of newer files would be kept under the older files' key for good.
    sha = repo.get_commit(rev).sha
    blobs = {name: blob for name, blob in repo.blob_ids(sha).items() if name.endswith(".md")}
    if _PLAN_MARK not in blobs:
        return None
    key = _key(blobs)
    entries = _entries(repo)
    cached = _from_json(entries.get(key))
    if cached is not None:
        return cached
    from devussy_git.plan.files import plan_progress

    progress = plan_progress(repo.read_many(sorted(blobs), sha))
    kept = {key: _to_json(progress)}
    for old_key, entry in entries.items():
        if len(kept) >= _KEEP:
            break
        if old_key != key:
            kept[old_key] = entry
    repo.write_cache(CACHE_NAME, json.dumps({"version": _VERSION, "entries": kept}))
    return progress
