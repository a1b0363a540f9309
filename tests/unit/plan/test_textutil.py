"""Reasoning removal and JSON extraction shared by every stage parser."""

from __future__ import annotations

import pytest

from devussy_git.plan.textutil import json_objects, strip_reasoning

ANSWER = "## Objectives\nShip it."


@pytest.mark.parametrize(
    "reply",
    [
        f"<think>\nThe user wants a plan.\n</think>\n\n{ANSWER}",
        f"<THINK>x</THINK>{ANSWER}",
        f"Okay, so the user wants a design. Let me think.\n</think>\n\n{ANSWER}",
        f"<thinking>a</thinking>\n<reasoning>b</reasoning>\n{ANSWER}",
        f"  <think>\n\n</think>\n{ANSWER}",
    ],
)
def test_reasoning_is_removed(reply: str) -> None:
    assert strip_reasoning(reply).strip() == ANSWER


@pytest.mark.parametrize("reply", ["<think>\nI will plan the phases, then", "<think></think>"])
def test_a_reply_that_is_only_reasoning_is_empty(reply: str) -> None:
    assert strip_reasoning(reply).strip() == ""


@pytest.mark.parametrize("reply", [ANSWER, "Use <table> for layout\n" + ANSWER, "a < b and c > d"])
def test_text_without_reasoning_is_unchanged(reply: str) -> None:
    assert strip_reasoning(reply) == reply


@pytest.mark.parametrize(
    ("reply", "first"),
    [
        ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
        ('```json\n{\n  // the score\n  "score": "6"\n}\n```\nThis rates it medium.', {"score": "6"}),
        ("{'summary': 'done', status: 'Done'}", {"summary": "done", "status": "Done"}),
        ('Sure! {"outer": {"inner": 1}} and {"other": 2}', {"outer": {"inner": 1}}),
    ],
)
def test_json_objects_outermost_first_and_repaired(reply: str, first: dict[str, object]) -> None:
    assert next(json_objects(reply)) == first


@pytest.mark.parametrize(
    "reply",
    ['{"summary": "oops", "edits": [', '{"a": ' + "1" * 5_000 + ", }", "no json at all", "{" * 5_000],
)
def test_cut_off_or_hostile_json_is_not_repaired_into_something(reply: str) -> None:
    assert list(json_objects(reply)) == []


def test_nested_objects_follow_the_object_that_holds_them() -> None:
    found = list(json_objects('x {"a": {"b": 1}} y'))
    assert found[:2] == [{"a": {"b": 1}}, {"b": 1}]
