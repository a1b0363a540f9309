"""Small text helpers shared by the tolerant LLM-output parsers.

Pure string functions: unwrap a reply from code fences, find a JSON object in
prose, drop closing chatter, normalise line endings, and build the error a
parser raises. They never raise on odd input; callers decide what is unusable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from devussy_git.errors import InvalidLLMOutputError

__all__ = [
    "BOLD_LINE",
    "BULLET",
    "CHATTER",
    "HEADING",
    "drop_chatter",
    "extract_json_object",
    "llm_refusal",
    "normalise_newlines",
    "strip_bold",
    "unwrap_fences",
]

_FENCE = re.compile(
    r"^(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL
)
#: How many ``{`` positions to try decoding from before giving up.
_MAX_JSON_STARTS = 64
_MARKDOWN_LANGS = frozenset({"", "md", "markdown", "text", "txt", "gfm"})


def normalise_newlines(text: str) -> str:
    """CRLF / CR to LF, tabs kept, BOM and zero-width spaces dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "").replace("\u200b", "")


def unwrap_fences(text: str) -> str:
    """Return the markdown inside a reply that wraps it in one code fence.

    A reply such as ``Here you go:\\n```markdown\\n...\\n```\\nHope it helps``
    becomes the fenced body. Fences of code inside a document (e.g. a
    ```python block among headings) are left alone: only a markdown/text fence
    holding most of the reply is unwrapped.
    """
    text = normalise_newlines(text).strip()
    matches = list(_FENCE.finditer(text))
    if not matches:
        # An unterminated opening fence (the model was cut off or forgot it).
        first = re.match(r"^(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n", text)
        if first and first.group(2).lower() in _MARKDOWN_LANGS:
            return text[first.end():].strip()
        return text
    best = max(matches, key=lambda m: len(m.group(3)))
    body = best.group(3).strip()
    if best.group(2).lower() in _MARKDOWN_LANGS and len(body) >= 0.5 * len(text) - 200:
        return body
    return text


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (bare, fenced or inside prose), or ``None``."""
    cleaned = normalise_newlines(text).strip()
    candidates: list[str] = [cleaned]
    candidates.extend(m.group(3) for m in _FENCE.finditer(cleaned))
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    for attempt, match in enumerate(re.finditer(r"\{", cleaned)):
        if attempt >= _MAX_JSON_STARTS:
            break
        try:
            value, _ = decoder.raw_decode(cleaned, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


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
