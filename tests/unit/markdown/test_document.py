"""The section model: what counts as a heading, an anchor and a task."""

from __future__ import annotations

import pytest

from devussy_git.markdown import Document, Heading, parse_document
from devussy_git.markdown.document import PATH_SEPARATOR, normalize_heading_text

from .conftest import CASES, FIXTURES

ALL_FIXTURES = sorted(p for p in FIXTURES.rglob("*.md") if p.name != "SOURCES.md")


def _find_headings_by_list(doc: Document, target: str) -> list[Heading]:
    """The lookup rules spelled out over the full heading list."""
    wanted = " ".join(target.split())
    exact = [h for h in doc.headings if h.text == wanted or h.path == wanted]
    if exact:
        return exact
    norm = normalize_heading_text(wanted)
    found = [h for h in doc.headings if normalize_heading_text(h.text) == norm]
    if found or ">" not in wanted:
        return found
    parts = [normalize_heading_text(p) for p in wanted.split(">")]
    return [
        h
        for h in doc.headings
        if [normalize_heading_text(p) for p in h.path.split(PATH_SEPARATOR)][-len(parts) :] == parts
    ]


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_lookups_on_parse_facts_match_the_full_lists(path) -> None:
    text = path.read_bytes().decode("utf-8")
    targets = {"nothing here", "Phase 1 > Tasks", "a > b"}
    for h in parse_document(text).headings:
        parts = h.path.split(PATH_SEPARATOR)
        targets.update({h.text, h.path, h.text.upper(), f"**{h.text}**:", " > ".join(parts[-2:])})
    for target in sorted(targets):
        fresh = parse_document(text)  # lazy lists not built yet: lookups use the facts
        assert fresh.find_headings(target) == _find_headings_by_list(parse_document(text), target)
    doc = parse_document(text)
    for task_id in {t.task_id for t in doc.tasks if t.task_id} | {"9.99", "1"}:
        assert parse_document(text).find_tasks(task_id) == [t for t in doc.tasks if t.task_id == task_id]
    for line in range(-1, len(doc.lines) + 2):
        inside = [h for h in doc.headings if h.line <= line < h.end_line]
        expected = inside[-1] if inside and 0 <= line < len(doc.lines) else None
        fresh = parse_document(text)
        assert fresh.enclosing_heading(line) == expected
        assert parse_document(text).level_at(line) == (expected.level if expected else 0)


def test_headings_levels_paths_and_ranges() -> None:
    doc = parse_document("# A\n\ntext\n\n## B\n\nb\n\n### C\n\nc\n\n## D\n\nd\n")
    assert [(h.level, h.text, h.path) for h in doc.headings] == [
        (1, "A", "A"),
        (2, "B", "A > B"),
        (3, "C", "A > B > C"),
        (2, "D", "A > D"),
    ]
    b = doc.headings[1]
    assert (b.line, b.heading_end, b.body_end, b.end_line) == (4, 5, 8, 12)
    assert doc.headings[0].end_line == len(doc.lines)


def test_setext_headings_span_two_lines() -> None:
    doc = parse_document("Title\n=====\n\nSub\n---\ntext\n")
    assert [(h.level, h.text, h.setext) for h in doc.headings] == [
        (1, "Title", True),
        (2, "Sub", True),
    ]
    assert doc.headings[1].heading_end == 5


def test_headings_in_code_html_lists_and_quotes_are_not_sections() -> None:
    doc = parse_document(CASES.joinpath("heading_in_code", "input.md").read_text())
    assert [h.text for h in doc.headings] == ["Doc", "Real"]
    assert parse_document("> # quoted\n\n- # in a list\n").headings == ()


def test_anchor_in_code_fence_is_not_an_anchor() -> None:
    doc = parse_document("```\n<!-- X_START -->\n<!-- X_END -->\n```\n")
    assert doc.anchors == {}
    assert doc.problems == ()


def test_anchors_inside_lists_and_quotes() -> None:
    doc = parse_document(CASES.joinpath("anchor_in_list", "input.md").read_text())
    anchor = doc.anchors["PHASE_1_NOTES"]
    assert (anchor.start_line, anchor.inner_start, anchor.inner_end, anchor.end_line) == (3, 4, 5, 6)
    assert anchor.prefix == "  "
    quoted = parse_document(CASES.joinpath("blockquote_anchor", "input.md").read_text())
    assert quoted.anchors["QUOTE"].prefix == "> "


def test_anchor_problems_are_reported_not_guessed() -> None:
    text = (
        "<!-- A_START -->\n<!-- B_START -->\n<!-- B_END -->\n<!-- A_END -->\n"
        "<!-- C_START -->\n"
        "<!-- D_START -->\n<!-- D_END -->\n<!-- D_START -->\n<!-- D_END -->\n"
        "<!-- E_END -->\n<!-- E_START -->\n"
        "text <!-- F_START --> inline\n"
        "<!-- OK_START -->\nfine\n<!-- OK_END -->\n"
    )
    doc = parse_document(text)
    assert list(doc.anchors) == ["OK"]
    kinds = {(p.kind, p.name) for p in doc.problems}
    assert kinds == {
        ("nested", "B"),
        ("unbalanced", "C"),
        ("duplicate", "D"),
        ("unbalanced", "E"),
        ("inline", "F"),
    }


def test_task_items_with_ids_state_anchor_and_section() -> None:
    doc = parse_document(CASES.joinpath("phase_tasks", "input.md").read_text())
    tasks = {t.task_id: t for t in doc.tasks}
    assert set(tasks) == {"1.1", "1.2", "1.3"}
    assert tasks["1.1"].checked and not tasks["1.2"].checked
    assert tasks["1.3"].text == "1.3: Add JWT middleware"
    assert tasks["1.2"].anchor == "PHASE_TASKS"
    assert tasks["1.2"].section == "Phase 1: Setup > Tasks"


def test_task_variants() -> None:
    doc = parse_document("* [X] 2.1 upper-case mark\n1. [ ] 3: numbered\n- [ ]\n- [] not a task\n")
    assert [(t.task_id, t.checked) for t in doc.tasks] == [("2.1", True), ("3", False), (None, False)]


def test_find_headings_by_text_path_and_loose_match() -> None:
    doc = parse_document(CASES.joinpath("nested_sections", "input.md").read_text())
    assert len(doc.find_headings("Tasks")) == 2
    assert [h.path for h in doc.find_headings("Phase 2 > Tasks")] == ["Plan > Phase 2 > Tasks"]
    assert [h.path for h in doc.find_headings("phase 1")] == ["Plan > Phase 1"]
    assert doc.section_text("Phase 2", own_body_only=True) == "## Phase 2\n\n"


def test_crlf_and_lone_cr_count_as_line_ends() -> None:
    doc = parse_document("# A\r\n\r\ntext\r## B\n")
    assert [h.line for h in doc.headings] == [0, 3]
    assert doc.newline == "\r\n"
    assert "".join(doc.lines) == doc.text
