"""Fitting a unified diff into a Discord ```diff block within a character budget.

Discord cuts messages at 2,000 characters and embed descriptions at 4,096, and
closes a code block at the first triple backtick it sees. This module turns a
patch into a block that always fits the budget, never contains an inner fence,
and, when it must drop lines, drops context before changes so that a
truncated block still shows ``+``/``-`` lines. The whole patch goes into an
attachment; the block says how many lines it left out.

Pure: no discord import, no I/O. It must never return text longer than the
budget it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "EMBED_DESCRIPTION_LIMIT",
    "MESSAGE_LIMIT",
    "DiffBlock",
    "discord_len",
    "fence",
    "fit_text",
    "neutralise",
    "render_diff_block",
]

#: Characters in one message's content.
MESSAGE_LIMIT = 2000
#: Characters in one embed description.
EMBED_DESCRIPTION_LIMIT = 4096
#: A single line longer than this is cut (minified JSON would eat the budget).
MAX_LINE = 200

_ZWSP = "\u200b"
_BACKTICKS = re.compile(r"`{3,}")
# C0 controls (except tab) and DEL render as nothing or garble the client.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OPEN = "```diff\n"
_CLOSE = "\n```"


def discord_len(text: str) -> int:
    """Length as Discord counts it, erring long: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def neutralise(text: str) -> str:
    """Text safe inside a code block: no run of three backticks, no control characters.

    A zero-width space between backticks keeps them visible but stops them
    closing the fence.
    """
    text = _CONTROLS.sub("\ufffd", text.replace("\r\n", "\n"))
    return _BACKTICKS.sub(lambda m: _ZWSP.join(m.group()), text)


def fence(text: str, language: str = "") -> str:
    """``text`` inside a code block, neutralised."""
    return f"```{language}\n{neutralise(text)}\n```"


def fit_text(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """``text`` cut (at a character boundary) so its :func:`discord_len` is at most ``limit``."""
    if discord_len(text) <= limit:
        return text
    budget = limit - discord_len(ellipsis)
    out: list[str] = []
    used = 0
    for ch in text:
        size = discord_len(ch)
        if used + size > budget:
            break
        out.append(ch)
        used += size
    return "".join(out) + ellipsis


@dataclass(frozen=True)
class DiffBlock:
    """A diff block ready to put in a message or embed."""

    #: The ```diff block, plus a line saying what was left out, when anything was.
    text: str
    #: Lines of the patch shown (after compaction).
    shown_lines: int
    #: Lines of the whole patch.
    total_lines: int
    #: True when anything of the patch is not in :attr:`text`.
    truncated: bool

    @property
    def omitted_lines(self) -> int:
        return self.total_lines - self.shown_lines


@dataclass(frozen=True)
class _Line:
    text: str
    kind: str  # "file" | "hunk" | "change" | "context"


def _is_change(line: str) -> bool:
    return line.startswith(("+", "-")) and not line.startswith(("+++ ", "--- "))


def _classify(patch: str) -> list[_Line]:
    lines: list[_Line] = []
    in_header = False
    for raw in patch.splitlines():
        if raw.startswith("diff --git "):
            in_header = True
            lines.append(_Line(raw, "file"))
        elif raw.startswith("@@"):
            in_header = False
            lines.append(_Line(raw, "hunk"))
        elif in_header:
            lines.append(_Line(raw, "file"))
        elif _is_change(raw):
            lines.append(_Line(raw, "change"))
        else:
            lines.append(_Line(raw, "context"))
    return lines


def _compact(lines: list[_Line], context: int) -> list[_Line]:
    """Drop ``index`` lines and context farther than ``context`` lines from a change."""
    keep = [False] * len(lines)
    for i, line in enumerate(lines):
        if line.kind in ("hunk", "change"):
            keep[i] = True
        elif line.kind == "file":
            keep[i] = not line.text.startswith(("index ", "similarity ", "old mode", "new mode"))
    for i, line in enumerate(lines):
        if line.kind != "change":
            continue
        for j in range(max(0, i - context), min(len(lines), i + context + 1)):
            if lines[j].kind == "context":
                keep[j] = True
    return [line for line, kept in zip(lines, keep, strict=True) if kept]


def _shorten(line: _Line) -> _Line:
    return _Line(fit_text(neutralise(line.text), MAX_LINE), line.kind)


def _was_cut(line: _Line) -> bool:
    return discord_len(neutralise(line.text)) > MAX_LINE


def _take(lines: list[_Line], budget: int) -> list[_Line]:
    """The longest prefix of ``lines`` whose joined length fits ``budget``."""
    taken: list[_Line] = []
    used = 0
    for line in lines:
        size = discord_len(line.text) + (1 if taken else 0)
        if used + size > budget:
            break
        taken.append(line)
        used += size
    return taken


def _changes_first(lines: list[_Line], budget: int) -> list[_Line]:
    """A prefix that surely shows changes: the first file/hunk headers, then change lines only."""
    first = next(i for i, line in enumerate(lines) if line.kind == "change")
    headers = [line for line in lines[:first] if line.kind in ("file", "hunk")][-3:]
    changes = [line for line in lines[first:] if line.kind in ("change", "hunk")]
    picked = _take(headers + changes, budget)
    if not any(line.kind == "change" for line in picked):
        picked = _take(changes, budget)
    if not any(line.kind == "change" for line in picked):
        # Even the first change line is longer than the room left: show it cut to fit.
        first_change = next(line for line in changes if line.kind == "change")
        picked = [_Line(fit_text(first_change.text, budget), "change")] if budget >= 2 else []
    return picked


def render_diff_block(patch: str, *, limit: int = MESSAGE_LIMIT, attachment: str = "") -> DiffBlock:
    """The largest faithful ```diff block of ``patch`` within ``limit`` characters.

    ``attachment`` names the file holding the whole patch, for the
    "N more lines in the attachment" line.
    """
    if not patch.strip():
        text = fit_text("*No changes.*", limit)
        return DiffBlock(text, 0, 0, False)
    original = _classify(patch)
    total = len(original)
    frame = discord_len(_OPEN) + discord_len(_CLOSE)
    full = [_shorten(line) for line in original]
    body = "\n".join(line.text for line in full)
    cut_lines = any(_was_cut(line) for line in original)
    if frame + discord_len(body) <= limit and not cut_lines:
        return DiffBlock(_OPEN + body + _CLOSE, total, total, False)

    where = f" in the attachment `{attachment}`" if attachment else " in the attachment"
    # The note's number can only shrink as lines are added: reserve for the widest.
    note_size = discord_len(f"\n… {total} more lines{where}")
    budget = max(0, limit - frame - note_size)
    shown: list[_Line] = []
    for context in (3, 1, 0):
        compact = [_shorten(line) for line in _compact(original, context)]
        shown = _take(compact, budget)
        if len(shown) == len(compact) or any(line.kind == "change" for line in shown):
            break
    if not any(line.kind == "change" for line in shown) and any(line.kind == "change" for line in original):
        shown = _changes_first([_shorten(line) for line in original], budget)
    omitted = total - len(shown)
    note = f"\n… {omitted} more lines{where}" if omitted else f"\n… long lines are cut; the whole patch is{where}"
    note = fit_text(note, note_size)
    text = _OPEN + "\n".join(line.text for line in shown) + _CLOSE + note
    if discord_len(text) > limit:  # only when the budget is smaller than the frame itself
        text = fit_text(f"Diff of {total} lines{where}.", limit)
        return DiffBlock(text, 0, total, True)
    return DiffBlock(text, len(shown), total, True)
