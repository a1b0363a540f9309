"""The offline provider's content table reads right: every condition and name it uses exists."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from devussy_git.llm.offline.content import content, fill, fill_lines, holds
from devussy_git.llm.offline.replies import _design_facts
from devussy_git.llm.offline.workstreams import _facts, build_workstreams
from tests.unit.plan.helpers import load_interview

NAMES, FLAGS, ITEMS = _facts(load_interview("shop-api"))


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        yield value["text"]
        if "otherwise" in value:
            yield value["otherwise"]
    else:
        for item in value:
            yield from _texts(item)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("kind", ["workstream", "extra"])
def test_every_text_names_only_known_names_and_conditions(kind: str) -> None:
    known = set(NAMES) | {name for item in ITEMS.values() for name in item[0]}
    for spec in content()[kind]:
        conditions = [spec.get("when"), *(task.get("when") for task in spec["task"])]
        texts = [
            spec["label"],
            spec["summary"],
            *(t["title"] for t in spec["task"]),
            *(t["details"] for t in spec["task"]),
        ]
        for value in texts:
            if isinstance(value, Mapping):
                conditions.append(value["when"])
            for text in _texts(value):
                assert _fields(text) <= (known if kind == "workstream" else set()), text
        for condition in filter(None, conditions):
            assert condition.removeprefix("not ") in FLAGS, condition
        assert all(task.get("for_each", "feature") in ITEMS for task in spec["task"])


def test_every_design_line_names_only_known_names_and_conditions() -> None:
    names, flags, items = _design_facts(load_interview("shop-api"))
    design = content()["design"]
    lines = [design["overview"], design["architecture"], *design["names"].values(), *content()["entry_points"].values()]
    lines += [line for key in ("objectives", "stack", "components", "dependencies") for line in design[key]]
    for line in lines:
        extra = set(items[line["for_each"]][0]) if isinstance(line, Mapping) and "for_each" in line else set()
        for text in _texts(line):
            assert _fields(text) <= set(names) | extra, text
        if isinstance(line, Mapping) and "when" in line:
            assert line["when"].removeprefix("not ") in flags, line


def test_a_choice_follows_its_condition() -> None:
    choice = {"when": "not db", "text": "no {x}", "otherwise": "{x}"}
    assert fill(choice, {"x": "Redis"}, {"db": True}) == "Redis"
    assert fill(choice, {"x": "Redis"}, {"db": False}) == "no Redis"
    assert holds(None, {}) and not holds("db", {"db": False})
    lines = ["{x}", {"when": "db", "text": "only with a db"}, {"for_each": "n", "text": "{x}{n}"}]
    assert fill_lines(lines, {"x": "a"}, {"db": False}, {"n": [{"n": "1"}, {"n": "2"}]}) == ["a", "a1", "a2"]


def test_the_core_workstream_has_one_task_per_feature() -> None:
    streams = build_workstreams(load_interview("shop-api"))
    core = [s for s in streams if s.core]
    assert [s.label for s in core] == ["API Endpoints"]
    assert len(core[0].tasks) == len(ITEMS["feature"])
    assert streams[0].label == "Project Setup" and streams[-1].label == "Documentation"


def test_the_plan_package_never_reaches_for_the_offline_provider() -> None:
    from tests.unit.test_layers import _edges

    wrong = [(source, target) for source, target in _edges() if source.startswith("plan") and target.startswith("llm")]
    assert wrong == []
