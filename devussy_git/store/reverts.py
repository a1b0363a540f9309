"""Undo and re-apply: ``git revert`` and ``git cherry-pick`` without a work tree.

A revert of commit C onto head H is the three-way merge with base C, ours H
and theirs C's parent — exactly what ``git revert`` computes. Merges run in a
:class:`ScratchMerger`, so a refused revert writes nothing: no object, no
ref. Refusals name their reason (root commit, merge commit, not on main,
conflict with later commits). History is never rewritten here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pygit2

from devussy_git.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RevertConflictError,
)

from .core import ANY, MAIN_REF, RepoCore, _Any, head_moved, short, to_info
from .merges import MergeConflict, ScratchMerger
from .models import CommitInfo, Identity
from .trailers import TRAILER_STAGE, TrailerInput, build_message, normalize_trailers
from .trees import entry_id
from .validation import validate_identity

__all__ = ["RevertsMixin"]


def _with_revert_stage(trailers: TrailerInput) -> list[tuple[str, str]]:
    pairs = normalize_trailers(trailers)
    if not any(token == TRAILER_STAGE for token, _ in pairs):
        pairs.insert(0, (TRAILER_STAGE, "revert"))
    return pairs


def _title(message: str) -> str:
    """The first non-blank line, as git's revert message quotes it (not the paragraph)."""
    for line in message.split("\n"):
        if line.strip():
            return line
    return ""


class RevertsMixin(RepoCore):
    """Revert and cherry-pick vocabulary of :class:`PlanRepo`."""

    def _revertable(self, rev: str, head: pygit2.Commit) -> pygit2.Commit:
        commit = self._commit(rev)
        sha = short(str(commit.id))
        if commit.id != head.id and not self._repo.descendant_of(head.id, commit.id):
            raise InvalidInputError(f"Commit {sha} is not on main; only main's history can be reverted.")
        if not commit.parents:
            raise InvalidInputError(f"Commit {sha} is the first commit of the plan; there is nothing before it.")
        if len(commit.parents) > 1:
            raise InvalidInputError(f"Commit {sha} is a merge; merges cannot be reverted.")
        return commit

    def _head_for_write(self, expected_head: str | _Any | None) -> pygit2.Commit:
        current = self.head()
        if not isinstance(expected_head, _Any):
            self._check_sha(expected_head, "expected head")
            if current != expected_head:
                raise head_moved(MAIN_REF, expected_head, current)
        if current is None:
            raise NotFoundError(f"Project {self.project_id} has no commits to revert.")
        return self._repo[current]  # type: ignore[return-value]

    def _later_touching(self, head: pygit2.Commit, oldest: pygit2.Commit, paths: list[str]) -> list[str]:
        """Shas of commits after ``oldest`` on main's first-parent line that touched ``paths``."""
        later: list[str] = []
        commit = head
        while commit.id != oldest.id and commit.parents:
            parent = commit.parents[0]
            if any(entry_id(commit.tree, p) != entry_id(parent.tree, p) for p in paths):
                later.append(str(commit.id))
            commit = parent
        return later

    def _conflict(self, head: pygit2.Commit, targets: list[pygit2.Commit], paths: list[str]) -> RevertConflictError:
        oldest = targets[-1]
        undone = {str(t.id) for t in targets}
        later = [s for s in self._later_touching(head, oldest, paths) if s not in undone]
        what = ", ".join(short(str(t.id)) for t in targets)
        offer = " ".join(short(s) for s in [*later, *(str(t.id) for t in targets)])
        return RevertConflictError(
            f"Cannot revert {what}: later commits ({', '.join(short(s) for s in later) or 'none'}) "
            f"changed the same lines of {', '.join(paths)}. "
            f"Revert the range newest first instead: {offer}.",
            paths=paths,
            later_commits=later,
        )

    def _revert_onto(self, head: pygit2.Commit, targets: list[pygit2.Commit]) -> pygit2.Oid:
        """The tree of ``head`` with ``targets`` (newest first) undone, in the real repo."""
        chain = [head.id] + [t.parents[0].id for t in targets[:-1]]
        if [t.id for t in targets] == chain:
            # Undoing the newest commits: the merge result is the oldest one's parent tree.
            tree = targets[-1].parents[0].tree_id
            self._refuse_noop(head, tree, targets)
            return tree
        with ScratchMerger(self._repo) as merger:
            tree = head.tree_id
            try:
                for target in targets:
                    tree = merger.merge(target.tree_id, tree, target.parents[0].tree_id)
            except MergeConflict as exc:
                raise self._conflict(head, targets, exc.paths) from None
            self._refuse_noop(head, tree, targets)
            return merger.publish(tree)

    def _refuse_noop(self, head: pygit2.Commit, tree: pygit2.Oid, targets: list[pygit2.Commit]) -> None:
        if tree == head.tree_id:
            raise InvalidInputError(
                f"Reverting {', '.join(short(str(t.id)) for t in targets)} changes nothing: "
                "main already has that content."
            )

    def revert(
        self,
        rev: str,
        *,
        author: Identity,
        trailers: TrailerInput = (),
        expected_head: str | _Any | None = ANY,
    ) -> CommitInfo:
        """Commit on main the undo of ``rev`` (``git revert --no-edit`` semantics)."""
        validate_identity(author, "author")
        pairs = _with_revert_stage(trailers)
        head = self._head_for_write(expected_head)
        target = self._revertable(rev, head)
        subject = _title(to_info(target).message)
        message = build_message(f'Revert "{subject}"\n\nThis reverts commit {target.id}.', pairs)
        tree = self._revert_onto(head, [target])
        oid = self._write_commit(tree, message, author, [str(head.id)])
        self._move_ref(MAIN_REF, str(oid), str(head.id))
        return to_info(self._repo[oid])  # type: ignore[arg-type]

    def revert_range(
        self,
        shas_newest_first: Sequence[str],
        message: str,
        *,
        author: Identity,
        trailers: TrailerInput = (),
        expected_head: str | _Any | None = ANY,
    ) -> CommitInfo:
        """One commit on main undoing several commits, applied newest first."""
        validate_identity(author, "author")
        pairs = _with_revert_stage(trailers)
        full_message = build_message(message, pairs)
        if isinstance(shas_newest_first, str) or not shas_newest_first:
            raise InvalidInputError("Give the commits to revert as a non-empty list, newest first.")
        head = self._head_for_write(expected_head)
        targets = [self._revertable(rev, head) for rev in shas_newest_first]
        if len({t.id for t in targets}) != len(targets):
            raise InvalidInputError("The same commit appears twice in the range to revert.")
        for newer, older in itertools.pairwise(targets):
            if not self._repo.descendant_of(newer.id, older.id):
                raise InvalidInputError(
                    f"Commits must be given newest first: {short(str(older.id))} "
                    f"is not older than {short(str(newer.id))}."
                )
        tree = self._revert_onto(head, targets)
        oid = self._write_commit(tree, full_message, author, [str(head.id)])
        self._move_ref(MAIN_REF, str(oid), str(head.id))
        return to_info(self._repo[oid])  # type: ignore[arg-type]

    def cherry_pick(
        self,
        rev: str,
        *,
        onto: str,
        message: str | None = None,
        author: Identity | None = None,
        trailers: TrailerInput = (),
    ) -> str:
        """A new commit (on no ref) applying ``rev``'s change on top of ``onto``.

        Defaults keep the original message and author. ``ConflictError``
        names the paths when the change does not apply cleanly.
        """
        commit = self._commit(rev)
        base = self._commit(onto)
        if len(commit.parents) != 1:
            raise InvalidInputError(f"Commit {short(str(commit.id))} has no single parent to diff against.")
        original = to_info(commit)
        who = validate_identity(author, "author") if author is not None else original.author
        full_message = build_message(original.message if message is None else message, trailers, merge=message is None)
        with ScratchMerger(self._repo) as merger:
            try:
                tree = merger.merge(commit.parents[0].tree_id, base.tree_id, commit.tree_id)
            except MergeConflict as exc:
                raise ConflictError(
                    f"Commit {short(str(commit.id))} does not apply on {short(str(base.id))}: "
                    f"{', '.join(exc.paths)} changed since.",
                ) from None
            if tree == base.tree_id:
                raise InvalidInputError(f"Commit {short(str(commit.id))} changes nothing on {short(str(base.id))}.")
            merger.publish(tree)
        oid = self._write_commit(tree, full_message, who, [str(base.id)])
        return str(oid)
