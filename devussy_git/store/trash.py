"""Deleted projects: a ``git bundle`` of every ref in ``<root>/.trash/``.

Deleting a project bundles its refs (``main``, run tags, proposals) into
``.trash/<project_id>@<UTC time>.bundle`` with a JSON sidecar holding what
the caller wants to keep (who deleted it, the project's record), then moves
the repository out of the root in one ``rename`` — under its writer lock, so
no write lands half-way — and removes it. A crash leaves either the project
or its bundle (and at worst a ``*.deleting`` directory that the next purge
removes). ``.trash`` is not a valid project id, so nothing serves it.
Bundles older than the retention are purged by maintenance; until then a
project can be restored from its newest bundle (``git clone --mirror`` would
do the same by hand).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devussy_git.errors import ConflictError, NotFoundError, StoreError

from .locking import LockPolicy, writer_lock
from .validation import validate_project_id

__all__ = ["TRASH_DIR", "TrashEntry", "bundle_into_trash", "list_trash", "purge_trash", "unbundle"]

TRASH_DIR = ".trash"
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class TrashEntry:
    """One deleted project waiting in the trash."""

    project_id: str
    deleted_at: datetime
    bundle: Path
    size: int
    #: What the deleting caller stored with it (never read by the store).
    meta: Mapping[str, Any]


def _git(*args: str, cwd: Path) -> None:
    git = shutil.which("git")
    if git is None:
        raise StoreError("Deleting and restoring projects need the git command, which is not installed.")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        subprocess.run([git, *args], cwd=cwd, check=True, capture_output=True, env=env, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        raise StoreError(f"git {args[0]} failed.", detail=stderr.decode("utf-8", "replace")[-500:]) from exc


def _trash(root: Path) -> Path:
    path = root / TRASH_DIR
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def bundle_into_trash(
    root: Path,
    project_id: str,
    repo_path: Path,
    policy: LockPolicy,
    meta: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> TrashEntry:
    """Bundle ``repo_path`` into the trash and remove it from ``root``."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    trash = _trash(root)
    stem = f"{project_id}@{when.strftime(_STAMP)}"
    bundle = trash / f"{stem}.bundle"
    with writer_lock(repo_path, policy):
        tmp = trash / f"{stem}.bundle.tmp"
        try:
            _git("bundle", "create", "--quiet", str(tmp), "--all", cwd=repo_path)
            sidecar = {"project_id": project_id, "deleted_at": when.isoformat(), "meta": dict(meta)}
            (trash / f"{stem}.json").write_text(json.dumps(sidecar, default=str) + "\n", encoding="utf-8")
            os.replace(tmp, bundle)
        except BaseException:
            tmp.unlink(missing_ok=True)
            (trash / f"{stem}.json").unlink(missing_ok=True)
            raise
        gone = trash / f"{stem}.deleting"
        try:
            os.rename(repo_path, gone)  # the project disappears here, in one step
        except OSError as exc:
            raise StoreError(f"Cannot remove the repository of {project_id}.", detail=str(exc)) from exc
    shutil.rmtree(gone, ignore_errors=True)
    return TrashEntry(project_id, when, bundle, bundle.stat().st_size, dict(meta))


def list_trash(root: Path, project_id: str | None = None) -> list[TrashEntry]:
    """Bundles in the trash (of one project when given), newest first."""
    trash = root / TRASH_DIR
    if not trash.is_dir():
        return []
    out = []
    for bundle in trash.glob("*@*.bundle"):
        pid, _, stamp = bundle.stem.partition("@")
        if project_id is not None and pid != project_id:
            continue
        try:
            when = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        try:
            sidecar = json.loads(bundle.with_suffix(".json").read_text(encoding="utf-8"))
            meta = sidecar.get("meta") or {}
        except (OSError, ValueError, AttributeError):
            meta = {}
        try:
            size = bundle.stat().st_size
        except FileNotFoundError:
            continue
        out.append(TrashEntry(pid, when, bundle, size, meta if isinstance(meta, dict) else {}))
    return sorted(out, key=lambda e: e.deleted_at, reverse=True)


def purge_trash(root: Path, before: datetime, *, dry_run: bool = False) -> list[TrashEntry]:
    """Remove bundles deleted before ``before`` (and leftovers of interrupted deletes)."""
    found = [e for e in list_trash(root) if e.deleted_at < before]
    if dry_run:
        return found
    for entry in found:
        entry.bundle.unlink(missing_ok=True)
        entry.bundle.with_suffix(".json").unlink(missing_ok=True)
    trash = root / TRASH_DIR
    if trash.is_dir():
        for leftover in [*trash.glob("*.deleting"), *trash.glob("*.tmp")]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    return found


def unbundle(root: Path, project_id: str, path: Path) -> TrashEntry:
    """Recreate ``path`` from the newest bundle of ``project_id``; the bundle leaves the trash."""
    validate_project_id(project_id)
    entries = list_trash(root, project_id)
    if not entries:
        raise NotFoundError(f"No project named {project_id}, and none in the trash.")
    entry = entries[0]
    if path.exists():
        raise ConflictError(f"Project {project_id} already exists.")
    tmp = Path(tempfile.mkdtemp(prefix=f".{project_id}.", suffix=".new", dir=root))
    try:
        _git("init", "--quiet", "--bare", "--initial-branch=main", str(tmp), cwd=root)
        _git("fetch", "--quiet", str(entry.bundle), "+refs/*:refs/*", cwd=tmp)
        os.chmod(tmp, 0o755)
        os.rename(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConflictError(f"Project {project_id} already exists.") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    entry.bundle.unlink(missing_ok=True)
    entry.bundle.with_suffix(".json").unlink(missing_ok=True)
    return entry
