"""Tolerant parsing of LLM output, over the sample replies in fixtures/llm/."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.plan import (
    Phase,
    Task,
    parse_design,
    parse_devplan_outline,
    parse_phase_tasks,
    parse_validation,
    phase_tasks_block,
)
from tests.unit.plan.helpers import LLM, llm_fixtures, read_reply

OUTLINE_TITLES = [
    "Project Setup",
    "Data Model",
    "Authentication",
    "API Endpoints",
    "Testing and Deployment",
]
PHASE_TWO = [
    ("2.1", "Create the SQLAlchemy models", ("Product, Cart, Order tables", "Indexes on SKU")),
    ("2.2", "Add Alembic migrations", ()),
    ("2.3", "Seed development data", ("50 sample products",)),
    ("2.4", "Write repository tests", ()),
]


def ids(path) -> str:
    return path.name


# -- design -----------------------------------------------------------------


@pytest.mark.parametrize("path", llm_fixtures("design", "ok"), ids=ids)
def test_designs_are_cleaned_of_fences_and_chatter(path) -> None:
    design = parse_design(read_reply(path))
    assert design.endswith("\n") and not design.endswith("\n\n")
    assert "```" not in design
    assert "Certainly" not in design and "Let me know" not in design and "Sure!" not in design
    assert "I hope this helps" not in design and "</think>" not in design
    assert re.search(r"objectives|goals", design, re.IGNORECASE)


@pytest.mark.parametrize("path", llm_fixtures("design", "bad"), ids=ids)
def test_unusable_designs_say_what_is_missing(path, snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_design(read_reply(path))
    assert "## Objectives" in caught.value.model_message
    assert caught.value.model_message == snapshot


# -- validation -------------------------------------------------------------


@pytest.mark.parametrize("path", llm_fixtures("validation", "ok"), ids=ids)
def test_validation_replies(path, snapshot) -> None:
    result = parse_validation(read_reply(path))
    assert result.review
    assert result.approved == (not result.issues)
    assert "Verdict" not in result.review
    assert result == snapshot


def test_validation_issue_lines_are_joined() -> None:
    result = parse_validation(read_reply(LLM / "validation" / "ok-revise-markdown.md"))
    assert result.issues[-1] == "No mitigation is given for SendGrid outages."


@pytest.mark.parametrize("path", llm_fixtures("validation", "bad"), ids=ids)
def test_unusable_validation_replies(path, snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_validation(read_reply(path))
    assert "Verdict: APPROVED" in caught.value.model_message
    assert caught.value.model_message == snapshot


@pytest.mark.parametrize(
    ("reply", "approved"),
    [
        ("Verdict: not approved\n\n## Issues\n- Missing tests", False),
        ("Decision: REJECTED\n\n## Required Changes\n- Add auth", False),
        ('{"verdict": "needs revision", "issues": ["Add auth"]}', False),
        ('{"status": "approved"}', True),
        ("LGTM\n\nVerdict: pass", True),
    ],
)
def test_verdict_words(reply: str, approved: bool) -> None:
    assert parse_validation(reply).approved is approved


# -- devplan outline --------------------------------------------------------


@pytest.mark.parametrize("path", llm_fixtures("outline", "ok"), ids=ids)
def test_outline_formats_give_the_same_phases(path) -> None:
    outline = parse_devplan_outline(read_reply(path), expected_phases=5)
    assert [o.number for o in outline] == [1, 2, 3, 4, 5]
    assert [o.title for o in outline] == OUTLINE_TITLES
    assert outline[1].summary.startswith("Model products, carts and orders on PostgreSQL.")
    assert all("**" not in o.title and "Summary" not in o.summary for o in outline)


def test_outline_keeps_component_bullets_in_the_summary() -> None:
    outline = parse_devplan_outline(read_reply(LLM / "outline" / "ok-bold.md"))
    assert outline[0].summary == (
        "Create the repository, toolchain and skeleton.\n- Repository and CI skeleton\n- FastAPI app factory"
    )
    assert "Let me know" not in outline[-1].summary


@pytest.mark.parametrize("path", llm_fixtures("outline", "bad"), ids=ids)
def test_unusable_outlines_say_why(path, snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_devplan_outline(read_reply(path))
    assert "**Phase 1: Title**" in caught.value.model_message
    assert caught.value.model_message == snapshot


def test_outline_with_the_wrong_phase_count_is_refused(snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_devplan_outline(read_reply(LLM / "outline" / "ok-bold.md"), expected_phases=7)
    assert "exactly 7" in caught.value.model_message
    assert caught.value.model_message == snapshot


# -- phase tasks ------------------------------------------------------------


@pytest.mark.parametrize("path", llm_fixtures("phase", "ok"), ids=ids)
def test_phase_step_formats_give_the_same_tasks(path) -> None:
    tasks = parse_phase_tasks(read_reply(path), 2)
    assert [(t.id, t.title, t.details) for t in tasks] == PHASE_TWO
    assert not any(t.done for t in tasks)


@pytest.mark.parametrize("path", llm_fixtures("phase", "bad"), ids=ids)
def test_unusable_phase_steps_say_why(path, snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_phase_tasks(read_reply(path), 2)
    assert "- [ ] 2.1: First step" in caught.value.model_message
    assert caught.value.model_message == snapshot


def test_checked_steps_are_done_and_versions_are_not_steps() -> None:
    tasks = parse_phase_tasks("- [x] 3.1: Upgrade to Python 3.11\n  - 2.5 s timeout stays\n- [ ] 3.2: Deploy", 3)
    assert [(t.id, t.done) for t in tasks] == [("3.1", True), ("3.2", False)]
    assert tasks[0].details == ("2.5 s timeout stays",)


_title = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" ,'()/"),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@given(st.lists(st.tuples(_title, st.lists(_title, max_size=3), st.booleans()), min_size=1, max_size=8))
def test_rendered_tasks_parse_back_unchanged(items) -> None:
    tasks = tuple(Task(f"4.{n}", title, tuple(details), done) for n, (title, details, done) in enumerate(items, 1))
    block = phase_tasks_block(Phase(4, "Any", "", tasks))
    assert parse_phase_tasks(block, 4) == tasks


@given(st.text(max_size=500))
def test_parsers_never_fail_with_anything_but_a_clear_error(text: str) -> None:
    for parse in (
        parse_design,
        parse_validation,
        parse_devplan_outline,
        lambda t: parse_phase_tasks(t, 1),
    ):
        try:
            parse(text)
        except InvalidLLMOutputError as exc:
            assert exc.model_message


# -- hostile replies ----------------------------------------------------------


def test_oversized_replies_are_refused_clearly() -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_phase_tasks("- [ ] 1.1: Step\n" * 30_000, 1)
    assert "the limit is 400,000" in caught.value.model_message


@pytest.mark.parametrize(
    "reply",
    [
        "[" * 50_000,
        '{"approved": ' + "[" * 50_000,
        '{"approved": false, "issues": [' + "1" * 5_000 + "]}",
        "```json\n" + "{" * 10_000 + "\n```",
        "Verdict:" + " " * 200_000 + "approved",
    ],
)
def test_hostile_validation_replies_fail_cleanly(reply: str) -> None:
    with pytest.raises(InvalidLLMOutputError):
        parse_validation(reply)


def test_structure_is_not_read_from_enormous_lines() -> None:
    long_step = "- [ ] 1.2: " + "long " * 150
    tasks = parse_phase_tasks(f"- [ ] 1.1: First step\n{long_step}\n- [ ] 1.3: Last step", 1)
    assert [t.title[:9] for t in tasks] == ["First ste", "long long", "Last step"]
    # A line over 1,000 characters is only ever text: here a detail of 1.1.
    huge_step = "- [ ] 1.2: " + "huge " * 300
    tasks = parse_phase_tasks(f"- [ ] 1.1: First step\n{huge_step}\n- [ ] 1.3: Last step", 1)
    assert [t.title for t in tasks] == ["First step", "Last step"]
    assert tasks[0].details[0].startswith("1.2: huge huge")


def test_design_keeps_a_real_opening_paragraph() -> None:
    opening = "This document describes the shop backend in detail. " * 5
    reply = opening + "\n\n" + read_reply(LLM / "design" / "ok-headings.md")
    assert parse_design(reply).startswith(opening.strip())
