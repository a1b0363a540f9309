"""Formatting helpers for generated files."""

from __future__ import annotations

import pytest

from devussy_git.markdown import (
    TaskLine,
    format_document,
    parse_document,
    render_anchor_block,
    render_status_block,
    render_task_list,
)

from .conftest import CASES


def test_format_document_keeps_task_boxes_and_numbers() -> None:
    text = "# T\n\n* [ ]\n* [X] done\n\n3. three\n4. four\n\n|a|b|\n|-|-|\n|1|2|\n"
    out = format_document(text)
    assert "- [ ]\n- [x] done\n" in out
    assert "\\[" not in out
    assert "3. three\n4. four\n" in out
    assert "| a   | b   |" in out
    assert format_document(out) == out


def test_format_document_leaves_escapes_in_code_alone() -> None:
    text = "```\n- \\[ \\]\n```\n"
    assert format_document(text) == text


def test_format_document_keeps_crlf() -> None:
    assert format_document("# A\r\n\r\n* b\r\n") == "# A\r\n\r\n- b\r\n"


def test_render_task_list_is_parsed_back() -> None:
    text = render_task_list([TaskLine("1.1", "Set up\nCI", details=("GitHub Actions",)),
                             TaskLine("1.2", "Deploy", checked=True)])
    assert text == "- [ ] 1.1: Set up CI\n  - GitHub Actions\n- [x] 1.2: Deploy\n"
    tasks = parse_document(text).tasks
    assert [(t.task_id, t.checked) for t in tasks] == [("1.1", False), ("1.2", True)]


def test_render_anchor_and_status_blocks() -> None:
    block = render_anchor_block("PROGRESS_LOG", "* a\n* b")
    assert block == "<!-- PROGRESS_LOG_START -->\n- a\n- b\n<!-- PROGRESS_LOG_END -->\n"
    status = render_status_block("PHASE_1_STATUS", {"phase": 1, "name": "Setup", "completed": "0/5"})
    doc = parse_document(status)
    assert doc.anchor_text("PHASE_1_STATUS") == "phase: 1\nname: Setup\ncompleted: 0/5\n"
    empty = render_anchor_block("HANDOFF_NOTES", "")
    assert parse_document(empty).anchors["HANDOFF_NOTES"].inner_start == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [("lower", "x"), ("A", "<!-- B_START -->")],
)
def test_render_anchor_block_refuses_bad_input(name: str, content: str) -> None:
    with pytest.raises(ValueError):
        render_anchor_block(name, content)


@pytest.mark.parametrize("name", ["devplan_progress", "phase_tasks", "handoff_notes"])
def test_format_document_keeps_devussy_anchors_and_tasks(name: str) -> None:
    text = CASES.joinpath(name, "input.md").read_text(encoding="utf-8")
    before, after = parse_document(text), parse_document(format_document(text))
    assert list(after.anchors) == list(before.anchors)
    assert [(t.task_id, t.checked) for t in after.tasks] == [(t.task_id, t.checked) for t in before.tasks]
    assert [h.path for h in after.headings] == [h.path for h in before.headings]


def test_the_reused_formatter_formats_as_mdformat_text_does() -> None:
    import mdformat

    from devussy_git.markdown import render

    from .conftest import FIXTURES

    formatter = render._formatter()
    # The reused parser, not the fallback (which would compare mdformat.text with itself).
    assert getattr(formatter, "__name__", "") == "render"
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.md"))]
    texts += ["- [ ] 1.1: task\n* b\n\n3) three\n", "| a |\n|-|\n| 1 |\n", "", "x  \ny\n"]
    for text in texts:
        expected = mdformat.text(text, options=render._OPTIONS, extensions=render._EXTENSIONS)
        assert formatter(text) == expected
        assert formatter(text) == expected  # the reused parser keeps no state between calls
