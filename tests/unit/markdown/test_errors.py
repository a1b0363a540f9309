"""Model-facing messages of refused edits (snapshots) and fail-closed rules."""

from __future__ import annotations

from typing import Any

import pytest

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import (
    Edit,
    StatusUpdate,
    TaskCheck,
    apply_edits,
    apply_plan_edits,
    parse_document,
    parse_edits,
)
from devussy_git.markdown._index import reparse_window

from .conftest import CASES

DEVPLAN = CASES.joinpath("devplan_progress", "input.md").read_text()
PHASE = CASES.joinpath("phase_tasks", "input.md").read_text()
HANDOFF = CASES.joinpath("handoff_notes", "input.md").read_text()
NESTED = CASES.joinpath("nested_sections", "input.md").read_text()


def _dev(**kwargs: object) -> Edit:
    return Edit(file="devplan.md", **kwargs)


def _refused(text: str, edits: list, **kwargs: object) -> InvalidEditError:
    with pytest.raises(InvalidEditError) as caught:
        apply_edits(text, edits, **kwargs)
    return caught.value


CASES_OF_ONE: dict[str, tuple[str, list[Any]]] = {
    "missing_anchor": (DEVPLAN, [_dev(anchor="PROGRES_LOG", action="append", content="- x")]),
    "anchor_wrong_case": (DEVPLAN, [_dev(anchor="progress_log", action="append", content="- x")]),
    "missing_heading": (DEVPLAN, [_dev(heading="Progres", action="append", content="- x")]),
    "ambiguous_heading": (NESTED, [Edit(file="plan.md", heading="Tasks", action="append", content="- x")]),
    "oversize": (DEVPLAN, [_dev(anchor="PROGRESS_LOG", action="append", content="x" * 30)]),
    "marker_in_content": (
        DEVPLAN,
        [
            _dev(
                anchor="PROGRESS_LOG",
                action="replace",
                content="<!-- PROGRESS_LOG_START -->\n- x\n<!-- PROGRESS_LOG_END -->",
            )
        ],
    ),
    "unclosed_fence": (DEVPLAN, [_dev(anchor="PROGRESS_LOG", action="append", content="```python\nx = 1")]),
    "unclosed_comment": (DEVPLAN, [_dev(anchor="PROGRESS_LOG", action="append", content="<!-- note")]),
    "heading_too_high": (DEVPLAN, [_dev(anchor="PROGRESS_LOG", action="append", content="## Done\n\n- x")]),
    "heading_swallows": (
        PHASE,
        [Edit(file="phase1.md", heading="Phase 1: Setup", action="prepend", content="## Goal\n\nShip.")],
    ),
    "missing_task": (PHASE, [TaskCheck(file="phase1.md", task_id="1.9")]),
    "status_in_missing_anchor": (
        DEVPLAN,
        [StatusUpdate(file="devplan.md", anchor="PHASE_3_STATUS", key="completed", value="1/2")],
    ),
    "duplicate_sub_heading": (
        NESTED,
        [Edit(file="plan.md", heading="Phase 2", action="append", content="### Notes\n\nmore")],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES_OF_ONE))
def test_single_refusal_message(name: str, snapshot) -> None:
    text, edits = CASES_OF_ONE[name]
    limit = 20 if name == "oversize" else 20_000
    error = _refused(text, edits, file=edits[0].file, max_content=limit)
    assert error.model_message == snapshot
    assert error.user_message.startswith("The model's edits were rejected: edit 1:")


def test_batch_message_names_valid_and_failed_edits(snapshot) -> None:
    edits = [
        _dev(anchor="PROGRESS_LOG", action="append", content="- 1.2: CI"),
        _dev(heading="Phase Overveiw", action="append", content="More."),
        _dev(anchor="NEXT_TASK_GROUP", action="replace", content="- 1.3: JWT"),
        _dev(anchor="COMPLETION", action="replace", content="Done."),
    ]
    error = _refused(DEVPLAN, edits, file="devplan.md")
    assert error.model_message == snapshot
    assert error.failures[0].index == 2  # type: ignore[attr-defined]
    assert [i for i, _ in error.valid] == [1, 3]  # type: ignore[attr-defined]


def test_plan_batch_message(snapshot) -> None:
    files = {"devplan.md": DEVPLAN, "phase1.md": PHASE, "handoff.md": HANDOFF}
    edits = [
        Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content="- 1.2: CI"),
        Edit(file="../secrets.md", anchor="X", action="append", content="x"),
        Edit(file=".git/config", anchor="X", action="append", content="x"),
        Edit(file="/etc/passwd", anchor="X", action="append", content="x"),
        Edit(file="phase2.md", anchor="PHASE_TASKS", action="append", content="x"),
        Edit(file="handoff.md", anchor="HANDOFF_NOTE", action="append", content="x"),
        Edit(file="phase1.md", heading="Outcomes", action="append", content="- CI"),
    ]
    with pytest.raises(InvalidEditError) as caught:
        apply_plan_edits(files, edits)
    assert caught.value.model_message == snapshot


def test_malformed_edits_message(snapshot) -> None:
    raw = [
        {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- x"},
        {"file": "devplan.md", "anchor": "A", "heading": "B", "action": "append", "content": "x"},
        {"file": "devplan.md", "section": "Progress", "action": "append", "content": "x"},
        {"file": "devplan.md", "anchor": "A", "action": "upsert", "content": "x"},
        {"file": "devplan.md", "anchor": "A", "action": "append", "content": "  "},
        "not an object",
    ]
    with pytest.raises(InvalidEditError) as caught:
        parse_edits(raw)
    assert caught.value.model_message == snapshot


def test_nothing_is_applied_when_one_edit_fails() -> None:
    edits = [
        _dev(anchor="PROGRESS_LOG", action="append", content="- 1.2: CI"),
        _dev(anchor="NOPE", action="append", content="- x"),
    ]
    with pytest.raises(InvalidEditError):
        apply_edits(DEVPLAN, edits)


def test_edit_for_another_file_is_refused() -> None:
    error = _refused(
        DEVPLAN, [Edit(file="phase1.md", anchor="PROGRESS_LOG", action="append", content="x")], file="devplan.md"
    )
    assert "this batch is for devplan.md" in error.model_message


def test_problem_anchor_is_not_editable() -> None:
    text = "<!-- A_START -->\n<!-- A_START -->\n<!-- A_END -->\n"
    error = _refused(text, [Edit(file="x.md", anchor="A", action="append", content="x")])
    assert "cannot be edited" in error.model_message
    assert "2 START and 1 END" in error.model_message


def test_content_cannot_rename_or_remove_headings() -> None:
    text = "# A\n\n## B\n\nb\n\n## C\n\nc\n"
    error = _refused(text, [Edit(file="x.md", heading="B", action="replace", content="## C\n\nx")])
    assert "level-2 heading" in error.model_message


def test_html_block_that_would_run_into_the_end_marker_gets_a_blank_line() -> None:
    text = "# A\n\n<!-- X_START -->\n- a\n<!-- X_END -->\ntext right after\n"
    edit = Edit(file="a.md", anchor="X", action="replace", content="<div>\nopen html")
    result = apply_edits(text, [edit])
    assert result.text == ("# A\n\n<!-- X_START -->\n<div>\nopen html\n\n<!-- X_END -->\ntext right after\n")
    assert list(result.document.anchors) == ["X"]


def test_window_reparse_catches_an_open_fence() -> None:
    lines = ["# A\n", "\n", "<!-- X_START -->\n", "<!-- X_END -->\n", "\n", "## B\n"]
    doc = parse_document("".join(lines))
    new = [*lines[:3], "```\n", *lines[3:]]
    window = reparse_window(doc.facts, doc.lines, new, 3, 3, 1)
    assert window.facts is None
    assert window.changed_lines is not None


def test_html_in_a_quoted_anchor_gets_a_quoted_blank_line() -> None:
    text = "> <!-- Q_START -->\n> old\n> <!-- Q_END -->\n> after\n"
    result = apply_edits(text, [Edit(file="q.md", anchor="Q", action="replace", content="<div>\nx")])
    assert result.text == "> <!-- Q_START -->\n> <div>\n> x\n>\n> <!-- Q_END -->\n> after\n"
