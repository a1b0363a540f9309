"""Anchor regions of a document, from the markers its parse facts hold.

A region is well formed when its ``<!-- NAME_START -->`` and ``<!-- NAME_END -->``
markers each appear once, alone on their line, outside code, in that order and not
inside another region. Anything else is a :class:`Problem` and no region: the model
never guesses. Pure; used by :mod:`.document` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._index import Facts
from ._lines import strip_ending

__all__ = ["Anchor", "Problem", "index_anchors"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """A well-formed anchor region. Lines are 0-based, ends exclusive."""

    name: str
    start_line: int
    """The line of ``<!-- NAME_START -->``."""
    end_line: int
    """One past the line of ``<!-- NAME_END -->``."""
    inner_start: int
    inner_end: int
    """The inner lines are ``[inner_start, inner_end)`` (may be empty)."""
    prefix: str = ""
    """Indentation or quote marks before the START marker; inner lines use it."""


@dataclass(frozen=True, slots=True)
class Problem:
    """An anchor the patcher refuses to touch, and why."""

    kind: Literal["unbalanced", "nested", "duplicate", "inline"]
    name: str
    lines: tuple[int, ...]
    message: str


def index_anchors(facts: Facts, lines: Sequence[str]) -> tuple[dict[str, Anchor], tuple[Problem, ...]]:
    """Well-formed anchors by name (in document order) and the problems found."""
    problems: list[Problem] = []
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    for line, name, kind, own in facts.markers:
        if not own:
            problems.append(
                Problem(
                    "inline",
                    name,
                    (line,),
                    f"marker {name}_{kind} on line {line + 1} is not alone on its line",
                )
            )
            continue
        (starts if kind == "START" else ends).setdefault(name, []).append(line)
    candidates: list[Anchor] = []
    for name in sorted(set(starts) | set(ends), key=lambda n: min(starts.get(n) or ends[n])):
        s, e = starts.get(name, []), ends.get(name, [])
        if len(s) > 1 or len(e) > 1:
            shown = ", ".join(str(n + 1) for n in sorted(s + e))
            problems.append(
                Problem(
                    "duplicate",
                    name,
                    tuple(sorted(s + e)),
                    f"anchor {name} has {len(s)} START and {len(e)} END markers (lines {shown})",
                )
            )
        elif len(s) != 1 or len(e) != 1 or e[0] < s[0]:
            shown = ", ".join(str(n + 1) for n in sorted(s + e))
            problems.append(
                Problem(
                    "unbalanced",
                    name,
                    tuple(sorted(s + e)),
                    f"anchor {name} is not closed in order (markers on lines {shown})",
                )
            )
        else:
            prefix = _prefix(lines[s[0]])
            candidates.append(Anchor(name, s[0], e[0] + 1, s[0] + 1, e[0], prefix))
    candidates.sort(key=lambda a: a.start_line)
    bad: set[str] = set()
    for i, outer in enumerate(candidates):
        for inner in candidates[i + 1 :]:
            if inner.start_line >= outer.end_line:
                break
            bad.update((outer.name, inner.name))
            problems.append(
                Problem(
                    "nested",
                    inner.name,
                    (outer.start_line, inner.start_line),
                    f"anchor {inner.name} (line {inner.start_line + 1}) starts inside "
                    f"anchor {outer.name} (line {outer.start_line + 1})",
                )
            )
    anchors = {a.name: a for a in candidates if a.name not in bad}
    return anchors, tuple(problems)


def _prefix(line: str) -> str:
    text = strip_ending(line)
    return text[: len(text) - len(text.lstrip(" \t>"))]
