"""Checks of JSON-shaped values, for the objects a model sends (a reply, its edits).

Each check takes one value and either returns it (converted where the check says
so) or raises :class:`Problem`; :func:`check_object` runs a list of field specs
over a mapping and raises one :class:`ShapeError` listing every problem, fields in
the order given, then unknown keys. The messages are the ones models have always
been sent for these objects ("Field required", "Input should be a valid string",
"String should have at most 200 characters" ...), so a re-ask reads the same; a
rule of the object's own is worded "Value error, ..." as before (callers that show
it to the model drop the prefix).

Pure and cheap to import: every step checks its reply, and a command line pays
for each import. It never formats a message for the user; callers do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MISSING",
    "Field",
    "Loc",
    "Problem",
    "ShapeError",
    "boolean",
    "check_object",
    "dict_list",
    "literal",
    "optional",
    "string",
]

#: Where a problem is: field names and list positions, outermost first.
Loc = tuple[str | int, ...]

#: A value that is not there (a key absent from the object).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

#: Strings a boolean field takes, in any case (and the values they mean).
_BOOLEAN_WORDS = {
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
}
_INT64 = range(-(2**63), 2**63)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"


class Problem(ValueError):
    """One value is wrong: ``msg`` says how, ``loc`` where inside the value."""

    def __init__(self, msg: str, loc: Loc = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.loc = loc


class ShapeError(ValueError):
    """Everything wrong with one object, as ``(loc, msg)`` pairs."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" if loc else msg for loc, msg in problems))
        self.problems = list(problems)


Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    """One field of an object: its name, the key it is read from, its check."""

    name: str
    check: Check
    #: The value when the key is absent; :data:`MISSING` means required.
    default: Any = MISSING
    #: Makes the value when the key is absent (a new list each time), instead of ``default``.
    default_factory: Callable[[], Any] | None = None
    #: The key that is read first (the field's name is read when it is absent).
    alias: str | None = None


def string(
    value: Any,
    *,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: re.Pattern[str] | None = None,
    shown_pattern: str = "",
) -> str:
    """A ``str``, of at least/most so many characters, matching ``pattern`` whole.

    A string with a constraint may not hold a lone surrogate (it is not Unicode text);
    nor may one checked by :func:`literal` or :func:`boolean`.
    """
    if not isinstance(value, str):
        raise Problem("Input should be a valid string")
    if (min_length is not None or max_length is not None or pattern is not None) and _SURROGATE.search(value):
        raise Problem(_NOT_UNICODE)
    if min_length is not None and len(value) < min_length:
        raise Problem(f"String should have at least {min_length} character{'' if min_length == 1 else 's'}")
    if max_length is not None and len(value) > max_length:
        raise Problem(f"String should have at most {max_length} character{'' if max_length == 1 else 's'}")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise Problem(f"String should match pattern '{shown_pattern}'")
    return value


def optional(check: Check) -> Check:
    """``check``, or ``None`` as it is."""
    return lambda value: None if value is None else check(value)


def literal(*options: str) -> Check:
    """One of ``options``, exactly."""
    quoted = [f"'{option}'" for option in options]
    message = "Input should be " + (f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0])

    def check(value: Any) -> str:
        if isinstance(value, str) and value in options:
            return value
        raise Problem(_NOT_UNICODE if isinstance(value, str) and _SURROGATE.search(value) else message)

    return check


def boolean(value: Any) -> bool:
    """``true``/``false``, ``0``/``1`` (also as floats) or a word such as ``yes``/``off``."""
    if isinstance(value, bool):
        return value
    unclear = "Input should be a valid boolean, unable to interpret input"
    if isinstance(value, int):
        if value in (0, 1):
            return value == 1
        raise Problem(unclear if value in _INT64 else "Input should be a valid boolean")
    if isinstance(value, float):
        if value in (0.0, 1.0):
            return value == 1.0
        raise Problem(unclear if math.isfinite(value) and value.is_integer() else "Input should be a valid boolean")
    if isinstance(value, str):
        word = _BOOLEAN_WORDS.get(value.lower())
        if word is None:
            raise Problem(_NOT_UNICODE if _SURROGATE.search(value) else unclear)
        return word
    raise Problem("Input should be a valid boolean")


def dict_list(value: Any, *, max_length: int) -> list[dict[str, Any]]:
    """A list (or tuple) of at most ``max_length`` objects with string keys."""
    if not isinstance(value, list | tuple):
        raise Problem("Input should be a valid list")
    if len(value) > max_length:
        raise Problem(
            f"List should have at most {max_length} item{'' if max_length == 1 else 's'} after validation, "
            f"not {len(value)}"
        )
    problems: list[tuple[Loc, str]] = []
    items: list[dict[str, Any]] = []
    for number, item in enumerate(value):
        if not isinstance(item, Mapping):
            problems.append(((number,), "Input should be a valid dictionary"))
            continue
        problems.extend(
            ((number, key, "[key]"), "Input should be a valid string") for key in item if not isinstance(key, str)
        )
        items.append(dict(item))
    if problems:
        raise ShapeError(problems)
    return items


def check_object(data: Mapping[str, Any], fields: Sequence[Field], *, forbid_extra: bool) -> dict[str, Any]:
    """The fields' checked values by name; :class:`ShapeError` naming every problem.

    Fields are checked in order (a missing required one is "Field required", under
    its alias when it has one); with ``forbid_extra`` every key no field read is a
    problem too, after the fields' problems.
    """
    values: dict[str, Any] = {}
    problems: list[tuple[Loc, str]] = []
    read: set[str] = set()
    for field in fields:
        key = field.alias if field.alias is not None and field.alias in data else field.name
        if key not in data:
            if field.default_factory is not None:
                values[field.name] = field.default_factory()
            elif field.default is MISSING:
                problems.append(((field.alias or field.name,), "Field required"))
            else:
                values[field.name] = field.default
            continue
        read.add(key)
        try:
            values[field.name] = field.check(data[key])
        except Problem as problem:
            problems.append(((key, *problem.loc), problem.msg))
        except ShapeError as inner:
            problems.extend(((key, *loc), msg) for loc, msg in inner.problems)
    if forbid_extra:
        problems.extend(((key,), "Extra inputs are not permitted") for key in data if key not in read)
    if problems:
        raise ShapeError(problems)
    return values
