"""The plan read back from its rendered files equals the plan that was rendered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devussy_git.errors import InvalidInputError
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.compose import (
    quick_status_block,
    render_devplan,
    render_handoff,
    render_plan_files,
)
from devussy_git.plan.files import (
    blockers_from_quick_status,
    outline_from_devplan,
    plan_progress,
    read_plan,
)
from devussy_git.plan.interview import Interview
from devussy_git.plan.model import Phase, PhaseOutline, Plan, Task

INTERVIEW = Interview({"project_name": "Shop API", "project_type": "REST API"})
PROFILE = ComplexityProfile(score=5.0, phase_count=3, depth="standard")


def make_plan(phases: tuple[Phase, ...], summary: str = "A shop backend.") -> Plan:
    return Plan("shop-api", "Shop API", summary, phases, PROFILE)


def files_of(plan: Plan) -> dict[str, str]:
    return {**render_plan_files(plan), "handoff.md": render_handoff(plan)}


SAMPLE = make_plan(
    (
        Phase(
            1,
            "Setup | tooling",
            "Repository, CI and local environment.",
            (
                Task("1.1", "Create the repo", ("pyproject with ruff", "pre-commit"), True),
                Task("1.2", "Add CI"),
            ),
        ),
        Phase(2, "Data model", "", (Task("2.1", "Orders table", ("id, total",)),)),
        Phase(3, "Auth", "JWT with refresh tokens.\n\nSecond paragraph.", (Task("3.1", "JWT"),)),
    )
)


def test_read_plan_is_the_inverse_of_render() -> None:
    assert read_plan(files_of(SAMPLE), "shop-api", INTERVIEW, PROFILE) == SAMPLE


def test_read_plan_of_a_plan_between_devplan_and_phases_has_titles_only() -> None:
    outline_only = make_plan(tuple(Phase(p.number, p.title, "", ()) for p in SAMPLE.phases))
    files = {"devplan.md": render_devplan(outline_only)}
    assert read_plan(files, "shop-api", INTERVIEW, PROFILE) == outline_only


def test_outline_round_trips_through_render_devplan() -> None:
    outline = (
        PhaseOutline(1, "Setup | tooling", "Repository, CI and the app skeleton."),
        PhaseOutline(2, "Data model", ""),
        PhaseOutline(3, "Payments", "Stripe checkout.\n\nWebhooks are verified."),
    )
    plan = make_plan(tuple(Phase.from_outline(o, ()) for o in outline))
    assert outline_from_devplan(render_devplan(plan)) == outline


def test_outline_without_overview_table_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="overview table"):
        outline_from_devplan("# Development Plan\n\nNo table here.\n")


def test_progress_of_a_fresh_plan_names_phase_1_and_task_1_1() -> None:
    fresh = make_plan(
        tuple(
            Phase(p.number, p.title, p.summary, tuple(Task(t.id, t.title, t.details) for t in p.tasks))
            for p in SAMPLE.phases
        )
    )
    progress = plan_progress(files_of(fresh))
    assert (progress.done, progress.total, progress.active_phase) == (0, 4, 1)
    assert progress.next_task is not None and progress.next_task.id == "1.1"
    assert progress.blockers == ()


def test_progress_moves_to_the_next_phase_when_one_is_complete() -> None:
    plan = SAMPLE.with_task_done("1.2")
    progress = plan_progress(files_of(plan))
    assert (progress.done, progress.total, progress.active_phase) == (2, 4, 2)
    assert progress.next_task == Task("2.1", "Orders table", ("id, total",))


def test_progress_of_a_finished_plan_has_no_next_task() -> None:
    plan = SAMPLE
    for task in SAMPLE.tasks:
        plan = plan.with_task_done(task.id)
    progress = plan_progress(files_of(plan))
    assert (progress.done, progress.active_phase, progress.next_task) == (4, None, None)


def test_blockers_are_read_from_quick_status() -> None:
    block = quick_status_block(SAMPLE.phases[0], SAMPLE.tasks[1], ["waiting on keys", "CI down"])
    handoff = f"<!-- QUICK_STATUS_START -->\n{block}\n<!-- QUICK_STATUS_END -->\n"
    assert blockers_from_quick_status(handoff) == ("waiting on keys", "CI down")
    assert blockers_from_quick_status(render_handoff(SAMPLE)) == ()


def test_escaped_task_boxes_from_a_formatter_are_read() -> None:
    files = files_of(SAMPLE)
    files["phase1.md"] = files["phase1.md"].replace("- [ ] 1.2", "- \\[ \\] 1.2")
    assert plan_progress(files).next_task == Task("1.2", "Add CI")


words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789.,:()/+#&'", min_size=1, max_size=8),
    min_size=1,
    max_size=5,
).map(" ".join)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    count = draw(st.integers(1, 4))
    phases = []
    for n in range(1, count + 1):
        tasks = tuple(
            Task(f"{n}.{m}", draw(words), tuple(draw(st.lists(words, max_size=2))), draw(st.booleans()))
            for m in range(1, draw(st.integers(1, 4)) + 1)
        )
        phases.append(Phase(n, draw(words), draw(st.one_of(st.just(""), words)), tasks))
    return make_plan(tuple(phases), draw(words))


@settings(max_examples=40, deadline=None)
@given(plans())
def test_any_rendered_plan_reads_back_equal(plan: Plan) -> None:
    assert read_plan(files_of(plan), "shop-api", INTERVIEW, PROFILE) == plan


def test_a_phase_file_gives_its_own_title() -> None:
    from devussy_git.plan import render_phase
    from devussy_git.plan.files import read_phase

    phase = SAMPLE.phases[0]
    text = render_phase(SAMPLE, phase)
    assert read_phase("phase1.md", text).title == phase.title
    assert read_phase("phase1.md", text.replace(f"# Phase 1: {phase.title}", "# Phase 1: Renamed")).title == "Renamed"


# -- counting without building tasks (the progress history reads every version) -------

_NOISE = st.sampled_from(
    [
        "- [ ] 9.9: a task line outside its phase",
        "- [x] 1.7: done elsewhere",
        "- \\[ \\] 2.2: escaped box",
        "- [X] 1.8: capital X",
        "  - a detail",
        "## Phase Overview",
        "| 7 | Intruder | Done | 1/1 | x |",
        "| Phase | Title | Status | Steps | File |",
        "|---|---|---|---|---|",
        "# Phase 4: Another heading",
        "### Phase 1: Sub heading",
        "",
        "text\r",
        "<!-- PHASE_TASKS_END -->",
    ]
)


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few random lines inserted anywhere (hand edits, formatter output)."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 4))):
        lines.insert(draw(st.integers(0, len(lines))), draw(_NOISE))
    return "\n".join(lines)


def _tally(name: str, text: str) -> tuple[str, int, int]:
    from devussy_git.plan.files import read_phase

    phase = read_phase(name, text)
    return phase.title, sum(1 for t in phase.tasks if t.done), len(phase.tasks)


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_counted_tasks_equal_the_tasks_read(plan: Plan, data: st.DataObject) -> None:
    from devussy_git.plan.files import count_tasks, phase_titles

    files = files_of(plan)
    assert phase_titles(files["devplan.md"]) == {p.number: p.title for p in plan.phases}
    for phase in plan.phases:
        name = phase.filename
        assert count_tasks(name, files[name]) == (phase.title, sum(1 for t in phase.tasks if t.done), len(phase.tasks))
        text = data.draw(edited(files[name]))
        try:
            expected = _tally(name, text)
        except InvalidInputError:
            with pytest.raises(InvalidInputError):
                count_tasks(name, text)
        else:
            assert count_tasks(name, text) == expected


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_phase_titles_read_only_the_overview_table(plan: Plan, data: st.DataObject) -> None:
    """The overview is found without splitting the whole devplan; the result is what a
    line-by-line read of the whole file gives."""
    import re

    from devussy_git.plan.files import overview_rows, phase_titles

    devplan = data.draw(edited(files_of(plan)["devplan.md"]))
    lines = devplan.split("\n")
    expected: dict[int, str] = {}
    for index in overview_rows(lines):
        row = re.match(r"^\|\s*(\d+)\s*\|(.*)\|\s*$", lines[index])
        if row:
            expected.setdefault(int(row.group(1)), re.split(r"(?<!\\)\|", row.group(2))[0].strip().replace("\\|", "|"))
    assert phase_titles(devplan) == expected


def test_counting_refuses_what_reading_refuses() -> None:
    from devussy_git.plan.files import count_tasks

    with pytest.raises(InvalidInputError, match="not a phase file"):
        count_tasks("notes.md", "- [ ] 1.1: x")
    with pytest.raises(InvalidInputError, match="PHASE_TASKS"):
        count_tasks("phase1.md", "# Phase 1: Setup\n\n- [x] 1.1: no anchors\n")
