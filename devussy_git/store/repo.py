"""``PlanRepo``: one project's bare plan repository, read and written in memory.

Public vocabulary: read files (also by blob id), list files, log, diff, commit (with
compare-and-swap on ``refs/heads/main``), revert, cherry-pick, tags and
refs, object counting and ``git gc``. A commit writes its blobs, trees and
commit object first and moves the ref last, inside the writer lock, so a
crash at any moment leaves ``main`` on a complete commit. A ``PlanRepo`` is
cheap: open one per thread rather than sharing it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence

import pygit2
from pygit2.enums import SortMode

from devussy_git.errors import HeadMovedError, InvalidInputError, NotFoundError, StoreError

from .archive import ArchiveMixin
from .cache import CacheMixin
from .core import ANY, MAIN_REF, _Any, head_moved, to_info
from .diffs import tree_diff
from .locking import LockPolicy, writer_lock
from .models import CommitInfo, Diff, FileEntry, Identity
from .objects import loose_object_count, packed_object_count
from .refs import RefsMixin
from .reverts import RevertsMixin
from .trailers import TrailerInput, build_message
from .trees import (
    blob,
    check_changes,
    entry_id,
    iter_files,
    lookup_blob,
    precheck_changes,
    write_changes,
)
from .validation import validate_identity, validate_path, validate_ref_name

__all__ = ["PlanRepo"]

_BLOB_SHA = re.compile(r"^[0-9a-f]{40}$")
Build = Callable[[str | None], tuple[Mapping[str, str | None], str]]
#: Take the writer lock only if it is free at once (housekeeping never queues behind a writer).
_NO_WAIT = LockPolicy(timeout=0.001)


class PlanRepo(ArchiveMixin, CacheMixin, RevertsMixin, RefsMixin):
    """A project's plan repository (bare, branch ``main``, no work tree)."""

    # -- reading ----------------------------------------------------------------------

    def _tree(self, rev: str) -> pygit2.Tree | None:
        commit = self._commit_or_none(rev)
        return None if commit is None else commit.tree

    def resolve_published(self, rev: str) -> str:
        """The full sha of ``rev`` when a clone of the project could see it.

        ``rev`` is ``main`` (or ``HEAD``), a run tag (``run/<id>``), or a commit
        sha (at least 7 hex digits) reachable from ``main`` or a run tag. While
        a run is going, ``run/<id>`` names the tip of its stages (the tag it
        will get), so its progress can be read before it lands. No revision
        expressions (``main~2``, ``:/text``, ``@{1}``) and nothing that only a
        proposal or another private ref holds: ``NotFoundError``, worded the
        same whether the commit exists or not.
        """
        unknown = NotFoundError(f"Unknown revision {rev!r} in project {self.project_id}.")
        tips = {"main": self.head(), "HEAD": self.head()}
        tips.update(self.list_tags("run/"))
        if rev in tips:
            sha = tips[rev]
            if sha is None:
                raise unknown
            return sha
        if rev.startswith("run/"):
            running = self.list_refs("refs/runs/").get("refs/runs/" + rev.removeprefix("run/"))
            if running is None:
                raise unknown
            return running
        if not (7 <= len(rev) <= 40) or any(ch not in "0123456789abcdef" for ch in rev.lower()):
            raise unknown
        try:
            commit = self._commit(rev.lower())
        except (NotFoundError, InvalidInputError):
            raise unknown from None
        target = commit.id
        for tip in {t for t in tips.values() if t is not None}:
            tip_id = pygit2.Oid(hex=tip)
            if tip_id == target or self._repo.descendant_of(tip_id, target):
                return str(target)
        raise unknown

    def read(self, path: str, rev: str = "main") -> str:
        """The text of ``path`` at ``rev``; ``NotFoundError`` when it is not there."""
        validate_path(path)
        tree = self._tree(rev)
        blob = None if tree is None else lookup_blob(tree, path)
        if blob is None:
            raise NotFoundError(f"{path} does not exist at {rev} in project {self.project_id}.")
        try:
            return blob.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"{path} at {rev} is not a UTF-8 text file.") from exc

    def read_many(self, paths: Sequence[str], rev: str = "main") -> dict[str, str]:
        """``{path: text}`` for those of ``paths`` that exist at ``rev``."""
        out: dict[str, str] = {}
        tree = self._tree(rev)
        for path in paths:
            validate_path(path)
            blob = None if tree is None else lookup_blob(tree, path)
            if blob is not None:
                try:
                    out[path] = blob.data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise StoreError(f"{path} at {rev} is not a UTF-8 text file.") from exc
        return out

    def list_files(self, rev: str = "main") -> list[str]:
        """Every file path at ``rev``, sorted (``[]`` before the first commit)."""
        tree = self._tree(rev)
        return [] if tree is None else sorted(path for path, _ in iter_files(tree))

    def list_entries(self, rev: str = "main") -> list[FileEntry]:
        """Every file at ``rev`` with its size and blob id, sorted by path (no content read)."""
        tree = self._tree(rev)
        if tree is None:
            return []
        entries = [FileEntry(path, blob(self._repo, obj.id).size, str(obj.id)) for path, obj in iter_files(tree)]
        return sorted(entries, key=lambda e: e.path)

    def blob_ids(self, rev: str = "main") -> dict[str, str]:
        """``{path: blob sha}`` of every file at ``rev``, reading no content (``{}`` before
        the first commit).

        A file that did not change between two commits keeps its blob sha, so a
        caller that walks many commits reads (:meth:`read_blob`) and parses each
        version of a file once.
        """
        tree = self._tree(rev)
        return {} if tree is None else {path: str(obj.id) for path, obj in iter_files(tree)}

    def read_blob(self, blob_sha: str) -> str:
        """The text of the file version ``blob_sha`` (as :meth:`blob_ids` names it)."""
        if not isinstance(blob_sha, str) or not _BLOB_SHA.fullmatch(blob_sha):
            raise InvalidInputError(f"Invalid blob id {repr(blob_sha)[:80]}: 40 hex digits expected.")
        blob = self._repo.get(blob_sha)
        if not isinstance(blob, pygit2.Blob):
            raise NotFoundError(f"No file version {blob_sha[:10]} in project {self.project_id}.")
        try:
            return blob.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"File version {blob_sha[:10]} is not UTF-8 text.") from exc

    def exists_at(self, path: str, rev: str = "main") -> bool:
        validate_path(path)
        tree = self._tree(rev)
        return tree is not None and lookup_blob(tree, path) is not None

    def get_commit(self, rev: str) -> CommitInfo:
        return to_info(self._commit(rev))

    def log(
        self,
        rev: str = "main",
        *,
        limit: int | None = None,
        paths: Sequence[str] | None = None,
        first_parent: bool = False,
    ) -> list[CommitInfo]:
        """Commits reachable from ``rev``, newest first (``[]`` before the first commit).

        The order is git's default (``git log`` without options). With
        ``paths``, only the commits that changed one of them (files or
        directories); a merge only when it differs there from every parent.
        With ``first_parent``, only the commits ``rev``'s own line went
        through (``git log --first-parent``).
        """
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidInputError("A log limit must be a non-negative integer.")
        wanted = [validate_path(p) for p in paths] if paths is not None else None
        start = self._commit_or_none(rev)
        if start is None or limit == 0:
            return []
        out: list[CommitInfo] = []
        walker = self._repo.walk(start.id, SortMode.NONE)
        if first_parent:
            walker.simplify_first_parent()
        for commit in walker:
            if wanted is not None and not self._touches(commit, wanted):
                continue
            out.append(to_info(commit))
            if limit is not None and len(out) >= limit:
                break
        return out

    def _touches(self, commit: pygit2.Commit, paths: list[str]) -> bool:
        ids = [entry_id(commit.tree, p) for p in paths]
        if not commit.parents:
            return any(i is not None for i in ids)
        return all([entry_id(p.tree, q) for q in paths] != ids for p in commit.parents)

    def diff(self, a: str | None, b: str) -> Diff:
        """The change from ``a`` (``None`` = empty tree) to ``b``, as ``git diff a b``."""
        head = self._commit(b)
        base = None if a is None else self._commit(a)
        return tree_diff(
            self._repo,
            None if base is None else base.tree,
            head.tree,
            base=None if base is None else str(base.id),
            head=str(head.id),
        )

    def diff_commit(self, rev: str) -> Diff:
        """What commit ``rev`` changed against its first parent (root: against nothing)."""
        commit = self._commit(rev)
        parent = commit.parents[0] if commit.parents else None
        return tree_diff(
            self._repo,
            None if parent is None else parent.tree,
            commit.tree,
            base=None if parent is None else str(parent.id),
            head=str(commit.id),
        )

    # -- writing ----------------------------------------------------------------------

    def commit(
        self,
        files: Mapping[str, str | None],
        message: str,
        *,
        author: Identity,
        trailers: TrailerInput = (),
        expected_head: str | None,
        ref: str = MAIN_REF,
        allow_empty: bool = False,
        parent: str | _Any | None = ANY,
    ) -> CommitInfo:
        """Commit ``files`` (path -> text, ``None`` deletes) on top of ``expected_head``.

        ``HeadMovedError`` when ``ref`` no longer points at ``expected_head``
        (``None``: the ref must not exist yet). An empty change is refused
        unless ``allow_empty``. ``parent`` defaults to ``expected_head``; give
        it to start a new ref (a proposal) on top of another commit, e.g.
        ``ref="refs/proposals/p1", expected_head=None, parent=main_sha``.
        """
        validate_ref_name(ref)
        validate_identity(author, "author")
        changes = check_changes(files)
        full_message = build_message(message, trailers)
        self._check_sha(expected_head, "expected head")
        parent_sha = expected_head if isinstance(parent, _Any) else self._check_sha(parent, "parent")
        current = self._ref_target(ref)
        if current != expected_head:
            raise head_moved(ref, expected_head, current)
        base_commit = None if parent_sha is None else self._commit(parent_sha)
        base_tree = None if base_commit is None else base_commit.tree
        precheck_changes(base_tree, changes)
        tree_id = write_changes(self._repo, base_tree, changes)
        unchanged = tree_id == base_tree.id if base_tree is not None else not changes
        if unchanged and not allow_empty:
            raise InvalidInputError("Nothing to commit: the files already have that content.")
        parents = [] if parent_sha is None else [parent_sha]
        oid = self._write_commit(tree_id, full_message, author, parents)
        self._move_ref(ref, str(oid), expected_head)
        return to_info(self._repo[oid])  # type: ignore[arg-type]

    def commit_with_retry(
        self,
        build: Build,
        *,
        author: Identity,
        trailers: TrailerInput = (),
        attempts: int = 5,
        ref: str = MAIN_REF,
    ) -> CommitInfo:
        """Read the head, ``build(head) -> (files, message)``, commit; on a moved
        head rebuild on the new one, up to ``attempts`` times."""
        if attempts < 1:
            raise InvalidInputError("attempts must be at least 1.")
        validate_ref_name(ref)
        last: HeadMovedError | None = None
        for _ in range(attempts):
            head = self._ref_target(ref)
            files, message = build(head)
            try:
                return self.commit(files, message, author=author, trailers=trailers, expected_head=head, ref=ref)
            except HeadMovedError as exc:
                last = exc
        assert last is not None
        raise last

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ``ancestor`` is ``descendant`` or in its history (a fast-forward is possible)."""
        a, d = self._commit(ancestor).id, self._commit(descendant).id
        return a == d or bool(self._repo.descendant_of(d, a))

    def replay(self, rev: str, *, onto: str) -> str:
        """A new commit (on no ref) that gives the files ``rev`` changed their content at ``rev``.

        Unlike :meth:`cherry_pick` this never conflicts: every file ``rev``
        wrote is written whole on top of ``onto`` (and every file it deleted is
        deleted), the way a run's stage writes whole files. Message, author and
        trailers are kept.
        """
        commit = self._commit(rev)
        base = self._commit(onto)
        if len(commit.parents) != 1:
            raise InvalidInputError(f"Commit {str(commit.id)[:7]} has no single parent to replay against.")
        before = {path: obj.id for path, obj in iter_files(commit.parents[0].tree)}
        after = {path: obj.id for path, obj in iter_files(commit.tree)}
        files: dict[str, str | None] = {p: None for p in before if p not in after}
        for path, oid in after.items():
            if before.get(path) != oid:
                files[path] = blob(self._repo, oid).data.decode("utf-8")
        present = {path for path, _ in iter_files(base.tree)}
        files = {p: t for p, t in files.items() if t is not None or p in present}
        changes = check_changes(files)
        tree_id = write_changes(self._repo, base.tree, changes)
        original = to_info(commit)
        oid = self._write_commit(tree_id, original.message, original.author, [str(base.id)])
        return str(oid)

    # -- maintenance ------------------------------------------------------------------

    def count_objects(self) -> int:
        """Loose plus packed objects (duplicates across packs counted twice)."""
        objects = self.path / "objects"
        return loose_object_count(objects) + packed_object_count(objects)

    def loose_object_count(self) -> int:
        """Objects written but not yet packed (each is a file of its own)."""
        return loose_object_count(self.path / "objects")

    def pack(self, *, wait: bool = True) -> bool:
        """Pack the repository (``git gc``) under the writer lock; ``False`` when busy.

        With ``wait=False`` a repository whose writer lock is held is left alone
        (packing never runs beside a writer). Every object a ref reaches is kept:
        ``main``, tags, proposals and runs in progress are all refs.
        """
        try:
            with writer_lock(self.path, self._policy if wait else _NO_WAIT):
                self._git_gc()
        except StoreError as exc:
            if not wait and "busy" in exc.user_message:
                return False
            raise
        return True

    def gc(self) -> None:
        """Pack the repository: runs ``git gc --quiet`` in the bare repo (needs git)."""
        with writer_lock(self.path, self._policy):
            self._git_gc()

    def _git_gc(self) -> None:
        git = shutil.which("git")
        if git is None:
            raise StoreError("git gc needs the git command, which is not installed.")
        try:
            subprocess.run(
                [git, "gc", "--quiet"],
                cwd=self.path,
                check=True,
                capture_output=True,
                env={**os.environ, "GIT_DIR": str(self.path)},
                timeout=600,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise StoreError("git gc failed on the plan repository.", detail=str(exc)) from exc
