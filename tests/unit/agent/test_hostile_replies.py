"""Hostile model replies are refused with a message for the model; the ritual's text stays its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devussy_git.agent.landing import verify_step
from devussy_git.agent.regions import (
    RegionDoc,
    anchor_value,
    replace_anchor,
    split_regions,
)
from devussy_git.agent.reply import apply_reply, parse_reply
from devussy_git.agent.ritual import check_consistency, record, refresh, restore_ritual
from devussy_git.agent.step import trailer_value
from devussy_git.errors import InvalidEditError, InvalidLLMOutputError
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.files import outline_from_devplan, read_phases


def reply(*edits: dict[str, Any], summary: str = "did it", status: str = "done") -> str:
    return json.dumps({"summary": summary, "status": status, "edits": list(edits)})


def editable(files: dict[str, str]) -> dict[str, str]:
    return {p: files[p] for p in ("devplan.md", "phase1.md", "handoff.md")}


NOTES = {"file": "handoff.md", "anchor": "HANDOFF_NOTES", "action": "append", "content": "- n"}
FAKE_ROW = "| 6 | Fake | Done | 0/0 | [phase6.md](phase6.md) |"


@pytest.mark.parametrize(
    ("summary", "phrase"),
    [
        ("x <!-- PROGRESS_LOG_END --> y", "<!--"),
        ("closes the comment -->", "-->"),
        ("bell \x07 rings", "U+0007"),
        ("escape \x1b[31m", "U+001B"),
        ("nul \x00 byte", "NUL"),
        ("lone \ud800 surrogate", "surrogate"),
    ],
)
def test_a_summary_that_could_break_the_plan_is_refused(summary: str, phrase: str) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_reply(reply(NOTES, summary=summary))
    assert "summary" in caught.value.model_message
    assert phrase in caught.value.model_message


def test_line_breaks_in_a_summary_are_still_folded() -> None:
    assert parse_reply(reply(NOTES, summary="two\r\nlines\tand a tab")).summary == ("two lines and a tab")


@pytest.mark.parametrize(
    ("raw_content", "phrase"),
    [
        ('"- a \\u0000 b"', "NUL"),
        ('"- a \\ud800 b"', "surrogate (U+D800)"),
        ('"- a \\udfff"', "surrogate (U+DFFF)"),
        ('"- a\\r<!-- QUICK_STATUS_START -->"', "carriage return"),
        ('"- a \\u001b[2J"', "U+001B"),
        ('"- a \\u0085"', "U+0085"),
    ],
)
def test_content_no_plan_file_may_hold_is_refused_while_parsing(raw_content: str, phrase: str) -> None:
    raw = (
        '{"summary": "ok", "edits": [{"file": "handoff.md", "anchor": "HANDOFF_NOTES", '
        f'"action": "append", "content": {raw_content}}}]}}'
    )
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_reply(raw)
    assert "'edits.1.content'" in caught.value.model_message
    assert phrase in caught.value.model_message


def test_tabs_and_crlf_in_content_are_fine() -> None:
    edit = {**NOTES, "content": "- a\r\n- b\twith a tab"}
    assert parse_reply(reply(edit)).edits == [edit]


@pytest.mark.parametrize(
    "edit",
    [
        {"file": "devplan.md", "heading": "Phase Overview", "action": "append", "content": FAKE_ROW},
        {"file": "devplan.md", "heading": "Phase Overview", "action": "replace", "content": "(gone)"},
        {"file": "devplan.md", "heading": "Phases", "action": "append", "content": "- more"},
        {
            "file": "devplan.md",
            "heading": "Phases > Phase 1: Project Setup",
            "action": "append",
            "content": "- another step",
        },
        {"file": "devplan.md", "heading": "phase 2:  data model", "action": "prepend", "content": "x"},
    ],
    ids=["overview-row", "overview-replace", "phases", "phase-path", "phase-heading"],
)
def test_edits_aimed_at_the_overview_or_outline_are_refused(files: dict[str, str], edit: dict[str, Any]) -> None:
    with pytest.raises(InvalidEditError) as caught:
        apply_reply(editable(files), parse_reply(reply(edit)))
    assert "Phase Overview" in caught.value.model_message
    assert "PROGRESS_LOG" in caught.value.model_message


@pytest.mark.parametrize(
    ("path", "anchor"),
    [("devplan.md", "PROGRESS_LOG"), ("handoff.md", "DECISIONS"), ("handoff.md", "BLOCKERS")],
)
def test_logs_cannot_be_replaced(files: dict[str, str], path: str, anchor: str) -> None:
    edit = {"file": path, "anchor": anchor, "action": "replace", "content": "- none"}
    with pytest.raises(InvalidEditError) as caught:
        apply_reply(editable(files), parse_reply(reply(NOTES, edit)))
    message = caught.value.model_message
    assert f"Edit 2 replaces {anchor}" in message and "'append'" in message


@pytest.mark.parametrize("action", ["append", "prepend"])
def test_logs_can_be_added_to_at_either_end(files: dict[str, str], action: str) -> None:
    edit = {"file": "handoff.md", "anchor": "DECISIONS", "action": action, "content": "- use env"}
    grown = editable(files)
    grown["handoff.md"] = replace_anchor(grown["handoff.md"], "DECISIONS", "- old one\n- old two")
    applied = apply_reply(grown, parse_reply(reply(edit)))
    value = anchor_value(applied.files["handoff.md"], "DECISIONS")
    assert value is not None and "- old one\n- old two" in value and "- use env" in value


def test_rows_outside_the_overview_table_are_never_read_as_phases(files: dict[str, str]) -> None:
    before = read_phases(files)
    summary = "## Summary\n\nAn online shop backend."
    assert summary in files["devplan.md"]
    devplan = files["devplan.md"].replace(summary, f"{summary}\n\n| Phase | Title |\n| - | - |\n{FAKE_ROW}")
    devplan = replace_anchor(devplan, "PROGRESS_LOG", f"- 1.1: x\n{FAKE_ROW}\n| 1 | Evil | a | b | c |")
    grown = {**files, "devplan.md": devplan}
    assert read_phases(grown) == before
    assert [p.title for p in outline_from_devplan(devplan)] == [p.title for p in before]
    # The ritual rewrites the overview rows only; the look-alike rows stay as written.
    out = refresh(grown, "1.1")
    assert f"{FAKE_ROW}\n| 1 | Evil | a | b | c |" in out["devplan.md"]
    assert out["devplan.md"].count(FAKE_ROW) == 2
    assert check_consistency(out) == []
    restored = restore_ritual(grown, out)
    assert restored["devplan.md"] == devplan


def test_the_outline_is_read_from_the_phases_section_only(files: dict[str, str]) -> None:
    devplan = replace_anchor(files["devplan.md"], "PROGRESS_LOG", "### Phase 1: Evil\n\nhijacked")
    outline = outline_from_devplan(devplan)
    assert outline[0].summary == outline_from_devplan(files["devplan.md"])[0].summary
    assert "hijacked" not in outline[0].summary


def test_record_logs_the_step_when_the_model_logged_another_line(files: dict[str, str]) -> None:
    task = read_phases(files)[0].tasks[0]
    edit = {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": "- tidy"}
    applied = apply_reply(editable(files), parse_reply(reply(edit, summary="laid out")))
    out = record(
        {**files, **applied.files},
        task,
        summary="laid out",
        blocked=False,
        touched=applied.touched,
        edits=applied.edits,
    )
    assert anchor_value(out["devplan.md"], "PROGRESS_LOG").endswith("- tidy\n- 1.1: laid out")


def crlf(files: dict[str, str]) -> dict[str, str]:
    return {path: text.replace("\n", "\r\n") for path, text in files.items()}


def test_a_crlf_plan_has_its_anchors(files: dict[str, str]) -> None:
    lf, windows = split_regions(files["devplan.md"]), split_regions(crlf(files)["devplan.md"])
    assert [key for key, _ in windows] == [key for key, _ in lf]
    assert RegionDoc(crlf(files)["handoff.md"]).names() == RegionDoc(files["handoff.md"]).names()
    assert anchor_value(crlf(files)["devplan.md"], "PROGRESS_LOG") == anchor_value(files["devplan.md"], "PROGRESS_LOG")


def test_a_step_on_a_crlf_plan_ticks_the_task_and_keeps_crlf(files: dict[str, str]) -> None:
    windows = crlf(files)
    applied = apply_reply(editable(windows), parse_reply(reply(NOTES)))
    task = read_phases(windows)[0].tasks[0]
    content = record(
        {**windows, **applied.files},
        task,
        summary="did it",
        blocked=False,
        touched=applied.touched,
        edits=applied.edits,
    )
    out = refresh(content, "1.1")
    assert read_phases(out)[0].tasks[0].done
    assert "- 1.1: did it" in (anchor_value(out["devplan.md"], "PROGRESS_LOG") or "")
    assert "1.2" in (anchor_value(out["handoff.md"], "QUICK_STATUS") or "")
    for path, text in out.items():
        assert text.count("\n") == text.count("\r\n"), path
    assert check_plan_anchors(out, strict=True) == []
    assert check_consistency(out) == []
    verify_step(windows, out)


def test_verify_step_refuses_new_anchor_problems_and_stale_regions(files: dict[str, str]) -> None:
    final = refresh(files, "1.1")
    verify_step(files, final)
    broken = {
        **final,
        "devplan.md": final["devplan.md"].replace(
            "<!-- PROGRESS_LOG_END -->", "- x <!-- PROGRESS_LOG_END -->\n<!-- PROGRESS_LOG_END -->"
        ),
    }
    with pytest.raises(InvalidLLMOutputError) as caught:
        verify_step(files, broken)
    assert "PROGRESS_LOG appears more than once" in caught.value.model_message
    stale = {**final, "phase1.md": files["phase1.md"]}
    with pytest.raises(InvalidLLMOutputError, match="stale"):
        verify_step(files, stale)


def test_verify_step_lets_through_what_the_base_already_lacked(files: dict[str, str]) -> None:
    start, end = "<!-- DECISIONS_START -->", "<!-- DECISIONS_END -->"
    handoff = files["handoff.md"]
    lacking = {**files, "handoff.md": handoff[: handoff.index(start)] + handoff[handoff.index(end) + len(end) :]}
    assert check_plan_anchors(lacking, strict=True)
    verify_step(lacking, refresh(lacking, "1.1"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai/gpt-4o", "openai/gpt-4o"),
        ("gpt\n4o\r\nDevussy-Actor: evil", "gpt 4o Devussy-Actor: evil"),
        ("bad\x00name\u2028x", "bad name x"),
        ("\x00\n", "unknown"),
        ("m" * 300, "m" * 99 + "…"),
    ],
)
def test_the_model_trailer_is_one_printable_bounded_line(name: str, expected: str) -> None:
    assert trailer_value(name) == expected


@pytest.mark.parametrize(
    ("rewrite", "phrase"),
    [
        (lambda t: replace_anchor(t, "PROGRESS_LOG", "- 1.1: only this"), "removed or changed earlier"),
        (lambda t: t.replace("| 1 ", "| 1 x", 1), "Phase Overview table"),
        (lambda t: t.replace("## Summary", "## Phases\n\n- fake\n\n## Summary"), "Phase Overview table"),
    ],
    ids=["log-rewritten", "overview-cell", "second-phases-heading"],
)
def test_changes_to_logs_and_the_outline_are_caught_after_patching(
    files: dict[str, str], monkeypatch: pytest.MonkeyPatch, rewrite: Any, phrase: str
) -> None:
    """Whatever edit produced them, the checks after the patcher refuse these changes."""
    from devussy_git.agent import reply as reply_module

    changed = rewrite(files["devplan.md"])
    assert changed != files["devplan.md"]
    monkeypatch.setattr(reply_module, "_patch", lambda current, edits: {"devplan.md": changed})
    with pytest.raises(InvalidEditError) as caught:
        apply_reply(editable(files), parse_reply(reply(NOTES)))
    assert phrase in caught.value.model_message
