"""Fix-ups that make libgit2's patch text exactly what ``git diff`` (2.39) prints.

libgit2 and git share xdiff, so hunks agree; the headers differ in small
ways that each function here repairs:

* ``---``/``+++`` lines end with a tab when the name holds a space, and are
  left out for a change without hunks (an empty file added or deleted);
* the ``index`` line abbreviates shas to git's automatic length (longer in
  big packed repositories, and where a prefix is ambiguous);
* a hunk header's function context is cut to 80 bytes *then* trimmed, with
  git's notion of whitespace, and carries over to the next hunk;
* names are C-quoted as with ``core.quotePath`` (for rename headers).

Pure text work plus read-only prefix lookups; it must never write.
"""

from __future__ import annotations

import re

import pygit2

__all__ = ["c_quote", "git_function_context", "git_headers", "git_index_line"]


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? (\+\d+(?:,\d+)?) @@(?: .*)?$", re.DOTALL)
_GIT_SPACE = b" \t\n\r"  # git's isspace(): not \v or \f
_FUNC_LEN = 80


def _function_line(record: bytes) -> bytes | None:
    """git's default ``def_ff``: a line starting with a letter, ``_`` or ``$``."""
    first = record[:1]
    if not first or not (first.isalpha() or first in (b"_", b"$")):
        return None
    return record[:_FUNC_LEN].rstrip(_GIT_SPACE)


def git_function_context(text: str, old: bytes) -> str:
    """Recompute each hunk header's function context the way git's xemit does.

    libgit2 trims the whole line before cutting it to 80 bytes (and counts
    ``\f``, ``\v`` as space); git cuts first, then trims. A hunk whose
    search finds no new function line keeps the previous hunk's context.
    """
    if "\n@@ " not in text:
        return text
    records = old.split(b"\n")
    records = [r + b"\n" for r in records[:-1]] + ([records[-1]] if records[-1] else [])
    lines = text.split("\n")
    func = b""
    previous = -1
    for i, line in enumerate(lines):
        match = _HUNK_HEADER.match(line) if line.startswith("@@ ") else None
        if match is None:
            continue
        start, count = int(match.group(1)), match.group(2)
        first = start - 1 if count != "0" else start  # git's s1 (0-based)
        for index in range(first - 1, previous, -1):
            found = _function_line(records[index]) if 0 <= index < len(records) else None
            if found is not None:
                func = found
                break
        previous = first - 1
        header = f"@@ -{start}{'' if count is None else ',' + count} {match.group(3)} @@"
        lines[i] = header + (" " + func.decode("utf-8", errors="replace") if func else "")
    return "\n".join(lines)


def git_headers(text: str) -> str:
    """Fix one file's ``---``/``+++`` lines as git prints them.

    git ends such a line with a tab when the name holds a space, and prints
    none at all for a change without hunks (an empty file added or deleted).
    """
    lines = text.split("\n")
    has_hunks = any(line.startswith("@@") for line in lines)
    out: list[str] = []
    in_header = True
    for line in lines:
        if line.startswith("@@ "):
            in_header = False
        elif in_header and line.startswith(("--- ", "+++ ")):
            if not has_hunks:
                continue
            if " " in line[4:]:
                line += "\t"
        out.append(line)
    return "\n".join(out)


_INDEX_LINE = re.compile(r"^index [0-9a-f]+\.\.[0-9a-f]+(?P<mode>[^\n]*)$", re.MULTILINE)
_NULL_SHA = "0" * 40


def _unique_abbrev(repo: pygit2.Repository, sha: str, length: int) -> str:
    """The shortest prefix of ``sha``, at least ``length`` long, no other object shares."""
    if sha == _NULL_SHA:
        return sha[:length]
    while length < len(sha):
        try:
            repo.expand_id(sha[:length])
        except pygit2.AmbiguousError:
            length += 1
            continue
        except KeyError:
            break
        break
    return sha[:length]


def git_index_line(text: str, repo: pygit2.Repository, delta: pygit2.DiffDelta, length: int) -> str:
    """Rewrite the ``index old..new mode`` line with git's abbreviations."""
    old = _unique_abbrev(repo, str(delta.old_file.id), length)
    new = _unique_abbrev(repo, str(delta.new_file.id), length)
    return _INDEX_LINE.sub(lambda m: f"index {old}..{new}{m.group('mode')}", text, count=1)


_C_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"}


def c_quote(name: str) -> str:
    """git's ``quote_c_style`` with ``core.quotePath`` on (octal for non-ASCII)."""
    data = name.encode("utf-8")
    if not any(b < 0x20 or b >= 0x7F or b in (34, 92) for b in data):
        return name
    out = []
    for b in data:
        if b in _C_ESCAPES:
            out.append(_C_ESCAPES[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'
