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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ._index import Facts, parse_facts
from ._lines import detect_newline, split_lines, strip_ending

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

_TASK_ID_RE = re.compile(r"^(?:\*\*)?(?P<id>\d+(?:\.\d+)+|\d+(?=:))(?:\*\*)?[:.)]?(?=\s|$)")
_EMPHASIS_RE = re.compile(r"[*_`]+")
PATH_SEPARATOR = " > "


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


@dataclass(frozen=True, slots=True)
class Problem:
    """An anchor the patcher refuses to touch, and why."""

    kind: Literal["unbalanced", "nested", "duplicate", "inline"]
    name: str
    lines: tuple[int, ...]
    message: str


@dataclass(frozen=True)
class Document:
    """An indexed markdown text. Build it with :func:`parse_document`."""

    text: str
    lines: tuple[str, ...] = field(repr=False)
    newline: str
    headings: tuple[Heading, ...]
    anchors: Mapping[str, Anchor]
    tasks: tuple[TaskItem, ...]
    problems: tuple[Problem, ...]
    facts: Facts = field(repr=False, compare=False)

    def find_headings(self, target: str) -> list[Heading]:
        """Headings matching ``target``: its text, or an ``A > B`` path suffix.

        An exact text match wins; otherwise case, spacing and emphasis marks
        are ignored. Several results mean the target is ambiguous.
        """
        wanted = " ".join(target.split())
        exact = [h for h in self.headings if h.text == wanted or h.path == wanted]
        if exact:
            return exact
        norm = normalize_heading_text(wanted)
        found = [h for h in self.headings if normalize_heading_text(h.text) == norm]
        if found or PATH_SEPARATOR.strip() not in wanted:
            return found
        parts = [normalize_heading_text(p) for p in wanted.split(">")]
        return [
            h
            for h in self.headings
            if [normalize_heading_text(p) for p in h.path.split(PATH_SEPARATOR)][-len(parts):]
            == parts
        ]

    def find_tasks(self, task_id: str) -> list[TaskItem]:
        """Task items with id ``task_id`` (several: the id is ambiguous)."""
        return [task for task in self.tasks if task.task_id == task_id.strip()]

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
        """The innermost heading whose section holds ``line``."""
        best: Heading | None = None
        for heading in self.headings:
            if heading.line > line:
                break
            if heading.line <= line < heading.end_line:
                best = heading
        return best


def parse_document(text: str) -> Document:
    """Parse and index ``text``."""
    lines = split_lines(text)
    return build_document(text, lines, parse_facts(lines))


def build_document(
    text: str, lines: Sequence[str], facts: Facts, newline: str | None = None
) -> Document:
    """Assemble a :class:`Document` from facts found for ``lines``."""
    total = len(lines)
    headings = _headings(facts, total)
    anchors, problems = _anchors(facts, lines)
    tasks = _tasks(facts, anchors, headings)
    return Document(
        text=text,
        lines=tuple(lines),
        newline=newline or detect_newline(text),
        headings=headings,
        anchors=anchors,
        tasks=tasks,
        problems=problems,
        facts=facts,
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


def _anchors(
    facts: Facts, lines: Sequence[str]
) -> tuple[dict[str, Anchor], tuple[Problem, ...]]:
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
    for name in sorted(set(starts) | set(ends), key=lambda n: min(starts.get(n, ends.get(n)))):
        s, e = starts.get(name, []), ends.get(name, [])
        if len(s) > 1 or len(e) > 1:
            shown = ", ".join(str(n + 1) for n in sorted(s + e))
            problems.append(
                Problem("duplicate", name, tuple(sorted(s + e)),
                        f"anchor {name} has {len(s)} START and {len(e)} END markers "
                        f"(lines {shown})")
            )
        elif len(s) != 1 or len(e) != 1 or e[0] < s[0]:
            shown = ", ".join(str(n + 1) for n in sorted(s + e))
            problems.append(
                Problem("unbalanced", name, tuple(sorted(s + e)),
                        f"anchor {name} is not closed in order (markers on lines {shown})")
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
                Problem("nested", inner.name, (outer.start_line, inner.start_line),
                        f"anchor {inner.name} (line {inner.start_line + 1}) starts inside "
                        f"anchor {outer.name} (line {outer.start_line + 1})")
            )
    anchors = {a.name: a for a in candidates if a.name not in bad}
    return anchors, tuple(problems)


def _prefix(line: str) -> str:
    text = strip_ending(line)
    return text[: len(text) - len(text.lstrip(" \t>"))]


def _tasks(
    facts: Facts, anchors: Mapping[str, Anchor], headings: Sequence[Heading]
) -> tuple[TaskItem, ...]:
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
