"""The offline provider's content table, ``content.toml``, and how its texts are filled in.

A text of the table is a :meth:`str.format` template over names (``"Set up the {db}
access layer"``) or a choice between two templates on a condition
(``{when = "database", text = "...", otherwise = "..."}``); a workstream or a task may
carry ``when = "<condition>"`` or ``when = "not <condition>"``. In a list of lines, a
line whose condition fails is left out unless it says ``otherwise``, and a line with
``for_each = "<item>"`` is repeated for each item. The table is read once, from the
package's data, and never written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Items", "Text", "content", "fill", "fill_lines", "holds"]

#: A template, or a choice ``{"when": condition, "text": ..., "otherwise": ...}``.
Text = str | Mapping[str, str]
#: The items a ``for_each`` may name, each with the names it adds.
Items = Mapping[str, Sequence[Mapping[str, str]]]


@cache
def content() -> Mapping[str, Any]:
    """``content.toml``, parsed (tables keep the file's order)."""
    data = resources.files(__package__).joinpath("content.toml").read_text(encoding="utf-8")
    return tomllib.loads(data)


def holds(condition: str | None, flags: Mapping[str, bool]) -> bool:
    """Whether ``condition`` (a flag's name, ``"not <name>"`` or none at all) holds."""
    if condition is None:
        return True
    name = condition.removeprefix("not ")
    return flags[name] != (name != condition)


def fill(text: Text, names: Mapping[str, str], flags: Mapping[str, bool]) -> str:
    """``text`` with its names filled in, the choice made first when it is one."""
    if not isinstance(text, str):
        text = text["text"] if holds(text.get("when"), flags) else text["otherwise"]
    return text.format_map(names)


def fill_lines(lines: Sequence[Text], names: Mapping[str, str], flags: Mapping[str, bool], items: Items) -> list[str]:
    """A list of lines filled in: lines whose condition fails left out, ``for_each`` repeated."""
    out: list[str] = []
    for line in lines:
        if isinstance(line, str):
            out.append(line.format_map(names))
        elif holds(line.get("when"), flags) or "otherwise" in line:
            each = items[line["for_each"]] if "for_each" in line else [{}]
            out.extend(fill(line, {**names, **item}, flags) for item in each)
    return out
