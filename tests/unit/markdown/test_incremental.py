"""The piecewise, cached index gives exactly what one parse of the whole text gives."""

from __future__ import annotations

import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import (
    Edit,
    StatusUpdate,
    TaskCheck,
    apply_edits,
    parse_document,
)
from devussy_git.markdown._cache import TextCache
from devussy_git.markdown._chunks import cache_info, clear_cache, parse_facts, remember
from devussy_git.markdown._index import open_at_end, parse_whole, reparse_window
from devussy_git.markdown._lines import split_lines

from .conftest import FIXTURES, reference_document

ALL_FIXTURES = sorted(p for p in FIXTURES.rglob("*.md") if p.name != "SOURCES.md")

# Lines chosen to sit on both sides of a piece boundary: headings (real and not),
# fences, HTML blocks, lists, quotes, tables, setext underlines, reference definitions.
LINES = st.sampled_from(
    [
        "# Title",
        "## Section",
        "###### Deep",
        "####### not a heading",
        "#hashtag",
        "#",
        " # indented heading",
        "    # code",
        "\t# tab code",
        "## Closed ##",
        "```",
        "```python",
        "~~~",
        "````",
        "``` ",
        "  ```",
        "code line # x",
        "# inside a fence?",
        "<div>",
        "</div>",
        "<!--",
        "-->",
        "<!-- X_START -->",
        "<!-- X_END -->",
        "<!-- a --> b",
        "<details>",
        "<pre>",
        "</pre>",
        "<?php",
        "?>",
        "<![CDATA[",
        "]]>",
        "<span>inline</span> text",
        "- item",
        "- [ ] 1.1: task",
        "  - nested",
        "1. one",
        "> quote",
        "> ```",
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
        "paragraph text",
        "===",
        "---",
        "",
        "",
        "",
        "    indented code",
        "[ref]: /url",
        "[ref]: /url 'title",
        "title'",
        "'title",
        "'t'",
        "x'",
        "[a",
        "c]: /url",
    ]
)


@st.composite
def texts(draw: st.DrawFn) -> str:
    lines = draw(st.lists(LINES, min_size=0, max_size=40))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    end = draw(st.sampled_from([newline, ""]))
    return newline.join(lines) + (end if lines else "")


SETTINGS = settings(
    max_examples=int(os.environ.get("MD_INCREMENTAL_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_pieces_equal_one_parse_on_every_fixture(path) -> None:
    lines = split_lines(path.read_bytes().decode("utf-8"))
    assert parse_facts(lines) == parse_whole(lines)
    assert parse_facts(lines) == parse_whole(lines)  # now from the cache


@SETTINGS
@given(texts())
def test_pieces_equal_one_parse_on_generated_text(text: str) -> None:
    clear_cache()
    lines = split_lines(text)
    assert parse_facts(lines) == parse_whole(lines)


@SETTINGS
@given(texts(), st.data())
def test_a_cached_index_of_an_edited_text_is_a_fresh_parse(text: str, data: st.DataObject) -> None:
    lines = split_lines(text)
    parse_facts(lines)
    position = data.draw(st.integers(0, len(lines)))
    inserted = data.draw(st.lists(LINES, max_size=3))
    new_text = "".join([*lines[:position], *(line + "\n" for line in inserted), *lines[position + 1 :]])
    new_lines = split_lines(new_text)
    assert parse_facts(new_lines) == parse_whole(new_lines)


@SETTINGS
@given(texts(), texts(), st.data())
def test_remembered_pieces_are_what_a_parse_of_them_gives(text: str, other: str, data: st.DataObject) -> None:
    clear_cache()
    lines = split_lines(text)
    ranges = data.draw(st.lists(st.tuples(st.integers(0, len(lines)), st.integers(0, 3)), max_size=4))
    remember(lines, parse_whole(lines), sorted((a, min(a + n, len(lines))) for a, n in ranges))
    assert parse_facts(lines) == parse_whole(lines)
    # Pieces of ``text`` met again in another text, in another context.
    cut = data.draw(st.integers(0, len(lines)))
    mixed = split_lines("".join(lines[:cut]) + other + "\n" + "".join(lines[cut:]))
    assert parse_facts(mixed) == parse_whole(mixed)


@SETTINGS
@given(st.lists(LINES, max_size=14), st.data())
def test_a_window_the_patcher_accepts_reads_as_the_whole_text(body: list[str], data: st.DataObject) -> None:
    """``reparse_window`` either refuses or gives exactly the facts of a whole parse."""
    lines = split_lines("".join(line + "\n" for line in body))
    start = data.draw(st.integers(0, len(lines)))
    end = data.draw(st.integers(start, min(len(lines), start + 2)))
    inserted = split_lines("".join(line + "\n" for line in data.draw(st.lists(LINES, max_size=3))))
    new_lines = [*lines[:start], *inserted, *lines[end:]]
    scope = None
    if data.draw(st.booleans()):
        scope = (data.draw(st.integers(0, start)), data.draw(st.integers(end, len(lines))))
    result = reparse_window(parse_whole(lines), lines, new_lines, start, end, len(inserted), scope)
    if result.facts is not None:
        assert result.facts == parse_whole(new_lines)


@pytest.mark.parametrize(
    ("old", "new", "start", "end"),
    [
        # A definition put in front of text whose title closes after the block after it.
        ("# h\n'foo\n===\nbar'\n", "[a]: /url\n'foo\n===\nbar'\n", 0, 1),
        ("'t\n===\nt'\n", "[a]: /url\n't\n===\nt'\n", 0, 0),
        # A title opened two blocks above the edit, closed by it.
        ("[a]: /url\n'foo\n===\nbar\n===\nstatus: open\n", "[a]: /url\n'foo\n===\nbar\n===\nstatus: done'\n", 5, 6),
        # The same inside a list item and a quote: the title's lines are lazy lines.
        ("- [a]: /url\n'foo\n===\nstatus: open\n", "- [a]: /url\n'foo\n===\nstatus: done'\n", 3, 4),
        ("> [a]: /url\n'foo\n===\nstatus: open\n", "> [a]: /url\n'foo\n===\nstatus: done'\n", 3, 4),
        # A label over several lines, completed by the edit.
        ("[a\n===\nb\n===\nstatus: open\n", "[a\n===\nb\n===\nc]: /url\n", 4, 5),
    ],
)
def test_a_reference_definition_reading_on_over_blocks_is_seen(old: str, new: str, start: int, end: int) -> None:
    old_lines, new_lines = split_lines(old), split_lines(new)
    inserted = len(new_lines) - len(old_lines) + (end - start)
    result = reparse_window(parse_whole(old_lines), old_lines, new_lines, start, end, inserted)
    assert result.facts is None or result.facts == parse_whole(new_lines)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # A status value that closes a link reference title opened lines above it.
        ("# Plan\n\n<!-- S_START -->\n\n[a]: /url\n'title\n===\nstatus: open\n<!-- S_END -->\n", "done'"),
        ("<!-- S_START -->\n\n[a]: /url\n'title\nstatus: open\n<!-- S_END -->\n", "x'"),
        ("<!-- S_START -->\n[a]: /url\n'foo\n===\nbar\n===\nstatus: open\n<!-- S_END -->\n", "done'"),
        ("<!-- S_START -->\n- [a]: /url\n'foo\n===\nstatus: open\n<!-- S_END -->\n", "done'"),
    ],
)
def test_an_edit_that_changes_text_above_its_window_is_refused_or_read_right(text: str, value: str) -> None:
    try:
        result = apply_edits(text, [StatusUpdate(file="x.md", anchor="S", key="status", value=value)])
    except InvalidEditError:
        return
    assert result.document.facts == reference_document(result.text).facts
    assert parse_document(result.text).facts == result.document.facts


def test_only_changed_pieces_are_parsed_again() -> None:
    sections = [f"## Part {n}\n\nText of part {n}.\n\n- [ ] {n}.1: do it\n\n" for n in range(50)]
    parse_document("# Plan\n\n" + "".join(sections))
    sections[20] = sections[20].replace("Text of", "New text of")
    before = cache_info()
    parse_document("# Plan\n\n" + "".join(sections))
    after = cache_info()
    assert after["misses"] - before["misses"] == 1
    assert after["hits"] - before["hits"] == 50


def test_a_fence_running_over_a_heading_line_is_parsed_as_one() -> None:
    text = "# A\n\n```\n# not a heading\n## nor this\n```\n\n## B\n"
    doc = parse_document(text)
    assert [h.text for h in doc.headings] == ["A", "B"]
    text = "# A\n\n<div>\n# swallowed by the HTML block\n\n## B\n"
    assert [h.text for h in parse_document(text).headings] == ["A", "B"]
    unclosed = "# A\n\n```\n" + "".join(f"# line {n}\n" for n in range(100))
    assert [h.text for h in parse_document(unclosed).headings] == ["A"]


@pytest.mark.parametrize(
    ("text", "is_open"),
    [
        ("```\ncode\n```\n", False),
        ("```\ncode\n", True),
        ("```\n", True),
        ("````\ncode\n```\n", True),
        ("```\ncode\n~~~\n", True),
        ("~~~\ncode\n~~~~\n", False),
        ("  ```\ncode\n   ```  \n", False),
        ("<!-- note\nmore -->\n", False),
        ("<!-- note\nmore\n", True),
        ("<div>\ntext\n", True),
        ("<div>\ntext\n\n", False),
        ("    indented code\n", False),
        ("paragraph\n", False),
        ("- item\n  ```\n", False),
        ("", False),
    ],
)
def test_open_at_end(text: str, is_open: bool) -> None:
    lines = split_lines(text)
    facts = parse_whole(lines)
    assert open_at_end(facts, lines, 0, len(lines)) is is_open


PLAN = "# Plan\n\n## Progress\n\n<!-- PROGRESS_LOG_START -->\n- 1.1: started\n<!-- PROGRESS_LOG_END -->\n\n" + "".join(
    f"## Phase {n}\n\n<!-- PHASE_{n}_STATUS_START -->\ncompleted: 0/2\n"
    f"<!-- PHASE_{n}_STATUS_END -->\n\n### Tasks\n\n- [ ] {n}.1: first\n- [ ] {n}.2: second\n\n"
    f"### Outcomes\n\nNone yet.\n\n```\n# code, not a heading\n```\n"
    for n in range(1, 6)
)


def test_handoff_steps_on_a_remembered_plan_match_fresh_parses() -> None:
    # A "# ..." line in a fence starts a piece that is not a block boundary: the piece
    # before it is parsed again with the next one, so it is not remembered as such.
    text = PLAN
    steps = [(2, 1, "//"), (2, 2, "//"), (4, 1, "#"), (1, 2, "//"), (5, 1, "#"), (3, 1, "//")]
    for step, (phase, task, comment) in enumerate(steps):
        result = apply_edits(
            parse_document(text),
            [
                Edit(
                    file="x.md",
                    anchor="PROGRESS_LOG",
                    action="append",
                    content=f"- {phase}.{task}: done in step {step}",
                ),
                TaskCheck(file="x.md", task_id=f"{phase}.{task}"),
                StatusUpdate(file="x.md", anchor=f"PHASE_{phase}_STATUS", key="completed", value=f"{task}/2"),
                Edit(
                    file="x.md",
                    heading=f"Phase {phase} > Outcomes",
                    action="append",
                    content=f"- step {step}\n\n```\n{comment} still code\n```",
                ),
            ],
        )
        text = result.text
        misses = cache_info()["misses"]
        again = parse_document(text)
        if comment == "//":
            assert cache_info()["misses"] == misses  # every piece was remembered
        assert again == reference_document(text) == result.document


def test_text_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache: TextCache[int] = TextCache(max_chars=100)
    cache.put("a" * 20, 1)
    cache.put("b" * 20, 2)
    assert cache.get("a" * 20) == 1  # "a" is now the most recent
    for n in range(4):
        cache.put(str(n) * 20, n)
    assert cache.get("b" * 20) is None
    assert cache.get("a" * 20) == 1
    assert cache.info()["chars"] <= 100
    cache.put("z" * 26, 9)  # over a quarter of the bound: never kept
    assert cache.get("z" * 26) is None


def test_index_from_many_threads_is_consistent() -> None:
    text = PLAN * 3
    expected = reference_document(text)
    results: list[object] = []

    def work() -> None:
        for _ in range(5):
            results.append(parse_document(text) == expected)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 20
