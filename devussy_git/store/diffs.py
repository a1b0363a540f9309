"""Turning two trees into a :class:`Diff` whose patch equals ``git diff``.

libgit2 prints git's unified format; the options here make it match git's
defaults (indent heuristic, rename detection, three lines of context), and
two fix-ups add what libgit2 leaves out: git ends a ``---``/``+++`` line with
a tab when the name holds a space, and git abbreviates the shas of the
``index`` line to its automatic length (longer in big packed repositories,
and longer still where a prefix is ambiguous). This module is private to
the store and read-only: it must never write objects or refs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, DiffOption

from .objects import git_abbrev_length

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


_INDEX_LINE = re.compile(r"^index [0-9a-f]+\.\.[0-9a-f]+(?P<mode>[^\n]*)$", re.MULTILINE)
_NULL_SHA = "0" * 40


def _unique_abbrev(repo: pygit2.Repository, sha: str, length: int) -> str:
    """The shortest prefix of ``sha``, at least ``length`` long, no other object shares."""
    if sha == _NULL_SHA:
        return sha[:length]
    while length < len(sha):
        try:
            repo.expand_id(sha[:length])
        except pygit2.AmbiguousError:
            length += 1
            continue
        except KeyError:
            break
        break
    return sha[:length]


def _git_index_line(
    text: str, repo: pygit2.Repository, delta: pygit2.DiffDelta, length: int
) -> str:
    """Rewrite the ``index old..new mode`` line with git's abbreviations."""
    old = _unique_abbrev(repo, str(delta.old_file.id), length)
    new = _unique_abbrev(repo, str(delta.new_file.id), length)
    return _INDEX_LINE.sub(lambda m: f"index {old}..{new}{m.group('mode')}", text, count=1)


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
    abbrev = git_abbrev_length(Path(repo.path) / "objects")
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
                patch=_git_index_line(_git_header_tabs(patch.text or ""), repo, delta, abbrev),
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
