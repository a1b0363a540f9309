"""The offline provider's areas of work, derived from the interview.

A workstream is one area of work (setup, data model, authentication, the core
features, integrations, frontend, testing, CI/CD, deployment, documentation)
with its tasks, each task with details taken from the answers. Their words are
the ``workstream`` tables of ``content.toml``; this module only works out the
names and conditions those tables use from the interview, and fills them in.
``layout.py`` groups the workstreams into phases.

Deterministic: the same answers always give the same workstreams.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from devussy_git.llm.offline.content import Items, content, fill, fill_lines, holds
from devussy_git.plan.complexity import match_keywords
from devussy_git.plan.interview import Interview

__all__ = [
    "Workstream",
    "build_workstreams",
    "decapitalise",
    "extract_features",
    "fill_workstream",
    "join_labels",
    "test_tool",
]


@dataclass(frozen=True)
class Workstream:
    label: str
    summary: str
    #: (title, details) pairs, most important first.
    tasks: tuple[tuple[str, tuple[str, ...]], ...]
    #: The core features: the layout keeps all their tasks whatever the depth.
    core: bool = False


def test_tool(language: str) -> str:
    """The usual test runner for a language."""
    tool: str = content()["test_tools"].get(language.casefold(), content()["defaults"]["test_tool"])
    return tool


def extract_features(requirements: str) -> list[str]:
    """Feature phrases from the requirements text, in order, deduplicated."""
    text = " ".join(requirements.split())
    if ":" in text.split(".")[0]:
        text = text.split(":", 1)[1]
    parts = re.split(r"[;,:\n]|\.\s+|\.$|\s+-\s+", text)
    features: list[str] = []
    for part in parts:
        phrase = re.sub(r"^(?:and|with|also|plus|including|it|should|must)\s+", "", part.strip())
        phrase = phrase.strip(" .")
        if len(phrase) < 3 or phrase.casefold() in (f.casefold() for f in features):
            continue
        features.append(phrase[:80].rstrip())
    return features[: content()["features"]["max"]]


def decapitalise(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (JWT, API)."""
    first = text.split()[0] if text.split() else ""
    if len(first) > 1 and first[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def join_labels(labels: Sequence[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


@cache
def _verbs() -> frozenset[str]:
    return frozenset(content()["features"]["verbs"].split())


def _feature_title(feature: str) -> str:
    if feature.split()[0].casefold() in _verbs():
        return feature[0].upper() + feature[1:]
    return f"Implement {decapitalise(feature)}"


def _facts(i: Interview) -> tuple[dict[str, str], dict[str, bool], Items]:
    """The names, conditions and per-item names ``content.toml`` is filled in with."""
    table = content()
    defaults = table["defaults"]
    lang = i.primary_language
    features = extract_features(i.requirements) or [i.project_name]
    ui = i.frontend_framework if i.project_type == "Web Application" else None
    level = i.testing_requirements or defaults["testing"]
    docs = i.documentation_level or defaults["documentation"]
    platform = i.deployment_platform
    names = {
        "lang": lang,
        "stack": join_labels([lang, *i.frameworks]) if i.frameworks else lang,
        "db": i.database or "",
        "platform": platform or "",
        "frontend": ui or "",
        "features": "; ".join(features),
        "feature0": features[0],
        "apis": ", ".join(i.external_apis),
        "screens": join_labels(features[:3]),
        "journeys": join_labels(features[:2]),
        "core": table["core_labels"].get(i.project_type, defaults["core_label"]),
        "level": level,
        "docs": docs,
        "tool": test_tool(lang),
    }
    flags = {
        "database": bool(i.database),
        "authentication": i.authentication,
        "jwt": bool(match_keywords(i.requirements, ("jwt",))),
        "external_apis": bool(i.external_apis),
        "frontend": bool(ui),
        "interface": bool(ui) or i.project_type in table["interface"]["project_types"],
        "ci_cd": i.ci_cd,
        "platform": bool(platform),
        "packaging": i.project_type in table["packaging"]["project_types"] and not platform,
        "integration_tests": not level.startswith(("Basic", "Minimal")),
        "e2e_tests": level.startswith("Comprehensive"),
        "architecture_notes": docs != "Minimal",
        "contributor_guide": docs == "Comprehensive",
    }
    for name, text in table["names"].items():
        names[name] = fill(text, names, flags)
    layer = table["feature_layers"].get(i.project_type, defaults["feature_layer"])
    items: Items = {
        "feature": [
            {
                "feature": feature,
                "feature_title": _feature_title(feature),
                "feature_layer": layer.format(feature=feature),
            }
            for feature in features
        ],
        "api": [{"api": api} for api in i.external_apis],
    }
    return names, flags, items


def fill_workstream(
    spec: Mapping[str, Any], names: Mapping[str, str], flags: Mapping[str, bool], items: Items
) -> Workstream:
    """One ``workstream`` (or ``extra``) table of ``content.toml``, filled in."""
    tasks: list[tuple[str, tuple[str, ...]]] = []
    for task in spec["task"]:
        if not holds(task.get("when"), flags):
            continue
        each = items[task["for_each"]] if "for_each" in task else [{}]
        for item in each:
            bound = {**names, **item}
            details = tuple(fill_lines(task["details"], bound, flags, items))
            tasks.append((fill(task["title"], bound, flags), details))
    return Workstream(
        fill(spec["label"], names, flags),
        fill(spec["summary"], names, flags),
        tuple(tasks),
        core=spec.get("core", False),
    )


def build_workstreams(i: Interview) -> list[Workstream]:
    """The workstreams of a project, in plan order."""
    names, flags, items = _facts(i)
    return [
        fill_workstream(spec, names, flags, items) for spec in content()["workstream"] if holds(spec.get("when"), flags)
    ]
