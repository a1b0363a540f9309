"""Regions of a plan file: exact split, byte-preserving replace, region-wise merge."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devussy_git.agent.regions import (
    RegionConflict,
    anchor_content,
    anchor_value,
    changed_regions,
    merge_files,
    merge_text,
    replace_anchor,
    split_regions,
)

DOC = """# Title

<!-- LOG_START -->

- one

<!-- LOG_END -->

## Notes

<!-- NOTES_START -->
<!-- NOTES_END -->
tail"""


def test_split_covers_the_text_exactly() -> None:
    regions = split_regions(DOC)
    assert [k for k, _ in regions] == ["text:^", "anchor:LOG", "text:LOG", "anchor:NOTES", "text:NOTES"]
    assert "\n".join(line for _, lines in regions for line in lines) == DOC
    assert anchor_content(DOC, "LOG") == "\n- one\n"
    assert anchor_value(DOC, "LOG") == "- one"
    assert anchor_value(DOC, "NOTES") == "" and anchor_value(DOC, "MISSING") is None


lines = st.lists(
    st.one_of(
        st.text(alphabet="ab -#|\t", max_size=6),
        st.sampled_from(["<!-- A_START -->", "<!-- A_END -->", "<!-- B_START -->", "<!-- B_END -->"]),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(lines)
def test_split_is_lossless_for_any_text(text: str) -> None:
    assert "\n".join(line for _, ls in split_regions(text) for line in ls) == text


def test_replace_keeps_every_byte_outside_and_the_padding_inside() -> None:
    new = replace_anchor(DOC, "LOG", "- one\n- two")
    assert new == DOC.replace("- one\n", "- one\n- two\n")
    assert changed_regions(DOC, new) == {"anchor:LOG"}
    filled = replace_anchor(DOC, "NOTES", "- note")
    assert filled.split("<!-- NOTES_START -->")[0] == DOC.split("<!-- NOTES_START -->")[0]
    assert anchor_value(filled, "NOTES") == "- note"
    with pytest.raises(KeyError):
        replace_anchor(DOC, "MISSING", "x")


def test_two_appends_to_one_region_keep_both() -> None:
    ours = replace_anchor(DOC, "LOG", "- one\n- ours")
    theirs = replace_anchor(DOC, "LOG", "- one\n- theirs")
    merged = merge_text(DOC, ours, theirs, file="f.md")
    assert anchor_value(merged, "LOG") == "- one\n- ours\n- theirs"


def test_changes_to_different_regions_combine() -> None:
    ours = replace_anchor(DOC, "LOG", "- replaced")
    theirs = replace_anchor(DOC, "NOTES", "- note")
    merged = merge_text(DOC, ours, theirs, file="f.md")
    assert anchor_value(merged, "LOG") == "- replaced" and anchor_value(merged, "NOTES") == "- note"


def test_two_replacements_of_one_region_conflict_naming_it() -> None:
    ours = replace_anchor(DOC, "LOG", "- mine")
    theirs = replace_anchor(DOC, "LOG", "- yours")
    with pytest.raises(RegionConflict) as caught:
        merge_text(DOC, ours, theirs, file="f.md")
    assert str(caught.value) == "f.md: LOG"


def test_merge_files_reports_only_changed_files() -> None:
    base = {"a.md": DOC, "b.md": DOC}
    ours = {"a.md": DOC, "b.md": replace_anchor(DOC, "LOG", "- one\n- x")}
    theirs = {"a.md": replace_anchor(DOC, "NOTES", "- y"), "b.md": DOC}
    assert merge_files(base, ours, theirs) == {"a.md": theirs["a.md"]}
    with pytest.raises(RegionConflict):
        merge_files(base, {"b.md": DOC}, theirs)
