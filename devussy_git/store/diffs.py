"""Turning two trees into a :class:`Diff` whose patch equals ``git diff``.

libgit2 prints git's unified format; the options here make it match git's
defaults (indent heuristic, rename detection, three lines of context), and
:func:`_git_header_tabs` adds the one detail libgit2 leaves out (git ends a
``---``/``+++`` line with a tab when the name holds a space). This module is
private to the store and read-only: it must never write objects or refs.
"""

from __future__ import annotations

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, DiffOption

from .models import Diff, FileChange

__all__ = ["tree_diff"]

_STATUS = {
    DeltaStatus.ADDED: "added",
    DeltaStatus.DELETED: "deleted",
    DeltaStatus.MODIFIED: "modified",
    DeltaStatus.RENAMED: "renamed",
    DeltaStatus.COPIED: "added",
    DeltaStatus.TYPECHANGE: "modified",
}


def _git_header_tabs(text: str) -> str:
    """Append git's tab to ``--- name``/``+++ name`` header lines containing a space."""
    lines = text.split("\n")
    in_header = True
    for i, line in enumerate(lines):
        if line.startswith("diff --git "):
            in_header = True
        elif line.startswith("@@"):
            in_header = False
        elif in_header and line.startswith(("--- ", "+++ ")) and " " in line[4:]:
            lines[i] = line + "\t"
    return "\n".join(lines)


def tree_diff(
    repo: pygit2.Repository,
    base_tree: pygit2.Tree | None,
    head_tree: pygit2.Tree,
    *,
    base: str | None,
    head: str,
) -> Diff:
    """The diff from ``base_tree`` (``None`` = empty tree) to ``head_tree``."""
    flags = DiffOption.NORMAL | DiffOption.INDENT_HEURISTIC
    if base_tree is None:
        diff = head_tree.diff_to_tree(flags=flags, context_lines=3, swap=True)
    else:
        diff = repo.diff(base_tree, head_tree, flags=flags, context_lines=3)
    diff.find_similar(flags=DiffFind.FIND_RENAMES)
    files: list[FileChange] = []
    for patch in diff:
        if patch is None:
            continue
        delta = patch.delta
        status = _STATUS.get(delta.status)
        if status is None:
            continue
        _context, added, removed = patch.line_stats
        renamed = status == "renamed"
        files.append(
            FileChange(
                path=delta.new_file.path if status != "deleted" else delta.old_file.path,
                old_path=delta.old_file.path if renamed else None,
                status=status,
                added=added,
                removed=removed,
                patch=_git_header_tabs(patch.text or ""),
            )
        )
    return Diff(
        base=base,
        head=head,
        patch="".join(f.patch for f in files),
        files=tuple(files),
        added=sum(f.added for f in files),
        removed=sum(f.removed for f in files),
    )
