"""Content is formatted the way edits insert it: mdformat's output, task boxes kept."""

from __future__ import annotations

import mdformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _mdformat(text: str) -> str:
    from devussy_git.markdown import normalize

    return normalize._unescape_tasks(normalize._formatter()(text))


_PLAIN_TEXT = st.text(alphabet="aZ09 .,:;()'\"/?%-", min_size=1, max_size=30)
_TRICKY = st.sampled_from(
    ["www.", "http://x.invalid/", "1.", "2)", "10. ", "1.1:", "-", "---", "  ", "a@b.c", "&amp;", "*x*", "[ ] ", "\t"]
)
_ITEM = st.lists(st.one_of(_PLAIN_TEXT, _TRICKY), min_size=1, max_size=6).map("".join)


@settings(max_examples=600, deadline=None)
@given(items=st.lists(_ITEM, min_size=1, max_size=4), newline=st.booleans())
def test_plain_items_come_out_as_mdformat_writes_them(items: list[str], newline: bool) -> None:
    # Plain bullet items skip mdformat: what they become must be what mdformat makes of them.
    text = "\n".join(f"- {item}" for item in items) + ("\n" if newline else "")
    assert normalize_content(text) == _mdformat(text)


@pytest.mark.parametrize(
    "text",
    [
        "- 1.1: completed 1.1 (Initialise the repository and the Python project layout)",
        "- 1.2: CI/CD set up\n- Decision: use FastAPI, not Flask.\n",
        "- 1. numbered\n",
        "- 2) numbered\n",
        "- a  b\n",
        "- a \n",
        "- ---\n",
        "- see www.example.com and http://x.invalid/a?b=1\n",
        "- mail a@b.c\n",
        "- tom & jerry &amp; co\n",
        "- [ ] 1.3: task\n",
        "* star\n",
        "- a\n\n- b\n",
        "- a\n  continued\n",
    ],
)
def test_plain_items_and_their_near_misses_format_as_mdformat_does(text: str) -> None:
    assert normalize_content(text) == _mdformat(text)
