"""Markdown as the patcher inserts it: content formatted with mdformat, task boxes kept.

Everything here goes through mdformat with the GFM extension (tables, task
lists) and ``number=True`` so ordered lists keep their numbers. mdformat escapes
an empty task box (``- [ ]`` becomes ``- \\[ \\]``): the escape is undone on list
item lines outside code, so task items always come out as ``- [ ]`` / ``- [x]``.
This module never reads files and never edits an existing document in place
(that is :mod:`devussy_git.markdown.patcher`'s job).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import mdformat

from ._chunks import parse_facts
from ._index import Facts
from ._lines import split_lines, strip_ending

__all__ = ["content_lines", "normalize_content"]

_ESCAPED_TASK_RE = re.compile(
    r"^(?P<pre>[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\\\[(?P<mark>[ xX])\\\]"
)
_OPTIONS = {"number": True}
_EXTENSIONS = frozenset({"gfm"})

_FORMATTER: Callable[[str], str] | None = None
_FORMATTER_LOCK = threading.Lock()


def _formatter() -> Callable[[str], str]:
    """``mdformat.text`` with our options, its parser built once.

    ``mdformat.text`` builds a new parser with its plugins on every call (~0.3 ms,
    three times the cost of formatting a short edit). The parser it builds is
    kept and reused; ``tests/unit/markdown/test_render.py`` checks the output is
    the same as ``mdformat.text``'s. If mdformat's internals change, this falls
    back to ``mdformat.text``.
    """
    global _FORMATTER
    if _FORMATTER is None:
        with _FORMATTER_LOCK:
            if _FORMATTER is None:
                _FORMATTER = _build_formatter()
    return _FORMATTER


def _build_formatter() -> Callable[[str], str]:
    def slow(content: str) -> str:
        return mdformat.text(content, options=_OPTIONS, extensions=_EXTENSIONS)

    try:
        from mdformat._conf import DEFAULT_OPTS
        from mdformat._util import build_mdit
        from mdformat.renderer import MDRenderer

        mdit = build_mdit(MDRenderer, mdformat_opts={**_OPTIONS, "filename": ""},
                          extensions=_EXTENSIONS, codeformatters=())
        if {**DEFAULT_OPTS, **_OPTIONS}.get("wrap") != "keep":  # mdformat would render twice
            return slow
        probe = "* a\n* [ ] b\n\n| x |\n|-|\n| 1 |\n"
        if mdit.render(probe) != slow(probe):
            return slow
    except Exception:  # noqa: BLE001 - any change in mdformat's internals: use the public API
        return slow
    return mdit.render


def _in_code(facts: Facts, line: int) -> bool:
    return any(start <= line < end for start, end in facts.code)


def _unescape_tasks(text: str) -> str:
    if "\\[" not in text:
        return text
    lines = split_lines(text)
    facts = parse_facts(lines)
    for number, line in enumerate(lines):
        if "\\[" in line and not _in_code(facts, number):
            lines[number] = _ESCAPED_TASK_RE.sub(r"\g<pre>[\g<mark>]", line, count=1)
    return "".join(lines)


def normalize_content(content: str) -> str:
    """Format a piece of markdown the way the patcher inserts it.

    Returns ``""`` for blank content, otherwise text ending in one ``\\n``.
    """
    return _unescape_tasks(_formatter()(content))


def content_lines(content: str, *, normalize: bool) -> list[str]:
    """Content as lines without endings, blank lines at both ends dropped."""
    text = normalize_content(content) if normalize else content
    lines = [strip_ending(line).rstrip() if normalize else strip_ending(line)
             for line in split_lines(text)]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines
