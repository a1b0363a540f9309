"""Incremental indexing: parse a document in heading-delimited chunks, remembered by text.

A plan file changes a few sections per step, and markdown-it-py's block parser
costs about 0.5 ms per KB. So a document is cut before every line that starts an
ATX heading at column 0 (``# ``...``###### ``), each piece is parsed alone, and
the facts of a piece are kept in a process-wide cache keyed by its exact text.
The next time the same file, or a later version of it, is indexed, only the
pieces whose text changed are parsed again.

Why the pieces give the same facts as one parse of the whole text (the tests
check this against :func:`._index.parse_whole` on every fixture, the corpus and
generated documents): CommonMark block parsing restarts cleanly at the first
line of a top-level block, and a column-0 ATX heading line is one, because no
block can continue through it: a heading interrupts a paragraph, a table and a
link reference definition; it is never a lazy continuation line, so lists and
block quotes end before it; indented code cannot hold a column-0 line. Only a
fenced code block or an HTML block can run through it. When a piece ends inside
one of those (:func:`._index.scan_chunk` reports it open), the piece is parsed
again together with the next one, and if still open, with the rest of the text.

The cache is bounded by the characters of the texts it keeps (least recently
used pieces go first) and is safe to use from several threads.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from ._cache import TextCache
from ._index import (
    Facts,
    clear_window_cache,
    facts_before,
    open_at_end,
    scan_chunk,
    shift_facts,
)

__all__ = ["CACHE_MAX_CHARS", "cache_info", "clear_cache", "parse_facts", "remember"]

#: Upper bound of the characters of text whose facts are kept (full: ~15 MB, measured).
CACHE_MAX_CHARS = 4_000_000

_ATX_START_RE = re.compile(r"#{1,6}(?:[ \t]|\r|\n|$)")


def _starts_piece(line: str) -> bool:
    """Whether ``line`` starts an ATX heading at column 0 (a piece starts before it)."""
    return line[:1] == "#" and _ATX_START_RE.match(line) is not None


# (facts of the piece parsed alone or None when not needed, whether its last block is open)
_Entry = tuple[Facts | None, bool]
_CACHE: TextCache[_Entry] = TextCache(CACHE_MAX_CHARS)


def clear_cache() -> None:
    """Forget every remembered piece and window (benchmarks use it to measure a first parse)."""
    _CACHE.clear()
    clear_window_cache()


def cache_info() -> dict[str, int]:
    """Entries, characters kept, hits and misses of the piece cache."""
    return _CACHE.info()


def _split_points(lines: Sequence[str]) -> list[int]:
    points = [0]
    for number in range(1, len(lines)):
        if _starts_piece(lines[number]):
            points.append(number)
    points.append(len(lines))
    return points


def _piece(lines: Sequence[str], start: int, end: int, *, need_facts: bool) -> _Entry:
    """Facts of ``lines[start:end]`` parsed alone (numbered from 0), and whether it is open.

    The facts of an open piece may be unknown (None) unless ``need_facts``.
    """
    text = "".join(lines[start:end])
    found = _CACHE.get(text)
    if found is None or (found[0] is None and need_facts):
        local = lines[start:end]
        found = scan_chunk(local, 0, len(local))
        _CACHE.put(text, found, replace=True)
    return found


def _stops(points: Sequence[int], index: int) -> list[int]:
    """Where the piece starting at ``points[index]`` may end: the next point; if that piece
    is open, the one after; if still open, the end of the text."""
    last = len(points) - 1
    return sorted({points[min(index + 1, last)], points[min(index + 2, last)], points[last]})


def _shifted(facts: Facts, delta: int) -> Facts:
    return facts if delta == 0 else shift_facts(facts, delta, 0)


def parse_facts(lines: Sequence[str]) -> Facts:
    """Facts of a whole document, parsing only pieces not seen before."""
    points = _split_points(lines)
    parts: list[Facts] = []
    index = 0
    last = len(points) - 1
    while index < last:
        start = points[index]
        stops = _stops(points, index)
        for stop in stops:
            facts, open_end = _piece(lines, start, stop, need_facts=stop == stops[-1])
            if not open_end or stop == stops[-1]:
                break
        assert facts is not None
        parts.append(_shifted(facts, start))
        index = points.index(stop, index + 1)
    if len(parts) == 1:
        return parts[0]
    return Facts(
        tuple(x for p in parts for x in p.blocks),
        tuple(x for p in parts for x in p.headings),
        tuple(x for p in parts for x in p.code),
        tuple(x for p in parts for x in p.tasks),
        tuple(x for p in parts for x in p.markers),
    )


def _piece_start(lines: Sequence[str], facts: Facts, line: int) -> int:
    """The nearest piece start at or before ``line`` where a top-level block begins
    (an ATX-looking line inside a fence or an HTML block is skipped)."""
    blocks = facts.blocks
    while line > 0:
        if _starts_piece(lines[line]):
            inside = bisect_left(blocks, (line, -1)) - 1
            if inside < 0 or blocks[inside][1] <= line:
                return line
        line -= 1
    return 0


def _piece_stop(lines: Sequence[str], line: int) -> int:
    for number in range(max(line, 1), len(lines)):
        if _starts_piece(lines[number]):
            return number
    return len(lines)


def _slice(facts: Facts, start: int, end: int) -> Facts:
    """Facts starting in ``[start, end)``, numbered from ``start``."""
    return shift_facts(facts_before(facts, end), -start, start)


def remember(lines: Sequence[str], facts: Facts, changed: Iterable[tuple[int, int]]) -> None:
    """Keep the pieces of an edited document that hold the ``changed`` line ranges.

    ``facts`` must be what a parse of the whole of ``lines`` gives (the
    patcher's result is: :func:`._index.reparse_window` either refuses an edit
    or returns exactly those facts), so the next index of this text finds every
    piece in the cache. A piece whose last block runs on past
    its end is kept as *open* (facts unknown), and the longer piece that
    :func:`parse_facts` would try next is kept in full.
    """
    total = len(lines)
    done: set[int] = set()
    for first, last in changed:
        start = _piece_start(lines, facts, min(first, total - 1))
        while start < total and start not in done:
            done.add(start)
            next_point = _piece_stop(lines, start + 1)
            after = _piece_stop(lines, next_point + 1) if next_point < total else total
            stop = next_point
            for stop in sorted({next_point, after, total}):
                text = "".join(lines[start:stop])
                local = _slice(facts, start, stop)
                if local.blocks and local.blocks[-1][1] > stop - start:
                    # Its last block runs on: alone, this piece reads as open.
                    _CACHE.put(text, (None, True))
                    continue
                _CACHE.put(text, (local, open_at_end(local, lines[start:stop], 0, stop - start)))
                break
            if stop >= last:
                break
            start = stop
