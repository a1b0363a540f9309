"""Devussy's anchors: ``<!-- NAME_START -->`` ... ``<!-- NAME_END -->`` pairs.

Agents read and edit plan files between anchors, so every plan file must carry
its anchors, each exactly once and in order. :func:`check_plan_anchors` is
Devussy's validator (the anchors it requires), optionally extended to every
anchor DESIGN section 4 names (``strict=True``).

Pure string checks; never edits a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "PLAN_ANCHORS",
    "REQUIRED_ANCHORS",
    "anchor_block",
    "anchor_markers",
    "check_plan_anchors",
    "extract_anchor",
]

#: What Devussy's own validator requires; ``"phase"`` stands for every phaseN.md.
REQUIRED_ANCHORS: Mapping[str, tuple[str, ...]] = {
    "devplan.md": ("PROGRESS_LOG", "NEXT_TASK_GROUP"),
    "phase": ("PHASE_TASKS", "PHASE_OUTCOMES", "PHASE_PROGRESS"),
    "handoff.md": ("QUICK_STATUS", "DEV_INSTRUCTIONS", "TOKEN_RULES", "HANDOFF_NOTES"),
}

#: Every anchor this project writes (DESIGN section 4); the devplan also holds
#: one ``PHASE_<n>_STATUS`` per phase.
PLAN_ANCHORS: Mapping[str, tuple[str, ...]] = {
    "devplan.md": ("PROGRESS_LOG", "NEXT_TASK_GROUP", "COMPLETION_SUMMARY"),
    "phase": ("PHASE_TASKS", "PHASE_CONTEXT", "PHASE_OUTCOMES", "PHASE_PROGRESS"),
    "handoff.md": (
        "QUICK_STATUS",
        "DEV_INSTRUCTIONS",
        "TOKEN_RULES",
        "HANDOFF_NOTES",
        "DECISIONS",
        "BLOCKERS",
    ),
}

_PHASE_FILE = re.compile(r"^phase(\d+)\.md$")


def anchor_markers(name: str) -> tuple[str, str]:
    """The start and end comment lines of anchor ``name``."""
    return f"<!-- {name}_START -->", f"<!-- {name}_END -->"


def anchor_block(name: str, content: str) -> str:
    """``content`` wrapped in the anchor's markers, each on its own line.

    A blank line separates the markers from non-empty content, the form
    mdformat normalises to, so formatting a plan file later changes nothing.
    """
    start, end = anchor_markers(name)
    body = content.strip("\n")
    return f"{start}\n\n{body}\n\n{end}" if body else f"{start}\n\n{end}"


def extract_anchor(text: str, name: str) -> str | None:
    """The text between the anchor's markers (stripped), or ``None`` when absent."""
    start, end = anchor_markers(name)
    begin = text.find(start)
    if begin < 0:
        return None
    finish = text.find(end, begin + len(start))
    if finish < 0:
        return None
    return text[begin + len(start):finish].strip("\n").strip()


def _check(filename: str, text: str, names: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    for name in names:
        start, end = anchor_markers(name)
        starts, ends = text.count(start), text.count(end)
        if starts == 0 and ends == 0:
            problems.append(f"{filename}: anchor {name} is missing ({start} ... {end})")
        elif starts == 0:
            problems.append(f"{filename}: anchor {name} has no {start}")
        elif ends == 0:
            problems.append(f"{filename}: anchor {name} has no {end}")
        elif starts > 1 or ends > 1:
            problems.append(
                f"{filename}: anchor {name} appears more than once "
                f"({starts} starts, {ends} ends)"
            )
        elif text.index(end) < text.index(start):
            problems.append(f"{filename}: anchor {name} ends before it starts")
    return problems


def check_plan_anchors(files: Mapping[str, str], *, strict: bool = False) -> list[str]:
    """Problems with the anchors of the plan files in ``files``; ``[]`` = valid.

    ``files`` maps a file name (``devplan.md``, ``phase3.md``, ``handoff.md``)
    to its text; other names are ignored, and only the files given are checked.
    With ``strict`` every anchor of DESIGN section 4 is required, including a
    ``PHASE_<n>_STATUS`` block in devplan.md for each phase file given.
    """
    table = PLAN_ANCHORS if strict else REQUIRED_ANCHORS
    problems: list[str] = []
    phase_numbers: list[int] = []
    for filename in sorted(files):
        text = files[filename]
        phase = _PHASE_FILE.match(filename)
        if phase:
            phase_numbers.append(int(phase.group(1)))
            problems.extend(_check(filename, text, table["phase"]))
        elif filename in table:
            problems.extend(_check(filename, text, table[filename]))
    if strict and "devplan.md" in files:
        status = tuple(f"PHASE_{n}_STATUS" for n in sorted(phase_numbers))
        problems.extend(_check("devplan.md", files["devplan.md"], status))
    return problems
