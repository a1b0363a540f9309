"""Small text helpers shared by the tolerant LLM-output parsers.

Pure string functions: unwrap a reply from code fences, find JSON objects in
prose (repairing them with json-repair when they do not decode), drop the
model's reasoning and closing chatter, normalise line endings, and build the error a
parser raises. Only :func:`check_reply_size` raises; the others accept any
text and leave it to the caller to decide what is unusable. Every helper runs
in time linear in its input, whatever the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devussy_git.errors import InvalidLLMOutputError

__all__ = [
    "BOLD_LINE",
    "BULLET",
    "CHATTER",
    "HEADING",
    "MAX_REPLY_CHARS",
    "MAX_STRUCTURE_LINE",
    "FencedBlock",
    "check_reply_size",
    "drop_chatter",
    "extract_json_object",
    "fenced_blocks",
    "json_objects",
    "llm_refusal",
    "load_json",
    "loads_json",
    "normalise_newlines",
    "strip_bold",
    "strip_reasoning",
    "structural",
    "unwrap_fences",
]

_OPENING_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)")
#: Replies longer than this are refused outright: parsing stays fast and bounded.
MAX_REPLY_CHARS = 400_000
#: Longer lines are never read as headers, steps or verdicts (only as text), so
#: no pattern ever scans a huge line.
MAX_STRUCTURE_LINE = 1_000
#: Longest integer literal accepted in JSON (Python refuses over 4,300 digits).
_MAX_INT_DIGITS = 1_000
#: How many ``{`` positions to try decoding from before giving up.
_MAX_JSON_STARTS = 64
_MARKDOWN_LANGS = frozenset({"", "md", "markdown", "text", "txt", "gfm"})


def normalise_newlines(text: str) -> str:
    """CRLF / CR to LF, tabs kept, BOM and zero-width spaces dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "").replace("\u200b", "")


_REASONING_TAGS = r"think|thinking|reasoning|reflection"
_REASONING_BLOCK = re.compile(rf"<(?P<tag>{_REASONING_TAGS})>.*?</(?P=tag)>\s*", re.IGNORECASE | re.DOTALL)
_REASONING_OPEN_AT_START = re.compile(rf"^\s*<(?:{_REASONING_TAGS})>", re.IGNORECASE)
_REASONING_CLOSE = re.compile(rf"</(?:{_REASONING_TAGS})>\s*", re.IGNORECASE)


def strip_reasoning(text: str) -> str:
    """``text`` without the model's reasoning, which must never reach a plan file.

    Removes ``<think>…</think>`` blocks (also ``thinking``, ``reasoning``,
    ``reflection``) wherever they stand, and everything before a bare closing
    ``</think>`` that has no opening tag (DeepSeek-R1 distills served by vLLM
    or Ollama start inside the reasoning: the template opened it). A reply
    that opens reasoning and never closes it is all reasoning: ``""``.
    """
    if "<" not in text:
        return text
    cleaned = _REASONING_BLOCK.sub("", text)
    close = _REASONING_CLOSE.search(cleaned)
    if close is not None:
        cleaned = cleaned[close.end() :]
    if _REASONING_OPEN_AT_START.match(cleaned):
        return ""
    return cleaned


@dataclass(frozen=True)
class FencedBlock:
    """A fenced code block: its info-string language and its body."""

    lang: str
    body: str


def fenced_blocks(text: str) -> list[FencedBlock]:
    """The fenced blocks of ``text`` in order, found in one pass over its lines.

    A fence closes on a line of the same character at least as long; an
    unclosed fence runs to the end of the text (as CommonMark reads it).
    """
    blocks: list[FencedBlock] = []
    opener: str | None = None
    lang = ""
    body: list[str] = []
    for line in text.split("\n"):
        if opener is None:
            match = _OPENING_FENCE.match(line) if len(line) <= MAX_STRUCTURE_LINE else None
            if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
                opener, lang, body = match.group(1), match.group(2).lower(), []
            continue
        stripped = line.strip()
        if (
            stripped
            and stripped[0] == opener[0]
            and len(stripped) >= len(opener)
            and (stripped == stripped[0] * len(stripped))
        ):
            blocks.append(FencedBlock(lang, "\n".join(body)))
            opener = None
        else:
            body.append(line)
    if opener is not None:
        blocks.append(FencedBlock(lang, "\n".join(body)))
    return blocks


def unwrap_fences(text: str) -> str:
    """Return the markdown inside a reply that wraps it in one code fence.

    A reply such as ``Here you go:\\n```markdown\\n...\\n```\\nHope it helps``
    becomes the fenced body. Fences of code inside a document (e.g. a
    ```python block among headings) are left alone: only a markdown/text fence
    holding most of the reply is unwrapped.
    """
    text = normalise_newlines(text).strip()
    blocks = fenced_blocks(text)
    if not blocks:
        return text
    best = max(blocks, key=lambda block: len(block.body))
    body = best.body.strip()
    if best.lang in _MARKDOWN_LANGS and len(body) >= 0.5 * len(text) - 200:
        return body
    return text


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > _MAX_INT_DIGITS:
        raise json.JSONDecodeError("integer literal too long", literal, 0)
    return int(literal)


_DECODER = json.JSONDecoder(parse_int=_parse_int)


def load_json(text: str, start: int = 0) -> tuple[Any, int]:
    """Decode one JSON value at ``start``: the value and where it ends.

    Every failure is a :class:`json.JSONDecodeError`, including nesting too
    deep for the decoder and integer literals too long to convert.
    """
    try:
        return _DECODER.raw_decode(text, start)
    except RecursionError:
        raise json.JSONDecodeError("nesting too deep", text, start) from None


def loads_json(text: str) -> Any:
    """:func:`json.loads` that fails only with :class:`json.JSONDecodeError`."""
    stripped = text.strip()
    value, end = load_json(stripped)
    if end != len(stripped):
        raise json.JSONDecodeError("Extra data", stripped, end)
    return value


#: Longest stretch of a reply handed to json-repair (it is pure Python).
_MAX_REPAIR_CHARS = 200_000
_HOSTILE = frozenset({"integer literal too long", "nesting too deep"})


def json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object the reply holds, outermost first, then repaired ones.

    In order: the whole reply, each fenced block, then each object found by
    decoding from every ``{`` left to right -- so an object comes before the
    objects nested in it. Then (lazily: only for a caller still looking) the
    reply is handed to json-repair, which mends what models get wrong (trailing commas,
    ``//`` comments, single quotes, unquoted keys) -- but never an object cut
    off part way, whose missing end no repair can know.
    Only objects are yielded; the caller takes the first whose shape it knows.
    """
    cleaned = normalise_newlines(text).strip()
    blocks = [block.body for block in fenced_blocks(cleaned)]
    hostile = False
    for candidate in [cleaned, *blocks]:
        try:
            value = loads_json(candidate)
        except json.JSONDecodeError as exc:
            hostile = hostile or exc.msg in _HOSTILE
            continue
        if isinstance(value, dict):
            yield value
    for attempt, match in enumerate(re.finditer(r"\{", cleaned)):
        if attempt >= _MAX_JSON_STARTS:
            break
        try:
            value, _ = load_json(cleaned, match.start())
        except json.JSONDecodeError as exc:
            hostile = hostile or exc.msg in _HOSTILE
            continue
        if isinstance(value, dict):
            yield value
    # Repair mends slips; it must not turn what the decoder refused on purpose
    # (absurd nesting, integers of thousands of digits) into something usable.
    # It runs only when the caller found no object of the shape it wants above.
    if hostile:
        return
    for candidate in [*blocks, cleaned]:
        start, stop = candidate.find("{"), candidate.rfind("}")
        if start < 0:
            continue
        piece = candidate[start : stop + 1 if stop > start else len(candidate)]
        if len(piece) > _MAX_REPAIR_CHARS or not _closes(piece):
            continue
        value = _repair(piece)
        if isinstance(value, dict) and value:
            yield value
            return


def _closes(piece: str) -> bool:
    """True when every bracket and string opened in ``piece`` is closed.

    An object cut off part way is not repaired: json-repair would close it and
    whatever the model meant to say after the cut would be silently lost.
    """
    depth = 0
    in_string = escaped = False
    for char in piece:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth <= 0 and not in_string


def _repair(piece: str) -> Any:
    import json_repair  # only a broken reply pays for the import

    try:
        return json_repair.loads(piece)
    except (ValueError, RecursionError):
        return None


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first object :func:`json_objects` finds in ``text``, or ``None``."""
    return next(json_objects(text), None)


def strip_bold(text: str) -> str:
    """Remove ``**``/``__`` emphasis markers and surrounding spaces."""
    return re.sub(r"\*\*|__", "", text).strip()


CHATTER = re.compile(
    r"^(?:let me know|would you like|i hope|hope this|feel free|shall i|do you want|"
    r"if you(?:'d| would) like|happy to)\b",
    re.IGNORECASE,
)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^\s{0,3}(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")


def llm_refusal(what: str, problem: str, expected: str) -> InvalidLLMOutputError:
    return InvalidLLMOutputError(
        f"The model's {what} could not be used: {problem}",
        model_message=f"Your {what} could not be used: {problem}\n\nExpected format: {expected}",
    )


def drop_chatter(lines: list[str]) -> list[str]:
    while lines and (not lines[-1].strip() or CHATTER.match(lines[-1].strip())):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def check_reply_size(text: str, what: str, expected: str) -> None:
    """Refuse a reply longer than :data:`MAX_REPLY_CHARS`."""
    if len(text) > MAX_REPLY_CHARS:
        raise llm_refusal(
            what,
            f"the reply is {len(text):,} characters; the limit is {MAX_REPLY_CHARS:,}.",
            expected,
        )


def structural(line: str) -> str:
    """``line`` when it may be a header, step or verdict; ``""`` when too long to be one."""
    return line if len(line) <= MAX_STRUCTURE_LINE else ""
