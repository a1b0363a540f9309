"""Find the lines an edit targets, or refuse with the nearest valid targets.

A target is an anchor's inner lines or a heading's own body (from the line after
the heading to the next heading of any level: sub-sections are targets of their
own and are never swallowed by an edit of their parent). This module only reads
a :class:`~devussy_git.markdown.document.Document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .document import Document, Heading, TaskItem
from .messages import Refusal, nearest

__all__ = ["Target", "resolve_anchor", "resolve_heading", "resolve_task"]

_LISTED = 8


@dataclass(frozen=True, slots=True)
class Target:
    """Where an edit goes. Lines are 0-based, ``end`` exclusive."""

    kind: Literal["anchor", "heading"]
    name: str
    start: int
    end: int
    prefix: str
    level: int
    """The target heading's level, or the level of the section holding the anchor."""
    heading: Heading | None = None
    scope: tuple[int, int] | None = None
    """Lines whose parse the edit may change: an anchor with its markers, else the body."""


def _listing(names: list[str]) -> list[str]:
    return names[:_LISTED] + ([f"... {len(names) - _LISTED} more"] if len(names) > _LISTED else [])


def resolve_anchor(doc: Document, name: str, file: str) -> Target:
    """The inner lines of anchor ``name``."""
    wanted = name.strip()
    anchor = doc.anchors.get(wanted)
    if anchor is None:
        problems = [p for p in doc.problems if p.name == wanted]
        if problems:
            raise Refusal(
                f"anchor {wanted} in {file} cannot be edited: {problems[0].message}.",
                hint="Leave this anchor alone; edit another anchor or a heading.",
            )
        names = list(doc.anchors)
        if not names:
            headings = [f'heading "{h.text}"' for h in doc.headings]
            raise Refusal(
                f"{file} has no anchors.",
                nearest=_listing(headings),
                hint="Target a heading instead.",
            )
        close = nearest(wanted, names)
        raise Refusal(
            f"no anchor {wanted} in {file}.",
            nearest=[f"anchor {n}" for n in (close or _listing(names))],
        )
    return Target(
        "anchor",
        wanted,
        anchor.inner_start,
        anchor.inner_end,
        anchor.prefix,
        doc.level_at(anchor.start_line),
        None,
        (anchor.start_line, anchor.end_line),
    )


def resolve_heading(doc: Document, text: str, file: str) -> Target:
    """The own body of the one heading matching ``text`` (text or path)."""
    wanted = " ".join(text.split()).lstrip("#").strip()
    found = doc.find_headings(wanted)
    if len(found) > 1:
        paths = [h.path for h in found]
        same = len(set(paths)) < len(paths)
        raise Refusal(
            f'heading "{wanted}" is ambiguous in {file}: {len(found)} headings match.',
            nearest=[f'heading "{p}"' for p in dict.fromkeys(paths[:_LISTED])],
            hint="Some of these headings have the same path, so no heading target can tell "
            "them apart; target an anchor inside the section instead."
            if same
            else 'Use the full path, e.g. "Parent > Child", to pick one.',
        )
    if not found:
        counts: dict[str, int] = {}
        for h in doc.headings:
            counts[h.text] = counts.get(h.text, 0) + 1
        labels = {h.path: (h.text if counts[h.text] == 1 else h.path) for h in doc.headings}
        pool = list(labels) if ">" in wanted else list(counts)
        close = nearest(wanted, pool)
        shown = [labels.get(c, c) for c in close]
        shown = [s if counts.get(s, 1) == 1 else f"{s} (several; use its path)" for s in shown]
        if not shown:
            shown = _listing(list(dict.fromkeys(labels.values())))
        if not shown:
            raise Refusal(f"{file} has no headings.", nearest=[f"anchor {a}" for a in doc.anchors])
        raise Refusal(
            f'no heading "{wanted}" in {file}.',
            nearest=[f'heading "{s}"' for s in shown],
        )
    heading = found[0]
    return Target("heading", heading.path, heading.heading_end, heading.body_end, "", heading.level, heading)


def resolve_task(doc: Document, task_id: str, file: str) -> TaskItem:
    """The one task item with id ``task_id``."""
    wanted = task_id.strip()
    found = doc.find_tasks(wanted)
    if len(found) > 1:
        lines = ", ".join(str(t.line + 1) for t in found)
        raise Refusal(
            f"task {wanted} appears {len(found)} times in {file} (lines {lines}).",
            hint="Task ids must be unique; edit the task list with a section edit instead.",
        )
    if not found:
        ids = [t.task_id for t in doc.tasks if t.task_id]
        if not ids:
            raise Refusal(f"{file} has no task items with ids (like '- [ ] 1.3: text').")
        close = nearest(wanted, ids)
        raise Refusal(
            f"no task {wanted} in {file}.",
            nearest=[f"task {i}" for i in (close or _listing(ids))],
        )
    return found[0]
