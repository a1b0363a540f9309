"""The one grammar of anchor markers and task lines, for every reader of a plan.

Devussy's anchors are HTML comments ``<!-- NAME_START -->`` / ``<!-- NAME_END -->``;
a task line is a list item whose text starts with a box, ``- [ ] 1.3: text``.
The section model (:mod:`.document`) applies these patterns to the lines
markdown-it-py's block parser says are not code, and the plan package reads
anchors and tasks only through that model, so no two readers can disagree:

- a marker counts when it stands alone on its line, after indentation or quote
  marks; spacing inside the comment does not matter (``<!--NAME_START-->``);
- a box is ``[ ]``, ``[x]`` or ``[X]`` right after a list bullet (``-``, ``*``,
  ``+``, ``1.``, ``1)``), also in the escaped form ``\\[x\\]`` that mdformat writes
  when it does not know task lists: the item is the same task;
- a task's id is the number at the start of its text (``1.3``, ``**1.3**``).

Pure: patterns and small functions on one line; no parsing of whole documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "MARKER_RE",
    "OWN_LINE_MARKER_RE",
    "TASK_ID_RE",
    "TASK_LINE_RE",
    "match_task_line",
    "scan_markers",
    "task_id_of",
]

#: An anchor marker comment anywhere in a line.
MARKER_RE = re.compile(r"<!--[ \t]*([A-Za-z0-9_]+?)_(START|END)[ \t]*-->")
#: An anchor marker that is alone on its line (after indentation or ``>``).
OWN_LINE_MARKER_RE = re.compile(
    r"^(?P<prefix>[ \t>]*)<!--[ \t]*(?P<name>[A-Za-z0-9_]+?)_(?P<kind>START|END)[ \t]*-->[ \t]*$"
)
#: A list item line starting with a box; ``esc`` is set for the ``\[x\]`` form.
TASK_LINE_RE = re.compile(
    r"^(?P<pre>[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+)"
    r"(?P<esc>\\)?\[(?P<mark>[ xX])(?(esc)\\)\](?=[ \t]|$)[ \t]*(?P<text>.*?)[ \t]*$"
)
#: The id at the start of a task's text.
TASK_ID_RE = re.compile(r"^(?:\*\*)?(?P<id>\d+(?:\.\d+)+|\d+(?=:))(?:\*\*)?[:.)]?(?=\s|$)")

# (line, name, "START" | "END", alone on its line).
MarkerFact = tuple[int, str, str, bool]


def match_task_line(line: str) -> tuple[bool, int, str] | None:
    """``(checked, column of the box's mark, text after the box)`` of a task line
    (without its line ending), or ``None``. Whether the line is a list item at all
    is the block parser's call; this only reads the box."""
    match = TASK_LINE_RE.match(line)
    if match is None:
        return None
    return match["mark"] != " ", match.start("mark"), match["text"]


def task_id_of(text: str) -> str | None:
    """The id a task's text starts with (``1.3: Add CI`` → ``1.3``), or ``None``."""
    match = TASK_ID_RE.match(text)
    return match["id"] if match else None


def scan_markers(lines: Sequence[str], start: int, end: int, code: Sequence[tuple[int, int]]) -> tuple[MarkerFact, ...]:
    """Anchor markers of ``lines[start:end]`` outside the sorted ``code`` ranges."""
    found: list[MarkerFact] = []
    code_index = 0
    for number in range(start, end):
        line = lines[number]
        if "<!--" not in line:
            continue
        while code_index < len(code) and code[code_index][1] <= number:
            code_index += 1
        if code_index < len(code) and code[code_index][0] <= number:
            continue
        text = line.rstrip("\r\n")
        own = OWN_LINE_MARKER_RE.match(text)
        if own:
            found.append((number, own["name"], own["kind"], True))
            continue
        for match in MARKER_RE.finditer(text):
            found.append((number, match.group(1), match.group(2), False))
    return tuple(found)
