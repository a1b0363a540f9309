"""The section model of a markdown document: headings, anchors, task items.

:func:`parse_document` reads a text once and indexes, by 0-based source line:

- top-level headings (ATX and setext; not those in code, HTML, lists or quotes)
  with their section (to the next heading of the same or a higher level) and
  their own body (to the next heading of any level);
- anchor regions ``<!-- NAME_START -->`` ... ``<!-- NAME_END -->`` whose markers
  stand alone on their line (also inside lists and quotes, never in code);
- task items ``- [ ] 1.3: text`` with their id, state and line.

Unbalanced, nested, duplicated or inline anchor markers are reported in
:attr:`Document.problems` and left out of :attr:`Document.anchors`: the model
never guesses. This module is pure: no I/O, and it never changes the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ._anchors import Anchor, Problem, index_anchors
from ._chunks import parse_facts
from ._index import Facts, HeadingFact
from ._lines import detect_newline, split_lines
from .grammar import TASK_ID_RE

__all__ = [
    "Anchor",
    "Document",
    "Heading",
    "Problem",
    "TaskItem",
    "build_document",
    "normalize_heading_text",
    "parse_document",
]

_TASK_ID_RE = TASK_ID_RE
_EMPHASIS_RE = re.compile(r"[*_`]+")
PATH_SEPARATOR = " > "


@lru_cache(maxsize=8192)
def normalize_heading_text(text: str) -> str:
    """Heading text as targets are compared: no emphasis marks, spacing, case."""
    plain = _EMPHASIS_RE.sub("", text)
    return " ".join(plain.split()).rstrip(":").casefold()


@dataclass(frozen=True, slots=True)
class Heading:
    """One top-level heading and the section it opens. Lines are 0-based."""

    level: int
    text: str
    """The heading's source text, whitespace collapsed (``Phase 1: Setup``)."""
    path: str
    """Texts of the enclosing headings and this one, joined by `` > ``."""
    line: int
    """First line of the heading."""
    heading_end: int
    """First line after the heading markup (setext headings span two lines)."""
    body_end: int
    """End (exclusive) of the section's own body: the next heading of any level."""
    end_line: int
    """End (exclusive) of the section: the next heading of the same or higher level."""
    setext: bool = False


@dataclass(frozen=True, slots=True)
class TaskItem:
    """A task list item ``- [ ] 1.3: text``."""

    task_id: str | None
    """``1.3`` when the text starts with an id, else None."""
    text: str
    """Text after the box, the id included."""
    checked: bool
    line: int
    column: int
    """Offset in the line of the box's mark character."""
    anchor: str | None = None
    """The anchor the item sits in, if any."""
    section: str | None = None
    """Path of the heading whose section holds the item, if any."""


class Document:
    """An indexed markdown text. Build it with :func:`parse_document`.

    ``headings``, ``anchors``, ``problems`` and ``tasks`` are worked out from the
    parse facts the first time they are read, so a caller that only needs the
    anchors (the patcher, between the edits of a batch) does not pay for the rest.
    Treat a document as immutable.
    """

    __slots__ = ("_anchors", "_headings", "_problems", "_tasks", "facts", "lines", "newline", "text")

    text: str
    lines: tuple[str, ...]
    newline: str
    facts: Facts

    def __init__(self, text: str, lines: Sequence[str], newline: str, facts: Facts) -> None:
        self.text = text
        self.lines = tuple(lines)
        self.newline = newline
        self.facts = facts
        self._headings: tuple[Heading, ...] | None = None
        self._anchors: Mapping[str, Anchor] | None = None
        self._problems: tuple[Problem, ...] = ()
        self._tasks: tuple[TaskItem, ...] | None = None

    @property
    def headings(self) -> tuple[Heading, ...]:
        """Top-level headings in document order."""
        if self._headings is None:
            self._headings = _headings(self.facts, len(self.lines))
        return self._headings

    @property
    def anchors(self) -> Mapping[str, Anchor]:
        """Well-formed anchors by name, in document order."""
        if self._anchors is None:
            self._anchors, self._problems = index_anchors(self.facts, self.lines)
        return self._anchors

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Anchor markers the patcher refuses to touch."""
        if self._anchors is None:
            self._anchors, self._problems = index_anchors(self.facts, self.lines)
        return self._problems

    @property
    def tasks(self) -> tuple[TaskItem, ...]:
        """Task items in document order."""
        if self._tasks is None:
            self._tasks = _tasks(self.facts, self.anchors, self.headings)
        return self._tasks

    def _key(self) -> tuple[object, ...]:
        return (self.text, self.newline, self.headings, dict(self.anchors), self.tasks, self.problems)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Document({len(self.lines)} lines, {len(self.headings)} headings, "
            f"{len(self.anchors)} anchors, {len(self.tasks)} tasks)"
        )

    def find_headings(self, target: str) -> list[Heading]:
        """Headings matching ``target``: its text, or an ``A > B`` path suffix.

        An exact text match wins; otherwise case, spacing and emphasis marks
        are ignored. Several results mean the target is ambiguous.
        """
        wanted = " ".join(target.split())
        raw = self.facts.headings
        # Work on the parse facts and build Heading objects for the matches only:
        # a batch resolves targets on a fresh document after every edit.
        exact = [
            i
            for i, (_, _, _, text) in enumerate(raw)
            if text == wanted or (wanted.endswith(text) and self._path(i) == wanted)
        ]
        if not exact:
            norm = normalize_heading_text(wanted)
            exact = [i for i, h in enumerate(raw) if normalize_heading_text(h[3]) == norm]
            if not exact and PATH_SEPARATOR.strip() in wanted:
                parts = [normalize_heading_text(p) for p in wanted.split(">")]
                exact = [
                    i
                    for i, h in enumerate(raw)
                    if normalize_heading_text(h[3].split(PATH_SEPARATOR)[-1]) == parts[-1]
                    and [normalize_heading_text(p) for p in self._path(i).split(PATH_SEPARATOR)][-len(parts) :] == parts
                ]
        if self._headings is not None:
            return [self._headings[i] for i in exact]
        return [_heading_at(raw, i, len(self.lines), self._path(i)) for i in exact]

    def _path(self, index: int) -> str:
        """Path of heading ``index`` of the facts: the texts of its enclosing headings."""
        if self._headings is not None:
            return self._headings[index].path
        raw = self.facts.headings
        level = raw[index][2]
        parts = [raw[index][3]]
        for j in range(index - 1, -1, -1):
            if raw[j][2] < level:
                level = raw[j][2]
                parts.append(raw[j][3])
                if level == 1:
                    break
        return PATH_SEPARATOR.join(reversed(parts))

    def find_tasks(self, task_id: str) -> list[TaskItem]:
        """Task items with id ``task_id`` (several: the id is ambiguous)."""
        wanted = task_id.strip()
        if self._tasks is not None:
            return [task for task in self._tasks if task.task_id == wanted]
        found = []
        for line, checked, column, text in self.facts.tasks:
            # Cheap test first: the id is at the start of the text, maybe in ``**``.
            if wanted in text[: len(wanted) + 2]:
                match = _TASK_ID_RE.match(text)
                if match and match["id"] == wanted:
                    found.append(self._task_item(line, checked, column, text, wanted))
        return found

    def _task_item(self, line: int, checked: bool, column: int, text: str, task_id: str | None) -> TaskItem:
        anchor = next((a.name for a in self.anchors.values() if a.inner_start <= line < a.inner_end), None)
        index = self._heading_index_at(line)
        return TaskItem(task_id, text, checked, line, column, anchor, self._path(index) if index >= 0 else None)

    def section_text(self, heading: Heading | str, *, own_body_only: bool = False) -> str:
        """Source of a section, heading line included.

        With ``own_body_only`` the text stops at the first sub-heading.
        """
        found = self.find_headings(heading) if isinstance(heading, str) else [heading]
        if len(found) != 1:
            raise KeyError(heading)
        h = found[0]
        return "".join(self.lines[h.line : h.body_end if own_body_only else h.end_line])

    def anchor_text(self, name: str) -> str:
        """Inner source of anchor ``name`` exactly as in the file."""
        anchor = self.anchors[name]
        return "".join(self.lines[anchor.inner_start : anchor.inner_end])

    def enclosing_heading(self, line: int) -> Heading | None:
        """The innermost heading whose section holds ``line``: the last one at or before it."""
        index = self._heading_index_at(line)
        return self.headings[index] if index >= 0 else None

    def level_at(self, line: int) -> int:
        """Level of :meth:`enclosing_heading` (0 outside every section), without building
        the heading list."""
        index = self._heading_index_at(line)
        return self.facts.headings[index][2] if index >= 0 else 0

    def _heading_index_at(self, line: int) -> int:
        # A section runs to the next heading of the same or a higher level, so the
        # nearest heading at or before ``line`` always holds it, and is the innermost.
        if not 0 <= line < len(self.lines):
            return -1
        return bisect_right(self.facts.headings, line, key=lambda item: item[0]) - 1


def parse_document(text: str) -> Document:
    """Parse and index ``text``."""
    lines = split_lines(text)
    return build_document(text, lines, parse_facts(lines))


def build_document(text: str, lines: Sequence[str], facts: Facts, newline: str | None = None) -> Document:
    """Assemble a :class:`Document` from facts found for ``lines``."""
    return Document(text, lines, newline or detect_newline(text), facts)


def _heading_at(raw: Sequence[HeadingFact], index: int, total: int, path: str) -> Heading:
    line, end, level, text = raw[index]
    end_line = next((h[0] for h in raw[index + 1 :] if h[2] <= level), total)
    return Heading(
        level=level,
        text=text,
        path=path,
        line=line,
        heading_end=end,
        body_end=raw[index + 1][0] if index + 1 < len(raw) else total,
        end_line=end_line,
        setext=end - line > 1,
    )


def _headings(facts: Facts, total: int) -> tuple[Heading, ...]:
    raw = facts.headings
    ends = [total] * len(raw)
    open_: list[int] = []
    for index, (line, _, level, _) in enumerate(raw):
        while open_ and raw[open_[-1]][2] >= level:
            ends[open_.pop()] = line
        open_.append(index)
    result: list[Heading] = []
    stack: list[tuple[int, str]] = []
    for index, (line, end, level, text) in enumerate(raw):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        result.append(
            Heading(
                level=level,
                text=text,
                path=PATH_SEPARATOR.join(t for _, t in stack),
                line=line,
                heading_end=end,
                body_end=raw[index + 1][0] if index + 1 < len(raw) else total,
                end_line=ends[index],
                setext=end - line > 1,
            )
        )
    return tuple(result)


def _tasks(facts: Facts, anchors: Mapping[str, Anchor], headings: Sequence[Heading]) -> tuple[TaskItem, ...]:
    regions = sorted((a.inner_start, a.inner_end, a.name) for a in anchors.values())
    result: list[TaskItem] = []
    region_index = heading_index = 0
    open_headings: list[Heading] = []
    for line, checked, column, text in facts.tasks:
        # One sweep: tasks, anchors and headings are all sorted by line.
        while heading_index < len(headings) and headings[heading_index].line <= line:
            open_headings.append(headings[heading_index])
            heading_index += 1
        while open_headings and open_headings[-1].end_line <= line:
            open_headings.pop()
        while region_index < len(regions) and regions[region_index][1] <= line:
            region_index += 1
        anchor = None
        if region_index < len(regions) and regions[region_index][0] <= line:
            anchor = regions[region_index][2]
        match = _TASK_ID_RE.match(text)
        result.append(
            TaskItem(
                match["id"] if match else None,
                text,
                checked,
                line,
                column,
                anchor,
                open_headings[-1].path if open_headings else None,
            )
        )
    return tuple(result)
