"""Parsing and validating the model's edit reply; every refusal is written for the model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devussy_git.agent.regions import anchor_value
from devussy_git.agent.reply import EditReply, apply_reply, parse_reply
from devussy_git.errors import InvalidEditError, InvalidLLMOutputError


def text(*edits: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"summary": "did it", "status": "done", "edits": list(edits), **extra})


LOG = {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- 1.1: done"}


@pytest.mark.parametrize(
    "wrapped",
    [
        text(LOG),
        f"```json\n{text(LOG)}\n```",
        f"Here you go:\n```\n{text(LOG)}\n```\nAnything else?",
        f"I recorded it. {text(LOG)} Thanks!",
    ],
    ids=["bare", "fenced", "fenced-in-prose", "inline-in-prose"],
)
def test_reply_is_found_in_fences_and_prose(wrapped: str) -> None:
    reply = parse_reply(wrapped)
    assert reply == EditReply(summary="did it", status="done", edits=[LOG])


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("no json here", "no valid JSON object"),
        ('{"summary": "x", "edits": [', "no valid JSON object"),
        (json.dumps({"summary": "x", "status": "finished"}), "'status'"),
        (json.dumps({"summary": "   ", "edits": []}), "'summary'"),
        (json.dumps({"summary": "x", "edits": [{}] * 13}), "'edits'"),
    ],
)
def test_unusable_replies_say_what_is_wrong_and_the_format(raw: str, phrase: str) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_reply(raw)
    assert phrase in caught.value.model_message
    assert '"status": "done" | "blocked"' in caught.value.model_message


def editable(files: dict[str, str]) -> dict[str, str]:
    return {p: files[p] for p in ("devplan.md", "phase1.md", "handoff.md")}


def test_good_edits_apply_and_report_the_touched_anchors(files: dict[str, str]) -> None:
    notes = {"file": "handoff.md", "anchor": "HANDOFF_NOTES", "action": "replace", "content": "- hi"}
    applied = apply_reply(editable(files), parse_reply(text(LOG, notes)))
    assert anchor_value(applied.files["devplan.md"], "PROGRESS_LOG").endswith("- 1.1: done")
    assert applied.touched == {("devplan.md", "PROGRESS_LOG"), ("handoff.md", "HANDOFF_NOTES")}
    assert applied.files["phase1.md"] == files["phase1.md"]


@pytest.mark.parametrize(
    ("edit", "phrases"),
    [
        ({**LOG, "anchor": "PROGRES_LOG"}, ["no anchor PROGRES_LOG", "anchor PROGRESS_LOG"]),
        ({**LOG, "file": "../x.md"}, ["../x.md"]),
        ({**LOG, "file": ".git/config"}, [".git/config"]),
        ({**LOG, "file": "phase2.md"}, ["phase2.md"]),
        ({**LOG, "content": "x" * 9000}, ["the limit is 8,000"]),
        ({"file": "phase1.md", "heading": "Outcomes", "action": "replace", "content": "gone"}, ["PHASE_OUTCOMES"]),
        (
            {"file": "handoff.md", "anchor": "QUICK_STATUS", "action": "append", "content": "- x"},
            ["QUICK_STATUS", "Devussy updates those itself"],
        ),
        (
            {"file": "phase1.md", "anchor": "PHASE_TASKS", "action": "append", "content": "- [ ] 1.9: x"},
            ["PHASE_TASKS"],
        ),
        ({"file": "devplan.md", "task": "1.1", "checked": True}, ["Devussy does that itself"]),
    ],
    ids=[
        "missing-anchor",
        "parent-path",
        "git-config",
        "other-phase",
        "oversize",
        "removed-anchor",
        "ritual-anchor",
        "task-list",
        "task-check",
    ],
)
def test_invalid_edits_are_refused_with_a_model_message(
    files: dict[str, str], edit: dict[str, Any], phrases: list[str]
) -> None:
    with pytest.raises(InvalidEditError) as caught:
        apply_reply(editable(files), parse_reply(text(LOG, edit)))
    for phrase in phrases:
        assert phrase in caught.value.model_message, caught.value.model_message


@pytest.mark.parametrize(
    ("path", "anchor", "action"),
    [
        ("devplan.md", "PROGRESS_LOG", "append"),
        ("devplan.md", "PROGRESS_LOG", "prepend"),
        ("handoff.md", "HANDOFF_NOTES", "replace"),
    ],
)
def test_long_sections_patch_exactly_as_the_whole_file_would(
    files: dict[str, str], path: str, anchor: str, action: str
) -> None:
    from devussy_git.agent.regions import replace_anchor
    from devussy_git.markdown.batch import apply_plan_edits
    from devussy_git.markdown.edits import Edit

    long_log = "\n".join(f"- {i}.1: outcome number {i}\n  - detail {i}" for i in range(60))
    grown = editable(files)
    grown[path] = replace_anchor(grown[path], anchor, long_log)
    edit = {"file": path, "anchor": anchor, "action": action, "content": "- 9.9: new"}
    applied = apply_reply(grown, parse_reply(text(edit)))
    direct = apply_plan_edits(grown, [Edit(**edit)])[path].text
    assert applied.files[path] == direct
