"""The step's prompt carries only the protocol's slices (snapshot-tested)."""

from __future__ import annotations

from syrupy.assertion import SnapshotAssertion

from devussy_git.agent.context import build_context, newest_lines
from devussy_git.agent.ritual import refresh
from devussy_git.agent.selection import select_task
from devussy_git.pipeline.prompts import build_messages
from devussy_git.plan.files import read_phases
from tests.unit.agent.conftest import plan_files, sample_plan


def test_prompt_snapshot(snapshot: SnapshotAssertion) -> None:
    files = refresh(plan_files(sample_plan(), formatted=True), "1.1")
    selection = select_task(read_phases(files), handoff=files["handoff.md"])
    context = build_context(files, selection, "CI runs on GitHub Actions; we chose pytest.")
    assert build_messages("handoff_next", context.values) == snapshot
    assert context.allowed_files == ("devplan.md", "phase1.md", "handoff.md")
    assert context.offline["task"]["id"] == "1.2"


def test_prompt_is_a_fraction_of_the_whole_files(files: dict[str, str]) -> None:
    selection = select_task(read_phases(files), handoff=files["handoff.md"])
    values = build_context(files, selection, None).values
    slices = sum(len(v) for v in values.values())
    whole = sum(len(files[p]) for p in ("devplan.md", "phase1.md", "handoff.md"))
    assert slices < 0.5 * whole
    assert "Plan created" not in "".join(values.values())  # PROGRESS_LOG stays out


def test_design_lines_are_those_sharing_the_task_words(files: dict[str, str]) -> None:
    selection = select_task(read_phases(files), task_id="2.1")
    lines = build_context(files, selection, None).values["design_lines"]
    assert "PostgreSQL with SQLAlchemy for orders" in lines
    assert "Stripe" not in lines


def test_growing_sections_are_cut_to_their_newest_lines() -> None:
    text = "\n".join(f"- line {i}" for i in range(40))
    cut = newest_lines(text, 15)
    assert cut.startswith("(… 25 earlier lines left out)") and cut.endswith("- line 39")
    assert newest_lines("- a\n\n- b") == "- a\n- b"
