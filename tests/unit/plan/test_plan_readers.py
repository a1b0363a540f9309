"""Every reader of a plan file gives the same answer for the same text.

Anchors used to be found three ways (string search in ``plan.anchors``, a line
regex in ``agent.regions``, markdown-it in ``markdown.document``) and task lines
by four regexes (phase reading, the step's context, the ritual, the section
model). Each case below is one text; each reader is asked the same question; the
expected answer is the reading docs/DECISIONS.md settles on ("Reading a plan").
``*_FOUND`` lists the disagreements there were before every reader went through
``plan.anchors`` and ``plan.tasks``.
"""

from __future__ import annotations

import pytest

from devussy_git.agent import ritual
from devussy_git.agent.regions import anchor_value
from devussy_git.errors import InvalidInputError
from devussy_git.markdown.document import parse_document
from devussy_git.plan.anchors import check_plan_anchors, extract_anchor
from devussy_git.plan.files import read_phase
from devussy_git.plan.tasks import task_ids

# -- anchors -------------------------------------------------------------------------

FENCE_BEFORE = """# Notes

```markdown
<!-- NOTES_START -->
fake
<!-- NOTES_END -->
```

<!-- NOTES_START -->

real

<!-- NOTES_END -->
"""

FENCE_AFTER = """# Notes

<!-- NOTES_START -->

real

<!-- NOTES_END -->

An example of the markers:

```markdown
<!-- NOTES_START -->
fake
<!-- NOTES_END -->
```
"""

ANCHOR_CASES: dict[str, tuple[str, str | None]] = {
    # A marker in a code fence is an example shown to the reader, not an anchor.
    "fence-before": (FENCE_BEFORE, "real"),
    "fence-after": (FENCE_AFTER, "real"),
    # A marker is a line of its own; one quoted inside a sentence is text.
    "inline-mention": (
        "Put notes after <!-- NOTES_START --> like this.\n\n<!-- NOTES_START -->\n\nreal\n\n<!-- NOTES_END -->\n",
        "real",
    ),
    # Spacing inside the comment does not matter.
    "no-spaces": ("<!--NOTES_START-->\nreal\n<!--NOTES_END-->\n", "real"),
    # Blank padding goes, indentation of the first content line stays.
    "indented-first-line": (
        "<!-- NOTES_START -->\n\n    code line\n    more\n\n<!-- NOTES_END -->\n",
        "    code line\n    more",
    ),
    # CRLF files read like LF files.
    "crlf": (
        "<!-- NOTES_START -->\r\n\r\n- a\r\n- b\r\n\r\n<!-- NOTES_END -->\r\n",
        "- a\n- b",
    ),
    # Lines of spaces and tabs are blank padding (every reader agreed).
    "blank-padding": ("<!-- NOTES_START -->\n  \n\t\nreal\n \n<!-- NOTES_END -->\n", "real"),
    "absent": ("<!-- OTHER_START -->\nx\n<!-- OTHER_END -->\n", None),
}


def _section_model(text: str, name: str) -> str | None:
    doc = parse_document(text)
    if name not in doc.anchors:
        return None
    lines = [line.rstrip("\r\n") for line in doc.anchor_text(name).splitlines(keepends=True)]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


ANCHOR_READERS = {
    "plan.anchors": extract_anchor,
    "agent.regions": anchor_value,
    "markdown.document": _section_model,
}

#: (case, reader) pairs that disagreed before the readers were unified.
ANCHOR_FOUND = {
    ("fence-before", "plan.anchors"),
    ("fence-after", "agent.regions"),
    ("inline-mention", "plan.anchors"),
    ("no-spaces", "plan.anchors"),
    ("indented-first-line", "plan.anchors"),
    ("crlf", "plan.anchors"),
}


def _pairs(cases: dict[str, object], readers: dict[str, object]) -> list:
    return [pytest.param(case, reader, id=f"{case}-{reader}") for case in cases for reader in readers]


@pytest.mark.parametrize(("case", "reader"), _pairs(ANCHOR_CASES, ANCHOR_READERS))
def test_every_anchor_reader_agrees(case: str, reader: str) -> None:
    text, expected = ANCHOR_CASES[case]
    assert ANCHOR_READERS[reader](text, "NOTES") == expected


# -- task lines ----------------------------------------------------------------------


def phase_file(tasks: str, newline: str = "\n") -> str:
    text = (
        "# Phase 1: Setup\n\n## Tasks\n\n<!-- PHASE_TASKS_START -->\n\n"
        f"{tasks}\n\n<!-- PHASE_TASKS_END -->\n\n## Context\n\n"
        "<!-- PHASE_CONTEXT_START -->\n\nPhase 1 of Shop.\n\n<!-- PHASE_CONTEXT_END -->\n"
    )
    return text.replace("\n", newline)


TASK_CASES: dict[str, tuple[str, tuple[tuple[str, bool], ...]]] = {
    # mdformat without the task list extension escapes the box: still the same task.
    "escaped-boxes": ("- \\[x\\] 1.1: a\n- \\[ \\] 1.2: b", (("1.1", True), ("1.2", False))),
    # A task line in a code fence is an example, not a task of the phase.
    "in-fence": ("- [ ] 1.1: a\n\n```markdown\n- [ ] 1.2: example\n```", (("1.1", False),)),
    # Any bullet and up to one space of indentation start a top-level list item.
    "other-bullets": ("* [ ] 1.1: a\n\n + [x] 1.2: b", (("1.1", False), ("1.2", True))),
    # A box inside a code span is text.
    "code-span": ("- `[ ]` 1.1: literal box\n- [ ] 1.2: real", (("1.2", False),)),
    # Blank lines between items (a loose list) change nothing.
    "loose-list": ("- [ ] 1.1: a\n\n\n- [x] 1.2: b", (("1.1", False), ("1.2", True))),
    "crlf": ("- [x] 1.1: a\r\n- [ ] 1.2: b", (("1.1", True), ("1.2", False))),
}


def _phase_reader(text: str) -> tuple[tuple[str, bool | None], ...]:
    return tuple((t.id, t.done) for t in read_phase("phase1.md", text).tasks)


def _ritual_reader(text: str) -> tuple[tuple[str, bool | None], ...]:
    """The tasks whose box the ritual can set, and how it found them."""
    found: list[tuple[str, bool | None]] = []
    for task_id in ("1.1", "1.2", "1.3"):
        if ritual.set_task_box(text, task_id, True) != text:
            found.append((task_id, False))
        elif ritual.set_task_box(text, task_id, False) != text:
            found.append((task_id, True))
    return tuple(found)


def _context_reader(text: str) -> tuple[tuple[str, bool | None], ...]:
    return tuple((task_id, None) for task_id in task_ids(text))


def _section_model_tasks(text: str) -> tuple[tuple[str, bool | None], ...]:
    doc = parse_document(text)
    return tuple((t.task_id, t.checked) for t in doc.tasks if t.anchor == "PHASE_TASKS" and t.task_id)


TASK_READERS = {
    "plan.files": _phase_reader,
    "agent.ritual": _ritual_reader,
    "agent.context": _context_reader,
    "markdown.document": _section_model_tasks,
}

#: (case, reader) pairs that disagreed before the readers were unified.
TASK_FOUND = {
    ("escaped-boxes", "agent.ritual"),
    ("escaped-boxes", "markdown.document"),
    ("in-fence", "plan.files"),
    ("in-fence", "agent.ritual"),
    ("in-fence", "agent.context"),
    ("other-bullets", "plan.files"),
    ("other-bullets", "agent.ritual"),
    ("other-bullets", "agent.context"),
}


@pytest.mark.parametrize(("case", "reader"), _pairs(TASK_CASES, TASK_READERS))
def test_every_task_reader_agrees(case: str, reader: str) -> None:
    block, expected = TASK_CASES[case]
    got = TASK_READERS[reader](phase_file(block))
    wanted: tuple[tuple[str, bool | None], ...] = expected
    if reader == "agent.context":
        wanted = tuple((task_id, None) for task_id, _ in expected)
    assert got == wanted


def test_a_checkbox_under_a_task_is_one_of_its_details() -> None:
    """Only top-level items are the phase's tasks; a nested box is a detail."""
    phase = read_phase("phase1.md", phase_file("- [ ] 1.1: a\n  - [x] 1.2: a sub-step"))
    assert [(t.id, t.details) for t in phase.tasks] == [("1.1", ("[x] 1.2: a sub-step",))]


def test_a_crlf_phase_file_reads_like_its_lf_twin() -> None:
    """Found: the summary was cut at blank LF lines only, so a CRLF file kept its links."""
    text = (
        "# Phase 2: Data\n\n## Tasks\n\n<!-- PHASE_TASKS_START -->\n\n- [ ] 2.1: a\n  - detail\n\n"
        "<!-- PHASE_TASKS_END -->\n\n## Context\n\n<!-- PHASE_CONTEXT_START -->\n\n"
        "Orders.\n\nBuilds on phase 1: Setup.\n\nPrepares phase 3: Auth.\n\n<!-- PHASE_CONTEXT_END -->\n"
    )
    lf = read_phase("phase2.md", text)
    assert lf.summary == "Orders."
    assert read_phase("phase2.md", text.replace("\n", "\r\n")) == lf


def test_task_markers_inside_a_fence_are_no_tasks_section() -> None:
    """Found: string search took the fenced example for the tasks section."""
    text = "# Phase 1: Setup\n\n```\n<!-- PHASE_TASKS_START -->\n- [ ] 1.1: x\n<!-- PHASE_TASKS_END -->\n```\n"
    with pytest.raises(InvalidInputError, match="PHASE_TASKS"):
        read_phase("phase1.md", text)


def test_the_readers_see_no_task_in_plain_prose() -> None:
    for reader in TASK_READERS.values():
        assert reader(phase_file("Nothing to do yet.\n\n[ ] 1.1: not a list item")) == ()


def test_the_found_disagreements_are_cases_above() -> None:
    assert {case for case, _ in ANCHOR_FOUND} <= set(ANCHOR_CASES)
    assert {reader for _, reader in ANCHOR_FOUND} <= set(ANCHOR_READERS)
    assert {case for case, _ in TASK_FOUND} <= set(TASK_CASES)
    assert {reader for _, reader in TASK_FOUND} <= set(TASK_READERS)


def test_the_ritual_ticks_an_escaped_box_and_keeps_it_escaped() -> None:
    text = phase_file("- \\[ \\] 1.1: a\n- \\[ \\] 1.2: b")
    ticked = ritual.set_task_box(text, "1.2", True)
    assert ticked == text.replace("\\[ \\] 1.2", "\\[x\\] 1.2")
    assert [(t.id, t.done) for t in read_phase("phase1.md", ticked).tasks] == [("1.1", False), ("1.2", True)]


def test_the_anchor_check_refuses_what_a_reader_could_not_read() -> None:
    """Devussy's string check passes a marker pair in a code fence; no reader here
    sees an anchor there, so the check says so instead of letting it through."""
    fenced = "```\n<!-- PROGRESS_LOG_START -->\n<!-- PROGRESS_LOG_END -->\n```\n"
    devplan = fenced + "<!-- NEXT_TASK_GROUP_START -->\n<!-- NEXT_TASK_GROUP_END -->\n"
    assert check_plan_anchors({"devplan.md": devplan}) == [
        "devplan.md: anchor PROGRESS_LOG is not readable: its markers are not lines of their own outside code"
    ]
    inline = devplan.replace(fenced, "Log: <!-- PROGRESS_LOG_START --> <!-- PROGRESS_LOG_END -->\n")
    assert check_plan_anchors({"devplan.md": inline}) == [
        "devplan.md: anchor PROGRESS_LOG is not readable: marker PROGRESS_LOG_START on line 1 is not alone on its line"
    ]
