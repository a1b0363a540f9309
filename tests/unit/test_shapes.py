"""The reply and edit checks accept, refuse and word their refusals as the pydantic
models they replaced did.

The models below are those models as they were; every JSON value of the corpus
(hand-written cases, then generated ones) goes through both, and the accepted
values, or the ``(loc, msg)`` problems, must be equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic import Field as PydanticField

from devussy_git.agent.reply import MAX_EDITS, EditReply, _forbidden
from devussy_git.markdown.edits import Edit, StatusUpdate, TaskCheck
from devussy_git.shapes import ShapeError


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    @field_validator("file", check_fields=False)
    @classmethod
    def _file_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a file, e.g. 'devplan.md'")
        return value.strip()


class RefEdit(_Model):
    file: str
    anchor: str | None = None
    heading: str | None = None
    action: Literal["replace", "append", "prepend"]
    content: str

    @model_validator(mode="after")
    def _one_target(self) -> RefEdit:
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


class RefTaskCheck(_Model):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    file: str
    task_id: str = PydanticField(alias="task", pattern=r"^\s*\d+(?:\.\d+)*\s*$")
    checked: bool = True


class RefStatusUpdate(_Model):
    file: str
    anchor: str = PydanticField(min_length=1)
    key: str = PydanticField(pattern=r"^[A-Za-z][A-Za-z0-9 _-]{0,40}$")
    value: str = PydanticField(max_length=500)

    @field_validator("value")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("must be a single line")
        if "<!--" in value or "-->" in value:
            raise ValueError("must not contain HTML comment markers")
        return value.strip()


class RefEditReply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    summary: str = PydanticField(min_length=1, max_length=200)
    status: Literal["done", "blocked"] = "done"
    edits: list[dict[str, Any]] = PydanticField(default_factory=list, max_length=MAX_EDITS)

    @field_validator("summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        bad = _forbidden(value, one_line=True)
        if bad is not None:
            raise ValueError(f"contains {bad}; write plain text")
        if "<!--" in value or "-->" in value:
            raise ValueError("must not contain HTML comment markers (<!-- or -->)")
        value = " ".join(value.split())
        if not value:
            raise ValueError("must say in one line what was done")
        return value


PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (Edit, RefEdit),
    (TaskCheck, RefTaskCheck),
    (StatusUpdate, RefStatusUpdate),
    (EditReply, RefEditReply),
]


def _ours(model: Any, data: Mapping[str, Any]) -> tuple[str, Any]:
    try:
        built = model.from_mapping(data)
    except ShapeError as exc:
        return "refused", [(tuple(loc), msg) for loc, msg in exc.problems]
    return "accepted", {name: getattr(built, name) for name in vars(built)}


def _theirs(model: type[BaseModel], data: Mapping[str, Any]) -> tuple[str, Any]:
    try:
        built = model.model_validate(dict(data))
    except ValidationError as exc:
        return "refused", [(tuple(error["loc"]), error["msg"]) for error in exc.errors()]
    return "accepted", built.model_dump()


def _agree(data: Mapping[str, Any]) -> None:
    for ours, theirs in PAIRS:
        assert _ours(ours, data) == _theirs(theirs, data), (ours.__name__, data)


_ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, 2, -1, 0.0, 1.0, 0.5, 2.0, -0.0, 10**30, float("inf"), float("nan"),
    "", " ", "x", "  x  ", "1.2", " 1.2 ", "1.", "1..2", "a.1", "\u00a01.2\u3000", "\x1c1.2", "1.2\n", "٣.٤",
    "yes", "YES", "No", "on", "OFF", "t", "F", "y", "n", "true", "False", "1.0", " yes",
    "append", "Append", "replace", "prepend", "done", "blocked", "DONE",
    "k", "1k", "key name_1-x", "k\n", "x" * 41, "k" + "x" * 40, "x" * 200, "x" * 201, "x" * 500, "x" * 501,
    "a\nb", "a\rb", "<!-- x -->", "a -->", "a\x00b", "a\x07b", "\ud800", "\u200b", "  a   b  ",
    [], [1], ["a"], {}, {"a": 1}, [{}], [{}] * 12, [{}] * 13, ({},), [1, "x", None, [], {}],
]  # fmt: skip
_KEYS = ["file", "anchor", "heading", "action", "content", "task", "task_id", "checked", "key", "value",
         "summary", "status", "edits", "other"]  # fmt: skip

_GOOD: list[dict[str, Any]] = [
    {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- 1.2: CI"},
    {"file": " ./a.md ", "heading": "Outcomes", "action": "replace", "content": ""},
    {"file": "phase1.md", "task": "1.2"},
    {"file": "phase1.md", "task_id": "1.2", "checked": "no"},
    {"file": "phase1.md", "task": "1.2", "task_id": "1.3"},
    {"file": "devplan.md", "anchor": "PHASE_1_STATUS", "key": "completed", "value": " 2/5 "},
    {"summary": "  did  it ", "status": "blocked", "edits": [{"file": "a"}], "notes": "x"},
    {"summary": "x", "edits": [{1: 2}]},
]


@pytest.mark.parametrize("data", _GOOD, ids=range(len(_GOOD)))
def test_hand_written_objects_are_checked_alike(data: dict[str, Any]) -> None:
    _agree(data)


@pytest.mark.parametrize("key", _KEYS)
@pytest.mark.parametrize("value", _ODD_VALUES, ids=lambda value: repr(value)[:20])
def test_every_field_takes_and_refuses_the_same_values(key: str, value: Any) -> None:
    for base in _GOOD:
        _agree({**base, key: value})
        _agree({k: v for k, v in base.items() if k != key})


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_FIELD_VALUE = st.one_of(st.sampled_from(_ODD_VALUES), _JSON)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _FIELD_VALUE, max_size=6))
def test_generated_objects_are_checked_alike(data: dict[str, Any]) -> None:
    _agree(data)
