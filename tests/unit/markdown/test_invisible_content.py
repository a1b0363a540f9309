"""Content that formats to nothing is refused, never silently dropped."""

from __future__ import annotations

import pytest

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import Edit, apply_edits

from .conftest import CASES

HANDOFF = CASES.joinpath("handoff_notes", "input.md").read_text()


@pytest.mark.parametrize("action", ["append", "prepend", "replace"])
@pytest.mark.parametrize(
    "content",
    ["[devplan.md]: http://evil.example", '[a]: /x "title"\n\n[b]: /y'],
    ids=["link-reference", "two-references"],
)
def test_content_that_formats_to_nothing_is_refused(content: str, action: str) -> None:
    edit = Edit(file="handoff.md", anchor="HANDOFF_NOTES", action=action, content=content)
    with pytest.raises(InvalidEditError) as caught:
        apply_edits(HANDOFF, [edit], file="handoff.md")
    assert "no visible text once formatted" in caught.value.model_message


def test_blank_content_still_clears_a_section() -> None:
    add = Edit(file="handoff.md", anchor="HANDOFF_NOTES", action="append", content="- old note")
    filled = apply_edits(HANDOFF, [add], file="handoff.md").text
    clear = Edit(file="handoff.md", anchor="HANDOFF_NOTES", action="replace", content="")
    assert "- old note" in filled
    assert "- old note" not in apply_edits(filled, [clear], file="handoff.md").text


def test_a_link_reference_with_text_keeps_the_text() -> None:
    edit = Edit(
        file="handoff.md", anchor="HANDOFF_NOTES", action="append", content="- see the plan\n\n[plan]: devplan.md"
    )
    assert "- see the plan" in apply_edits(HANDOFF, [edit], file="handoff.md").text
