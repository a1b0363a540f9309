"""Input checks shared by the repositories.

Checked here, not left to the database, because SQLite does not enforce
``String`` lengths while PostgreSQL rejects them: both must behave the same.
Pure functions; they never touch the database.
"""

from __future__ import annotations

import json
from typing import Any

from devussy_git.errors import InvalidInputError

__all__ = [
    "ERROR_TEXT_MAX",
    "check_choice",
    "check_count",
    "check_json",
    "check_snowflake",
    "check_text",
    "error_text",
]

_SNOWFLAKE_MAX = 2**63 - 1
#: Longest error text kept on a run or stage; longer ones are cut, not refused.
ERROR_TEXT_MAX = 8_000


def error_text(value: object) -> str:
    """An error message fit to store: never empty, at most :data:`ERROR_TEXT_MAX` long.

    Recording a failure must not itself fail, so this cuts instead of refusing.
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        return "failed without a message"
    if len(text) > ERROR_TEXT_MAX:
        return text[: ERROR_TEXT_MAX - 16].rstrip() + " … (truncated)"
    return text


def check_text(value: object, what: str, max_len: int, *, optional: bool = False) -> str | None:
    """``value`` when it is a non-empty string of at most ``max_len`` characters."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty text")
    if len(value) > max_len:
        raise InvalidInputError(f"{what} is too long ({len(value)} characters, at most {max_len})")
    return value


def check_snowflake(value: object, what: str, *, optional: bool = False) -> int | None:
    """A Discord id: a non-negative 64-bit integer (``None`` when optional)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _SNOWFLAKE_MAX:
        raise InvalidInputError(f"{what} must be a Discord id (a non-negative 64-bit integer)")
    return value


def check_count(value: object, what: str, *, optional: bool = False) -> int | None:
    """A non-negative integer (token counts, limits)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _SNOWFLAKE_MAX:
        raise InvalidInputError(f"{what} must be a non-negative integer")
    return value


def check_choice(value: object, what: str, choices: tuple[str, ...]) -> str:
    """``value`` when it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInputError(f"{what} must be one of {', '.join(choices)}, got {value!r}")
    return value


def check_json(value: object, what: str) -> dict[str, Any]:
    """A JSON object with string keys, returned as a deep copy."""
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object")
    try:
        text = json.dumps(value, allow_nan=False)
    except TypeError as exc:
        raise InvalidInputError(f"{what} holds a value that is not JSON: {exc}") from exc
    except ValueError as exc:  # NaN / Infinity: not portable JSON
        raise InvalidInputError(f"{what} holds a number that is not JSON: {exc}") from exc
    copied: dict[str, Any] = json.loads(text)
    if set(copied) != set(value):
        raise InvalidInputError(f"{what} must have text keys only")
    return copied
