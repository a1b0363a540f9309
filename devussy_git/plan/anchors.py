"""Devussy's anchors: ``<!-- NAME_START -->`` ... ``<!-- NAME_END -->`` pairs.

Agents read and edit plan files between anchors, so every plan file must carry
its anchors, each exactly once and in order. :func:`check_plan_anchors` is
Devussy's validator (the anchors it requires), optionally extended to every
anchor DESIGN section 4 names (``strict=True``).

Every reader of the plan finds anchors here, and this module finds them through
the section model of :mod:`devussy_git.markdown.document` (markdown-it-py): a
marker counts when it stands alone on its line outside code, so a marker quoted
in a sentence or shown in a code fence is never an anchor (docs/DECISIONS.md,
"Reading a plan"). Pure: text in, values out; never edits a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from devussy_git.markdown.document import Document, parse_document

__all__ = [
    "PLAN_ANCHORS",
    "REQUIRED_ANCHORS",
    "AnchorLines",
    "anchor_block",
    "anchor_markers",
    "check_plan_anchors",
    "extract_anchor",
    "find_anchors",
    "read_document",
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


@lru_cache(maxsize=64)
def read_document(text: str) -> Document:
    """The section model of ``text``, parsed once for all the readers of one version.

    Documents are immutable; a step reads the same files several times (selection,
    context, ritual, result), so the last few are kept.
    """
    return parse_document(text)


@dataclass(frozen=True)
class AnchorLines:
    """A well-formed anchor, by 0-based index into ``text.split("\\n")``."""

    name: str
    start: int
    """The line of ``<!-- NAME_START -->``."""
    end: int
    """The line of ``<!-- NAME_END -->``; the inner lines are ``(start, end)``."""


def find_anchors(text: str) -> tuple[AnchorLines, ...]:
    """The well-formed anchors of ``text`` in order (see :mod:`.document`'s rules).

    Line numbers count ``\\n`` only (a ``\\r\\n`` file keeps its ``\\r`` on each
    line), as callers that split at ``\\n`` and join back need them.
    """
    doc = read_document(text)
    anchors = sorted(doc.anchors.values(), key=lambda a: a.start_line)
    if not anchors:
        return ()
    if text.count("\r") == text.count("\r\n"):
        # Every line ends in \n (or \r\n): the model's lines are the \n lines.
        return tuple(AnchorLines(a.name, a.start_line, a.end_line - 1) for a in anchors)
    offsets = [0]
    for line in doc.lines:
        offsets.append(offsets[-1] + len(line))

    def at(line: int) -> int:
        return text.count("\n", 0, offsets[line])

    return tuple(AnchorLines(a.name, at(a.start_line), at(a.end_line - 1)) for a in anchors)


def extract_anchor(text: str, name: str) -> str | None:
    """The content of anchor ``name``, or ``None`` when it is absent or not well formed.

    The content is the inner lines without the blank lines around them and without
    line endings (a CRLF file reads like an LF one); indentation is kept.
    """
    doc = read_document(text)
    anchor = doc.anchors.get(name)
    if anchor is None:
        return None
    lines = [line.rstrip("\r\n") for line in doc.lines[anchor.inner_start : anchor.inner_end]]
    begin, end = 0, len(lines)
    while begin < end and not lines[begin].strip():
        begin += 1
    while end > begin and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[begin:end])


def _check(filename: str, text: str, names: tuple[str, ...]) -> list[str]:
    """Devussy's string checks, then whether the section model reads the anchor."""
    problems: list[str] = []
    doc: Document | None = None
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
            problems.append(f"{filename}: anchor {name} appears more than once ({starts} starts, {ends} ends)")
        elif text.index(end) < text.index(start):
            problems.append(f"{filename}: anchor {name} ends before it starts")
        else:
            doc = doc or read_document(text)
            if name not in doc.anchors:
                why = next(
                    (p.message for p in doc.problems if p.name == name),
                    "its markers are not lines of their own outside code",
                )
                problems.append(f"{filename}: anchor {name} is not readable: {why}")
    return problems


def check_plan_anchors(files: Mapping[str, str], *, strict: bool = False) -> list[str]:
    """Problems with the anchors of the plan files in ``files``; ``[]`` = valid.

    ``files`` maps a file name (``devplan.md``, ``phase3.md``, ``handoff.md``)
    to its text; other names are ignored, and only the files given are checked.
    With ``strict`` every anchor of DESIGN section 4 is required, including a
    ``PHASE_<n>_STATUS`` block in devplan.md for each phase file given.

    Each anchor must pass Devussy's own check (its exact marker strings, each
    once, in order) and be read as an anchor by :func:`find_anchors`, so both
    Devussy and every reader here see the same regions.
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
