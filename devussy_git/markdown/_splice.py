"""Turn one section edit into a line splice, refusing content that would do harm.

The content is normalised (mdformat, see :mod:`.render`), checked (size, anchor
markers, unclosed fences or HTML, headings that would end the target section or
swallow what follows) and laid out in the target's style: the file's line
ending, the anchor's indentation or quote prefix, one blank line between blocks
unless a list simply goes on. Replace keeps the blank lines around the target's
text; append/prepend report content already at that place instead of adding it
twice. This module computes splices; it never verifies the result (the patcher
re-parses) and never touches lines outside the target.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._index import BLOCK_PARSER, MARKER_RE, OWN_LINE_MARKER_RE
from ._lines import split_lines, strip_ending
from ._targets import Target
from .document import Document, normalize_heading_text
from .messages import Refusal
from .normalize import content_lines

__all__ = ["Prepared", "Splice", "plan_splice", "prepare_content"]

_LIST_RE = re.compile(r"^(?:([-*+])|\d{1,9}([.)]))(?:[ \t]|$)")
_ATX_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_RAW_HTML_CLOSERS = {"pre": "</pre>", "script": "</script>", "style": "</style>", "textarea": "</textarea>"}


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace lines ``[start, end)`` of the current text with ``lines``."""

    start: int
    end: int
    lines: tuple[str, ...]
    content_start: int
    """Offset in ``lines`` where the edit's own content begins."""
    content_len: int
    scope: tuple[int, int] | None = None
    """Lines the edit may change (its target), when wider than the splice."""
    blank: str = ""
    """A blank line in the target's style (``>`` in a quote); "" means the newline."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """Content ready to lay out: lines without endings or prefix."""

    lines: tuple[str, ...]
    min_heading: int | None
    """Smallest heading level in the content (None: no headings)."""


def _unclosed(content: str) -> str | None:
    """Why ``content`` leaves a code fence or HTML block open, if it does."""
    tokens = BLOCK_PARSER.parse(content)
    lines = [strip_ending(line) for line in split_lines(content)]
    for token in tokens:
        if token.map is None:
            continue
        first, last = token.map
        if token.type == "fence":
            char, size = token.markup[0], len(token.markup)
            closing = lines[last - 1].strip(" \t>") if last - first >= 2 else ""
            if not (closing.startswith(char * size) and not closing.strip(char)):
                return f"the code fence opened on content line {first + 1} is never closed"
        elif token.type == "html_block":
            block = token.content.lstrip()
            if block.startswith("<!--") and "-->" not in block:
                return f"the HTML comment opened on content line {first + 1} is never closed"
            match = re.match(r"<(pre|script|style|textarea)[\s>]", block, re.IGNORECASE)
            if match and _RAW_HTML_CLOSERS[match.group(1).lower()] not in block.lower():
                tag = match.group(1)
                return f"the <{tag}> block opened on content line {first + 1} is never closed"
    return None


def _headings(lines: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(line, level, text)`` of the content's top-level headings."""
    tokens = BLOCK_PARSER.parse("\n".join(lines) + "\n")
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.map:
            found.append((token.map[0], int(token.tag[1]), tokens[index + 1].content))
    return found


def prepare_content(content: str, target: Target, *, max_content: int, normalize: bool) -> Prepared:
    """Normalise and check ``content`` for ``target``; raises Refusal."""
    if len(content) > max_content:
        raise Refusal(
            f"content is {len(content):,} characters; the limit is {max_content:,} per edit.",
            hint="Send a shorter text or split it over several targets.",
        )
    marker = MARKER_RE.search(content)
    if marker:
        raise Refusal(
            f"content contains the anchor marker {marker.group()}.",
            hint="Anchors are kept by the patcher: send only the text between the markers.",
        )
    unclosed = _unclosed(content)
    if unclosed:
        raise Refusal(f"{unclosed}.", hint="Close every code fence and HTML block you open.")
    lines = content_lines(content, normalize=normalize)
    if not lines and content.strip():
        raise Refusal(
            "content has no visible text once formatted (a link reference definition or "
            "similar markup alone renders to nothing), so the edit would change nothing.",
            hint="Send the text itself, e.g. a list item or a sentence.",
        )
    headings = _headings(lines) if lines else []
    if target.heading is not None and headings and headings[0][0] == 0:
        level, text = headings[0][1], headings[0][2]
        if level == target.level and normalize_heading_text(text) == normalize_heading_text(target.heading.text):
            # The model repeated the heading it edits: keep the file's own heading line.
            drop = 1 if _ATX_RE.match(lines[0]) else 2
            lines = lines[drop:]
            while lines and not lines[0].strip():
                lines.pop(0)
            headings = _headings(lines) if lines else []
    min_level = min((h[1] for h in headings), default=None)
    if min_level is not None and min_level <= target.level:
        line, level, text = next(h for h in headings if h[1] == min_level)
        where = (
            f'section "{target.heading.text}" (level {target.level})'
            if target.heading is not None
            else f"anchor {target.name}, which sits in a level-{target.level} section"
        )
        raise Refusal(
            f'content line {line + 1} is a level-{level} heading "{text}"; inside {where}, '
            "it would end that section and take over the sections after it.",
            hint=f"Use level {target.level + 1} or deeper ({'#' * (target.level + 1)} ...), or no heading.",
        )
    if not lines and target.kind == "heading" and content.strip():
        raise Refusal("content only repeats the heading; send the text that goes under it.")
    return Prepared(tuple(lines), min_level)


def _body(line: str, prefix: str) -> str:
    text = strip_ending(line)
    head = prefix.rstrip()
    if head and text.startswith(head):
        text = text[len(head) :]
        if prefix != head and text.startswith(prefix[len(head) :]):
            text = text[len(prefix) - len(head) :]
    return text


def _blank(line: str, prefix: str) -> bool:
    return not _body(line, prefix).strip()


def _list_kind(body: str) -> str | None:
    match = _LIST_RE.match(body)
    if not match:
        return None
    return f"bullet{match.group(1)}" if match.group(1) else f"ordered{match.group(2)}"


def _last_kind(bodies: Sequence[str]) -> str | None:
    for body in reversed(bodies):
        if body[:1] in (" ", "\t"):
            continue
        return _list_kind(body)
    return None


def _swallowed(doc: Document, after: int, level: int) -> tuple[int, int] | None:
    """Lines from ``after`` a new level-``level`` heading would take into its section."""
    stop = len(doc.lines)
    for heading in doc.headings:
        if heading.line >= after and heading.level <= level:
            stop = heading.line
            break
    for number in range(after, stop):
        line = strip_ending(doc.lines[number])
        if line.strip() and not OWN_LINE_MARKER_RE.match(line):
            return number, stop
    return None


def plan_splice(
    doc: Document,
    target: Target,
    action: Literal["replace", "append", "prepend"],
    prepared: Prepared,
) -> Splice | Literal["unchanged", "already-present"]:
    """The splice that applies ``action``; raises Refusal; a string when nothing to do."""
    nl = doc.newline
    prefix = target.prefix
    blank = prefix.rstrip() + nl
    content = [((prefix + line) if line.strip() else prefix.rstrip()) + nl for line in prepared.lines]
    wanted = [_body(line, prefix).rstrip() for line in content]
    s, e = target.start, target.end
    core = [n for n in range(s, e) if not _blank(doc.lines[n], prefix)]

    def splice(start: int, end: int, before: list[str], after: list[str]) -> Splice:
        if prepared.min_heading is not None:
            hit = _swallowed(doc, end, prepared.min_heading)
            if hit is not None:
                raise Refusal(
                    f"a level-{prepared.min_heading} heading here would take lines "
                    f"{hit[0] + 1}-{hit[1]} of the file, which follow the target, into its "
                    "section.",
                    hint="Use a deeper heading, no heading, or action 'append' at the end of the section.",
                )
        return Splice(
            start, end, tuple(before + content + after), len(before), len(content), target.scope or (s, e), blank
        )

    if not core:
        if not content:
            return "unchanged"
        if target.kind == "anchor" or s == e:
            return splice(s, s, [], [])
        # After the first blank line, with one blank line before what follows;
        # replacing with the old (empty) text removes exactly that again.
        return splice(s + 1, s + 1, [], [blank] if e < len(doc.lines) else [])

    cs, ce = core[0], core[-1] + 1
    if action == "replace" and target.kind == "heading":
        held = list(dict.fromkeys(m[1] for m in doc.facts.markers if cs <= m[0] < ce))
        if held:
            raise Refusal(
                f'section "{target.name}" holds anchor {", ".join(held)}; replacing the section would remove it.',
                nearest=[f"anchor {name}" for name in held if name in doc.anchors],
                hint="Replace the anchor's content instead, or append/prepend to the section.",
            )
    existing = [_body(line, prefix).rstrip() for line in doc.lines[cs:ce]]
    if action == "replace":
        exact = [_body(line, prefix) for line in doc.lines[cs:ce]]
        if exact == [_body(line, prefix) for line in content]:
            return "unchanged"
        if not content:
            drop = 1 if cs > s and ce < e else 0
            return splice(cs, ce + drop, [], [])
        return splice(cs, ce, [], [])
    if action == "append":
        if len(wanted) <= len(existing) and existing[len(existing) - len(wanted) :] == wanted:
            return "already-present"
        joins = _last_kind(existing) is not None and _last_kind(existing) == _list_kind(wanted[0])
        return splice(ce, ce, [] if joins else [blank], [])
    if existing[: len(wanted)] == wanted:
        return "already-present"
    joins = _last_kind(wanted) is not None and _last_kind(wanted) == _list_kind(existing[0])
    return splice(cs, cs, [], [] if joins else [blank])
