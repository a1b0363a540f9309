"""The model's reply to a handoff-next step: parsed tolerantly, validated strictly.

The reply is one JSON object (DESIGN section 7), possibly in a fenced block or
surrounded by prose. Its shape is checked (:mod:`devussy_git.shapes`), then applied with the section
patcher to the files the step may touch, then checked again: the model may not
change what the ritual owns (task boxes, counters, ``NEXT_TASK_GROUP``,
``QUICK_STATUS`` ...) and the plan's anchors must stay valid. Every refusal is
an :class:`~devussy_git.errors.InvalidLLMOutputError` whose ``model_message``
tells the model what failed and what to send instead, so the step can ask again.

Pure: text and files in, files out; never reads git or calls a model.

One module of about 450 lines on purpose: parsing, the schema and the checks of what
the ritual owns are the three halves of one decision (use this reply or send the model
back a reason), and they share the private helpers that keep every refusal worded for
the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from devussy_git.agent.regions import RegionDoc, changed_regions
from devussy_git.agent.ritual import is_ritual_anchor
from devussy_git.errors import InvalidEditError, InvalidLLMOutputError
from devussy_git.markdown.batch import apply_plan_edits
from devussy_git.markdown.edits import Edit, parse_edits
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.textutil import json_objects
from devussy_git.shapes import Field, Problem, ShapeError, check_object, dict_list, literal, string

__all__ = [
    "LOG_ANCHORS",
    "MAX_CONTENT",
    "AppliedReply",
    "EditReply",
    "apply_reply",
    "parse_reply",
]

#: Longest content of one edit, in characters.
MAX_CONTENT = 8_000
MAX_EDITS = 12
_FORMAT = (
    'Reply with ONE JSON object: {"summary": "<one line>", "status": "done" | "blocked", '
    '"edits": [{"file": ..., "anchor" or "heading": ..., "action": "replace" | "append" | '
    '"prepend", "content": ...}]}.'
)
#: Logs the model may only add to: a ``replace`` would wipe entries it never saw.
LOG_ANCHORS: frozenset[tuple[str, str]] = frozenset(
    {("devplan.md", "PROGRESS_LOG"), ("handoff.md", "DECISIONS"), ("handoff.md", "BLOCKERS")}
)
#: devplan.md sections the ritual owns: the phase overview table and the outline.
_OWNED_SECTIONS = frozenset({"phase overview", "phases"})
_OWNED_TARGET = re.compile(r"^(?:phase overview|phases|phase \d+:.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\r?$")


#: Control characters (C0 but tab and line breaks, DEL, C1) and lone surrogates.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LONE_CR = re.compile("\r(?!\n)")


def _forbidden(text: str, *, one_line: bool) -> str | None:
    """What makes ``text`` unusable in a plan file (NUL, a lone surrogate, a
    control character), or ``None``. Tabs and line breaks are fine, except a
    lone carriage return; with ``one_line`` they are fine anywhere (they are
    folded into spaces)."""
    found = _BAD_CHAR.search(text)
    if found is not None:
        code = ord(found.group())
        if code == 0:
            return "a NUL character (U+0000)"
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate (U+{code:04X})"
        return f"the control character U+{code:04X}"
    if not one_line and _LONE_CR.search(text):
        return "a lone carriage return (U+000D)"
    return None


def _summary(value: Any) -> str:
    text = string(value, min_length=1, max_length=200)
    bad = _forbidden(text, one_line=True)
    if bad is not None:
        raise Problem(f"Value error, contains {bad}; write plain text")
    if "<!--" in text or "-->" in text:
        raise Problem("Value error, must not contain HTML comment markers (<!-- or -->)")
    text = " ".join(text.split())
    if not text:
        raise Problem("Value error, must say in one line what was done")
    return text


@dataclass(frozen=True, kw_only=True)
class EditReply:
    """The reply's shape; ``edits`` are validated by the patcher's models.

    Built by :meth:`from_mapping`, which checks every field (other keys are ignored).
    """

    summary: str
    status: Literal["done", "blocked"] = "done"
    edits: list[dict[str, Any]] = field(default_factory=list)

    _FIELDS = (
        Field("summary", _summary),
        Field("status", literal("done", "blocked"), default="done"),
        Field("edits", lambda value: dict_list(value, max_length=MAX_EDITS), default_factory=list),
    )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EditReply:
        """The reply ``data`` describes; :class:`~devussy_git.shapes.ShapeError` if it is malformed."""
        return cls(**check_object(data, cls._FIELDS, forbid_extra=False))


@dataclass(frozen=True)
class AppliedReply:
    """A reply that passed every check, and the files after its edits."""

    reply: EditReply
    edits: tuple[Edit, ...]
    #: The files the step may touch, after the model's edits (all of them).
    files: Mapping[str, str]
    #: ``(file, anchor)`` of each anchor whose content the edits changed.
    touched: frozenset[tuple[str, str]]


def _refuse(user: str, model: str) -> InvalidLLMOutputError:
    return InvalidLLMOutputError(user, model_message=f"{model}\n{_FORMAT}")


def _check_text(data: Mapping[str, Any]) -> None:
    """Refuse text no plan file may hold, before it reaches the patcher or git."""
    fields: list[tuple[str, Any, bool]] = [("summary", data.get("summary"), True)]
    edits = data.get("edits")
    if isinstance(edits, list):
        for number, edit in enumerate(edits, 1):
            if isinstance(edit, dict):
                fields.extend((f"edits.{number}.{key}", value, key != "content") for key, value in edit.items())
    for name, value, one_line in fields:
        bad = _forbidden(value, one_line=one_line) if isinstance(value, str) else None
        if bad is not None:
            raise _refuse(
                f"The model's reply holds {bad} in '{name}'.",
                f"'{name}' contains {bad}; plan files hold plain text only. Send the whole reply again without it.",
            )


#: Keys an edit object may carry; others (a model's "reason", "notes") are ignored.
_EDIT_KEYS = frozenset({"file", "anchor", "heading", "action", "content", "task", "task_id", "checked", "key", "value"})
_MARKER = re.compile(r"^\s*(?:<!--)?\s*(?P<name>.*?)\s*(?:-->)?\s*$", re.DOTALL)


def _normalise_edit(item: object) -> object:
    """One edit as the patcher expects it, from the ways models write them.

    ``./phase1.md`` is ``phase1.md``; an anchor given in another case, with its
    ``_START``/``_END`` suffix or as the whole ``<!-- NAME_START -->`` marker is
    ``NAME``; the action is lower-case; ``content`` given as a list of lines is
    joined; keys the schema does not know are dropped.
    """
    if not isinstance(item, dict):
        return item
    edit = {k: v for k, v in item.items() if k in _EDIT_KEYS}
    file = edit.get("file")
    if isinstance(file, str):
        file = file.strip()
        while file.startswith("./"):
            file = file[2:]
        edit["file"] = file
    anchor = edit.get("anchor")
    if isinstance(anchor, str) and anchor.strip():
        name = (_MARKER.match(anchor) or _MARKER.match("")).group("name")  # type: ignore[union-attr]
        name = re.sub(r"_(?:START|END)$", "", name.strip(), flags=re.IGNORECASE)
        edit["anchor"] = name.upper()
    action = edit.get("action")
    if isinstance(action, str):
        edit["action"] = action.strip().lower()
    content = edit.get("content")
    if isinstance(content, list) and all(isinstance(line, str) for line in content):
        edit["content"] = "\n".join(content)
    return edit


def _reply_object(text: str) -> dict[str, Any] | None:
    """The outermost JSON object of the reply shaped like a reply (``summary`` or
    ``edits``), else the first object of any shape, else ``None``."""
    first: dict[str, Any] | None = None
    for found in json_objects(text):
        if "summary" in found or "edits" in found:
            return found
        first = found if first is None else first
    return first


def parse_reply(text: str) -> EditReply:
    """The reply object; ``InvalidLLMOutputError`` saying what is wrong.

    Accepts the object bare, in a fenced block or among prose (several objects:
    the outermost one with ``summary`` or ``edits``), JSON slips json-repair
    mends (trailing commas, ``//`` comments, single quotes), ``status`` and
    ``action`` in any case, extra keys (ignored) and the edit spellings
    :func:`_normalise_edit` lists.
    """
    data = _reply_object(text)
    if data is not None:
        data = dict(data)
        if isinstance(data.get("status"), str):
            data["status"] = data["status"].strip().lower()
        if isinstance(data.get("edits"), list):
            data["edits"] = [_normalise_edit(item) for item in data["edits"]]
    if data is None:
        raise _refuse(
            "The model's reply held no JSON object.",
            "Your reply contained no valid JSON object (check quotes, commas and braces).",
        )
    if isinstance(data, dict):
        _check_text(data)
    try:
        return EditReply.from_mapping(data)
    except ShapeError as exc:
        problems = "; ".join(
            f"'{'.'.join(str(p) for p in loc)}': {msg.removeprefix('Value error, ')}" for loc, msg in exc.problems
        )
        raise _refuse(
            f"The model's reply has the wrong shape: {problems}.",
            f"Your JSON object has the wrong shape: {problems}.",
        ) from None


def _only_section_edits(items: Sequence[Any]) -> list[Edit]:
    parsed = parse_edits(items)
    wrong = [i for i, e in enumerate(parsed, 1) if not isinstance(e, Edit)]
    if wrong:
        raise InvalidEditError(
            f"The model tried to tick tasks or set fields itself (edit {wrong[0]}).",
            model_message=(
                f"Edit(s) {', '.join(map(str, wrong))} tick a task or set a field: Devussy does "
                "that itself after your edits. Send only section edits."
            ),
        )
    return [e for e in parsed if isinstance(e, Edit)]


#: List lines kept at each end of a long anchor shown to the patcher.
_KEEP = 4


def _list_core(lines: list[str]) -> tuple[int, int] | None:
    """``(start, end)`` of a list-only content (items and their indented lines)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    core = lines[start:end]
    if len(core) <= 3 * _KEEP or not all(line.startswith(("- ", "  ")) for line in core):
        return None
    if not (core[_KEEP].startswith("- ") and core[-_KEEP].startswith("- ")):
        return None
    return start, end


_Cut = dict[str, tuple[list[str], list[str], list[str]]]


def _collapse(text: str, keep_whole: set[str]) -> tuple[str, _Cut]:
    """``text`` with the middle of each long list-only anchor left out.

    The patcher's cost grows with the document (a progress log grows with
    every step); an append or prepend only ever meets the ends of a list, so
    the patcher sees the first and last items and :func:`_expand` puts the
    middle back. Anchors a ``replace`` edit targets are kept whole.
    """
    doc = RegionDoc(text)
    cut: _Cut = {}
    for name in doc.names():
        lines = doc.lines(name)
        span = None if lines is None or name in keep_whole else _list_core(lines)
        if lines is None or span is None:
            continue
        start, end = span
        head = lines[start : start + _KEEP]
        middle = lines[start + _KEEP : end - _KEEP]
        tail = lines[end - _KEEP : end]
        doc.put_lines(name, lines[:start] + head + tail + lines[end:])
        cut[name] = (head, middle, tail)
    return doc.text(), cut


def _expand(text: str, cut: _Cut) -> str:
    """Put back what :func:`_collapse` left out, between the kept ends."""
    if not cut:
        return text
    doc = RegionDoc(text)
    for name, (head, middle, tail) in cut.items():
        lines = doc.lines(name)
        if lines is None:
            continue
        joined = head + tail
        for at in range(len(lines) - len(joined) + 1):
            if lines[at : at + len(joined)] == joined:
                split = at + len(head)
                doc.put_lines(name, lines[:split] + middle + lines[split:])
                break
    return doc.text()


def _patch(files: Mapping[str, str], edits: list[Edit]) -> dict[str, str]:
    """Apply the edits to the long-anchor-collapsed files; the changed files, whole."""
    replaced: dict[str, set[str]] = {}
    for edit in edits:
        if edit.anchor and edit.action == "replace":
            replaced.setdefault(edit.file.strip(), set()).add(edit.anchor.strip())
    lean: dict[str, str] = {}
    cuts: dict[str, _Cut] = {}
    for path, text in files.items():
        lean[path], cuts[path] = _collapse(text, replaced.get(path, set()))
    results = apply_plan_edits(lean, edits, max_content=MAX_CONTENT)
    return {path: _expand(result.text, cuts[path]) for path, result in results.items()}


def _refuse_owned_targets(edits: Sequence[Edit]) -> None:
    """Refuse a ``replace`` of a log and any edit aimed at the devplan's outline."""
    for number, edit in enumerate(edits, 1):
        path = edit.file.strip()
        anchor = (edit.anchor or "").strip()
        if anchor and (path, anchor) in LOG_ANCHORS and edit.action == "replace":
            raise InvalidEditError(
                f"The model tried to replace {path} {anchor}, a log it may only add to.",
                model_message=(
                    f"Edit {number} replaces {anchor} in {path}. PROGRESS_LOG, DECISIONS and "
                    "BLOCKERS are logs holding entries you have not seen: use action 'append' "
                    "(or 'prepend') to add your lines, never 'replace'. Send the whole batch "
                    "again."
                ),
            )
        parts = [" ".join(p.split()).lower() for p in (edit.heading or "").split(">")]
        if path == "devplan.md" and edit.heading and any(_OWNED_TARGET.match(p) for p in parts):
            raise InvalidEditError(
                f"The model tried to edit devplan.md's phase overview or outline ({edit.heading}).",
                model_message=(
                    f'Edit {number} targets "{edit.heading.strip()}" in devplan.md; the Phase '
                    "Overview table and the Phases section are maintained by Devussy. Record "
                    "progress in PROGRESS_LOG (devplan.md) or PHASE_OUTCOMES (the phase file) "
                    "instead, and send the whole batch again."
                ),
            )


def _owned_sections(text: str) -> list[list[str]]:
    """The ``## Phase Overview`` and ``## Phases`` sections of a devplan, heading
    line included, each up to the next heading of level 1 or 2."""
    sections: list[list[str]] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        heading = _ATX.match(line) if line.lstrip().startswith("#") else None
        if heading is not None and len(heading.group(1)) <= 2:
            title = " ".join((heading.group(2) or "").split()).lower()
            current = [] if title in _OWNED_SECTIONS else None
            if current is not None:
                sections.append(current)
        if current is not None:
            current.append(line.rstrip())
    return sections


def _kept_log(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether every entry of a log is still there, in order, at one end."""
    _, old, _ = _core_lines(before)
    _, new, _ = _core_lines(after)
    if len(new) < len(old):
        return False
    return new[: len(old)] == old or new[len(new) - len(old) :] == old


def _core_lines(lines: Sequence[str]) -> tuple[int, list[str], int]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, [line.rstrip() for line in lines[start:end]], end


def _check_owned(path: str, before: str, after: str) -> set[str]:
    """Refuse a change to a region the ritual owns or to a log's old entries;
    the keys of the regions that changed."""
    changed = changed_regions(before, after)
    owned = sorted(
        key.removeprefix("anchor:")
        for key in changed
        if key.startswith("anchor:") and is_ritual_anchor(path, key.removeprefix("anchor:"))
    )
    if owned:
        raise InvalidEditError(
            f"The model's edits changed {path} {', '.join(owned)}, which Devussy maintains.",
            model_message=(
                f"Your edits changed {', '.join(owned)} in {path}; Devussy updates those "
                "itself (task boxes, counters, NEXT_TASK_GROUP, QUICK_STATUS). Target "
                "PROGRESS_LOG, PHASE_OUTCOMES, HANDOFF_NOTES, DECISIONS or BLOCKERS instead, "
                "and send the whole batch again."
            ),
        )
    if path == "devplan.md" and _owned_sections(before) != _owned_sections(after):
        raise InvalidEditError(
            "The model's edits changed devplan.md's phase overview or outline.",
            model_message=(
                "Your edits changed the Phase Overview table or the Phases section of "
                "devplan.md (or added a heading with one of those names); Devussy maintains "
                "them. Record progress in PROGRESS_LOG instead, and send the whole batch again."
            ),
        )
    logs = [name for file, name in sorted(LOG_ANCHORS) if file == path and f"anchor:{name}" in changed]
    old_doc, new_doc = (RegionDoc(before), RegionDoc(after)) if logs else (None, None)
    for name in logs:
        assert old_doc is not None and new_doc is not None
        old_lines, new_lines = old_doc.lines(name), new_doc.lines(name)
        if old_lines is not None and new_lines is not None and not _kept_log(old_lines, new_lines):
            raise InvalidEditError(
                f"The model's edits removed entries from {path} {name}.",
                model_message=(
                    f"Your edits removed or changed earlier entries of {name} in {path}; it is "
                    "a log: only append (or prepend) new lines. Send the whole batch again."
                ),
            )
    return changed


def apply_reply(files: Mapping[str, str], reply: EditReply) -> AppliedReply:
    """Apply the reply's edits to ``files`` (the files the step may touch).

    Refused: unknown files or paths outside the plan, missing or ambiguous
    targets, oversize content (the patcher's checks), a ``replace`` of a log
    (:data:`LOG_ANCHORS`), and any change to a region the ritual owns (its
    anchors, devplan.md's phase overview and outline) or to the plan's anchors.
    """
    edits = _only_section_edits(reply.edits) if reply.edits else []
    _refuse_owned_targets(edits)
    results = _patch(files, edits) if edits else {}
    out = dict(files)
    out.update(results)
    changed = {path: _check_owned(path, files[path], out[path]) for path in sorted(results)}
    problems = check_plan_anchors({p: out[p] for p in results}, strict=False)
    if problems:
        raise InvalidEditError(
            f"The model's edits broke the plan's anchors: {problems[0]}.",
            model_message="Your edits broke the plan's anchors: "
            + "; ".join(problems)
            + ". Never add or remove anchor comments; send the whole batch again.",
        )
    touched = frozenset(
        (path, key.removeprefix("anchor:"))
        for path, keys in changed.items()
        for key in keys
        if key.startswith("anchor:")
    )
    return AppliedReply(reply, tuple(edits), out, touched)
