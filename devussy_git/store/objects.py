"""Counting the objects of a bare repository on disk, as git would.

Used for ``count_objects`` (tests that prove nothing was written) and for
git's automatic abbreviation length in diff headers. Read-only; it never
opens an object, only directory listings and pack index headers.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["git_abbrev_length", "loose_object_count", "packed_object_count"]

_SHORTEST_ABBREV = 7


def loose_object_count(objects_dir: Path) -> int:
    """Loose object files under ``objects/xx/``.

    A ``git gc`` running meanwhile (another process packing) removes the
    directories it empties: a directory gone between listing and reading
    counts as empty, as it now is.
    """
    count = 0
    for entry in os.scandir(objects_dir):
        if len(entry.name) == 2 and entry.is_dir():
            try:
                count += sum(1 for f in os.scandir(entry.path) if len(f.name) == 38)
            except FileNotFoundError:
                continue
    return count


def packed_object_count(objects_dir: Path) -> int:
    """Objects in all packs (an object in two packs counts twice, as in git)."""
    count = 0
    pack_dir = objects_dir / "pack"
    if not pack_dir.is_dir():
        return 0
    for idx in pack_dir.glob("*.idx"):
        try:
            with idx.open("rb") as fh:
                header = fh.read(8 + 256 * 4)
        except FileNotFoundError:
            continue  # a git gc running meanwhile replaced it: the count is an estimate then
        # The last fan-out entry is the object count; version 2+ indexes
        # start with an 8-byte magic and version before the table.
        end = 8 + 256 * 4 if header[:4] == b"\xfftOc" else 256 * 4
        count += int.from_bytes(header[end - 4 : end], "big")
    return count


def git_abbrev_length(objects_dir: Path) -> int:
    """git's automatic ``core.abbrev``: from the *packed* object count, at least 7.

    git takes ``ceil((msb(count) + 1) / 2)`` hex digits, so a repository with
    16,384 or more packed objects gets 8-digit abbreviations.
    """
    count = packed_object_count(objects_dir)
    return max(_SHORTEST_ABBREV, (count.bit_length() + 1) // 2)
