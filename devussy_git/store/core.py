"""The shared internals of :class:`PlanRepo`: opening, resolving, writing.

Everything that turns a revision string into a pygit2 object, a pygit2
commit into a :class:`CommitInfo`, or moves a ref by compare-and-swap lives
here, so that the public methods (split over ``repo``, ``refs`` and
``reverts``) never repeat it. Objects are always written before a ref
moves; a ref only moves inside the writer lock. Nothing here may leak a
pygit2 type out of the store package.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pygit2

from devussy_git.errors import (
    ConflictError,
    HeadMovedError,
    InvalidInputError,
    NotFoundError,
    ProjectArchivedError,
    StoreError,
)

from .locking import LockPolicy, retry_locked, writer_lock
from .models import CommitInfo, Identity
from .trailers import canonical_trailers, parse_trailers, split_message
from .validation import validate_identity, validate_rev

__all__ = [
    "ANY",
    "ARCHIVE_MARKER",
    "MAIN_REF",
    "RUN_REF_PREFIX",
    "RepoCore",
    "head_moved",
    "run_ref",
    "short",
    "to_info",
]

MAIN_REF = "refs/heads/main"
#: Where a run's stages wait until the run completes (hidden from clones).
RUN_REF_PREFIX = "refs/runs/"
#: The file whose presence makes a repository read-only (see ``archive.py``).
ARCHIVE_MARKER = "devussy-archived.json"


def run_ref(run_id: str) -> str:
    """The ref a run commits its stages on until it lands on ``main``."""
    return RUN_REF_PREFIX + run_id


#: Names that mean "the tip of main", which may not exist yet in a new repo.
_MAIN_NAMES = frozenset({"main", "HEAD", MAIN_REF})
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")


class _Any:
    """Sentinel type: "whatever the ref points at now" (no compare-and-swap)."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


def short(sha: str | None) -> str:
    return sha[:7] if sha else "no commit"


def head_moved(name: str, expected: str | None, actual: str | None) -> HeadMovedError:
    """The conflict error of a lost compare-and-swap on ``name``."""
    return HeadMovedError(
        f"{name.removeprefix('refs/heads/')} moved: expected {short(expected)}, "
        f"found {short(actual)}. Reload and try again.",
        expected=expected,
        actual=actual,
    )


def _when(seconds: int, offset_minutes: int) -> datetime:
    tz = timezone(timedelta(minutes=offset_minutes))
    return datetime.fromtimestamp(seconds, tz)


def to_info(commit: pygit2.Commit) -> CommitInfo:
    """A :class:`CommitInfo` for ``commit`` (message decoded as UTF-8)."""
    message = commit.raw_message.decode("utf-8", errors="replace")
    subject, body = split_message(message)
    author, committer = commit.author, commit.committer
    return CommitInfo(
        sha=str(commit.id),
        subject=subject,
        body=body,
        message=message,
        author=Identity(author.name, author.email),
        author_time=_when(author.time, author.offset),
        committer=Identity(committer.name, committer.email),
        commit_time=_when(committer.time, committer.offset),
        parents=tuple(str(p) for p in commit.parent_ids),
        trailers=canonical_trailers(parse_trailers(message)),
    )


class RepoCore:
    """Holds the pygit2 repository of one project and the write machinery."""

    def __init__(self, project_id: str, path: Path, *, committer: Identity, lock_policy: LockPolicy) -> None:
        self.project_id = project_id
        self.path = path
        self._committer = validate_identity(committer, "committer")
        self._policy = lock_policy
        try:
            self._repo = pygit2.Repository(str(path))
        except pygit2.GitError as exc:
            raise StoreError(f"The plan repository of {project_id} cannot be opened.", detail=str(exc)) from exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.project_id!r}, path={str(self.path)!r})"

    # -- reading refs and revisions -------------------------------------------------

    def _ref_target(self, name: str) -> str | None:
        ref = self._repo.references.get(name)
        if ref is None:
            return None
        try:
            return str(ref.resolve().target)
        except KeyError:
            return None

    def head(self) -> str | None:
        """The sha ``refs/heads/main`` points at, or ``None`` before the first commit."""
        return self._ref_target(MAIN_REF)

    def _commit(self, rev: str) -> pygit2.Commit:
        validate_rev(rev)
        try:
            obj = self._repo.revparse_single(rev)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, pygit2.GitError) as exc:
            raise NotFoundError(f"Unknown revision {rev!r} in project {self.project_id}.") from exc
        return commit

    def _commit_or_none(self, rev: str) -> pygit2.Commit | None:
        """Like :meth:`_commit`, but an unborn ``main`` gives ``None``."""
        if rev in _MAIN_NAMES and self.head() is None:
            return None
        return self._commit(rev)

    def resolve(self, rev: str) -> str:
        """The full sha of the commit ``rev`` names (sha, short sha, main, HEAD~2, tag)."""
        return str(self._commit(rev).id)

    def _check_sha(self, sha: str | None, what: str) -> str | None:
        if sha is None:
            return None
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise InvalidInputError(f"The {what} must be a full 40-character commit sha.")
        return sha

    # -- writing ----------------------------------------------------------------------

    def _signature(self, who: Identity) -> pygit2.Signature:
        return pygit2.Signature(who.name, who.email)

    def _write_commit(self, tree_id: pygit2.Oid, message: str, author: Identity, parents: list[str]) -> pygit2.Oid:
        try:
            return self._repo.create_commit(
                None,
                self._signature(author),
                self._signature(self._committer),
                message,
                tree_id,
                [pygit2.Oid(hex=p) for p in parents],
            )
        except pygit2.GitError as exc:
            raise StoreError("The plan store could not write a commit.", detail=str(exc)) from exc

    def _lock_files(self, name: str) -> list[Path]:
        return [self.path / (name + ".lock"), self.path / "packed-refs.lock"]

    def _move_ref(self, name: str, new: str, expected: str | _Any | None) -> None:
        """Point ``name`` at ``new`` if it still points at ``expected``.

        ``expected=None`` means the ref must not exist; :data:`ANY` skips the check.
        """

        def moved(actual: str | None) -> HeadMovedError:
            return head_moved(name, None if isinstance(expected, _Any) else expected, actual)

        def update() -> None:
            if (self.path / ARCHIVE_MARKER).exists():
                raise ProjectArchivedError.of(self.project_id)
            current = self._ref_target(name)
            if not isinstance(expected, _Any) and current != expected:
                raise moved(current)
            oid = pygit2.Oid(hex=new)
            if current is None:
                self._refuse_name_clash(name)
            try:
                if current is None:
                    self._repo.references.create(name, oid, force=False)
                else:
                    self._repo.references[name].set_target(oid)
            except pygit2.AlreadyExistsError as exc:
                raise moved(self._ref_target(name)) from exc
            except pygit2.GitError as exc:
                if "does not match" in str(exc) and not isinstance(expected, _Any):
                    raise moved(self._ref_target(name)) from exc
                raise StoreError(f"The plan store could not update {name}.", detail=str(exc)) from exc

        with writer_lock(self.path, self._policy):
            retry_locked(update, self._lock_files(name), self._policy)

    def _refuse_name_clash(self, name: str) -> None:
        """git cannot hold both ``refs/tags/run`` and ``refs/tags/run/x``."""
        for other in self._repo.references:
            if other.startswith(name + "/") or name.startswith(other + "/"):
                raise ConflictError(f"Cannot create {name}: it clashes with the existing ref {other}.")

    def _delete_ref(self, name: str) -> None:
        def delete() -> None:
            ref = self._repo.references.get(name)
            if ref is None:
                raise NotFoundError(f"No ref {name} in project {self.project_id}.")
            try:
                ref.delete()
            except pygit2.GitError as exc:
                raise StoreError(f"The plan store could not delete {name}.", detail=str(exc)) from exc

        with writer_lock(self.path, self._policy):
            retry_locked(delete, self._lock_files(name), self._policy)
