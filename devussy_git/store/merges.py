"""Three-way tree merges (revert, cherry-pick) that write nothing until clean.

libgit2 writes the blobs of automerged files into the object database while
it merges, even when another file then conflicts. To keep "a refused revert
writes nothing" true, merges run in a :class:`ScratchMerger`: a repository
object whose object database reads the real one but writes into a temporary
directory. Only a clean result is copied into the real repository. This
module is private to the store; it must never move a ref.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType
from typing import cast

import pygit2
from pygit2.enums import ObjectType

__all__ = ["MergeConflict", "ScratchMerger"]


class MergeConflict(Exception):
    """Internal: a merge step left conflicts on ``paths`` (sorted)."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__(", ".join(paths))
        self.paths = paths


def _conflict_paths(index: pygit2.Index) -> list[str]:
    paths: set[str] = set()
    assert index.conflicts is not None
    for ancestor, ours, theirs in index.conflicts:
        for entry in (ancestor, ours, theirs):
            if entry is not None:
                paths.add(entry.path)
    return sorted(paths)


class ScratchMerger:
    """Merges trees of ``repo`` with all writes going to a throwaway directory."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._real = repo
        self._tmp = tempfile.TemporaryDirectory(prefix="devussy-merge-")
        objects = Path(repo.path) / "objects"
        scratch_objects = Path(self._tmp.name) / "objects"
        scratch_objects.mkdir()
        odb = pygit2.Odb()
        odb.add_backend(pygit2.OdbBackendLoose(str(objects), 0, False), 1)
        odb.add_backend(pygit2.OdbBackendPack(str(objects)), 2)
        # Highest priority: libgit2 writes into the first backend that can write.
        odb.add_backend(pygit2.OdbBackendLoose(str(scratch_objects), 1, False), 100)
        self._scratch = pygit2.Repository()
        self._scratch.set_odb(odb)
        self._odb = odb

    def __enter__(self) -> ScratchMerger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._scratch.free()
        self._tmp.cleanup()

    def merge(self, ancestor: pygit2.Oid, ours: pygit2.Oid, theirs: pygit2.Oid) -> pygit2.Oid:
        """Merge three tree ids; return the merged tree id (in scratch only).

        Raises :class:`MergeConflict` naming the conflicting paths.
        """
        index = self._scratch.merge_trees(ancestor, ours, theirs)
        if index.conflicts is not None:
            raise MergeConflict(_conflict_paths(index))
        return index.write_tree(self._scratch)

    def publish(self, tree_id: pygit2.Oid) -> pygit2.Oid:
        """Copy ``tree_id`` and the objects under it missing from the real repo."""
        self._copy(self._real.odb, tree_id)
        return tree_id

    def _copy(self, real_odb: pygit2.Odb, oid: pygit2.Oid) -> None:
        # Children before parents: a crash never leaves a tree whose blobs are missing.
        if oid in real_odb:
            return
        obj_type, data = self._odb.read(oid)
        if obj_type == ObjectType.TREE:
            for entry in cast(pygit2.Tree, self._scratch[oid]):
                self._copy(real_odb, entry.id)
        real_odb.write(obj_type, data)
