"""The edits a model (or the pipeline) may ask for, as small frozen dataclasses.

- :class:`Edit`: replace, append to or prepend to one anchor or one heading
  section of one file (DESIGN section 7's format);
- :class:`TaskCheck`: check or uncheck the task item with a given id;
- :class:`StatusUpdate`: set a ``key: value`` line inside an anchor
  (``completed: 3/5`` in ``PHASE_1_STATUS``).

:func:`parse_edits` turns the raw JSON objects of a reply into these and reports
every invalid one in an :class:`~devussy_git.errors.InvalidEditError` written for
the model. Each class checks its fields when built (:mod:`devussy_git.shapes`), so
an invalid edit never exists. This module only validates shapes; whether a target
exists is the patcher's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, TypeAlias, TypeVar

from ..errors import InvalidEditError
from ..shapes import Field, Problem, ShapeError, boolean, check_object, literal, optional, string

__all__ = [
    "AnyEdit",
    "Edit",
    "StatusUpdate",
    "TaskCheck",
    "describe",
    "parse_edits",
]

_E = TypeVar("_E", bound="_Shaped")


def _file(value: Any) -> str:
    name = string(value).strip()
    if not name:
        raise Problem("Value error, must name a file, e.g. 'devplan.md'")
    return name


#: A task id such as ``1.3``; the pattern is written out as ``\s*\d+(?:\.\d+)*\s*``
#: with ``\s`` as Unicode's White_Space (no ``\x1c``-``\x1f``).
_WS = "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_TASK_ID = re.compile(rf"{_WS}*\d+(?:\.\d+)*{_WS}*")
_STATUS_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,40}")


def _status_value(value: Any) -> str:
    text = string(value, max_length=500)
    if "\n" in text or "\r" in text:
        raise Problem("Value error, must be a single line")
    if "<!--" in text or "-->" in text:
        raise Problem("Value error, must not contain HTML comment markers")
    return text.strip()


class _Shaped:
    """Checks the fields on construction; ``from_mapping`` reads a JSON object."""

    _FIELDS: ClassVar[tuple[Field, ...]]

    def __post_init__(self) -> None:
        given = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        for name, value in self._checked(given).items():
            object.__setattr__(self, name, value)

    @classmethod
    def _checked(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        values = check_object(data, cls._FIELDS, forbid_extra=True)
        cls._check_whole(values)
        return values

    @classmethod
    def _check_whole(cls, values: Mapping[str, Any]) -> None:
        """Checks across fields, once each field is fine (``ShapeError`` if not)."""

    @classmethod
    def from_mapping(cls: type[_E], data: Mapping[str, Any]) -> _E:
        """The edit ``data`` describes; :class:`~devussy_git.shapes.ShapeError` if it is malformed."""
        return cls(**cls._checked(data))


@dataclass(frozen=True, kw_only=True)
class Edit(_Shaped):
    """One section edit: exactly one of ``anchor`` / ``heading`` is the target."""

    file: str
    anchor: str | None = None
    heading: str | None = None
    action: Literal["replace", "append", "prepend"]
    content: str

    _FIELDS = (
        Field("file", _file),
        Field("anchor", optional(string), default=None),
        Field("heading", optional(string), default=None),
        Field("action", literal("replace", "append", "prepend")),
        Field("content", string),
    )

    @classmethod
    def _check_whole(cls, values: Mapping[str, Any]) -> None:
        anchor = (values["anchor"] or "").strip()
        heading = (values["heading"] or "").strip()
        if bool(anchor) == bool(heading):
            raise ShapeError(
                [
                    (
                        (),
                        "Value error, give exactly one target: 'anchor' (e.g. \"PROGRESS_LOG\") or 'heading' "
                        '(e.g. "Outcomes" or "Phase 1: Setup > Tasks")',
                    )
                ]
            )
        if values["action"] != "replace" and not values["content"].strip():
            raise ShapeError([((), f"Value error, 'content' is empty: nothing to {values['action']}")])

    @property
    def target(self) -> str:
        """``anchor PROGRESS_LOG`` or ``heading "Outcomes"``."""
        if self.anchor and self.anchor.strip():
            return f"anchor {self.anchor.strip()}"
        return f'heading "{(self.heading or "").strip()}"'


@dataclass(frozen=True, kw_only=True)
class TaskCheck(_Shaped):
    """Mark task ``task_id`` (``1.3``) checked or unchecked; read from ``task`` (or ``task_id``)."""

    file: str
    task_id: str
    checked: bool = True

    _FIELDS = (
        Field("file", _file),
        Field(
            "task_id",
            lambda value: string(value, pattern=_TASK_ID, shown_pattern=r"^\s*\d+(?:\.\d+)*\s*$"),
            alias="task",
        ),
        Field("checked", boolean, default=True),
    )

    @property
    def target(self) -> str:
        return f"task {self.task_id.strip()}"


@dataclass(frozen=True, kw_only=True)
class StatusUpdate(_Shaped):
    """Set ``key: value`` inside anchor ``anchor`` (the line is added if missing)."""

    file: str
    anchor: str
    key: str
    value: str

    _FIELDS = (
        Field("file", _file),
        Field("anchor", lambda value: string(value, min_length=1)),
        Field("key", lambda value: string(value, pattern=_STATUS_KEY, shown_pattern="^[A-Za-z][A-Za-z0-9 _-]{0,40}$")),
        Field("value", _status_value),
    )

    @property
    def target(self) -> str:
        return f"anchor {self.anchor.strip()} field {self.key}"


AnyEdit: TypeAlias = Edit | TaskCheck | StatusUpdate


def describe(edit: AnyEdit) -> str:
    """A short label for messages: ``devplan.md, anchor PROGRESS_LOG, append``."""
    if isinstance(edit, Edit):
        return f"{edit.file}, {edit.target}, {edit.action}"
    if isinstance(edit, TaskCheck):
        return f"{edit.file}, {edit.target}, {'check' if edit.checked else 'uncheck'}"
    return f"{edit.file}, {edit.target}, set to {edit.value!r}"


def _model_for(item: Mapping[str, object]) -> type[Edit | TaskCheck | StatusUpdate]:
    if "task" in item or "task_id" in item:
        return TaskCheck
    if "key" in item:
        return StatusUpdate
    return Edit


def _explain(error: ShapeError) -> str:
    parts = []
    for loc, msg in error.problems:
        where = ".".join(str(part) for part in loc)
        message = msg.removeprefix("Value error, ")
        parts.append(f"'{where}': {message}" if where else message)
    return "; ".join(parts)


def parse_edits(items: Sequence[object]) -> list[AnyEdit]:
    """Validate raw edit objects; raises InvalidEditError naming every bad one."""
    parsed: list[AnyEdit] = []
    failures: list[str] = []
    fine: list[str] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            failures.append(f"Edit {number}: must be a JSON object, got {type(item).__name__}.")
            continue
        model = _model_for(item)
        try:
            edit = model.from_mapping(dict(item))
        except ShapeError as exc:
            failures.append(f"Edit {number}: {_explain(exc)}.")
            continue
        parsed.append(edit)
        fine.append(str(number))
    if not items:
        failures.append("The edit list is empty: send at least one edit.")
    if failures:
        lines = [
            f"{len(failures)} of {len(items)} edits are malformed; nothing was applied.",
            *failures,
        ]
        if fine:
            lines.append(f"Well-formed edits: {', '.join(fine)}.")
        lines.append(
            'Each edit is {"file": ..., "anchor" or "heading": ..., '
            '"action": "replace" | "append" | "prepend", "content": ...}. '
            "Send the whole list again."
        )
        raise InvalidEditError(f"The model sent {len(failures)} malformed edit(s).", model_message="\n".join(lines))
    return parsed
