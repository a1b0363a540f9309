"""Turning two trees into a :class:`Diff` whose patch equals ``git diff``.

libgit2 computes the per-file patches with git's defaults (indent
heuristic, three lines of context); renames are paired with git's own
algorithm (:mod:`.renames`) because libgit2's similarity measure disagrees
on small files; :mod:`.patchtext` repairs the header details. Files come
out in git's order (by path, a rename at its new path). This module is
private to the store and read-only: it must never write objects or refs.
"""

from __future__ import annotations

from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus, DiffOption

from .models import Diff, FileChange
from .objects import git_abbrev_length
from .patchtext import c_quote, git_function_context, git_headers, git_index_line
from .renames import Rename, find_renames, similarity_percent
from .trees import blob

__all__ = ["tree_diff"]

_FLAGS = DiffOption.NORMAL | DiffOption.INDENT_HEURISTIC
_STATUS = {
    DeltaStatus.ADDED: "added",
    DeltaStatus.DELETED: "deleted",
    DeltaStatus.MODIFIED: "modified",
    DeltaStatus.TYPECHANGE: "modified",
}
File = tuple[str, str, int]  # (path, blob sha, size)


class _Differ:
    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self.abbrev = git_abbrev_length(Path(repo.path) / "objects")

    def fix(self, patch: pygit2.Patch, old_data: bytes | None) -> str:
        text = git_index_line(git_headers(patch.text or ""), self.repo, patch.delta, self.abbrev)
        return text if old_data is None else git_function_context(text, old_data)

    def rename(self, rename: Rename, old_sha: str, new_sha: str) -> FileChange:
        """git's text for a rename: the similarity header, then the content diff if any."""
        header = (
            f"diff --git {c_quote('a/' + rename.old_path)} {c_quote('b/' + rename.new_path)}\n"
            f"similarity index {similarity_percent(rename.score)}%\n"
            f"rename from {c_quote(rename.old_path)}\n"
            f"rename to {c_quote(rename.new_path)}\n"
        )
        if old_sha == new_sha:
            return FileChange(rename.new_path, rename.old_path, "renamed", 0, 0, header)
        old, new = blob(self.repo, old_sha), blob(self.repo, new_sha)
        patch = pygit2.Patch.create_from(
            old,
            new,
            old_as_path=rename.old_path,
            new_as_path=rename.new_path,
            flag=_FLAGS,
            context_lines=3,
        )
        _context, added, removed = patch.line_stats
        body = self.fix(patch, old.data).split("\n", 1)[1]  # after libgit2's "diff --git"
        return FileChange(rename.new_path, rename.old_path, "renamed", added, removed, header + body)


def tree_diff(
    repo: pygit2.Repository,
    base_tree: pygit2.Tree | None,
    head_tree: pygit2.Tree,
    *,
    base: str | None,
    head: str,
) -> Diff:
    """The diff from ``base_tree`` (``None`` = empty tree) to ``head_tree``."""
    if base_tree is None:
        diff = head_tree.diff_to_tree(flags=_FLAGS, context_lines=3, swap=True)
    else:
        diff = base_tree.diff_to_tree(head_tree, flags=_FLAGS, context_lines=3)
    differ = _Differ(repo)
    by_key: dict[tuple[str, str], FileChange] = {}  # (path, "+"/"-") -> change
    deleted: list[File] = []
    added: list[File] = []
    for patch in diff:
        if patch is None:
            continue
        delta = patch.delta
        status = _STATUS.get(delta.status)
        if status is None:
            continue
        side = delta.old_file if status == "deleted" else delta.new_file
        old_data = blob(repo, delta.old_file.id).data if status == "modified" else None
        _context, plus, minus = patch.line_stats
        change = FileChange(side.path, None, status, plus, minus, differ.fix(patch, old_data))
        by_key[(side.path, "-" if status == "deleted" else "+")] = change
        if status == "added":
            added.append((side.path, str(side.id), side.size))
        elif status == "deleted":
            deleted.append((side.path, str(side.id), side.size))
    if deleted and added:
        shas = {path: sha for path, sha, _ in deleted + added}
        for rename in find_renames(deleted, added, lambda sha: blob(repo, sha).data):
            del by_key[(rename.old_path, "-")]
            by_key[(rename.new_path, "+")] = differ.rename(rename, shas[rename.old_path], shas[rename.new_path])
    files = [by_key[k] for k in sorted(by_key, key=lambda k: (k[0].encode("utf-8"), k[1]))]
    return Diff(
        base=base,
        head=head,
        patch="".join(f.patch for f in files),
        files=tuple(files),
        added=sum(f.added for f in files),
        removed=sum(f.removed for f in files),
    )
