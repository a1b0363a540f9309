"""The edits a model (or the pipeline) may ask for, as pydantic models.

- :class:`Edit`: replace, append to or prepend to one anchor or one heading
  section of one file (DESIGN section 7's format);
- :class:`TaskCheck`: check or uncheck the task item with a given id;
- :class:`StatusUpdate`: set a ``key: value`` line inside an anchor
  (``completed: 3/5`` in ``PHASE_1_STATUS``).

:func:`parse_edits` turns the raw JSON objects of a reply into these models and
reports every invalid one in an :class:`~devussy_git.errors.InvalidEditError`
written for the model. This module only validates shapes; whether a target
exists is the patcher's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InvalidEditError

__all__ = [
    "AnyEdit",
    "Edit",
    "StatusUpdate",
    "TaskCheck",
    "describe",
    "parse_edits",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    @field_validator("file", check_fields=False)
    @classmethod
    def _file_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a file, e.g. 'devplan.md'")
        return value.strip()


class Edit(_Model):
    """One section edit: exactly one of ``anchor`` / ``heading`` is the target."""

    file: str
    anchor: str | None = None
    heading: str | None = None
    action: Literal["replace", "append", "prepend"]
    content: str

    @model_validator(mode="after")
    def _one_target(self) -> Edit:
        anchor = (self.anchor or "").strip()
        heading = (self.heading or "").strip()
        if bool(anchor) == bool(heading):
            raise ValueError(
                "give exactly one target: 'anchor' (e.g. \"PROGRESS_LOG\") or 'heading' "
                '(e.g. "Outcomes" or "Phase 1: Setup > Tasks")'
            )
        if self.action != "replace" and not self.content.strip():
            raise ValueError(f"'content' is empty: nothing to {self.action}")
        return self

    @property
    def target(self) -> str:
        """``anchor PROGRESS_LOG`` or ``heading "Outcomes"``."""
        if self.anchor and self.anchor.strip():
            return f"anchor {self.anchor.strip()}"
        return f'heading "{(self.heading or "").strip()}"'


class TaskCheck(_Model):
    """Mark task ``task_id`` (``1.3``) checked or unchecked."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    file: str
    task_id: str = Field(alias="task", pattern=r"^\s*\d+(?:\.\d+)*\s*$")
    checked: bool = True

    @property
    def target(self) -> str:
        return f"task {self.task_id.strip()}"


class StatusUpdate(_Model):
    """Set ``key: value`` inside anchor ``anchor`` (the line is added if missing)."""

    file: str
    anchor: str = Field(min_length=1)
    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9 _-]{0,40}$")
    value: str = Field(max_length=500)

    @field_validator("value")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("must be a single line")
        if "<!--" in value or "-->" in value:
            raise ValueError("must not contain HTML comment markers")
        return value.strip()

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


def _model_for(item: Mapping[str, object]) -> type[_Model]:
    if "task" in item or "task_id" in item:
        return TaskCheck
    if "key" in item:
        return StatusUpdate
    return Edit


def _explain(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
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
            edit = model.model_validate(dict(item))
        except ValidationError as exc:
            failures.append(f"Edit {number}: {_explain(exc)}.")
            continue
        parsed.append(edit)  # type: ignore[arg-type]
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
