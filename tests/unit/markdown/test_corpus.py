"""Real-world documents: every heading section and every anchor can be replaced
and put back, and nothing else in the file moves."""

from __future__ import annotations

import pytest

from devussy_git.markdown import Document, Edit, apply_edits, parse_document
from devussy_git.markdown._lines import strip_ending

from .conftest import CASES, CORPUS, reference_document

DOCUMENTS = sorted(p.name for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")
# The Devussy-shaped fixtures carry the anchors the corpus lacks.
ANCHORED = [
    "devplan_progress",
    "phase_tasks",
    "handoff_notes",
    "anchor_in_list",
    "html_block",
    "blockquote_anchor",
    "crlf",
    "unicode",
]

NEW_CONTENT = (
    "Replaced text with *emphasis*, `code` and a [link](https://example.invalid).\n\n"
    "- first point\n- second point\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
)


def _core(doc: Document, start: int, end: int, prefix: str = "") -> str:
    body = []
    for line in doc.lines[start:end]:
        text = strip_ending(line)
        body.append(text[len(prefix) :] if prefix and text.startswith(prefix) else text)
    while body and not body[-1].strip(" \t>"):
        body.pop()
    while body and not body[0].strip(" \t>"):
        body.pop(0)
    return "\n".join(body)


def _check(before: Document, edit: Edit, scope: tuple[int, int]) -> str:
    result = apply_edits(before, [edit])
    after = result.document
    assert after == reference_document(result.text)
    for changed in result.changed_ranges:
        assert scope[0] <= changed.original_start <= changed.original_end <= scope[1]
    assert before.lines[: result.changed_ranges[0].original_start] == after.lines[: result.changed_ranges[0].start]
    last = result.changed_ranges[-1]
    assert before.lines[last.original_end :] == after.lines[last.end :]
    assert [h.path for h in after.headings] == [h.path for h in before.headings]
    assert list(after.anchors) == list(before.anchors)
    assert after.problems == before.problems
    return result.text


def test_corpus_is_large_and_varied() -> None:
    assert len(DOCUMENTS) >= 20
    texts = [CORPUS.joinpath(name).read_text(encoding="utf-8") for name in DOCUMENTS]
    assert sum("```" in t for t in texts) >= 10
    assert sum("|---" in t or "| ---" in t or "|:--" in t for t in texts) >= 3
    assert sum("<p" in t or "<a " in t or "<img" in t for t in texts) >= 5


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_heading_section_can_be_replaced_and_restored(name: str) -> None:
    text = CORPUS.joinpath(name).read_bytes().decode("utf-8")
    doc = parse_document(text)
    assert doc.headings, "a corpus document needs headings"
    for heading in doc.headings:
        target = heading.path if len(doc.find_headings(heading.text)) > 1 else heading.text
        holds_anchor = any(heading.heading_end <= a.start_line < heading.body_end for a in doc.anchors.values())
        action = "append" if holds_anchor else "replace"
        scope = (heading.heading_end, heading.body_end)
        changed = _check(doc, Edit(file=name, heading=target, action=action, content=NEW_CONTENT), scope)
        if action == "replace":
            original = _core(doc, *scope)
            restore = Edit(file=name, heading=target, action="replace", content=original)
            assert apply_edits(changed, [restore], normalize=False).text == text


@pytest.mark.parametrize("name", ANCHORED)
def test_every_anchor_can_be_replaced_and_restored(name: str) -> None:
    text = CASES.joinpath(name, "input.md").read_bytes().decode("utf-8")
    doc = parse_document(text)
    assert doc.anchors
    for anchor in doc.anchors.values():
        scope = (anchor.inner_start, anchor.inner_end)
        edit = Edit(file=name, anchor=anchor.name, action="replace", content=NEW_CONTENT)
        changed = _check(doc, edit, scope)
        original = _core(doc, *scope, prefix=anchor.prefix)
        restore = Edit(file=name, anchor=anchor.name, action="replace", content=original)
        assert apply_edits(changed, [restore], normalize=False).text == text
