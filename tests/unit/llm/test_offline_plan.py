"""The offline provider: real content that the parsers accept, deterministically."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devussy_git.errors import InvalidInputError
from devussy_git.llm.offline.replies import offline_reply
from devussy_git.plan import (
    ComplexityProfile,
    Interview,
    Phase,
    Plan,
    check_plan_anchors,
    extract_anchor,
    parse_complexity_refinement,
    parse_design,
    parse_devplan_outline,
    parse_phase_tasks,
    parse_validation,
    plan_summary,
    render_design,
    render_handoff,
    render_plan_files,
    render_validation_report,
    score_complexity,
)
from devussy_git.plan.textutil import extract_json_object
from tests.unit.plan.helpers import INTERVIEWS, load_interview


@pytest.fixture
def shop_api() -> Interview:
    return load_interview("shop-api")


@pytest.fixture
def shop_profile(shop_api: Interview) -> ComplexityProfile:
    return score_complexity(shop_api)


def run_offline(interview: Interview) -> tuple[dict[str, str], Plan]:
    """The pipeline's stages, offline, through the same parsers a real reply meets."""
    base = score_complexity(interview)
    ctx: dict[str, Any] = {"interview": interview.to_dict(), "profile": base.to_dict()}
    profile = parse_complexity_refinement(offline_reply("complexity", ctx), base)
    ctx = {"interview": interview.to_dict(), "complexity": profile.to_dict()}
    design = parse_design(offline_reply("design", ctx))
    ctx["design"] = design
    review = parse_validation(offline_reply("validation", ctx))
    outline = parse_devplan_outline(offline_reply("devplan", ctx), profile.phase_count)
    phases = []
    for item in outline:
        reply = offline_reply(
            "phase",
            {
                **ctx,
                "phase": {"number": item.number, "title": item.title, "summary": item.summary},
                "phase_count": len(outline),
            },
        )
        phases.append(Phase.from_outline(item, parse_phase_tasks(reply, item.number)))
    plan = Plan(
        interview.project_id,
        interview.project_name,
        plan_summary(interview, profile),
        tuple(phases),
        profile,
    )
    files = {
        "project_design.md": render_design(interview, design),
        "validation_report.md": render_validation_report(review, 1),
        **render_plan_files(plan),
        "handoff.md": render_handoff(plan),
    }
    return files, plan


@pytest.mark.parametrize("path", INTERVIEWS, ids=lambda p: p.stem)
def test_offline_plan_round_trips_through_the_parsers(path) -> None:
    interview = load_interview(path.stem)
    files, plan = run_offline(interview)
    profile = score_complexity(interview)
    assert plan.complexity == profile
    assert len(plan.phases) == profile.phase_count
    assert all(phase.tasks for phase in plan.phases)
    assert check_plan_anchors(files, strict=True) == []
    status = extract_anchor(files["handoff.md"], "QUICK_STATUS")
    assert f"Active Phase: 1 - {plan.phases[0].title}" in status
    assert f"Next Immediate Task: 1.1 - {plan.phases[0].tasks[0].title}" in status
    assert "**Verdict:** Approved" in files["validation_report.md"]


@pytest.mark.parametrize("path", INTERVIEWS, ids=lambda p: p.stem)
def test_offline_replies_are_deterministic(path) -> None:
    interview = load_interview(path.stem)
    assert run_offline(interview)[0] == run_offline(interview)[0]


def test_offline_content_comes_from_the_answers() -> None:
    files, plan = run_offline(load_interview("shop-api"))
    design = files["project_design.md"]
    for word in ("FastAPI", "PostgreSQL", "JWT", "Stripe", "SendGrid", "AWS", "pytest"):
        assert word in design
    titles = [phase.title for phase in plan.phases]
    assert titles[0] == "Project Setup"
    assert any("Authentication" in t for t in titles)
    assert any("Deployment" in t for t in titles)
    tasks = " ".join(task.title for task in plan.tasks)
    for feature in ("product catalog with search", "shopping cart", "Integrate Stripe"):
        assert feature in tasks


def test_cli_tool_plan_has_no_web_parts() -> None:
    files, plan = run_offline(load_interview("csv-report-cli"))
    text = " ".join(files.values())
    for absent in ("Frontend", "Authentication", "Database:", "Integrate "):
        assert absent not in text
    assert any("Packaging" in phase.title for phase in plan.phases)
    assert "go test" in text


def test_shop_api_render_snapshot(snapshot) -> None:
    files, _ = run_offline(load_interview("shop-api"))
    assert files == snapshot


def test_validation_asks_for_missing_sections(shop_api: Interview, shop_profile) -> None:
    ctx = {
        "interview": shop_api.to_dict(),
        "complexity": shop_profile.to_dict(),
        "design": "# Design\n\n## Objectives\n\nSell.\n\n## Tech Stack\n\nPython.\n",
    }
    review = parse_validation(offline_reply("validation", ctx))
    assert not review.approved
    assert "Add a '## Architecture' section to the design." in review.issues
    assert "Explain how Stripe is integrated." in review.issues
    revised = offline_reply("design-revision", {**ctx, "issues": list(review.issues)})
    assert "## Revision Notes" in revised
    assert parse_validation(offline_reply("validation", {**ctx, "design": parse_design(revised)})).approved


def test_handoff_next_records_the_note() -> None:
    reply = offline_reply(
        "handoff-next",
        {
            "task": {"id": "2.3", "title": "Add JWT middleware"},
            "note": "Tokens expire after\n15 min",
        },
    )
    edit = extract_json_object(reply)
    assert edit == {
        "summary": "Tokens expire after 15 min",
        "status": "done",
        "edits": [
            {
                "file": "devplan.md",
                "anchor": "PROGRESS_LOG",
                "action": "append",
                "content": "- 2.3: Tokens expire after 15 min",
            },
            {
                "file": "phase2.md",
                "anchor": "PHASE_OUTCOMES",
                "action": "append",
                "content": "- 2.3: Tokens expire after 15 min",
            },
        ],
    }


def test_handoff_next_without_a_note_says_completed() -> None:
    reply = offline_reply("handoff-next", {"task": {"id": "1.1", "title": "Initialise the repo"}})
    edit = json.loads(reply.strip().removeprefix("```json").removesuffix("```"))
    assert edit["summary"] == "complete initialise the repo"
    assert edit["edits"][0]["content"] == "- 1.1: completed 1.1 (Initialise the repo)"


@pytest.mark.parametrize(
    ("stage", "context"),
    [
        ("deploy", {}),
        ("design", {}),
        ("design", {"interview": {"project_name": "x"}, "complexity": {}}),
        ("phase", {"interview": {}, "complexity": {}}),
        ("handoff-next", {"task": {"id": "one"}}),
        ("design-revision", {"interview": {}, "complexity": {}, "issues": "fix it"}),
    ],
)
def test_bad_stage_or_context_is_invalid_input(stage: str, context: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        offline_reply(stage, context)


@pytest.mark.parametrize("count", [3, 5, 7, 9, 12, 15])
def test_outline_has_exactly_the_phase_count(count: int, shop_api: Interview, shop_profile: ComplexityProfile) -> None:
    profile = ComplexityProfile(shop_profile.score, count, "detailed", {}, (), "")
    ctx = {"interview": shop_api.to_dict(), "complexity": profile.to_dict()}
    outline = parse_devplan_outline(offline_reply("devplan", ctx), count)
    assert len(outline) == count
    for item in outline:
        reply = offline_reply("phase", {**ctx, "phase": {"number": item.number, "title": item.title}})
        assert parse_phase_tasks(reply, item.number)
