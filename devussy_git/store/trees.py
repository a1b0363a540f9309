"""Building and reading git trees in memory (no work tree, no index file).

:func:`write_changes` applies ``{path: text | None}`` on top of a base tree
by rebuilding only the directories on the changed paths, so the cost of a
commit depends on the size of the change, not of the history. This module is
private to the store; it must never move a ref.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

import pygit2
from pygit2.enums import FileMode, ObjectType

from devussy_git.errors import InvalidInputError, NotFoundError

from .validation import validate_path

__all__ = [
    "blob",
    "check_changes",
    "entry_id",
    "iter_files",
    "lookup_blob",
    "precheck_changes",
    "write_changes",
]

_MAX_FILE_BYTES = 8 * 1024 * 1024
Changes = Mapping[str, str | None]


def check_changes(files: Changes) -> dict[tuple[str, ...], bytes | None]:
    """Validate paths and texts; return ``{path parts: utf-8 bytes | None}``."""
    if not isinstance(files, Mapping):
        raise InvalidInputError("Files to commit must be a mapping of path to text.")
    out: dict[tuple[str, ...], bytes | None] = {}
    for path, text in files.items():
        validate_path(path)
        if text is None:
            out[tuple(path.split("/"))] = None
            continue
        if not isinstance(text, str):
            raise InvalidInputError(f"{path}: only text files can be stored (got {type(text).__name__}).")
        if "\x00" in text:
            raise InvalidInputError(f"{path}: a text file may not contain NUL bytes.")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInputError(f"{path}: the text is not valid UTF-8.") from exc
        if len(data) > _MAX_FILE_BYTES:
            raise InvalidInputError(f"{path}: larger than {_MAX_FILE_BYTES // 1024 // 1024} MiB.")
        out[tuple(path.split("/"))] = data
    parts = set(out)
    for key in out:
        for depth in range(1, len(key)):
            prefix = key[:depth]
            if prefix in parts and out[prefix] is not None:
                raise InvalidInputError(f"{'/'.join(prefix)} cannot be both a file and a directory in one change.")
    return out


def _lookup(tree: pygit2.Tree | None, path: str) -> pygit2.Object | None:
    if tree is None:
        return None
    try:
        return tree[path]
    except KeyError:
        return None


def precheck_changes(base: pygit2.Tree | None, changes: dict[tuple[str, ...], bytes | None]) -> None:
    """Refuse, before anything is written, changes that cannot apply to ``base``."""
    for key, data in changes.items():
        path = "/".join(key)
        existing = _lookup(base, path)
        if data is None:
            if existing is None or existing.type != ObjectType.BLOB:
                raise NotFoundError(f"Cannot delete {path}: no such file.")
            continue
        if existing is not None and existing.type == ObjectType.TREE:
            raise InvalidInputError(f"Cannot write {path}: it is a directory.")
        for depth in range(1, len(key)):
            prefix = key[:depth]
            above = _lookup(base, "/".join(prefix))
            if above is not None and above.type == ObjectType.BLOB and prefix not in changes:
                raise InvalidInputError(f"Cannot write {path}: {'/'.join(prefix)} is a file.")


def _write_level(
    repo: pygit2.Repository,
    base: pygit2.Tree | None,
    changes: dict[tuple[str, ...], bytes | None],
    prefix: str,
) -> pygit2.Oid | None:
    """Write the tree for one directory level; ``None`` when it ends up empty."""
    builder = repo.TreeBuilder(base) if base is not None else repo.TreeBuilder()
    subdirs: dict[str, dict[tuple[str, ...], bytes | None]] = {}
    # Deletions first, so "delete a, create a/b" works in one change.
    for key in sorted(changes, key=lambda k: (changes[k] is not None, k)):
        data = changes[key]
        name = key[0]
        if len(key) > 1:
            subdirs.setdefault(name, {})[key[1:]] = data
            continue
        existing = _lookup(base, name)
        full = prefix + name
        if data is None:
            if existing is None or existing.type != ObjectType.BLOB:
                raise NotFoundError(f"Cannot delete {full}: no such file.")
            builder.remove(name)
        else:
            if existing is not None and existing.type == ObjectType.TREE:
                raise InvalidInputError(f"Cannot write {full}: it is a directory.")
            builder.insert(name, repo.create_blob(data), FileMode.BLOB)
    for name, sub in subdirs.items():
        existing = _lookup(base, name)
        full = prefix + name
        if existing is not None and existing.type != ObjectType.TREE:
            if changes.get((name,), b"") is not None:
                raise InvalidInputError(f"Cannot write under {full}: it is a file.")
            existing = None
        subtree = existing if isinstance(existing, pygit2.Tree) else None
        new_id = _write_level(repo, subtree, sub, full + "/")
        if new_id is None:
            if subtree is not None:
                builder.remove(name)
        else:
            builder.insert(name, new_id, FileMode.TREE)
    if len(builder) == 0:
        return None
    return builder.write()


def write_changes(
    repo: pygit2.Repository, base: pygit2.Tree | None, changes: dict[tuple[str, ...], bytes | None]
) -> pygit2.Oid:
    """Write blobs and trees for ``changes`` applied to ``base``; return the root tree id."""
    new_id = _write_level(repo, base, changes, "")
    if new_id is None:
        return repo.TreeBuilder().write()
    return new_id


def entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    """The id of the blob or tree at ``path`` in ``tree``, or ``None``."""
    try:
        return tree[path].id
    except KeyError:
        return None


def lookup_blob(tree: pygit2.Tree, path: str) -> pygit2.Blob | None:
    """The blob at ``path`` in ``tree``, or ``None`` (missing, or a directory)."""
    try:
        obj = tree[path]
    except KeyError:
        return None
    return obj if isinstance(obj, pygit2.Blob) else None


def blob(repo: pygit2.Repository, key: str | pygit2.Oid) -> pygit2.Blob:
    """The blob ``key`` names (pygit2 types a lookup as any object)."""
    return cast(pygit2.Blob, repo[key])


def iter_files(tree: pygit2.Tree, prefix: str = "") -> Iterator[tuple[str, pygit2.Object]]:
    """Every blob under ``tree`` as ``(path, blob)``, depth first."""
    for entry in tree:
        path = prefix + (entry.name or "")  # an entry of a tree always has a name
        if entry.type == ObjectType.TREE:
            yield from iter_files(entry, path + "/")  # type: ignore[arg-type]
        elif entry.type == ObjectType.BLOB:
            yield path, entry
