"""Where a plan repo lives on disk, and which git-over-HTTP request a path is.

This module turns untrusted text (a project id, a URL path under ``/git/``)
into either a path inside the repos root or a refusal. It must never build a
filesystem path from text it has not validated, and never return a path that
resolves outside the repos root (``..``, absolute paths, symlinks).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from devussy_git.errors import NotFoundError
from devussy_git.store import PROJECT_ID_RE, validate_project_id

__all__ = [
    "GitRequest",
    "GitRequestKind",
    "classify_git_path",
    "repo_dir",
    "repo_path_escapes",
]

_REPO_SUFFIX = ".git"


def repo_dir(repos_root: Path, project_id: str) -> Path:
    """The bare repo of ``project_id``, resolved, proven to lie inside ``repos_root``.

    Raises :class:`InvalidProjectIdError` for a bad id (before touching the
    filesystem) and :class:`NotFoundError` when the repo does not exist or
    resolves outside the root (a symlink pointing elsewhere counts as absent).
    """
    validate_project_id(project_id)
    root = repos_root.resolve()
    candidate = root / f"{project_id}{_REPO_SUFFIX}"
    resolved = candidate.resolve()
    if resolved == root or not resolved.is_relative_to(root) or not resolved.is_dir():
        raise NotFoundError(f"No project {project_id!r}.")
    return resolved


class GitRequestKind(enum.Enum):
    """What a request under ``/git/<id>.git/`` asks for."""

    #: ``GET info/refs?service=git-upload-pack``: the ref advertisement.
    UPLOAD_PACK_ADVERTISEMENT = "upload-pack-advertisement"
    #: ``POST git-upload-pack``: negotiation and the pack.
    UPLOAD_PACK = "upload-pack"
    #: ``git-receive-pack`` or its ``info/refs`` probe: a push, always refused.
    RECEIVE_PACK = "receive-pack"
    #: Anything else under a repo (dumb HTTP: ``HEAD``, ``objects/...``, ``info/packs``).
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class GitRequest:
    """A parsed ``/git/<project_id>.git/<rest>`` path."""

    project_id: str
    kind: GitRequestKind
    #: The path after ``<id>.git/`` as sent (only meaningful for logs).
    rest: str


def classify_git_path(subpath: str, query_service: str | None) -> GitRequest | None:
    """Parse the part of the URL path after ``/git/``.

    ``query_service`` is the ``service`` query parameter, if any. Returns
    ``None`` when the path does not name a valid project repo at all (bad id,
    ``..``, absolute path, missing ``.git/``): the caller answers 404 without
    any filesystem access.
    """
    head, sep, rest = subpath.partition("/")
    if not sep or not head.endswith(_REPO_SUFFIX):
        return None
    project_id = head[: -len(_REPO_SUFFIX)]
    if PROJECT_ID_RE.fullmatch(project_id) is None:
        return None
    if rest == "info/refs" and query_service == "git-upload-pack":
        kind = GitRequestKind.UPLOAD_PACK_ADVERTISEMENT
    elif rest == "git-upload-pack":
        kind = GitRequestKind.UPLOAD_PACK
    elif rest == "git-receive-pack" or (rest == "info/refs" and query_service == "git-receive-pack"):
        kind = GitRequestKind.RECEIVE_PACK
    else:
        kind = GitRequestKind.UNSUPPORTED
    return GitRequest(project_id=project_id, kind=kind, rest=rest)


def repo_path_escapes(repos_root: Path, project_id: str) -> bool:
    """True when ``<root>/<id>.git`` exists but resolves outside the root (a symlink).

    ``project_id`` must already be valid. Only ``lstat``/``readlink`` are used:
    nothing inside the target is read.
    """
    root = repos_root.resolve()
    candidate = root / f"{validate_project_id(project_id)}{_REPO_SUFFIX}"
    if not candidate.is_symlink():
        return False
    return not candidate.resolve().is_relative_to(root)
