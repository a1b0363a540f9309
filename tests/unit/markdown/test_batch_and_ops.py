"""Multi-file batches and the one-call helpers."""

from __future__ import annotations

import pytest

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import (
    ChangedRange,
    Edit,
    LineRange,
    StatusUpdate,
    TaskCheck,
    apply_edits,
    apply_plan_edits,
    check_task,
    get_anchor_content,
    parse_document,
    set_anchor_content,
    set_status_field,
)

from .conftest import CASES

DEVPLAN = CASES.joinpath("devplan_progress", "input.md").read_text()
PHASE = CASES.joinpath("phase_tasks", "input.md").read_text()
HANDOFF = CASES.joinpath("handoff_notes", "input.md").read_text()
FILES = {"devplan.md": DEVPLAN, "phase1.md": PHASE, "handoff.md": HANDOFF}


def test_plan_batch_applies_across_files_and_returns_only_changed() -> None:
    edits = [
        Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content="- 1.2: CI"),
        TaskCheck(file="phase1.md", task_id="1.2"),
        StatusUpdate(file="devplan.md", anchor="PHASE_1_STATUS", key="completed", value="2/5"),
        Edit(file="handoff.md", anchor="DECISIONS", action="append", content="- Use FastAPI."),
    ]
    results = apply_plan_edits(FILES, edits)
    assert set(results) == {"devplan.md", "phase1.md"}
    assert "- 1.2: CI\n<!-- PROGRESS_LOG_END -->" in results["devplan.md"].text
    assert "completed: 2/5" in results["devplan.md"].text
    assert [t.checked for t in results["phase1.md"].document.tasks] == [True, True, False]


def test_plan_batch_is_all_or_nothing_across_files() -> None:
    edits = [
        Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content="- ok"),
        Edit(file="phase1.md", anchor="MISSING", action="append", content="- x"),
    ]
    with pytest.raises(InvalidEditError) as caught:
        apply_plan_edits(FILES, edits)
    assert caught.value.failures[0].index == 2  # type: ignore[attr-defined]
    assert caught.value.valid[0][0] == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path", ["../x.md", "/abs/devplan.md", ".git/config", "a\\b.md", "C:/x.md", "sub/../devplan.md"]
)
def test_plan_batch_refuses_paths_outside_the_plan(path: str) -> None:
    edit = Edit(file=path, anchor="PROGRESS_LOG", action="append", content="x")
    with pytest.raises(InvalidEditError) as caught:
        apply_plan_edits(FILES, [edit])
    assert path in caught.value.model_message


def test_plan_batch_numbers_failures_in_batch_order() -> None:
    edits = [
        Edit(file="phase1.md", anchor="PHASE_TASKS", action="append", content="- [ ] 1.4: x"),
        Edit(file="devplan.md", anchor="NOPE", action="append", content="x"),
        Edit(file="phase1.md", anchor="NOPE", action="append", content="x"),
    ]
    with pytest.raises(InvalidEditError) as caught:
        apply_plan_edits(FILES, edits)
    assert [f.index for f in caught.value.failures] == [2, 3]  # type: ignore[attr-defined]


def test_get_and_set_anchor_content_round_trip() -> None:
    text = CASES.joinpath("anchor_in_list", "input.md").read_text()
    assert get_anchor_content(text, "PHASE_1_NOTES") == "first note\n"
    changed = set_anchor_content(text, "PHASE_1_NOTES", "- a\n- b")
    assert get_anchor_content(changed, "PHASE_1_NOTES") == "- a\n- b\n"
    assert set_anchor_content(changed, "PHASE_1_NOTES", "first note") == text


def test_get_anchor_content_of_missing_anchor() -> None:
    with pytest.raises(InvalidEditError, match="no anchor NOPE"):
        get_anchor_content(DEVPLAN, "NOPE")


def test_check_and_uncheck_task() -> None:
    checked = check_task(PHASE, "1.3")
    assert "- [x] 1.3: Add JWT middleware" in checked
    assert check_task(checked, "1.3", checked=False) == PHASE
    assert check_task(PHASE, "1.1") == PHASE


def test_set_status_field_updates_or_adds_a_line() -> None:
    updated = set_status_field(DEVPLAN, "PHASE_2_STATUS", "completed", "1/4")
    assert "name: Catalogue\ncompleted: 1/4\n" in updated
    added = set_status_field(DEVPLAN, "PHASE_2_STATUS", "owner", "ana")
    assert "completed: 0/4\nowner: ana\n<!-- PHASE_2_STATUS_END -->" in added
    bold = "<!-- S_START -->\n- **completed:** 1/3\n<!-- S_END -->\n"
    assert set_status_field(bold, "S", "completed", "2/3") == bold.replace("1/3", "2/3")


def test_status_field_inside_indented_anchor_keeps_indent() -> None:
    text = "- Phase 1\n  <!-- S_START -->\n  phase: 1\n  <!-- S_END -->\n"
    out = set_status_field(text, "S", "completed", "0/2")
    assert out == "- Phase 1\n  <!-- S_START -->\n  phase: 1\n  completed: 0/2\n  <!-- S_END -->\n"
    assert list(parse_document(out).anchors) == ["S"]


@pytest.mark.parametrize("value", ["1/5\n2/5", "<!-- PHASE_1_STATUS_END -->"])
def test_status_value_must_be_one_plain_line(value: str) -> None:
    with pytest.raises(InvalidEditError):
        set_status_field(DEVPLAN, "PHASE_1_STATUS", "completed", value)


def test_reports_and_changed_ranges_describe_the_batch() -> None:
    text = "# A\n\n<!-- LOG_START -->\n- one\n<!-- LOG_END -->\n\n## B\n\nold\n"
    edits = [
        Edit(file="a.md", anchor="LOG", action="append", content="- two"),
        Edit(file="a.md", heading="B", action="replace", content="new\n\nlines"),
        Edit(file="a.md", anchor="LOG", action="append", content="- two"),
    ]
    result = apply_edits(parse_document(text), edits)
    assert [r.status for r in result.reports] == ["applied", "applied", "already-present"]
    assert result.reports[0].lines == LineRange(4, 5)
    assert result.changed_ranges == (
        ChangedRange(4, 5, 4, 4),
        ChangedRange(9, 12, 8, 9),
    )
    assert result.text == ("# A\n\n<!-- LOG_START -->\n- one\n- two\n<!-- LOG_END -->\n\n## B\n\nnew\n\nlines\n")
