"""Property tests: generated documents, random valid edits, the invariants hold."""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devussy_git.errors import InvalidEditError
from devussy_git.markdown import Edit, apply_edits, normalize_content, parse_document
from devussy_git.markdown._lines import strip_ending

from .conftest import reference_document

# Modest by default so the suite stays fast; raise it for a deeper local run.
EXAMPLES = int(os.environ.get("MD_PROPERTY_EXAMPLES", "60"))

WORDS = st.sampled_from(
    [
        "alpha",
        "beta",
        "gamma",
        "δέλτα",
        "ünïcode",
        "🚀",
        "task",
        "x_y",
        "a*b",
        "`code`",
        "[link](u)",
        "1.",
        "#tag",
        "<b>",
        "end",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
SPACES = st.sampled_from(["", "", " ", "  ", "\t"])


@st.composite
def blocks(draw: st.DrawFn, *, tidy: bool, markers: bool = True) -> str:
    """One markdown block; ``tidy`` blocks are already in normalised form."""
    kind = draw(st.sampled_from(["para", "bullets", "ordered", "tasks", "fence", "quote", "table", "html"]))
    if kind == "para":
        lines = draw(st.lists(SENTENCE, min_size=1, max_size=3))
        text = "\n".join(line + ("" if tidy else draw(SPACES)) for line in lines)
    elif kind == "bullets":
        marker = "-" if tidy else draw(st.sampled_from(["-", "*", "+"]))
        text = "\n".join(f"{marker} {s}" for s in draw(st.lists(SENTENCE, min_size=1, max_size=4)))
    elif kind == "ordered":
        delim = "." if tidy else draw(st.sampled_from([".", ")"]))
        items = draw(st.lists(SENTENCE, min_size=1, max_size=4))
        text = "\n".join(f"{n}{delim} {s}" for n, s in enumerate(items, 1))
    elif kind == "tasks":
        tasks = draw(st.lists(st.tuples(st.booleans(), SENTENCE), min_size=1, max_size=4))
        text = "\n".join(f"- [{'x' if done else ' '}] {s}" for done, s in tasks)
    elif kind == "fence":
        fake = ["<!-- FAKE_START -->"] if markers else []
        body = draw(st.sampled_from(["# not a heading", "x = 1", "- [ ] no", *fake]))
        text = f"```\n{body}\n```"
    elif kind == "quote":
        text = "> " + draw(SENTENCE)
    elif kind == "table":
        text = "| a | b |\n| --- | --- |\n| 1 | 2 |"
    else:
        text = "<div>\n" + draw(SENTENCE) + "\n</div>"
    return normalize_content(text).rstrip("\n") if tidy else text


def _tidy(text: str) -> str:
    return normalize_content(text).rstrip("\n")


@dataclass(frozen=True)
class Generated:
    text: str
    anchors: tuple[str, ...]
    headings: tuple[str, ...]


@st.composite
def documents(draw: st.DrawFn, *, tidy: bool = False, markers: bool = True) -> Generated:
    """A document of sections; each may hold blocks and an anchor."""
    count = draw(st.integers(min_value=1, max_value=6))
    parts: list[str] = []
    anchors: list[str] = []
    headings: list[str] = []
    for index in range(count):
        level = 1 if index == 0 else draw(st.integers(min_value=2, max_value=3))
        title = f"S{index} {draw(SENTENCE)}"
        headings.append(title)
        if not tidy and draw(st.booleans()) and level <= 2:
            parts.append(f"{title}\n{'=' if level == 1 else '-' * 3}")
        else:
            parts.append(f"{'#' * level} {title}{'' if tidy else draw(SPACES)}")
        body = [draw(blocks(tidy=tidy, markers=markers)) for _ in range(draw(st.integers(0, 2)))]
        if body:
            parts.append(_tidy("\n\n".join(body)) if tidy else "\n\n".join(body))
        if draw(st.booleans()):
            name = f"ANCHOR_{index}"
            anchors.append(name)
            inner = [draw(blocks(tidy=tidy, markers=markers)) for _ in range(draw(st.integers(0, 2)))]
            joined = _tidy("\n\n".join(inner)) if tidy else "\n\n".join(inner)
            lines = [f"<!-- {name}_START -->", *([joined] if joined else []), f"<!-- {name}_END -->"]
            parts.append("\n".join(lines))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "\n\n".join(parts) + "\n"
    return Generated(text.replace("\n", newline), tuple(anchors), tuple(headings))


CONTENT = st.lists(blocks(tidy=False, markers=False), min_size=1, max_size=3).map("\n\n".join)
ACTIONS = st.sampled_from(["replace", "append", "prepend"])
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _target(draw: st.DrawFn, doc: Generated, *, replace: bool = False) -> dict[str, str]:
    """A target; with ``replace``, never a section that holds an anchor (that is refused)."""
    parsed = parse_document(doc.text)
    free = [
        h.text
        for h in parsed.headings
        if not any(h.heading_end <= a.start_line < h.body_end for a in parsed.anchors.values())
    ]
    if doc.anchors and (draw(st.booleans()) or (replace and not free)):
        return {"anchor": draw(st.sampled_from(doc.anchors))}
    return {"heading": draw(st.sampled_from(free if replace else list(doc.headings)))}


def _edit(draw: st.DrawFn, doc: Generated) -> Edit:
    action = draw(ACTIONS)
    target = _target(draw, doc, replace=action == "replace")
    return Edit(file="x.md", action=action, content=draw(CONTENT), **target)


def _region(text: str, target: dict[str, str]) -> tuple[int, int]:
    parsed = parse_document(text)
    if "anchor" in target:
        anchor = parsed.anchors[target["anchor"]]
        return anchor.inner_start, anchor.inner_end
    (heading,) = parsed.find_headings(target["heading"])
    return heading.heading_end, heading.body_end


@SETTINGS
@given(data=st.data())
def test_bytes_outside_the_target_are_identical(data: st.DataObject) -> None:
    doc = data.draw(documents())
    edit = _edit(data.draw, doc)
    target = {"anchor": edit.anchor} if edit.anchor else {"heading": edit.heading or ""}
    result = apply_edits(doc.text, [edit])
    old = parse_document(doc.text).lines
    new = result.document.lines
    lo, hi = _region(doc.text, target)
    for changed in result.changed_ranges:
        assert lo <= changed.original_start <= changed.original_end <= hi
        assert new[: changed.start] == old[: changed.original_start]
        assert new[changed.end :] == old[changed.original_end :]
    assert result.document == reference_document(result.text) == parse_document(result.text)


@SETTINGS
@given(data=st.data())
def test_anchors_and_headings_are_preserved(data: st.DataObject) -> None:
    doc = data.draw(documents())
    edits = [_edit(data.draw, doc) for _ in range(data.draw(st.integers(min_value=1, max_value=4)))]
    before = parse_document(doc.text)
    result = apply_edits(doc.text, edits)
    assert list(result.document.anchors) == list(before.anchors)
    assert [h.path for h in result.document.headings] == [h.path for h in before.headings]
    assert result.document.problems == before.problems
    newline = "\r\n" if "\r\n" in doc.text else "\n"
    assert all(line.endswith(newline) for line in result.document.lines)


def _core(text: str, target: dict[str, str]) -> str:
    lines = parse_document(text).lines
    lo, hi = _region(text, target)
    body = [strip_ending(line) for line in lines[lo:hi]]
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    return "\n".join(body)


@SETTINGS
@given(data=st.data())
def test_replace_then_replace_with_original_gives_original(data: st.DataObject) -> None:
    tidy = data.draw(st.booleans())
    doc = data.draw(documents(tidy=tidy, markers=False))
    target = _target(data.draw, doc, replace=True)
    original = _core(doc.text, target)
    new_content = data.draw(CONTENT)
    changed = apply_edits(
        doc.text, [Edit(file="x.md", action="replace", content=new_content, **target)], normalize=tidy
    )
    reverted = apply_edits(
        changed.text, [Edit(file="x.md", action="replace", content=original, **target)], normalize=tidy
    )
    assert reverted.text == doc.text


MARKDOWNISH = st.lists(
    st.sampled_from(
        list("#>-*+`~|:=_[]()!<>/\\ \t\r\n0123456789aAxX.")
        + ["<!-- ", " -->", "A_START", "A_END", "```", "- [ ] ", "1.2: ", "é", "🚀"]
    ),
    max_size=120,
).map("".join)


@settings(
    max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(text=MARKDOWNISH, content=MARKDOWNISH, data=st.data())
def test_arbitrary_input_never_crashes(text: str, content: str, data: st.DataObject) -> None:
    doc = parse_document(text)
    assert "".join(doc.lines) == text
    targets = [{"anchor": name} for name in doc.anchors]
    targets += [{"heading": h.path} for h in doc.headings if h.text.strip()]
    targets.append({"anchor": "MISSING"})
    target = data.draw(st.sampled_from(targets))
    action = data.draw(ACTIONS)
    if action != "replace" and not content.strip():
        content = "x"
    edit = Edit(file="x.md", action=action, content=content, **target)
    try:
        result = apply_edits(text, [edit])
    except InvalidEditError as error:
        assert error.model_message
        return
    assert result.document == reference_document(result.text) == parse_document(result.text)
    assert list(result.document.anchors) == list(doc.anchors)
