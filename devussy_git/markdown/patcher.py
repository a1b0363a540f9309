"""Apply a batch of section edits to one markdown text: byte-exact and fail-closed.

Each edit becomes a splice of whole source lines (see :mod:`._splice`); every
byte outside the spliced lines is kept as it was, line endings and odd spacing
included. After each splice the touched part of the document is parsed again
and the patcher checks that every anchor and every heading outside the edit
still exists exactly once with the same path, and that nothing outside the edit
is read differently. When the content only fails because it runs into its
neighbour, one blank line is tried around it before giving up.

A batch is all-or-nothing: every edit is tried (each against the text the
previous valid edits produced) so that a failure report can say which edits
were fine, and if any failed an :class:`~devussy_git.errors.InvalidEditError`
with a model-facing message is raised and nothing is returned.

Pure: no I/O, no git, no LLM.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import InvalidEditError
from ._chunks import remember
from ._index import reparse_window
from ._lines import ending_of, strip_ending
from ._splice import Splice, plan_splice, prepare_content
from ._targets import resolve_anchor, resolve_heading, resolve_task
from .document import Document, build_document, parse_document
from .edits import AnyEdit, Edit, StatusUpdate, TaskCheck, describe
from .messages import EditFailure, Refusal, batch_error

__all__ = [
    "DEFAULT_MAX_CONTENT",
    "ChangedRange",
    "EditReport",
    "LineRange",
    "PatchResult",
    "apply_edits",
]

DEFAULT_MAX_CONTENT = 20_000

Status = Literal["applied", "unchanged", "already-present"]


@dataclass(frozen=True, slots=True)
class LineRange:
    """0-based lines ``[start, end)``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ChangedRange:
    """Lines ``[start, end)`` of the result replaced ``[original_start, original_end)``."""

    start: int
    end: int
    original_start: int
    original_end: int


@dataclass(frozen=True, slots=True)
class EditReport:
    """What happened to one edit of a successful batch."""

    index: int
    """1-based position in the batch."""
    edit: str
    """``devplan.md, anchor PROGRESS_LOG, append``."""
    status: Status
    lines: LineRange | None
    """Lines written, in the text as it was right after this edit."""
    message: str


@dataclass(frozen=True)
class PatchResult:
    """The outcome of :func:`apply_edits`."""

    text: str
    changed_ranges: tuple[ChangedRange, ...]
    reports: tuple[EditReport, ...]
    document: Document
    """The result, indexed (same as ``parse_document(text)``)."""

    @property
    def changed(self) -> bool:
        return bool(self.changed_ranges)


class _Tracker:
    """Changed line ranges of the current text, each with its original length."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int, int]] = []

    def splice(self, start: int, end: int, inserted: int) -> None:
        delta = inserted - (end - start)
        before, after = [], []
        lo, hi, old, covered = start, end, 0, 0
        for r_start, r_end, r_old in self.ranges:
            if r_end < start:
                before.append((r_start, r_end, r_old))
            elif r_start > end:
                after.append((r_start + delta, r_end + delta, r_old))
            else:
                lo, hi = min(lo, r_start), max(hi, r_end)
                old += r_old
                covered += r_end - r_start
        span = hi - lo
        merged = (lo, lo + span - (end - start) + inserted, old + span - covered)
        self.ranges = [*before, merged, *after]

    def changed(self) -> tuple[ChangedRange, ...]:
        result, shift = [], 0
        for start, end, old in self.ranges:
            original = start - shift
            result.append(ChangedRange(start, end, original, original + old))
            shift += (end - start) - old
        return tuple(result)


def _identity(doc: Document, lo: int, hi: int) -> list[tuple[int, str, str]]:
    return [(h.level, h.text, h.path) for h in doc.headings if h.line < lo or h.line >= hi]


def _headings_within(doc: Document, lo: int, hi: int) -> bool:
    headings = doc.facts.headings
    index = bisect_left(headings, lo, key=lambda item: item[0])
    return index < len(headings) and headings[index][0] < hi


def _marker_order(doc: Document) -> list[tuple[str, str, bool]]:
    """Anchor markers in order; the anchors and their problems follow from this alone."""
    return [marker[1:] for marker in doc.facts.markers]


def _problems(doc: Document) -> list[tuple[str, str]]:
    return sorted((p.kind, p.name) for p in doc.problems)


def _fix_eof(doc: Document, splice: Splice) -> Splice:
    """Keep a missing final newline missing, and never glue two lines together."""
    lines = doc.lines
    if not lines or ending_of(lines[-1]) or splice.end < len(lines):
        return splice
    new = list(splice.lines)
    start, content_start = splice.start, splice.content_start
    if start == len(lines):
        start -= 1
        new.insert(0, lines[-1] + doc.newline)
        content_start += 1
    if new:
        new[-1] = strip_ending(new[-1])
    elif start > 0:
        start -= 1
        new = [strip_ending(lines[start])]
        content_start = 1
    return Splice(start, splice.end, tuple(new), content_start, splice.content_len, splice.scope, splice.blank)


def _commit(doc: Document, splice: Splice, *, protected: str) -> tuple[Document, Splice]:
    """The document after ``splice`` and the splice made, verified; raises Refusal."""
    splice = _fix_eof(doc, splice)
    new_lines = [*doc.lines[: splice.start], *splice.lines, *doc.lines[splice.end :]]
    lo, hi = splice.scope or (splice.start, splice.end)
    lo, hi = min(lo, splice.start), max(hi, splice.end)
    window = reparse_window(doc.facts, doc.lines, new_lines, splice.start, splice.end, len(splice.lines), (lo, hi))
    if window.facts is None:
        first, last = window.changed_lines or (splice.start, splice.end)
        raise Refusal(
            f"the content changes how the text around it is read (lines {first + 1}-{last} "
            "would parse differently), e.g. an open code block or HTML block, a list or "
            "paragraph that runs on, or a line that turns the text above into a heading.",
            hint="Make the content a self-contained block of markdown.",
        )
    new = build_document("".join(new_lines), new_lines, window.facts, doc.newline)
    if _marker_order(new) != _marker_order(doc) and (
        set(new.anchors) != set(doc.anchors) or _problems(new) != _problems(doc)
    ):
        touched = sorted(
            (set(doc.anchors) ^ set(new.anchors)) | {name for _, name in set(_problems(doc)) ^ set(_problems(new))}
        )
        raise Refusal(
            f"the edit would add, remove or break anchor markers ({', '.join(touched)}).",
            hint="Never add, remove or move anchor markers; edit the text between them.",
        )
    delta = len(splice.lines) - (splice.end - splice.start)
    if not _headings_within(doc, lo, hi) and not _headings_within(new, lo, hi + delta):
        # The window check kept every heading outside [lo, hi) in place with the same
        # source; with none inside before or after, every path is unchanged too.
        return new, splice
    outside = _identity(new, lo, hi + delta)
    if _identity(doc, lo, hi) != outside:
        raise Refusal(
            f"the edit would change the headings of {protected} outside its target "
            "(a heading removed, duplicated or moved under another section).",
            hint="Keep sub-sections as they are; edit them with their own heading target.",
        )
    known = {path for _, _, path in outside}
    repeated = [h.path for h in new.headings if lo <= h.line < hi + delta and h.path in known]
    if repeated:
        raise Refusal(
            f'the content repeats heading "{repeated[0]}", which {protected} already has.',
            hint="Edit that section with its own heading target instead of adding it again.",
        )
    return new, splice


def _commit_content(doc: Document, splice: Splice, *, protected: str) -> tuple[Document, Splice]:
    """Commit; if the content ran into a neighbour, retry with a blank line after/before it."""
    try:
        return _commit(doc, splice, protected=protected)
    except Refusal as first:
        lines = list(splice.lines)
        stop = splice.content_start + splice.content_len
        next_line = doc.lines[splice.end] if splice.end < len(doc.lines) else ""
        prev_line = doc.lines[splice.start - 1] if splice.start > 0 else ""
        blank = splice.blank or doc.newline
        after = [blank] if next_line.strip(" \t>\r\n") and stop == len(lines) else []
        before = [blank] if prev_line.strip(" \t>\r\n") and splice.content_start == 0 else []
        tried = {tuple(lines)}
        for lead, trail in (([], after), (before, []), (before, after)):
            padded = [*lead, *lines[:stop], *trail, *lines[stop:]]
            if tuple(padded) in tried:
                continue
            tried.add(tuple(padded))
            retry = Splice(
                splice.start,
                splice.end,
                tuple(padded),
                splice.content_start + len(lead),
                splice.content_len,
                splice.scope,
                splice.blank,
            )
            try:
                return _commit(doc, retry, protected=protected)
            except Refusal:
                continue
        raise first from None


# ``completed: 3/5``, ``- completed: 3/5``, ``**completed:** 3/5`` (``{key}`` is filled in).
_FIELD_TEMPLATE = (
    r"^(?P<lead>[ \t>]*(?:[-*+][ \t]+)?(?:\*\*)?){key}"
    r"(?P<mid>(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*)(?P<value>.*?)(?P<trail>[ \t]*)$"
)


def _status_splice(doc: Document, edit: StatusUpdate, file: str) -> Splice | Literal["unchanged"]:
    target = resolve_anchor(doc, edit.anchor, file)
    pattern = re.compile(_FIELD_TEMPLATE.format(key=re.escape(edit.key)), re.IGNORECASE)
    hits = []
    for number in range(target.start, target.end):
        match = pattern.match(strip_ending(doc.lines[number]))
        if match:
            hits.append((number, match))
    if len(hits) > 1:
        raise Refusal(
            f"field {edit.key!r} appears {len(hits)} times in anchor {target.name} of {file}.",
            hint="Replace the anchor's content with a section edit instead.",
        )
    if hits:
        number, match = hits[0]
        if match["value"] == edit.value:
            return "unchanged"
        line = doc.lines[number]
        text = strip_ending(line)
        new = text[: match.start("value")] + edit.value + text[match.end("value") :]
        return Splice(number, number + 1, (new + ending_of(line),), 0, 1)
    insert_at = target.end
    while insert_at > target.start and not strip_ending(doc.lines[insert_at - 1]).strip(" \t>"):
        insert_at -= 1
    line = f"{target.prefix}{edit.key}: {edit.value}{doc.newline}"
    return Splice(insert_at, insert_at, (line,), 0, 1, target.scope)


def _task_splice(doc: Document, edit: TaskCheck, file: str) -> Splice | Literal["unchanged"]:
    task = resolve_task(doc, edit.task_id, file)
    if task.checked == edit.checked:
        return "unchanged"
    line = doc.lines[task.line]
    mark = "x" if edit.checked else " "
    new = line[: task.column] + mark + line[task.column + 1 :]
    return Splice(task.line, task.line + 1, (new,), 0, 1)


def _apply_one(
    doc: Document, edit: AnyEdit, file: str, max_content: int, normalize: bool
) -> tuple[Document, Splice | None, Status]:
    if isinstance(edit, Edit):
        if edit.anchor and edit.anchor.strip():
            target = resolve_anchor(doc, edit.anchor, file)
        else:
            target = resolve_heading(doc, edit.heading or "", file)
        prepared = prepare_content(edit.content, target, max_content=max_content, normalize=normalize)
        planned = plan_splice(doc, target, edit.action, prepared)
        if isinstance(planned, str):
            return doc, None, planned
        return (*_commit_content(doc, planned, protected=file), "applied")
    planned_line = _task_splice(doc, edit, file) if isinstance(edit, TaskCheck) else _status_splice(doc, edit, file)
    if isinstance(planned_line, str):
        return doc, None, planned_line
    return (*_commit(doc, planned_line, protected=file), "applied")


_MESSAGES: dict[Status, str] = {
    "applied": "applied",
    "unchanged": "the target already holds this content; nothing to do",
    "already-present": "this content is already at that place (the edit was applied before); not added again",
}


def apply_edits(
    source: str | Document,
    edits: Sequence[AnyEdit],
    *,
    max_content: int = DEFAULT_MAX_CONTENT,
    file: str | None = None,
    normalize: bool = True,
) -> PatchResult:
    """Apply ``edits`` in order to one markdown text; all or nothing.

    ``file`` names the text in messages; when given, every edit must name it.
    ``normalize=False`` inserts content as given (still checked). Raises
    :class:`~devussy_git.errors.InvalidEditError` when any edit fails.
    """
    doc = source if isinstance(source, Document) else parse_document(source)
    original = doc
    name = file or "the file"
    tracker = _Tracker()
    reports: list[EditReport] = []
    failures: list[EditFailure] = []
    valid: list[tuple[int, str]] = []
    for index, edit in enumerate(edits, start=1):
        label = describe(edit)
        try:
            if file is not None and edit.file != file:
                raise Refusal(f"this batch is for {file}, but the edit names {edit.file}.", nearest=[file])
            doc, splice, status = _apply_one(doc, edit, name, max_content, normalize)
        except Refusal as refusal:
            failures.append(EditFailure(index, label, refusal.reason, refusal.nearest, refusal.hint))
            continue
        valid.append((index, label))
        lines = None
        if splice is not None:
            tracker.splice(splice.start, splice.end, len(splice.lines))
            lines = LineRange(splice.start, splice.start + len(splice.lines))
        reports.append(EditReport(index, label, status, lines, _MESSAGES[status]))
    if failures:
        raise batch_error(failures, len(edits), valid)
    changed = tracker.changed()
    _verify_outside(original, doc, changed)
    remember(doc.lines, doc.facts, [(r.start, r.end) for r in changed])
    return PatchResult(doc.text, changed, tuple(reports), doc)


def _verify_outside(original: Document, result: Document, changed: Sequence[ChangedRange]) -> None:
    old, new = original.lines, result.lines
    new_pos = old_pos = 0
    for r in (*changed, ChangedRange(len(new), len(new), len(old), len(old))):
        if new[new_pos : r.start] != old[old_pos : r.original_start]:
            raise InvalidEditError(
                "The edits could not be applied safely.",
                model_message="Internal check failed: text outside the edited sections changed. "
                "Nothing was applied; send the batch again.",
            )
        new_pos, old_pos = r.end, r.original_end
