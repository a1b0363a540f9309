"""Rendering of the plan files and Devussy's anchor checks."""

from __future__ import annotations

import re

import mdformat
import pytest

from devussy_git.plan import (
    ComplexityProfile,
    Interview,
    Phase,
    Plan,
    Task,
    ValidationResult,
    anchor_block,
    check_plan_anchors,
    extract_anchor,
    next_task_group_block,
    phase_status_block,
    plan_summary,
    quick_status_block,
    render_design,
    render_devplan,
    render_handoff,
    render_phase,
    render_plan_files,
    render_validation_report,
)

PROFILE = ComplexityProfile(6.0, 3, "standard", {}, ("Stripe may fail.",), "Because.")


def make_plan(done: tuple[str, ...] = ()) -> Plan:
    phases = (
        Phase(
            1,
            "Project Setup",
            "Repository and tooling.",
            (
                Task("1.1", "Initialise the repository", ("README and licence",)),
                Task("1.2", "Add CI"),
            ),
        ),
        Phase(
            2,
            "Data Model",
            "Tables.\n- Products\n- Orders",
            (
                Task("2.1", "Create models", ("Product", "Order")),
                Task("2.2", "Add migrations"),
                Task("2.3", "Seed data"),
            ),
        ),
        Phase(3, "API | Endpoints", "", (Task("3.1", "Catalog endpoints"),)),
    )
    plan = Plan("shop-api", "Shop API", "A shop backend.", phases, PROFILE)
    for task_id in done:
        plan = plan.with_task_done(task_id)
    return plan


def all_files(plan: Plan) -> dict[str, str]:
    return {**render_plan_files(plan), "handoff.md": render_handoff(plan)}


def test_rendered_plan_passes_devussys_and_the_full_anchor_check() -> None:
    files = all_files(make_plan())
    assert sorted(files) == ["devplan.md", "handoff.md", "phase1.md", "phase2.md", "phase3.md"]
    assert check_plan_anchors(files) == []
    assert check_plan_anchors(files, strict=True) == []


def test_devplan_layout() -> None:
    text = render_devplan(make_plan(done=("1.1",)))
    assert text.startswith("# Development Plan\n")
    assert "\n## Summary\n\nA shop backend.\n" in text
    assert "| Phase | Title" in text and "| File" in text
    row = r"\| 1 +\| Project Setup +\| In progress +\| 1/2 +\| \[phase1\.md\]\(phase1\.md\) \|"
    assert re.search(row, text)
    assert "API \\| Endpoints" in text
    assert extract_anchor(text, "PHASE_2_STATUS") == "phase: 2\nname: Data Model\ncompleted: 0/3"
    assert extract_anchor(text, "PHASE_1_STATUS").endswith("completed: 1/2")
    # One task left in phase 1: the group is topped up to three from phase 2.
    assert extract_anchor(text, "NEXT_TASK_GROUP") == (
        "- [ ] 1.2: Add CI\n- [ ] 2.1: Create models\n- [ ] 2.2: Add migrations"
    )
    assert extract_anchor(text, "COMPLETION_SUMMARY").startswith("1 of 6 steps completed (17%)")


def test_phase_file_layout() -> None:
    plan = make_plan(done=("2.2",))
    text = render_phase(plan, plan.phases[1])
    assert text.startswith("# Phase 2: Data Model\n")
    for heading in ("## Tasks", "## Context", "## Outcomes", "## Progress"):
        assert f"\n{heading}\n" in text
    assert extract_anchor(text, "PHASE_TASKS") == (
        "- [ ] 2.1: Create models\n  - Product\n  - Order\n- [x] 2.2: Add migrations\n- [ ] 2.3: Seed data"
    )
    assert "[devplan.md](devplan.md)" in text
    assert extract_anchor(text, "PHASE_OUTCOMES") == ""
    assert "completed: 1/3" in extract_anchor(text, "PHASE_PROGRESS")
    assert "Builds on phase 1: Project Setup." in extract_anchor(text, "PHASE_CONTEXT")


def test_fresh_handoff_names_phase_one_and_task_one_one() -> None:
    text = render_handoff(make_plan())
    assert text.startswith("# Handoff Prompt: Shop API\n")
    assert extract_anchor(text, "QUICK_STATUS") == (
        "- Active Phase: 1 - Project Setup (phase1.md)\n"
        "- Next Immediate Task: 1.1 - Initialise the repository\n"
        "- Blockers: None known"
    )
    # The instructions name anchors without writing their markers.
    assert text.count("<!-- NEXT_TASK_GROUP_START -->") == 0


def test_handoff_follows_progress_and_completion() -> None:
    plan = make_plan(done=("1.1", "1.2"))
    status = extract_anchor(render_handoff(plan), "QUICK_STATUS")
    assert "Active Phase: 2 - Data Model" in status and "Next Immediate Task: 2.1" in status
    finished = make_plan(done=tuple(t.id for t in make_plan().tasks))
    status = extract_anchor(render_handoff(finished), "QUICK_STATUS")
    assert "none - all phases complete" in status and "none - all tasks complete" in status
    assert next_task_group_block(finished.next_task_group()) == "- All tasks are complete."


def test_small_blocks_for_the_handoff_agent() -> None:
    plan = make_plan()
    assert quick_status_block(plan.phases[0], plan.tasks[0], ["Waiting for keys", " "]).endswith(
        "- Blockers: Waiting for keys"
    )
    assert quick_status_block(None, None, "Stripe account").endswith("- Blockers: Stripe account")
    assert phase_status_block(plan.phases[1], 2) == "phase: 2\nname: Data Model\ncompleted: 2/3"
    assert anchor_block("X", "") == "<!-- X_START -->\n\n<!-- X_END -->"


def test_task_items_are_never_escaped(shop_api: Interview, shop_profile) -> None:
    files = all_files(make_plan())
    items = re.findall(r"^- \\?\[.\] .*$", files["phase2.md"], re.MULTILINE)
    assert items and all(item.startswith(("- [ ] ", "- [x] ")) for item in items)


@pytest.mark.parametrize("name", ["devplan.md", "phase1.md", "phase2.md", "phase3.md", "handoff.md"])
def test_rendered_files_are_stable_under_mdformat(name: str) -> None:
    text = all_files(make_plan(done=("1.1",)))[name]
    assert mdformat.text(text, extensions={"gfm"}) == text


def test_design_and_validation_report(shop_api: Interview) -> None:
    design = render_design(shop_api, "# Whatever\n\n## Objectives\n\nSell things.\n")
    assert design.startswith("# Project Design: Shop API\n")
    assert "# Whatever" not in design and design.endswith("Sell things.\n")
    first = ValidationResult(False, "Gaps.", ("Add a Mitigations section.",))
    final = ValidationResult(True, "Complete now.", ())
    report = render_validation_report(final, 2, earlier=[first])
    assert report.startswith("# Validation Report\n")
    assert "**Verdict:** Approved after 2 review rounds." in report
    assert "### Round 1\n\n- Add a Mitigations section." in report
    assert "## Open Issues\n\n- None." in report


def test_plan_summary_mentions_stack_apis_and_size(shop_api: Interview, shop_profile) -> None:
    summary = plan_summary(shop_api, shop_profile)
    for part in ("REST API", "FastAPI", "PostgreSQL", "Stripe, SendGrid", "5 phases"):
        assert part in summary


# -- anchor validator ---------------------------------------------------------


def test_missing_duplicated_and_misordered_anchors_are_named() -> None:
    files = all_files(make_plan())
    files["devplan.md"] = files["devplan.md"].replace("<!-- PROGRESS_LOG_END -->", "")
    files["phase2.md"] = files["phase2.md"].replace(
        "<!-- PHASE_OUTCOMES_START -->\n\n<!-- PHASE_OUTCOMES_END -->",
        "<!-- PHASE_OUTCOMES_END -->\n<!-- PHASE_OUTCOMES_START -->",
    )
    files["handoff.md"] += "\n<!-- TOKEN_RULES_START -->\n"
    files["phase3.md"] = files["phase3.md"].replace("PHASE_PROGRESS", "PROGRESS")
    assert check_plan_anchors(files) == [
        "devplan.md: anchor PROGRESS_LOG has no <!-- PROGRESS_LOG_END -->",
        "handoff.md: anchor TOKEN_RULES appears more than once (2 starts, 1 ends)",
        "phase2.md: anchor PHASE_OUTCOMES ends before it starts",
        "phase3.md: anchor PHASE_PROGRESS is missing (<!-- PHASE_PROGRESS_START --> ... <!-- PHASE_PROGRESS_END -->)",
    ]


def test_strict_check_wants_every_design_anchor() -> None:
    files = all_files(make_plan())
    files["devplan.md"] = files["devplan.md"].replace("PHASE_3_STATUS", "PHASE_9_STATUS")
    files["handoff.md"] = files["handoff.md"].replace("DECISIONS", "CHOICES")
    assert check_plan_anchors(files) == []
    assert check_plan_anchors(files, strict=True) == [
        "handoff.md: anchor DECISIONS is missing (<!-- DECISIONS_START --> ... <!-- DECISIONS_END -->)",
        "devplan.md: anchor PHASE_3_STATUS is missing (<!-- PHASE_3_STATUS_START --> ... <!-- PHASE_3_STATUS_END -->)",
    ]


def test_other_files_are_ignored() -> None:
    assert check_plan_anchors({"project_design.md": "# Design", "notes.txt": ""}) == []


def test_outline_only_devplan_says_steps_come_later() -> None:
    plan = make_plan()
    outline_only = Plan(
        plan.project_id,
        plan.project_name,
        plan.summary,
        tuple(Phase(p.number, p.title, p.summary) for p in plan.phases),
        plan.complexity,
    )
    text = render_devplan(outline_only)
    assert "No steps yet" in extract_anchor(text, "NEXT_TASK_GROUP")
    assert check_plan_anchors({"devplan.md": text}) == []


def test_design_with_h1_sections_keeps_them(shop_api: Interview) -> None:
    design = render_design(shop_api, "# Objectives\n\nSell.\n\n# Architecture\n\nLayers.\n")
    assert "# Objectives" in design and "# Architecture" in design
