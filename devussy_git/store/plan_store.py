"""``PlanStore``: the directory of bare plan repositories, one per project.

It maps a validated project id to ``<root>/<project_id>.git`` and nothing
else: no path ever comes from user text unchecked, and nothing is created
outside ``root``.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pygit2

from devussy_git.errors import ConflictError, NotFoundError, StoreError

from .locking import DEFAULT_STALE_LOCK_SECONDS, LockPolicy
from .models import BOT_IDENTITY, Identity
from .repo import PlanRepo
from .trash import TrashEntry, bundle_into_trash, list_trash, purge_trash, unbundle
from .validation import PROJECT_ID_RE, validate_identity, validate_project_id

__all__ = ["PlanStore"]


class PlanStore:
    """Creates, opens and lists the plan repositories under ``root``.

    A ``PlanStore`` holds no open repository and may be shared freely;
    :meth:`open` returns a new :class:`PlanRepo` each call, which should stay
    on one thread. ``stale_lock_seconds`` is how old a lock file left by a
    dead writer must be before it is removed; ``lock_timeout`` how long a
    writer waits for a busy project before ``StoreError``.
    """

    def __init__(
        self,
        root: Path,
        *,
        committer: Identity = BOT_IDENTITY,
        stale_lock_seconds: float = DEFAULT_STALE_LOCK_SECONDS,
        lock_timeout: float = 30.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.committer = validate_identity(committer, "committer")
        self._policy = LockPolicy(stale_after=stale_lock_seconds, timeout=lock_timeout)

    def __repr__(self) -> str:
        return f"PlanStore(root={str(self.root)!r})"

    def path_of(self, project_id: str) -> Path:
        """``<root>/<project_id>.git`` for a valid id (never outside ``root``)."""
        validate_project_id(project_id)
        path = self.root / f"{project_id}.git"
        if path.parent != self.root:
            raise StoreError(f"Project path for {project_id} escapes the repos root.")
        return path

    def _is_repo_here(self, path: Path) -> bool:
        """A real directory directly inside ``root`` holding a repository.

        A symlink named ``<id>.git`` (to anywhere, inside the root or not) is
        not a project: nothing may serve a directory the root does not hold.
        """
        if path.is_symlink() or not path.is_dir():
            return False
        if path.resolve().parent != self.root:
            return False
        head = path / "HEAD"
        return head.is_file() and not head.is_symlink()

    def exists(self, project_id: str) -> bool:
        return self._is_repo_here(self.path_of(project_id))

    def create(
        self,
        project_id: str,
        *,
        first_commit: Callable[[PlanRepo], object] | None = None,
        replace_empty: bool = False,
    ) -> PlanRepo:
        """Create a bare repo (branch ``main``); ``ConflictError`` if the project exists.

        The repository is initialised in a hidden temporary directory,
        ``first_commit`` (when given) makes its first commit there, and only
        then is it renamed into place: a crash at any moment leaves either no
        project or a project with its first commit, never an empty one. With
        ``replace_empty``, an existing repository that has no commit at all
        (left by an older version killed half-way) is replaced instead of
        refused.
        """
        path = self.path_of(project_id)
        failed = f"Cannot create the repository of {project_id}."
        if self.exists(project_id):
            if not (replace_empty and self._open(project_id, path).head() is None):
                raise ConflictError(f"Project {project_id} already exists.")
            shutil.rmtree(path, ignore_errors=True)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{project_id}.", suffix=".new", dir=self.root))
        except OSError as exc:
            raise StoreError(failed, detail=str(exc)) from exc
        try:
            pygit2.init_repository(str(tmp), bare=True, initial_head="main")
            os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; clones may run as another user
            if first_commit is not None:
                first_commit(self._open(project_id, tmp))
            os.rename(tmp, path)  # fails when another create won the race
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise ConflictError(f"Project {project_id} already exists.") from exc
            raise StoreError(failed, detail=str(exc)) from exc
        except pygit2.GitError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(failed, detail=str(exc)) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self._open(project_id, path)

    def open(self, project_id: str) -> PlanRepo:
        """Open an existing project's repository; ``NotFoundError`` if there is none."""
        path = self.path_of(project_id)
        if not self._is_repo_here(path):
            raise NotFoundError(f"No project named {project_id}.")
        return self._open(project_id, path)

    def _open(self, project_id: str, path: Path) -> PlanRepo:
        return PlanRepo(project_id, path, committer=self.committer, lock_policy=self._policy)

    def list_projects(self) -> list[str]:
        """Sorted ids of the ``<id>.git`` repositories under ``root``."""
        if not self.root.is_dir():
            return []
        out = []
        for entry in self.root.iterdir():
            name = entry.name
            project_id = name.removesuffix(".git")
            if name.endswith(".git") and PROJECT_ID_RE.fullmatch(project_id) and self._is_repo_here(entry):
                out.append(project_id)
        return sorted(out)

    # -- deleting and the trash ----------------------------------------------------------

    def delete(self, project_id: str, *, meta: Mapping[str, Any] | None = None) -> TrashEntry:
        """Remove a project, leaving a ``git bundle`` of all its refs in ``<root>/.trash/``."""
        path = self.path_of(project_id)
        if not self._is_repo_here(path):
            raise NotFoundError(f"No project named {project_id}.")
        return bundle_into_trash(self.root, project_id, path, self._policy, meta or {})

    def trash(self, project_id: str | None = None) -> list[TrashEntry]:
        """Deleted projects still in the trash (of one project when given), newest first."""
        if project_id is not None:
            validate_project_id(project_id)
        return list_trash(self.root, project_id)

    def purge_trash(self, before: datetime, *, dry_run: bool = False) -> list[TrashEntry]:
        """Drop the bundles of projects deleted before ``before``."""
        return purge_trash(self.root, before, dry_run=dry_run)

    def undelete(self, project_id: str) -> tuple[PlanRepo, TrashEntry]:
        """Bring a deleted project back from its newest bundle."""
        path = self.path_of(project_id)
        if self._is_repo_here(path):
            raise ConflictError(f"Project {project_id} already exists.")
        entry = unbundle(self.root, project_id, path)
        return self._open(project_id, path), entry
