"""Content is formatted the way edits insert it: mdformat's output, task boxes kept."""

from __future__ import annotations

import mdformat
import pytest

from devussy_git.markdown import normalize_content, parse_document

from .conftest import CASES, FIXTURES


def test_task_boxes_and_list_numbers_are_kept() -> None:
    text = "# T\n\n* [ ]\n* [X] done\n\n3. three\n4. four\n\n|a|b|\n|-|-|\n|1|2|\n"
    out = normalize_content(text)
    assert "- [ ]\n- [x] done\n" in out
    assert "\\[" not in out
    assert "3. three\n4. four\n" in out
    assert "| a   | b   |" in out
    assert normalize_content(out) == out


def test_escapes_in_code_are_left_alone() -> None:
    text = "```\n- \\[ \\]\n```\n"
    assert normalize_content(text) == text


@pytest.mark.parametrize("blank", ["", "\n", "  \n\n"])
def test_blank_content_is_empty(blank: str) -> None:
    assert normalize_content(blank) == ""


@pytest.mark.parametrize("name", ["devplan_progress", "phase_tasks", "handoff_notes"])
def test_devussy_anchors_tasks_and_headings_are_kept(name: str) -> None:
    text = CASES.joinpath(name, "input.md").read_text(encoding="utf-8")
    before, after = parse_document(text), parse_document(normalize_content(text))
    assert list(after.anchors) == list(before.anchors)
    assert [(t.task_id, t.checked) for t in after.tasks] == [(t.task_id, t.checked) for t in before.tasks]
    assert [h.path for h in after.headings] == [h.path for h in before.headings]


def test_the_reused_parser_formats_as_mdformat_text_does() -> None:
    from devussy_git.markdown import normalize

    formatter = normalize._formatter()
    # The reused parser, not the fallback (which would compare mdformat.text with itself).
    assert getattr(formatter, "__name__", "") == "render"
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.md"))]
    texts += [
        "- [ ] 1.1: task\n* b\n\n3) three\n",
        "| a |\n|-|\n| 1 |\n",
        "",
        "x  \ny\n",
        "[a][r] and ![i](u 'T')\n\n[r]: http://x.invalid \"t\"\n",
        "~~gone~~ www.example.com\n",
    ]
    for text in texts:
        expected = mdformat.text(text, options={"number": True}, extensions={"gfm"})
        assert formatter(text) == expected
        assert formatter(text) == expected  # the reused parser keeps no state between calls
