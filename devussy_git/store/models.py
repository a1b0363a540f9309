"""Value objects the plan store hands out: identities, commits, diffs.

These are plain frozen dataclasses so that callers (services, faces, tests)
never see a pygit2 type. This module must never import pygit2 or touch disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["BOT_IDENTITY", "CommitInfo", "Diff", "FileChange", "Identity"]


@dataclass(frozen=True)
class Identity:
    """A git identity: who wrote a change (author) or recorded it (committer)."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


#: The committer of every commit the store writes, unless configured otherwise.
BOT_IDENTITY = Identity("Devussy Bot", "bot@devussy.invalid")


@dataclass(frozen=True)
class CommitInfo:
    """One commit, as ``git log`` would describe it."""

    sha: str
    #: First paragraph of the message, lines joined by a space (``git log %s``).
    subject: str
    #: Everything after the subject paragraph, trailers included, without the
    #: final newline (``git log %b``).
    body: str
    #: The raw message, exactly as stored.
    message: str
    author: Identity
    #: Timezone-aware, in the author's recorded offset.
    author_time: datetime
    committer: Identity
    commit_time: datetime
    #: Full shas of the parents, first parent first.
    parents: tuple[str, ...]
    #: Trailer name -> value, last one wins; the names of DESIGN section 4 are
    #: spelled canonically (``Devussy-Stage``) whatever case the message used.
    trailers: dict[str, str] = field(default_factory=dict)

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class FileEntry:
    """One file of a tree: its path, size in bytes and git blob id."""

    path: str
    size: int
    blob_sha: str


@dataclass(frozen=True)
class FileChange:
    """How one file differs between the two sides of a :class:`Diff`."""

    path: str
    #: The path before a rename; ``None`` unless ``status == "renamed"``.
    old_path: str | None
    #: ``"added"``, ``"modified"``, ``"deleted"`` or ``"renamed"``.
    status: str
    added: int
    removed: int
    #: This file's part of :attr:`Diff.patch` (headers and hunks).
    patch: str = ""


def _matches(path: str, wanted: Iterable[str]) -> bool:
    return any(path == w or path.startswith(w.rstrip("/") + "/") for w in wanted)


@dataclass(frozen=True)
class Diff:
    """The change from ``base`` to ``head``: git's patch text plus per-file stats."""

    #: ``None`` means the empty tree (a diff of a root commit).
    base: str | None
    head: str
    #: Byte-for-byte what ``git diff <base> <head>`` prints (no colour).
    patch: str
    files: tuple[FileChange, ...]
    added: int
    removed: int

    @property
    def is_empty(self) -> bool:
        return not self.files

    def for_paths(self, paths: Iterable[str]) -> Diff:
        """The same diff restricted to ``paths`` (files or directory prefixes).

        A renamed file is kept when either its old or its new path matches.
        """
        wanted = list(paths)
        kept = tuple(
            f
            for f in self.files
            if _matches(f.path, wanted) or (f.old_path is not None and _matches(f.old_path, wanted))
        )
        return Diff(
            base=self.base,
            head=self.head,
            patch="".join(f.patch for f in kept),
            files=kept,
            added=sum(f.added for f in kept),
            removed=sum(f.removed for f in kept),
        )
