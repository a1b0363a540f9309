"""The model's reply to a handoff-next step: parsed tolerantly, validated strictly.

The reply is one JSON object (DESIGN section 7), possibly in a fenced block or
surrounded by prose. It is checked with pydantic, then applied with the section
patcher to the files the step may touch, then checked again: the model may not
change what the ritual owns (task boxes, counters, ``NEXT_TASK_GROUP``,
``QUICK_STATUS`` ...) and the plan's anchors must stay valid. Every refusal is
an :class:`~devussy_git.errors.InvalidLLMOutputError` whose ``model_message``
tells the model what failed and what to send instead, so the step can ask again.

Pure: text and files in, files out; never reads git or calls a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from devussy_git.agent.regions import RegionDoc, changed_regions
from devussy_git.agent.ritual import is_ritual_anchor
from devussy_git.errors import InvalidEditError, InvalidLLMOutputError
from devussy_git.markdown.batch import apply_plan_edits
from devussy_git.markdown.edits import Edit, parse_edits
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.textutil import extract_json_object

__all__ = ["AppliedReply", "EditReply", "MAX_CONTENT", "apply_reply", "parse_reply"]

#: Longest content of one edit, in characters.
MAX_CONTENT = 8_000
MAX_EDITS = 12
_FORMAT = (
    'Reply with ONE JSON object: {"summary": "<one line>", "status": "done" | "blocked", '
    '"edits": [{"file": ..., "anchor" or "heading": ..., "action": "replace" | "append" | '
    '"prepend", "content": ...}]}.'
)


class EditReply(BaseModel):
    """The reply's shape; ``edits`` are validated by the patcher's models."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    summary: str = Field(min_length=1, max_length=200)
    status: Literal["done", "blocked"] = "done"
    edits: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_EDITS)

    @field_validator("summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must say in one line what was done")
        return value


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


def parse_reply(text: str) -> EditReply:
    """The reply object; ``InvalidLLMOutputError`` saying what is wrong."""
    data = extract_json_object(text)
    if data is None:
        raise _refuse(
            "The model's reply held no JSON object.",
            "Your reply contained no valid JSON object (check quotes, commas and braces).",
        )
    try:
        return EditReply.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"'{'.'.join(str(p) for p in e['loc'])}': {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
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
            if lines[at:at + len(joined)] == joined:
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


def apply_reply(files: Mapping[str, str], reply: EditReply) -> AppliedReply:
    """Apply the reply's edits to ``files`` (the files the step may touch).

    Refused: unknown files or paths outside the plan, missing or ambiguous
    targets, oversize content (the patcher's checks), and any change to a
    region the ritual owns or to the plan's anchors.
    """
    edits = _only_section_edits(reply.edits) if reply.edits else []
    results = _patch(files, edits) if edits else {}
    out = dict(files)
    out.update(results)
    for path in sorted(results):
        owned = sorted(
            key.removeprefix("anchor:")
            for key in changed_regions(files[path], out[path])
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
    problems = check_plan_anchors({p: out[p] for p in results}, strict=False)
    if problems:
        raise InvalidEditError(
            f"The model's edits broke the plan's anchors: {problems[0]}.",
            model_message="Your edits broke the plan's anchors: " + "; ".join(problems)
            + ". Never add or remove anchor comments; send the whole batch again.",
        )
    touched = frozenset(
        (path, key.removeprefix("anchor:"))
        for path in results
        for key in changed_regions(files[path], out[path])
        if key.startswith("anchor:")
    )
    return AppliedReply(reply, tuple(edits), out, touched)
