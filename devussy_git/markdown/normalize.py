"""Markdown as the patcher inserts it: content formatted with mdformat, task boxes kept.

Everything here goes through mdformat with the GFM extension (tables, task
lists) and ``number=True`` so ordered lists keep their numbers. mdformat escapes
an empty task box (``- [ ]`` becomes ``- \\[ \\]``): the escape is undone on list
item lines outside code, so task items always come out as ``- [ ]`` / ``- [x]``.
This module never reads files and never edits an existing document in place
(that is :mod:`devussy_git.markdown.patcher`'s job).

Most content a step inserts is a few plain bullet items (``- 1.2: CI added``),
which mdformat gives back unchanged; loading mdformat and its GFM plugins costs a
command line more than the rest of a step, so such content is recognised here
and mdformat is imported only for the rest. ``tests/unit/markdown/test_normalize.py``
checks the shortcut against mdformat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ._chunks import parse_facts
from ._index import Facts
from ._lines import split_lines, strip_ending

__all__ = ["content_lines", "normalize_content"]

_ESCAPED_TASK_RE = re.compile(r"^(?P<pre>[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\\\[(?P<mark>[ xX])\\\]")
#: mdformat's options; "wrap" is its default, said here so that one pass is always enough.
_OPTIONS = {"number": True, "wrap": "keep"}
_EXTENSIONS = frozenset({"gfm"})


#: Content mdformat returns as it is (plus a final newline): bullet items of plain
#: ASCII text, one a line. The text starts with a letter or a digit, has single
#: spaces between words, and holds no character mdformat escapes or reads as
#: markup (``*_[]<>&`~|#!\\`` ...), so it is never a heading, quote, task box,
#: list marker, thematic break, HTML block, entity, emphasis or strikethrough.
_PLAIN_ITEM = r"- [A-Za-z0-9](?: ?[A-Za-z0-9.,:;()'\"/?%-])*"
_PLAIN_ITEMS = re.compile(rf"(?:{_PLAIN_ITEM}\n)*{_PLAIN_ITEM}\n?")
#: ... except an item whose text starts like an ordered list marker (``- 1. x``).
_ORDERED_START = re.compile(r"^- [0-9]+[.)](?: |$)", re.MULTILINE)


def _plain_items(content: str) -> bool:
    return _PLAIN_ITEMS.fullmatch(content) is not None and _ORDERED_START.search(content) is None


def _format(content: str) -> str:
    import mdformat

    return mdformat.text(content, options=_OPTIONS, extensions=_EXTENSIONS)


@cache
def _formatter() -> Callable[[str], str]:
    """What :func:`_format` does, with one parser built once and reused.

    mdformat 1.0.0 has no public way to keep a parser: ``mdformat.text`` builds one
    with its plugins on every call (~0.15 ms, as long as formatting a short edit
    takes). The parser is built here the way mdformat 1.0.0 builds it (its private
    ``_util.build_mdit``), but from public parts: markdown-it-py's ``MarkdownIt``
    with mdformat's ``MDRenderer`` and the registered ``gfm`` parser extension.
    What is not public is the names of the parser options ``MDRenderer`` reads
    (``mdformat``, ``store_labels``, ``parser_extension``, ``codeformatters``). A probe
    here and ``tests/unit/markdown/test_normalize.py`` compare the result with
    ``mdformat.text``; if a later mdformat renders differently, ``mdformat.text``
    is used instead.
    """
    from markdown_it import MarkdownIt
    from mdformat.plugins import PARSER_EXTENSIONS
    from mdformat.renderer import MDRenderer

    # MDRenderer works with MarkdownIt, but its annotations do not match RendererProtocol.
    mdit = MarkdownIt(renderer_cls=MDRenderer)  # type: ignore[arg-type]
    mdit.options["mdformat"] = {**_OPTIONS, "filename": ""}
    mdit.options["store_labels"] = True
    mdit.options["parser_extension"] = []
    mdit.options["codeformatters"] = {}
    for name in sorted(_EXTENSIONS):
        plugin = PARSER_EXTENSIONS[name]
        mdit.options["parser_extension"].append(plugin)
        plugin.update_mdit(mdit)
    probe = "* a\n* [ ] b\n\n3) c\n\n| x |\n|-|\n| 1 |\n\n[l]: <u> 'T'\n[x][l]\n"
    return mdit.render if mdit.render(probe) == _format(probe) else _format


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
    if _plain_items(content):
        return content if content.endswith("\n") else content + "\n"
    return _unescape_tasks(_formatter()(content))


def content_lines(content: str, *, normalize: bool) -> list[str]:
    """Content as lines without endings, blank lines at both ends dropped."""
    text = normalize_content(content) if normalize else content
    lines = [strip_ending(line).rstrip() if normalize else strip_ending(line) for line in split_lines(text)]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines
