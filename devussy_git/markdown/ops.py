"""One-call helpers over the patcher for code that edits a plan file directly.

These wrap :func:`~devussy_git.markdown.patcher.apply_edits` with a single edit,
so they get the same checks and raise the same
:class:`~devussy_git.errors.InvalidEditError` (its ``user_message`` names the
missing anchor or task). Pure: text in, text out.
"""

from __future__ import annotations

from typing import TypeVar

from ..errors import InvalidEditError
from ..shapes import ShapeError
from ._lines import strip_ending
from .document import Document, parse_document
from .edits import Edit, StatusUpdate, TaskCheck
from .patcher import apply_edits

__all__ = ["check_task", "get_anchor_content", "set_anchor_content", "set_status_field"]

_FILE = "document"
_M = TypeVar("_M", Edit, TaskCheck, StatusUpdate)


def _build(model: type[_M], **fields: object) -> _M:
    try:
        return model.from_mapping(fields)
    except ShapeError as exc:
        problems = "; ".join(msg for _, msg in exc.problems)
        raise InvalidEditError(f"Invalid {model.__name__}: {problems}.") from exc


def get_anchor_content(text: str | Document, name: str) -> str:
    """The inner text of anchor ``name``: ``\\n`` endings, its prefix removed."""
    doc = text if isinstance(text, Document) else parse_document(text)
    anchor = doc.anchors.get(name)
    if anchor is None:
        problem = next((p.message for p in doc.problems if p.name == name), None)
        reason = problem or f"no anchor {name}"
        raise InvalidEditError(f"Cannot read anchor {name}: {reason}.")
    head = anchor.prefix.rstrip()
    out = []
    for line in doc.lines[anchor.inner_start : anchor.inner_end]:
        body = strip_ending(line)
        if anchor.prefix and body.startswith(anchor.prefix):
            body = body[len(anchor.prefix) :]
        elif head and body.startswith(head):
            body = body[len(head) :]
        out.append(body + "\n")
    return "".join(out)


def set_anchor_content(text: str, name: str, content: str, *, normalize: bool = True) -> str:
    """``text`` with anchor ``name``'s inner text replaced by ``content``."""
    edit = _build(Edit, file=_FILE, anchor=name, action="replace", content=content)
    return apply_edits(text, [edit], normalize=normalize).text


def check_task(text: str, task_id: str, checked: bool = True) -> str:
    """``text`` with task ``task_id`` checked (or unchecked)."""
    edit = _build(TaskCheck, file=_FILE, task=task_id, checked=checked)
    return apply_edits(text, [edit]).text


def set_status_field(text: str, anchor: str, key: str, value: str) -> str:
    """``text`` with ``key: value`` set inside ``anchor`` (added when missing)."""
    edit = _build(StatusUpdate, file=_FILE, anchor=anchor, key=key, value=value)
    return apply_edits(text, [edit]).text
