"""Fixture cases: input.md + edits.json -> expected.md, byte for byte."""

from __future__ import annotations

import json

import pytest

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import apply_edits, parse_document, parse_edits

from .conftest import CASES, reference_document

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _load(name: str) -> tuple[str, list, str]:
    folder = CASES / name
    text = (folder / "input.md").read_bytes().decode("utf-8")
    spec = json.loads((folder / "edits.json").read_text(encoding="utf-8"))
    expected = (folder / "expected.md").read_bytes().decode("utf-8")
    return text, parse_edits(spec["edits"]), expected


def test_there_are_enough_cases() -> None:
    assert len(CASE_NAMES) >= 15


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_gives_expected_bytes(name: str) -> None:
    text, edits, expected = _load(name)
    result = apply_edits(text, edits)
    assert result.text == expected


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_keeps_anchors_and_headings(name: str) -> None:
    text, edits, _ = _load(name)
    before = parse_document(text)
    after = parse_document(apply_edits(text, edits).text)
    assert set(after.anchors) == set(before.anchors)
    assert [h.path for h in before.headings if h.path in {a.path for a in after.headings}] == [
        h.path for h in before.headings
    ]
    assert after.problems == before.problems


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_touches_only_changed_ranges(name: str) -> None:
    text, edits, _ = _load(name)
    result = apply_edits(text, edits)
    old = parse_document(text).lines
    new = result.document.lines
    old_pos = new_pos = 0
    for changed in result.changed_ranges:
        assert new[new_pos : changed.start] == old[old_pos : changed.original_start]
        new_pos, old_pos = changed.end, changed.original_end
    assert new[new_pos:] == old[old_pos:]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_index_matches_a_fresh_parse(name: str) -> None:
    text, edits, _ = _load(name)
    result = apply_edits(text, edits)
    assert result.document == reference_document(result.text)


# Replacing a body with text that holds a sub-heading makes that heading a
# sub-section: sending the same batch again would add it twice and is refused.
NOT_REPEATABLE = {"nested_sections"}


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n not in NOT_REPEATABLE])
def test_applying_the_batch_twice_changes_nothing_more(name: str) -> None:
    _text, edits, expected = _load(name)
    again = apply_edits(expected, edits)
    assert again.text == expected
    assert {r.status for r in again.reports} <= {"unchanged", "already-present"}


def test_crlf_case_has_no_bare_newlines() -> None:
    _, _, expected = _load("crlf")
    assert expected.count("\n") == expected.count("\r\n")


def test_no_final_newline_stays_missing() -> None:
    _, _, expected = _load("no_final_newline")
    assert not expected.endswith("\n")
    assert expected.endswith("appended")


def test_repeating_a_sub_heading_is_refused() -> None:
    _, edits, expected = _load("nested_sections")
    with pytest.raises(InvalidEditError) as caught:
        apply_edits(expected, edits)
    assert 'repeats heading "Plan > Phase 1 > Goal"' in caught.value.model_message
