"""The offline provider's replies: real content built from the interview.

:func:`offline_reply` answers each pipeline stage with text in the same
format a real model is asked for, so the same parsers read it. The content is
derived from the answers (features from the requirements, frameworks,
database, authentication, APIs, testing, CI/CD, deployment) and sized by the
complexity rubric; its words are in ``content.toml``. Deterministic: the same
context gives the same text.

No network, no clock, no randomness; it never calls an LLM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from devussy_git.errors import InvalidInputError
from devussy_git.llm.offline.content import Items, content, fill, fill_lines
from devussy_git.llm.offline.layout import plan_layout
from devussy_git.llm.offline.workstreams import decapitalise, extract_features, test_tool
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.interview import Interview, validate_answers
from devussy_git.plan.parse import DESIGN_SECTIONS

__all__ = ["OFFLINE_STAGES", "offline_reply"]

_REQUIRED_SECTIONS = (
    *DESIGN_SECTIONS,
    ("Dependencies", r"dependenc(?:y|ies)"),
    ("Challenges", r"challenges?|risks?"),
    ("Mitigations", r"mitigations?"),
)


def _interview(context: Mapping[str, Any]) -> Interview:
    data = context.get("interview")
    if isinstance(data, Interview):
        return data
    if not isinstance(data, Mapping):
        raise InvalidInputError("The offline provider needs the interview answers.")
    return validate_answers(data)


def _profile(context: Mapping[str, Any], key: str = "complexity") -> ComplexityProfile:
    data = context.get(key)
    if isinstance(data, ComplexityProfile):
        return data
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"The offline provider needs the {key} profile.")
    return ComplexityProfile.from_dict(data)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _design_facts(i: Interview) -> tuple[dict[str, str], dict[str, bool], Items]:
    """The names, conditions and items the ``[design]`` table is filled in with."""
    features = extract_features(i.requirements) or [i.project_name]
    names = {
        "name": i.project_name,
        "type": i.project_type,
        "team": str(i.team_size or 1),
        "requirements": " ".join(i.requirements.split()),
        "languages": ", ".join([i.primary_language, *i.additional_languages]),
        "backend": i.backend_framework or "",
        "frontend": i.frontend_framework or "",
        "db": i.database or "",
        "apis": ", ".join(i.external_apis),
        "testing": i.testing_requirements or "",
        "platform": i.deployment_platform or "",
        "tool": test_tool(i.primary_language),
        "features3": ", ".join(features[:3]),
    }
    flags = {
        "backend": bool(i.backend_framework),
        "frontend": bool(i.frontend_framework),
        "database": bool(i.database),
        "authentication": i.authentication,
        "jwt": "jwt" in i.requirements.lower(),
        "external_apis": bool(i.external_apis),
        "testing": bool(i.testing_requirements),
        "ci_cd": i.ci_cd,
        "platform": bool(i.deployment_platform),
    }
    table = content()
    entry = table["entry_points"].get(i.project_type, table["defaults"]["entry_point"])
    names["entry"] = fill(entry, names, flags)
    for name, text in table["design"]["names"].items():
        names[name] = fill(text, names, flags)
    items: Items = {
        "feature": [{"feature_lower": decapitalise(f)} for f in features],
        "api": [{"api": api} for api in i.external_apis],
        "framework": [{"framework": f} for f in i.frameworks],
    }
    return names, flags, items


def _design(i: Interview, c: ComplexityProfile) -> str:
    design = content()["design"]
    names, flags, items = _design_facts(i)

    def lines(key: str) -> str:
        return _bullets(fill_lines(design[key], names, flags, items))

    challenges = list(c.risks) or [design["no_risks"]]
    sections = [
        f"# Project Design: {i.project_name}",
        "## Overview",
        fill(design["overview"], names, flags),
        "## Objectives",
        lines("objectives"),
        "## Tech Stack",
        lines("stack"),
        "## Architecture",
        fill(design["architecture"], names, flags),
        lines("components"),
        "## Dependencies",
        lines("dependencies"),
        "## Challenges",
        _bullets(challenges),
        "## Mitigations",
        _bullets([_mitigation(risk) for risk in challenges]),
        "## Complexity",
        f"Score {c.score:g}, {c.depth} depth, {c.phase_count} phases. {c.rationale}".strip(),
    ]
    return "\n\n".join(sections) + "\n"


def _mitigation(risk: str) -> str:
    """The first mitigation rule whose word the risk holds, naming the risk."""
    mitigations = content()["mitigations"]
    lowered = risk.lower()
    fixes = (fix for word, fix in mitigations["rules"] if word in lowered)
    fix = next(fixes, mitigations["otherwise"])
    return f"{fix} (for: {risk.rstrip('.')})"


def _complexity(context: Mapping[str, Any]) -> str:
    profile = _profile(context, "profile")
    reply = {
        "score": profile.score,
        "phase_count": profile.phase_count,
        "depth": profile.depth,
        "risks": list(profile.risks),
        "rationale": profile.rationale,
    }
    return json.dumps(reply, indent=2, ensure_ascii=False) + "\n"


def _design_reply(context: Mapping[str, Any]) -> str:
    return _design(_interview(context), _profile(context))


def _design_revision(context: Mapping[str, Any]) -> str:
    issues = context.get("issues") or []
    if not isinstance(issues, list) or not all(isinstance(x, str) for x in issues):
        raise InvalidInputError("The design revision needs 'issues' as a list of strings.")
    text = _design(_interview(context), _profile(context))
    if issues:
        text += "\n## Revision Notes\n\n" + _bullets([f"Addressed: {x}" for x in issues]) + "\n"
    return text


def _validation(context: Mapping[str, Any]) -> str:
    design = context.get("design")
    if not isinstance(design, str):
        raise InvalidInputError("The validation stage needs the design text.")
    i = _interview(context)
    headings = [m.group(1) for m in re.finditer(r"^#{1,6}\s+(.+)$", design, re.MULTILINE)]
    missing = [
        name
        for name, words in _REQUIRED_SECTIONS
        if not any(re.search(rf"\b(?:{words})\b", h, re.IGNORECASE) for h in headings)
    ]
    not_named = [api for api in i.external_apis if api.lower() not in design.lower()]
    issues = [f"Add a '## {name}' section to the design." for name in missing]
    issues += [f"Explain how {api} is integrated." for api in not_named]
    if i.database and i.database.lower() not in design.lower():
        issues.append(f"Describe how {i.database} is used.")
    present = len(_REQUIRED_SECTIONS) - len(missing)
    verdict = "NEEDS REVISION" if issues else "APPROVED"
    review = (
        f"The design for {i.project_name} has {present} of {len(_REQUIRED_SECTIONS)} required "
        f"sections and names {len(i.external_apis) - len(not_named)} of "
        f"{len(i.external_apis)} external APIs."
    )
    return (
        f"Verdict: {verdict}\n\n## Review\n\n{review}\n\n## Issues\n\n"
        + (_bullets(issues) if issues else "- None")
        + "\n"
    )


def _devplan(context: Mapping[str, Any]) -> str:
    layout = plan_layout(_interview(context), _profile(context))
    blocks = []
    for phase in layout:
        components = _bullets([title for title, _ in phase.tasks])
        blocks.append(f"**Phase {phase.number}: {phase.title}**\n{phase.summary}\n{components}")
    return "\n\n".join(blocks) + "\n"


def _phase(context: Mapping[str, Any]) -> str:
    phase = context.get("phase")
    if not isinstance(phase, Mapping) or not isinstance(phase.get("number"), int):
        raise InvalidInputError("The phase stage needs 'phase' with a number, title and summary.")
    number = phase["number"]
    title = str(phase.get("title") or f"Phase {number}")
    profile = _profile(context)
    count = context.get("phase_count", profile.phase_count)
    if isinstance(count, int) and count != profile.phase_count and 3 <= count <= 15:
        profile = ComplexityProfile(
            profile.score, count, profile.depth, profile.factors, profile.risks, profile.rationale
        )
    layout = plan_layout(_interview(context), profile)
    if 1 <= number <= len(layout):
        tasks = layout[number - 1].tasks
    else:
        tasks = (
            (f"Plan the work for {title}", ("List what the phase must deliver",)),
            (f"Deliver {title}", ("Implement and test each part",)),
            (f"Review {title}", ("Check the result against the design",)),
        )
    lines = [f"## Phase {number}: {title}", ""]
    for index, (task_title, details) in enumerate(tasks, 1):
        lines.append(f"- [ ] {number}.{index}: {task_title}")
        lines.extend(f"  - {detail}" for detail in details)
    return "\n".join(lines) + "\n"


_BLOCKED_NOTE = re.compile(
    r"\s*(?:blocked|blocker|stuck|on hold|cannot (?:proceed|continue)|can't (?:proceed|continue)"
    r"|waiting (?:on|for))\b",
    re.IGNORECASE,
)


def _handoff_next(context: Mapping[str, Any]) -> str:
    task = context.get("task")
    if not isinstance(task, Mapping) or not isinstance(task.get("id"), str):
        raise InvalidInputError("The handoff-next stage needs 'task' with an id and title.")
    task_id = task["id"]
    if not re.fullmatch(r"\d+\.\d+", task_id):
        raise InvalidInputError(f"'{task_id}' is not a task id like 1.3.")
    title = " ".join(str(task.get("title") or "").split()) or f"task {task_id}"
    note = context.get("note")
    note_text = " ".join(note.split()) if isinstance(note, str) and note.strip() else ""
    line = f"- {task_id}: {note_text or f'completed {task_id} ({title})'}"
    summary = (note_text or f"complete {decapitalise(title)}")[:72].rstrip()
    phase_file = f"phase{task_id.split('.')[0]}.md"
    # The team's note is read the way a model reads it: one that says the work is
    # blocked leaves the task open (the ritual records the blocker in BLOCKERS).
    blocked = bool(note_text) and _BLOCKED_NOTE.match(note_text) is not None
    reply = {
        "summary": summary,
        "status": "blocked" if blocked else "done",
        "edits": [
            {"file": "devplan.md", "anchor": "PROGRESS_LOG", "action": "append", "content": line},
            {"file": phase_file, "anchor": "PHASE_OUTCOMES", "action": "append", "content": line},
        ],
    }
    return "```json\n" + json.dumps(reply, indent=2, ensure_ascii=False) + "\n```\n"


_STAGES: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "complexity": _complexity,
    "design": _design_reply,
    "design-revision": _design_revision,
    "validation": _validation,
    "devplan": _devplan,
    "phase": _phase,
    "handoff-next": _handoff_next,
}

#: The stages :func:`offline_reply` answers.
OFFLINE_STAGES: tuple[str, ...] = tuple(_STAGES)


def offline_reply(stage: str, context: Mapping[str, Any]) -> str:
    """The offline provider's reply for ``stage`` (see the module docstring).

    Raises :class:`InvalidInputError` for an unknown stage or a context that
    lacks what the stage needs.
    """
    handler = _STAGES.get(stage)
    if handler is None:
        raise InvalidInputError(f"The offline provider has no stage '{stage}' (known: {', '.join(OFFLINE_STAGES)}).")
    return handler(context)
