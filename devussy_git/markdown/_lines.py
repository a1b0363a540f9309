"""Line handling shared by the markdown modules.

Lines are split exactly the way markdown-it-py counts them (``\\r\\n``, ``\\r`` and
``\\n`` end a line, nothing else), so a token's ``map`` indexes this list. Every
line keeps its own ending: joining the list gives the input back byte for byte.
This module never parses markdown and never changes a line it was not asked to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "detect_newline",
    "ending_of",
    "is_blank",
    "join_lines",
    "split_lines",
    "strip_ending",
    "to_lines",
]

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines that keep their endings (the last may have none)."""
    return _LINE_RE.findall(text)


def join_lines(lines: Sequence[str]) -> str:
    """The inverse of :func:`split_lines`."""
    return "".join(lines)


def strip_ending(line: str) -> str:
    """``line`` without its trailing ``\\r\\n``, ``\\r`` or ``\\n``."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def ending_of(line: str) -> str:
    """The line ending of ``line`` ("" for a last line without one)."""
    return line[len(strip_ending(line)) :]


def is_blank(line: str) -> bool:
    """True for a line holding only spaces, tabs and its ending."""
    return not line.strip(" \t\r\n")


def detect_newline(text: str) -> str:
    """The dominant line ending of ``text``; ``\n`` when it has none."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf > lf and crlf >= cr:
        return "\r\n"
    if cr > lf and cr > crlf:
        return "\r"
    return "\n"


def to_lines(text: str, newline: str) -> list[str]:
    """Lines of ``text`` (any endings) re-ended with ``newline``, all terminated."""
    return [strip_ending(line) + newline for line in split_lines(text)]
