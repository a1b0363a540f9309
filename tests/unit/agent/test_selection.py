"""Which task a step takes, and the clear refusals."""

from __future__ import annotations

import pytest

from devussy_git.agent.ritual import refresh
from devussy_git.agent.selection import PlanCompleteError, select_task
from devussy_git.errors import InvalidInputError
from devussy_git.plan.files import read_phases


def test_fresh_plan_starts_with_task_1_1(files: dict[str, str]) -> None:
    chosen = select_task(read_phases(files), handoff=files["handoff.md"])
    assert (chosen.task.id, chosen.phase_file) == ("1.1", "phase1.md")


def test_moves_to_the_next_phase_when_one_is_complete(files: dict[str, str]) -> None:
    done = refresh(refresh(files, "1.1"), "1.2")
    chosen = select_task(read_phases(done), handoff=done["handoff.md"])
    assert (chosen.task.id, chosen.phase.number) == ("2.1", 2)


def test_quick_status_names_the_next_task_when_it_is_open(files: dict[str, str]) -> None:
    handoff = files["handoff.md"].replace("Next Immediate Task: 1.1", "Next Immediate Task: 2.2")
    assert select_task(read_phases(files), handoff=handoff).task.id == "2.2"
    stale = files["handoff.md"].replace("Next Immediate Task: 1.1", "Next Immediate Task: 9.9")
    assert select_task(read_phases(files), handoff=stale).task.id == "1.1"


def test_an_explicit_task_overrides(files: dict[str, str]) -> None:
    assert select_task(read_phases(files), handoff=files["handoff.md"], task_id=" 3.1 ").task.id == "3.1"


def test_unknown_task_lists_the_open_ids(files: dict[str, str]) -> None:
    with pytest.raises(InvalidInputError) as caught:
        select_task(read_phases(files), task_id="7.1")
    assert caught.value.user_message == (
        "There is no task '7.1' in this plan. Open tasks: 1.1, 1.2, 2.1, 2.2, 2.3, 3.1."
    )


def test_a_done_task_is_refused_with_the_way_back(files: dict[str, str]) -> None:
    done = refresh(files, "1.1")
    with pytest.raises(InvalidInputError, match="1.1 is already done .revert its step"):
        select_task(read_phases(done), task_id="1.1")


def test_a_finished_plan_says_so(files: dict[str, str]) -> None:
    for task_id in ("1.1", "1.2", "2.1", "2.2", "2.3", "3.1"):
        files = refresh(files, task_id)
    with pytest.raises(PlanCompleteError, match=r"Every task of the plan is done \(6/6\)"):
        select_task(read_phases(files), handoff=files["handoff.md"])
