"""Commit messages: cleanup, subject/body split, git trailers.

Trailers are found with the same rules as git 2.39's ``trailer.c`` so that
:func:`parse_trailers` agrees with ``git interpret-trailers --parse``: the
block is the last paragraph after the subject, all of whose lines are
``Token: value`` (continuation lines start with whitespace), or which holds a
git-generated line (``Signed-off-by: ``) and at least 25 % trailers; comment
lines (``#``) and a ``---`` patch divider end the search. This module is pure
text: it must never import pygit2 or touch disk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from devussy_git.errors import InvalidInputError

__all__ = [
    "TRAILER_ACTOR",
    "TRAILER_MODEL",
    "TRAILER_NAMES",
    "TRAILER_RUN",
    "TRAILER_STAGE",
    "TRAILER_STEP",
    "TRAILER_TASK",
    "TRAILER_TOKENS",
    "build_message",
    "canonical_trailers",
    "normalize_trailers",
    "parse_trailers",
    "split_message",
]

#: The trailer names of DESIGN section 4, canonically spelled.
#: The trailer names, one constant each: no module spells them again.
TRAILER_STAGE: Final = "Devussy-Stage"
TRAILER_RUN: Final = "Devussy-Run"
TRAILER_TASK: Final = "Devussy-Task"
TRAILER_STEP: Final = "Devussy-Step"
TRAILER_MODEL: Final = "Devussy-Model"
TRAILER_TOKENS: Final = "Devussy-Tokens"
TRAILER_ACTOR: Final = "Devussy-Actor"
TRAILER_NAMES: tuple[str, ...] = (
    TRAILER_STAGE,
    TRAILER_RUN,
    TRAILER_TASK,
    TRAILER_STEP,
    TRAILER_MODEL,
    TRAILER_TOKENS,
    TRAILER_ACTOR,
)
_CANONICAL = {name.lower(): name for name in TRAILER_NAMES}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_MAX_MESSAGE = 64 * 1024
_COMMENT = "#"
#: git's isspace(): only these four (not NBSP, not vertical tab, not form feed).
_WS = " \t\n\r"


def _space(c: str) -> bool:
    return c != "" and c in _WS


TrailerInput = Sequence[tuple[str, str]] | Mapping[str, str]


def normalize_trailers(trailers: TrailerInput) -> list[tuple[str, str]]:
    """Check and return trailers as ``(token, value)`` pairs, in order."""
    pairs = list(trailers.items()) if isinstance(trailers, Mapping) else list(trailers)
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise InvalidInputError(f"A trailer must be a (name, value) pair, not {pair!r:.80}.")
        token, value = pair
        if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token) or len(token) > 100:
            raise InvalidInputError(f"Invalid trailer name {token!r:.80}: use letters, digits, '-'.")
        if not isinstance(value, str):
            raise InvalidInputError(f"The value of trailer {token} must be text.")
        value = value.strip()
        if not value or any(c in value for c in "\n\r\x00") or len(value) > 1000:
            raise InvalidInputError(f"Invalid value for trailer {token}: it must be one non-empty line.")
        out.append((_CANONICAL.get(token.lower(), token), value))
    return out


def _is_divider(line: str) -> bool:
    return line.startswith("---") and (len(line) == 3 or _space(line[3]))


def _cleanup(message: str) -> str:
    """``git stripspace`` without comment removal: trim lines, squeeze blank runs.

    A line that git would take for a patch divider (``---``) is indented by
    one space, or git would stop looking for trailers above it.
    """
    lines = [line.rstrip() for line in message.replace("\r\n", "\n").split("\n")]
    lines = [" " + line if _is_divider(line) else line for line in lines]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def build_message(message: str, trailers: TrailerInput = (), *, merge: bool = False) -> str:
    """Return the full commit message: cleaned ``message`` plus a trailer block.

    The trailers form a new final paragraph, so prose such as ``Note: ...``
    at the end of the body is never read as a trailer. With ``merge`` (used
    when re-committing a message that already has trailers) they join the
    message's own trailer block instead, when it ends with one.
    """
    if not isinstance(message, str):
        raise InvalidInputError("A commit message must be text.")
    if "\x00" in message or len(message) > _MAX_MESSAGE:
        raise InvalidInputError("A commit message may not contain NUL bytes or exceed 64 KiB.")
    text = _cleanup(message)
    if not text or not text.split("\n", 1)[0].strip():
        raise InvalidInputError("A commit message needs a subject line.")
    pairs = normalize_trailers(trailers)
    if not pairs:
        return text
    block = "".join(f"{token}: {value}\n" for token, value in pairs)
    bounds = _trailer_bounds(text) if merge else None
    if bounds is not None and bounds[1] == len(text):
        return text + block
    return text + "\n" + block


def split_message(message: str) -> tuple[str, str]:
    """``(subject, body)`` as ``git log --format=%s`` / ``%b`` show them.

    The body has its trailing newlines removed.
    """
    lines = message.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    subject_lines: list[str] = []
    while i < len(lines) and lines[i].strip():
        subject_lines.append(lines[i].strip())
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    body = "\n".join(lines[i:]).rstrip("\n")
    return " ".join(subject_lines), body


def _lines(text: str) -> list[tuple[int, str]]:
    """``(offset, line_without_newline)`` for each line of ``text``."""
    out: list[tuple[int, str]] = []
    pos = 0
    # Only "\n" ends a line for git (str.splitlines would also split on \f, \v, ...).
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    if out and out[-1][1] == "" and text.endswith("\n"):
        out.pop()
    return out


def _separator_pos(line: str) -> int:
    """Index of the ``:`` after a token (spaces allowed before it), else -1."""
    whitespace_found = False
    for i, c in enumerate(line):
        if c == ":":
            return i
        if not whitespace_found and (c.isascii() and (c.isalnum() or c == "-")):
            continue
        if i != 0 and c in " \t":
            whitespace_found = True
            continue
        break
    return -1


def _is_blank(line: str) -> bool:
    return not line.strip(_WS)


def _end_of_message(text: str) -> int:
    """Where trailers may end: before a ``---`` divider and trailing comments/blanks."""
    end = len(text)
    for pos, line in _lines(text):
        if _is_divider(line):
            end = pos
            break
    boc: int | None = None
    in_conflicts = False
    for pos, line in _lines(text[:end]):
        if line.startswith(_COMMENT) or line == "":
            if boc is None:
                boc = pos
        elif line == "Conflicts:":
            in_conflicts = True
            if boc is None:
                boc = pos
        elif boc is not None and not (in_conflicts and line.startswith("\t")):
            # A tab-indented path under "Conflicts:" stays in the ignored tail (as in git).
            boc = None
            in_conflicts = False
    return boc if boc is not None else end


def _trailer_bounds(text: str) -> tuple[int, int] | None:
    """``(start, end)`` offsets of the trailer block, or ``None`` when there is none."""
    end = _end_of_message(text)
    lines = _lines(text[:end])
    title_end = end
    for pos, line in lines:
        if line.startswith(_COMMENT):
            continue
        if _is_blank(line):
            title_end = pos
            break
    only_spaces = True
    recognized = False
    trailer_lines = non_trailer = continuation = 0
    for idx in range(len(lines) - 1, -1, -1):
        pos, line = lines[idx]
        if pos < title_end:
            break
        if line.startswith(_COMMENT):
            non_trailer += continuation
            continuation = 0
            continue
        if _is_blank(line):
            if only_spaces:
                continue
            non_trailer += continuation
            start = lines[idx + 1][0]
            if recognized and trailer_lines * 3 >= non_trailer:
                return start, end
            if trailer_lines and not non_trailer:
                return start, end
            return None
        only_spaces = False
        if line.startswith(_GIT_GENERATED):
            trailer_lines += 1
            continuation = 0
            recognized = True
            continue
        if _separator_pos(line) >= 1 and not _space(line[0]):
            trailer_lines += 1
            continuation = 0
        elif _space(line[0]):
            continuation += 1
        else:
            non_trailer += 1 + continuation
            continuation = 0
    return None


def _unfold(value: str) -> str:
    """git's ``unfold_value``: each newline and the whitespace after it become one space."""
    return re.sub(r"\n[ \t\n\r]*", " ", value.strip(_WS)).strip(_WS)


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """Trailers as ``git interpret-trailers --parse`` lists them, in order."""
    bounds = _trailer_bounds(message)
    if bounds is None:
        return []
    start, end = bounds
    raw: list[list[str]] = []  # [token, value with continuation lines]
    last_is_trailer = False
    for _pos, line in _lines(message[start:end]):
        if last_is_trailer and _space(line[:1]):
            raw[-1][1] += "\n" + line
            continue
        sep = -1 if line.startswith(_COMMENT) else _separator_pos(line)
        last_is_trailer = sep >= 1
        if last_is_trailer:
            raw.append([line[:sep].strip(_WS), line[sep + 1 :]])
    return [(token, _unfold(value)) for token, value in raw]


def canonical_trailers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Name -> value (last one wins); DESIGN section 4 names spelled canonically."""
    out: dict[str, str] = {}
    for token, value in pairs:
        out[_CANONICAL.get(token.lower(), token)] = value
    return out
