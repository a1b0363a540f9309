"""The ```diff block always fits, never breaks its fence, and keeps changes visible."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from devussy_git.faces.discord.diffblock import (
    EMBED_DESCRIPTION_LIMIT,
    MESSAGE_LIMIT,
    discord_len,
    fence,
    fit_text,
    neutralise,
    render_diff_block,
)


def make_patch(body_lines: list[str], path: str = "devplan.md", context: int = 0) -> str:
    header = [
        f"diff --git a/{path} b/{path}",
        "index 1111111..2222222 100644",
        f"--- a/{path}",
        f"+++ b/{path}",
        f"@@ -1,{len(body_lines)} +1,{len(body_lines)} @@",
    ]
    ctx = [f" context line {i}" for i in range(context)]
    return "\n".join(header + ctx + body_lines) + "\n"


def fence_count(text: str) -> int:
    return text.count("```")


def shown_changes(text: str) -> list[str]:
    """Change lines outside file headers: a removed ``--`` reads ``---`` and is still a change.

    A cut block may start at a change line, with no header before it.
    """
    inside = text.split("```diff\n", 1)[1].split("\n```", 1)[0]
    changes, in_hunk = [], True
    for line in inside.splitlines():
        if line.startswith("diff --git "):
            in_hunk = False
        elif line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line[:1] in "+-":
            changes.append(line)
    return changes


def test_small_patch_is_shown_whole_without_note() -> None:
    patch = make_patch(["-old", "+new"])
    block = render_diff_block(patch)
    assert block.text == "```diff\n" + patch.rstrip("\n") + "\n```"
    assert not block.truncated and block.omitted_lines == 0


def test_empty_patch_says_no_changes() -> None:
    assert render_diff_block("").text == "*No changes.*"


def test_long_patch_fits_and_counts_the_rest() -> None:
    patch = make_patch([f"+added line number {i} with some words" for i in range(500)])
    block = render_diff_block(patch, attachment="p.diff")
    assert discord_len(block.text) <= MESSAGE_LIMIT
    assert block.truncated and block.omitted_lines > 400
    assert f"… {block.omitted_lines} more lines in the attachment `p.diff`" in block.text
    assert fence_count(block.text) == 2


def test_context_before_changes_is_dropped_so_changes_show() -> None:
    # 300 lines of context, then the only change: a prefix cut would show no +/- at all.
    patch = make_patch(["-the old decision", "+the new decision"], context=300)
    block = render_diff_block(patch)
    assert discord_len(block.text) <= MESSAGE_LIMIT
    assert shown_changes(block.text) == ["-the old decision", "+the new decision"]


def test_changes_deep_in_a_second_file_still_show() -> None:
    first = make_patch([f" same {i}" for i in range(400)], path="a.md")
    second = make_patch(["+the change"], path="b.md", context=5)
    block = render_diff_block(first + second, limit=600)
    assert discord_len(block.text) <= 600
    assert "+the change" in shown_changes(block.text)


def test_inner_backticks_cannot_close_the_fence() -> None:
    patch = make_patch(["+```python", "+print('hi')", "+```", "+````` five", "-``two``"])
    block = render_diff_block(patch)
    assert fence_count(block.text) == 2
    assert block.text.startswith("```diff\n") and block.text.endswith("\n```")
    assert "`\u200b`\u200b`python" in block.text


def test_binary_looking_text_is_made_visible_and_safe() -> None:
    patch = make_patch(["+\x00\x01\x1b[31mred\x7f", "-\r\nline"])
    block = render_diff_block(patch)
    assert "\x00" not in block.text and "\x1b" not in block.text and "\x7f" not in block.text
    assert "\ufffd" in block.text


def test_unicode_is_counted_as_discord_counts_it() -> None:
    emoji_line = "+" + "😀" * 150
    patch = make_patch([emoji_line] * 40)
    block = render_diff_block(patch)
    assert discord_len(block.text) <= MESSAGE_LIMIT
    assert len(block.text) < discord_len(block.text)  # astral characters count twice
    assert fence_count(block.text) == 2


def test_one_huge_line_is_cut_and_the_cut_is_said() -> None:
    patch = make_patch(["+" + "x" * 5000])
    block = render_diff_block(patch, attachment="big.diff")
    assert discord_len(block.text) <= MESSAGE_LIMIT
    assert block.truncated
    assert "attachment `big.diff`" in block.text
    assert shown_changes(block.text)[0].startswith("+xxx")


def test_a_budget_too_small_for_a_block_gives_a_plain_sentence() -> None:
    block = render_diff_block(make_patch(["+a"] * 50), limit=30)
    assert discord_len(block.text) <= 30
    assert "```" not in block.text


def test_fence_and_fit_helpers() -> None:
    assert fence("a```b", "md") == "```md\na`\u200b`\u200b`b\n```"
    assert fit_text("abcdef", 4) == "abc…"
    assert fit_text("abc", 4) == "abc"
    assert neutralise("x\r\ny") == "x\ny"


line = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300).map(
    lambda s: s.replace("\n", " ")
)


@example(body=[("+", "0" * 146)], limit=200)  # one change line longer than the room in a small block
@example(body=[("-", "--")], limit=200)  # a removed "--" shows as "---", like a file header
@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(st.tuples(st.sampled_from("+- "), line), min_size=1, max_size=120),
    limit=st.sampled_from([200, 500, MESSAGE_LIMIT, EMBED_DESCRIPTION_LIMIT]),
)
def test_any_patch_fits_keeps_one_fence_and_shows_a_change(body: list[tuple[str, str]], limit: int) -> None:
    lines = [sign + text for sign, text in body]
    patch = make_patch(lines)
    block = render_diff_block(patch, limit=limit, attachment="x.diff")
    assert discord_len(block.text) <= limit
    assert fence_count(block.text) == 2
    has_change = any(sign in "+-" for sign, _ in body)
    if has_change:
        assert shown_changes(block.text), block.text
