"""The raw facts of a markdown text, found with markdown-it-py's block parser.

A :class:`Facts` holds, by 0-based source line, what the section model needs:
top-level block ranges, top-level headings, code ranges, task items and anchor
marker comments. Only the block parser runs (inline parsing is disabled): it is
all the section model needs and it is the expensive part of markdown-it-py.

:func:`reparse_window` re-reads only the part of a document an edit touched.
CommonMark block parsing restarts cleanly at the first line of a top-level
block. So the window runs from a top-level block wholly before the edit to the
end of the first top-level block after it, both widened to a blank line (a link
reference definition makes no token and can read on over several blocks; only
a blank line is sure to end it). Re-parsing that window, and checking that the
block after the edit still starts where it did, gives the same facts as a full
parse. The window parse of the old and of
the new text are compared token by token outside the edit, so content that
changes how its neighbours are read (an unclosed fence, a lazy paragraph line,
a setext underline, a reference title closed further down) is caught here.

Markers and task boxes are recognized by :mod:`.grammar`, the patterns every reader
of a plan shares (``MARKER_RE`` and ``OWN_LINE_MARKER_RE`` are re-exported here for
the modules that import them from the index). This module never edits text and
never decides whether an edit is allowed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ._cache import TextCache
from .grammar import MARKER_RE, OWN_LINE_MARKER_RE, MarkerFact, match_task_line, scan_markers

__all__ = [
    "BLOCK_PARSER",
    "MARKER_RE",
    "OWN_LINE_MARKER_RE",
    "Facts",
    "WindowResult",
    "clear_window_cache",
    "facts_before",
    "parse_whole",
    "reparse_window",
    "scan_chunk",
    "shift_facts",
]

#: CommonMark + GFM tables, block rules only (task boxes are read from the source line).
BLOCK_PARSER = MarkdownIt("commonmark").enable("table")
BLOCK_PARSER.disable("inline")

# (line, end, level, text) of a top-level heading.
HeadingFact = tuple[int, int, int, str]
# (line, checked, column of the mark character, text after the box).
TaskFact = tuple[int, bool, int, str]
# (type, tag, level, nesting, first line, end line, markup, info) of a block token.
Signature = tuple[str, str, int, int, int, int, str, str]


@dataclass(frozen=True, slots=True)
class Facts:
    """What one parse found, every line number 0-based in the whole document."""

    blocks: tuple[tuple[int, int], ...]
    """``(first, end)`` line range of each top-level block, in order."""
    headings: tuple[HeadingFact, ...]
    """Top-level headings (not those in lists, quotes, code or HTML)."""
    code: tuple[tuple[int, int], ...]
    """Line ranges of fenced and indented code, at any depth."""
    tasks: tuple[TaskFact, ...]
    markers: tuple[MarkerFact, ...]


@dataclass(frozen=True, slots=True)
class WindowResult:
    """Facts of the edited document, or the lines where its reading changed."""

    facts: Facts | None
    changed_lines: tuple[int, int] | None = None
    """0-based range of the new text whose parse differs outside the edit."""


def _strip_end(line: str) -> str:
    return line.rstrip("\r\n")


def _scan(lines: Sequence[str], start: int, end: int, with_signature: bool) -> tuple[Facts, list[Signature]]:
    tokens = BLOCK_PARSER.parse("".join(lines[start:end]))
    return _facts_of(tokens, lines, start, end, with_signature)


def scan_chunk(lines: Sequence[str], start: int, end: int) -> tuple[Facts, bool]:
    """Facts of ``lines[start:end]`` parsed alone, and :func:`open_at_end` of them."""
    tokens = BLOCK_PARSER.parse("".join(lines[start:end]))
    facts, _ = _facts_of(tokens, lines, start, end, False)
    return facts, open_at_end(facts, lines, start, end)


_FENCE_OPEN_RE = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})")
_FENCE_CLOSE_RE = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})[ \t]*$")


def open_at_end(facts: Facts, lines: Sequence[str], start: int, end: int) -> bool:
    """Whether the last block of ``lines[start:end]`` might go on past ``end``.

    ``facts`` are those of the range parsed alone. The last block is *open*
    when it reaches ``end`` and is a fenced code block without its closing
    fence, or anything that starts like an HTML block other than a comment that
    is closed on its last line. Every other block is closed by a line that
    starts an ATX heading at column 0 (see :mod:`._chunks`). Saying *open* when
    unsure is always safe: the caller then parses a longer range.
    """
    index = bisect_left(facts.blocks, (end, -1)) - 1
    if index < 0:
        return False
    first, stop = facts.blocks[index]
    if first < start or stop < end:
        return False
    head = _strip_end(lines[first])
    closing = _strip_end(lines[stop - 1])
    code = bisect_left(facts.code, (first, stop))
    if code < len(facts.code) and facts.code[code] == (first, stop):
        opening = _FENCE_OPEN_RE.match(head)
        if opening is None:
            return False  # indented code: a column-0 line ends it
        match = _FENCE_CLOSE_RE.match(closing)
        return not (
            stop - first >= 2
            and match is not None
            and match["run"][0] == opening["run"][0]
            and len(match["run"]) >= len(opening["run"])
        )
    text = head.lstrip(" ")
    if text.startswith("<"):
        # An HTML comment ends at its first "-->"; other HTML blocks end at a blank line.
        return not (text.startswith("<!--") and "-->" in closing)
    return False


def _facts_of(
    tokens: Sequence[Token], lines: Sequence[str], start: int, end: int, with_signature: bool
) -> tuple[Facts, list[Signature]]:
    blocks: list[tuple[int, int]] = []
    headings: list[HeadingFact] = []
    code: list[tuple[int, int]] = []
    tasks: list[TaskFact] = []
    signature: list[Signature] = []
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        first, last = token.map[0] + start, token.map[1] + start
        if with_signature:
            signature.append((token.type, token.tag, token.level, token.nesting, first, last, token.markup, token.info))
        if token.level == 0 and token.nesting >= 0:
            blocks.append((first, last))
        kind = token.type
        if kind == "heading_open" and token.level == 0:
            text = " ".join(tokens[index + 1].content.split())
            headings.append((first, last, int(token.tag[1]), text))
        elif kind in ("fence", "code_block"):
            code.append((first, last))
        elif kind == "list_item_open":
            task = match_task_line(_strip_end(lines[first]))
            if task:
                tasks.append((first, *task))
    markers = scan_markers(lines, start, end, code)
    facts = Facts(tuple(blocks), tuple(headings), tuple(code), tuple(tasks), markers)
    return facts, signature


def parse_whole(lines: Sequence[str]) -> Facts:
    """Parse a whole document in one piece (the reference :mod:`._chunks` is checked against)."""
    facts, _ = _scan(lines, 0, len(lines), with_signature=False)
    return facts


_WINDOWS: TextCache[tuple[Facts, tuple[Signature, ...]]] = TextCache(1_000_000)


def clear_window_cache() -> None:
    """Forget the remembered edit windows."""
    _WINDOWS.clear()


def _scan_window(lines: Sequence[str], start: int, end: int) -> tuple[Facts, tuple[Signature, ...]]:
    """Facts and token signature of ``lines[start:end]`` parsed alone, numbered from 0.

    Remembered by text: the window an edit leaves behind is, more often than not,
    the window the next edit of the same place starts from.
    """
    text = "".join(lines[start:end])
    found = _WINDOWS.get(text)
    if found is None:
        local = lines[start:end]
        facts, signature = _facts_of(BLOCK_PARSER.parse(text), local, 0, len(local), with_signature=True)
        found = (facts, tuple(signature))
        _WINDOWS.put(text, found)
    return found


def shift_facts(facts: Facts, delta: int, lo: int) -> Facts:
    """Facts at or after line ``lo``, moved by ``delta`` lines."""
    if lo <= 0:
        b = h = c = t = m = 0
    else:
        b, h, c, t, m = _firsts(facts, lo)
    if delta == 0:
        return Facts(facts.blocks[b:], facts.headings[h:], facts.code[c:], facts.tasks[t:], facts.markers[m:])
    return Facts(
        tuple((s + delta, e + delta) for s, e in facts.blocks[b:]),
        tuple((s + delta, e + delta, lv, tx) for s, e, lv, tx in facts.headings[h:]),
        tuple((s + delta, e + delta) for s, e in facts.code[c:]),
        tuple((s + delta, ck, col, tx) for s, ck, col, tx in facts.tasks[t:]),
        tuple((s + delta, nm, kd, own) for s, nm, kd, own in facts.markers[m:]),
    )


def _firsts(facts: Facts, lo: int) -> tuple[int, int, int, int, int]:
    """Index of the first fact of each kind that starts at or after line ``lo``."""
    b = bisect_left(facts.blocks, (lo, -1))
    h = bisect_left(facts.headings, (lo,))
    c = bisect_left(facts.code, (lo, -1))
    t = bisect_left(facts.tasks, (lo,))
    m = bisect_left(facts.markers, (lo,))
    return b, h, c, t, m


def facts_before(facts: Facts, hi: int) -> Facts:
    """Facts that start before line ``hi``."""
    b, h, c, t, m = _firsts(facts, hi)
    return Facts(facts.blocks[:b], facts.headings[:h], facts.code[:c], facts.tasks[:t], facts.markers[:m])


def _concat(a: Facts, b: Facts, c: Facts) -> Facts:
    return Facts(
        a.blocks + b.blocks + c.blocks,
        a.headings + b.headings + c.headings,
        a.code + b.code + c.code,
        a.tasks + b.tasks + c.tasks,
        a.markers + b.markers + c.markers,
    )


def _outside(signature: Sequence[Signature], lo: int, hi: int, shift_from: int, delta: int) -> list[Signature]:
    """Tokens lying wholly before ``lo`` or wholly at/after ``hi``, re-based."""
    kept: list[Signature] = []
    for sig in signature:
        first, last = sig[4], sig[5]
        if last <= lo or first >= hi:
            if first >= shift_from:
                sig = (*sig[:4], first + delta, last + delta, *sig[6:])
            kept.append(sig)
    return kept


def _blank(line: str) -> bool:
    return not line.strip(" \t\r\n")


def _window_start(blocks: Sequence[tuple[int, int]], lines: Sequence[str], lo: int) -> int:
    """Where to start re-parsing for an edit of lines from ``lo`` on.

    At the first line of a top-level block that lies wholly before ``lo`` and
    follows a blank line (or starts the text). That block is parsed again and
    compared, so an edit that changes how it reads (a setext underline, a table
    delimiter row, a lazy line) is caught. The blank line matters because a link
    reference definition makes no token and reads on like a paragraph, through
    setext underlines and lazy lines, over several blocks: an edit can close its
    title or label further down. Nothing but a blank line is sure to end one.
    """
    k = bisect_left(blocks, (lo, -1)) - 1
    if k >= 0 and blocks[k][1] > lo:
        k -= 1  # it straddles ``lo``: the edit is inside it
    while k >= 0:
        first = blocks[k][0]
        if first == 0 or _blank(lines[first - 1]):
            return first
        k -= 1
    return 0


def _window_stop(blocks: Sequence[tuple[int, int]], lines: Sequence[str], j: int) -> int:
    """The end of block ``j`` or of the blocks right after it, at a blank line or the end.

    The blocks after the edit are parsed again and compared up to a blank line,
    for the same reason as in :func:`_window_start`: a reference definition the
    edit starts can read on over them.
    """
    stop = blocks[j][1]
    k = j + 1
    while stop < len(lines) and not _blank(lines[stop]):
        while k < len(blocks) and blocks[k][0] < stop:
            k += 1
        if k < len(blocks) and blocks[k][0] == stop:
            stop = blocks[k][1]
        else:
            stop += 1  # a line no block holds: part of a reference definition
    return stop


def reparse_window(
    facts: Facts,
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    start: int,
    end: int,
    inserted: int,
    scope: tuple[int, int] | None = None,
) -> WindowResult:
    """Facts of ``new_lines``: ``old_lines[start:end]`` replaced by ``inserted`` lines.

    ``facts`` are those of ``old_lines``. ``scope`` (old lines, containing the
    splice) is what the edit may change; it defaults to ``[start, end)``.
    Returns ``facts=None`` with the line range that reads differently when the
    edit changes the parse of anything wholly outside the scope.
    """
    delta = inserted - (end - start)
    lo, hi = scope if scope is not None else (start, end)
    lo, hi = min(lo, start), max(hi, end)
    blocks = facts.blocks
    w0 = _window_start(blocks, old_lines, lo)
    j = bisect_left(blocks, (hi, -1))
    if j < len(blocks):
        resync: int | None = blocks[j][0]
        old_stop = _window_stop(blocks, old_lines, j)
    else:
        resync = None
        old_stop = len(old_lines)
    new_stop = old_stop + delta
    # Window-relative line numbers from here on: both windows start at ``w0``.
    old_sig = _scan_window(old_lines, w0, old_stop)[1]
    new_rel, new_sig = _scan_window(new_lines, w0, new_stop)
    lo_r, hi_r = lo - w0, hi - w0
    expected = _outside(old_sig, lo_r, hi_r, hi_r, delta)
    actual = _outside(new_sig, lo_r, hi_r + delta, hi_r + delta, 0)
    if expected != actual:
        first, last = _first_difference(expected, actual, start - w0, new_stop - w0)
        return WindowResult(None, (first + w0, last + w0))
    new_part = shift_facts(new_rel, w0, 0)
    if resync is not None:
        resync_new = resync + delta
        if not any(first == resync_new for first, _ in new_part.blocks):
            return WindowResult(None, (start, new_stop))
        window = facts_before(new_part, resync_new)
        tail = shift_facts(facts, delta, resync)
    else:
        window = new_part
        tail = Facts((), (), (), (), ())
    return WindowResult(_concat(facts_before(facts, w0), window, tail))


def _first_difference(expected: Sequence[Signature], actual: Sequence[Signature], lo: int, hi: int) -> tuple[int, int]:
    for old, new in zip(expected, actual, strict=False):
        if old != new:
            return (min(old[4], new[4]), max(old[5], new[5]))
    if len(expected) != len(actual):
        longer = expected if len(expected) > len(actual) else actual
        extra = longer[min(len(expected), len(actual))]
        return (extra[4], extra[5])
    return (lo, hi)
