"""git's rename detection for ``git diff`` (git 2.39 ``diffcore-rename.c``).

libgit2 finds renames with its own similarity measure, which disagrees with
git's on small files, so the store pairs deleted and added files itself,
the way ``git diff`` does by default: exact renames first (same blob), then
files with the same unique basename and at least 75 % similarity, then the
best remaining pairs of at least 50 %. Similarity is git's span-hash
estimate (``diffcore-delta.c``). Pure: it only reads the bytes it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_SCORE", "Rename", "find_renames", "similarity_percent"]

MAX_SCORE = 60000
_MIN_SCORE = 30000  # git's default -M50%
_BASENAME_SCORE = _MIN_SCORE + (MAX_SCORE - _MIN_SCORE) // 2
_HASHBASE = 107927
_CANDIDATES_PER_DST = 4
_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class Rename:
    """A deleted path paired with an added one, and git's score (of 60,000)."""

    old_path: str
    new_path: str
    score: int


def similarity_percent(score: int) -> int:
    return score * 100 // MAX_SCORE


def _span_counts(data: bytes) -> dict[int, int]:
    """git's ``hash_chars``: bytes per hash of each line (or 64-byte span)."""
    is_text = b"\0" not in data[:8000]
    counts: dict[int, int] = {}
    n = accum1 = accum2 = 0
    size = len(data)
    for i, c in enumerate(data):
        if is_text and c == 13 and i + 1 < size and data[i + 1] == 10:
            continue  # CR of a CRLF
        old1 = accum1
        accum1 = ((accum1 << 7) ^ (accum2 >> 25)) & _MASK
        accum2 = ((accum2 << 7) ^ (old1 >> 25)) & _MASK
        accum1 = (accum1 + c) & _MASK
        n += 1
        if n < 64 and c != 10:
            continue
        key = ((accum1 + accum2 * 0x61) & _MASK) % _HASHBASE
        counts[key] = counts.get(key, 0) + n
        n = accum1 = accum2 = 0
    # git 2.39 does not hash a last line without a newline (it never counts as copied).
    return counts


class _Scorer:
    def __init__(self, read: Callable[[str], bytes]) -> None:
        self._read = read
        self._spans: dict[str, dict[int, int]] = {}

    def spans(self, blob_id: str) -> dict[int, int]:
        if blob_id not in self._spans:
            self._spans[blob_id] = _span_counts(self._read(blob_id))
        return self._spans[blob_id]

    def score(self, src: tuple[str, str, int], dst: tuple[str, str, int], minimum: int) -> int:
        """git's ``estimate_similarity`` for (path, blob id, size) pairs."""
        max_size = max(src[2], dst[2])
        delta = max_size - min(src[2], dst[2])
        if max_size * (MAX_SCORE - minimum) < delta * MAX_SCORE:
            return 0
        if not dst[2]:
            return 0
        src_counts, dst_counts = self.spans(src[1]), self.spans(dst[1])
        copied = sum(min(cnt, dst_counts.get(key, 0)) for key, cnt in src_counts.items())
        return copied * MAX_SCORE // max_size


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _sort_key(item: tuple[int, int, int, int]) -> tuple[int, int, int]:
    score, name_score, dst, _src = item
    # Unused slots (dst < 0) sink; then higher score, then same basename first.
    return (1 if dst < 0 else 0, -score, -name_score)


def find_renames(
    deleted: list[tuple[str, str, int]],
    added: list[tuple[str, str, int]],
    read: Callable[[str], bytes],
) -> list[Rename]:
    """Pair ``deleted`` and ``added`` files, each ``(path, blob id, size)`` in path order."""
    pairs: dict[int, Rename] = {}  # dst index -> rename
    used: set[int] = set()
    # 1. exact renames: same blob; prefer an unused source with the same basename
    for d, (dpath, dblob, _dsize) in enumerate(added):
        best: int | None = None
        for s, (spath, sblob, _ssize) in enumerate(deleted):
            if sblob != dblob or s in used:
                continue
            if best is None:
                best = s
            if _basename(spath) == _basename(dpath):
                best = s
                break
        if best is not None:
            pairs[d] = Rename(deleted[best][0], dpath, MAX_SCORE)
            used.add(best)
    scorer = _Scorer(read)
    # 2. unique basenames on both sides, similar enough
    sources = [s for s in range(len(deleted)) if s not in used]
    src_names: dict[str, int] = {}
    for s in sources:
        name = _basename(deleted[s][0])
        src_names[name] = -1 if name in src_names else s
    dst_names: dict[str, int] = {}
    for d in range(len(added)):
        if d not in pairs:
            name = _basename(added[d][0])
            dst_names[name] = -1 if name in dst_names else d
    for s in sources:
        name = _basename(deleted[s][0])
        d = dst_names.get(name, -1)
        if src_names[name] == -1 or d == -1 or d in pairs:
            continue
        score = scorer.score(deleted[s], added[d], _BASENAME_SCORE)
        if score >= _BASENAME_SCORE:
            pairs[d] = Rename(deleted[s][0], added[d][0], score)
            used.add(s)
    # 3. the best remaining pairs (git keeps the 4 best sources per destination)
    sources = [s for s in range(len(deleted)) if s not in used]
    matrix: list[tuple[int, int, int, int]] = []
    for d in range(len(added)):
        if d in pairs:
            continue
        slots = [(0, 0, -1, -1)] * _CANDIDATES_PER_DST
        for s in sources:
            item = (
                scorer.score(deleted[s], added[d], _MIN_SCORE),
                int(_basename(deleted[s][0]) == _basename(added[d][0])),
                d,
                s,
            )
            worst = 0
            for i in range(1, _CANDIDATES_PER_DST):
                if _sort_key(slots[i]) > _sort_key(slots[worst]):
                    worst = i
            if _sort_key(slots[worst]) > _sort_key(item):
                slots[worst] = item
        matrix.extend(slots)
    matrix.sort(key=_sort_key)  # stable, as git's STABLE_QSORT
    for score, _name, d, s in matrix:
        if d < 0 or score < _MIN_SCORE:
            break
        if d in pairs or s in used:
            continue
        pairs[d] = Rename(deleted[s][0], added[d][0], score)
        used.add(s)
    return [pairs[d] for d in sorted(pairs)]
