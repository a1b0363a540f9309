"""The ritual: ticking a task rewrites exactly the derived regions a fresh render would hold."""

from __future__ import annotations

import pytest

from devussy_git.agent.regions import anchor_value, changed_regions, split_regions
from devussy_git.agent.ritual import (
    check_consistency,
    is_ritual_anchor,
    open_blockers,
    record,
    refresh,
    restore_ritual,
)
from devussy_git.markdown.edits import Edit
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.compose import render_handoff, render_plan_files
from devussy_git.plan.files import read_phases
from tests.unit.agent.conftest import sample_plan


def test_a_fresh_plan_is_consistent(files: dict[str, str]) -> None:
    assert check_consistency(files) == []
    assert refresh(files) == files


def test_ticking_a_task_matches_a_fresh_render_of_the_plan(files: dict[str, str]) -> None:
    plan = sample_plan().with_task_done("1.1").with_task_done("1.2")
    out = refresh(refresh(files, "1.1"), "1.2")
    expected = {**render_plan_files(plan), "handoff.md": render_handoff(plan)}
    for path in ("devplan.md", "phase1.md", "handoff.md"):
        for name in (
            "NEXT_TASK_GROUP",
            "COMPLETION_SUMMARY",
            "PHASE_1_STATUS",
            "PHASE_TASKS",
            "PHASE_PROGRESS",
            "QUICK_STATUS",
        ):
            if anchor_value(expected[path], name) is not None:
                assert anchor_value(out[path], name) == anchor_value(expected[path], name), (path, name)
    assert "| Done" in out["devplan.md"].split("\n| 1 ")[1].split("\n")[0]
    assert "Active Phase: 2 - Data Model" in out["handoff.md"]
    assert check_consistency(out) == [] and check_plan_anchors(out, strict=True) == []
    # Files the step had no reason to touch are the same objects' text.
    assert out["phase2.md"] == files["phase2.md"] and out["phase3.md"] == files["phase3.md"]


def test_ticking_touches_only_ritual_regions_and_one_table_row(files: dict[str, str]) -> None:
    out = refresh(files, "2.1")
    for path in ("devplan.md", "phase2.md", "handoff.md"):
        before, after = split_regions(files[path]), split_regions(out[path])
        for (key, old), (_, new) in zip(before, after, strict=True):
            if old == new:
                continue
            if key.startswith("anchor:"):
                assert is_ritual_anchor(path, key.removeprefix("anchor:")), (path, key)
            else:
                changed = [a for a, b in zip(old, new, strict=True) if a != b]
                assert len(changed) == 1 and changed[0].startswith("| 2 "), (path, key)


def test_record_adds_the_log_line_only_when_the_model_did_not(files: dict[str, str]) -> None:
    task = read_phases(files)[0].tasks[0]
    out = record(files, task, summary="created  the\nlayout", blocked=False, touched=frozenset())
    assert anchor_value(out["devplan.md"], "PROGRESS_LOG").endswith("- 1.1: created the layout")
    own = Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content="- 1.1: laid out")
    touched = frozenset({("devplan.md", "PROGRESS_LOG")})
    same = record(files, task, summary="x", blocked=False, touched=touched, edits=[own])
    assert same == files


@pytest.mark.parametrize("content", ["- misc: tidied up", "- 1.10: other task", "- 11.1: other"])
def test_record_logs_the_step_when_the_models_log_line_is_not_this_tasks(files: dict[str, str], content: str) -> None:
    task = read_phases(files)[0].tasks[0]
    other = Edit(file="devplan.md", anchor="PROGRESS_LOG", action="append", content=content)
    touched = frozenset({("devplan.md", "PROGRESS_LOG")})
    out = record(files, task, summary="did it", blocked=False, touched=touched, edits=[other])
    assert anchor_value(out["devplan.md"], "PROGRESS_LOG").endswith("- 1.1: did it")


def test_a_blocked_task_stays_open_and_its_blocker_shows_until_done(files: dict[str, str]) -> None:
    task = read_phases(files)[0].tasks[0]
    out = refresh(record(files, task, summary="no keys", blocked=True, touched=frozenset()), "1.1", done=False)
    assert "- 1.1 (blocked): no keys" in out["devplan.md"]
    assert "- Blockers: 1.1: no keys" in out["handoff.md"]
    assert "Next Immediate Task: 1.1" in out["handoff.md"]
    done = refresh(out, "1.1")
    assert open_blockers(anchor_value(done["handoff.md"], "BLOCKERS") or "", read_phases(done)) == []
    assert "- Blockers: None known" in done["handoff.md"]


def test_restore_ritual_leaves_only_the_content_of_a_step(files: dict[str, str]) -> None:
    task = read_phases(files)[0].tasks[0]
    stepped = refresh(record(files, task, summary="x", blocked=False, touched=frozenset()), "1.1")
    content = restore_ritual(files, stepped)
    assert content["handoff.md"] == files["handoff.md"]
    assert content["phase1.md"] == files["phase1.md"]
    assert changed_regions(files["devplan.md"], content["devplan.md"]) == {"anchor:PROGRESS_LOG"}
