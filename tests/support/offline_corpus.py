"""What the offline provider answers, for many interviews, recorded to be kept.

The offline provider's content must not change by accident: a project planned
offline today must get the same bytes tomorrow. :func:`replies` asks the offline
client (``OfflineClient().complete``, the way the pipeline and the agent ask it)
every stage for a fixed set of cases and returns each reply's text, or the error
it raised:

- the fixture interviews (``fixtures/interviews/``) and the demo's bundled
  interview with their scored complexity (their texts are recorded whole), and
  with a sweep of phase counts and depths;
- generated interviews covering every project type and the answers the content
  depends on (database, authentication, JWT, external APIs, frontend, testing
  level, CI/CD, deployment, documentation level, team size, the shape of the
  requirements), each with its scored complexity and four other profiles;
- handoff-next replies and refused contexts, which need no interview.

All but the whole texts are recorded as SHA-256 digests, to keep the file small.

``fixtures/offline/replies.json`` holds the recording. It was written by the
provider before its content moved out of ``plan/``; regenerate it only for a change
of content that is meant, and say so in the commit::

    python -m tests.support.offline_corpus > fixtures/offline/replies.json
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from devussy_git.errors import DevussyError
from devussy_git.llm import LLMRequest, OfflineClient
from devussy_git.plan import PROJECT_TYPES, ComplexityProfile, Interview, score_complexity, validate_answers
from devussy_git.plan.parse import parse_design, parse_devplan_outline

ROOT = Path(__file__).resolve().parents[2]
RECORDING = ROOT / "fixtures" / "offline" / "replies.json"

#: (phase count, depth) profiles every full case is also planned with.
_SWEEP = tuple((count, depth) for count in (3, 4, 6, 8, 11, 15) for depth in ("minimal", "standard", "detailed"))

_REQUIREMENTS = (
    "Track habits: create habits, check them off daily, show streaks and weekly charts. "
    "Remind users by push notification.",
    "Import CSV exports from the bank; categorise transactions, compute monthly totals; "
    "export a PDF report - and sync with the accountant's folder.",
    "It should let teams manage tasks with due dates, comments and file uploads, with JWT login and an audit log.",
    "API for sensor readings",
    "Search recipes by ingredient, save favourites, build a weekly meal plan, generate a "
    "shopping list, share lists with family, rate recipes, scan barcodes, track pantry "
    "stock, plan a budget and suggest substitutions.",
    "Validate configuration files against a schema and report errors with line numbers.",
    "OCR receipts, GDPR-compliant storage of the images, and real-time dashboards for finance teams across regions.",
)
_LANGUAGES = ("Python", "TypeScript", "Go", "Rust", "Java", "C#", "Ruby", "PHP", "JavaScript", "Elixir")
_DATABASES = ("PostgreSQL", None, "MongoDB", "SQLite", "Redis")
_APIS: tuple[tuple[str, ...], ...] = ((), ("Stripe",), ("OpenAI", "Twilio", "Slack"))
_FRONTENDS = ("React", "Svelte", None, "Vanilla JS")
_BACKENDS = ("Django", None, "Express.js", "Spring Boot")
_TESTING = (
    "Comprehensive (unit + integration + e2e)",
    "Standard (unit + integration)",
    "Basic (unit tests only)",
    "Minimal",
    None,
)
_DEPLOY = ("AWS", None, "Vercel", "Self-hosted")
_DOCS = ("Minimal", "Standard", "Comprehensive", None)
_TEAMS = (1, None, 4, 25)


def _generated() -> Iterator[tuple[str, dict[str, Any]]]:
    """Interviews over every project type, each answer cycling through its values."""
    n = 0
    for project_type in PROJECT_TYPES:
        for variant in range(4):
            n += 1

            def pick(values: tuple[Any, ...], step: int = 1) -> Any:
                return values[(n * step + variant) % len(values)]

            answers: dict[str, Any] = {
                "project_name": f"{project_type.split('/')[0]} {variant + 1}",
                "project_type": project_type,
                "primary_language": pick(_LANGUAGES, 3),
                "additional_languages": list(islice(cycle(("SQL", "Bash")), variant % 3)),
                "requirements": pick(_REQUIREMENTS, 2),
                "authentication": variant % 2 == 0,
                "external_apis": list(pick(_APIS)),
                "deployment_platform": pick(_DEPLOY, 5),
                "testing_requirements": pick(_TESTING, 7),
                "ci_cd": variant != 1,
                "documentation_level": pick(_DOCS, 3),
                "team_size": pick(_TEAMS, 5),
            }
            if project_type == "Web Application":
                answers["frontend_framework"] = pick(_FRONTENDS)
            if project_type in {"Web Application", "REST API"}:
                answers["backend_framework"] = pick(_BACKENDS)
            if project_type in {"Web Application", "REST API", "Data Pipeline"}:
                answers["database"] = pick(_DATABASES)
            yield f"{project_type}-{variant + 1}", {k: v for k, v in answers.items() if v is not None}


def cases() -> Iterator[tuple[str, Interview, ComplexityProfile, bool]]:
    """``(name, interview, profile, whole)``: ``whole`` when the texts are recorded whole."""
    named = [
        (p.stem, json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((ROOT / "fixtures" / "interviews").glob("*.json"))
    ]
    demo = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"
    named.append(("demo", json.loads(demo.read_text(encoding="utf-8"))))
    for name, data in named:
        interview = validate_answers(data)
        base = score_complexity(interview)
        yield name, interview, base, True
        for count, depth in _SWEEP:
            yield f"{name}@{count}-{depth}", interview, _with(base, count, depth), False
    for index, (name, data) in enumerate(_generated()):
        interview = validate_answers(data)
        base = score_complexity(interview)
        yield name, interview, base, False
        for count, depth in sorted({_SWEEP[(index * step + 3) % len(_SWEEP)] for step in (1, 5, 7, 11)}):
            yield f"{name}@{count}-{depth}", interview, _with(base, count, depth), False


def _with(base: ComplexityProfile, count: int, depth: str) -> ComplexityProfile:
    return ComplexityProfile(base.score, count, depth, base.factors, base.risks, base.rationale)


def _ask(client: OfflineClient, stage: str, context: Mapping[str, Any]) -> str:
    try:
        reply = asyncio.run(client.complete(LLMRequest(messages=[], stage=stage, context=context)))
    except DevussyError as exc:
        return f"!{type(exc).__name__}: {exc}"
    return reply.text


def case_replies(interview: Interview, profile: ComplexityProfile) -> dict[str, str]:
    """Every stage's reply for one case, keyed by stage (and phase number)."""
    client = OfflineClient()
    out: dict[str, str] = {}
    ctx: dict[str, Any] = {"interview": interview.to_dict(), "profile": profile.to_dict()}
    out["complexity"] = _ask(client, "complexity", ctx)
    ctx = {"interview": interview.to_dict(), "complexity": profile.to_dict()}
    out["design"] = _ask(client, "design", ctx)
    design = parse_design(out["design"])
    out["validation"] = _ask(client, "validation", {**ctx, "design": design})
    thin = "# Design\n\n## Objectives\n\nShip it.\n\n## Tech Stack\n\nCode.\n"
    out["validation/thin"] = _ask(client, "validation", {**ctx, "design": thin})
    issues = ["Add a '## Architecture' section to the design.", "Explain how Stripe is integrated."]
    out["design-revision"] = _ask(client, "design-revision", {**ctx, "issues": issues})
    out["devplan"] = _ask(client, "devplan", {**ctx, "design": design})
    outline = parse_devplan_outline(out["devplan"], profile.phase_count)
    phase_ctx = {**ctx, "design": design}
    for item in outline:
        out[f"phase/{item.number}"] = _ask(
            client,
            "phase",
            {
                **phase_ctx,
                "phase": {"number": item.number, "title": item.title, "summary": item.summary},
                "phase_count": len(outline),
            },
        )
    beyond = len(outline) + 1
    out["phase/beyond"] = _ask(
        client,
        "phase",
        {
            **phase_ctx,
            "phase": {"number": beyond, "title": "Extra Work"},
            "phase_count": len(outline),
        },
    )
    other = 3 + (profile.phase_count + 4) % 13
    out[f"phase/2-of-{other}"] = _ask(
        client,
        "phase",
        {
            **phase_ctx,
            "phase": {"number": 2, "title": "Second"},
            "phase_count": other,
        },
    )
    return out


def fixed_replies() -> dict[str, str]:
    """Replies that need no interview: handoff-next, and contexts the provider refuses."""
    client = OfflineClient()
    asks: dict[str, tuple[str, dict[str, Any]]] = {
        "handoff-next/note": (
            "handoff-next",
            {
                "task": {"id": "2.3", "title": "Add JWT middleware"},
                "note": "Tokens expire after\n15 min",
            },
        ),
        "handoff-next/no-note": ("handoff-next", {"task": {"id": "1.1", "title": "Initialise the repo"}}),
        "handoff-next/no-title": ("handoff-next", {"task": {"id": "4.12"}, "note": "  "}),
        "handoff-next/blocked": (
            "handoff-next",
            {
                "task": {"id": "3.2", "title": "API keys"},
                "note": "Blocked: waiting for the vendor's keys",
            },
        ),
        "handoff-next/waiting": ("handoff-next", {"task": {"id": "1.2", "title": "x"}, "note": "waiting on QA"}),
        "handoff-next/long": ("handoff-next", {"task": {"id": "10.1", "title": "JWT " + "long " * 30}}),
        "refused/stage": ("deploy", {}),
        "refused/design": ("design", {}),
        "refused/bad-interview": ("design", {"interview": {"project_name": "x"}, "complexity": {}}),
        "refused/phase": ("phase", {"interview": {}, "complexity": {}}),
        "refused/task-id": ("handoff-next", {"task": {"id": "one"}}),
        "refused/issues": ("design-revision", {"interview": {}, "complexity": {}, "issues": "fix it"}),
        "refused/validation": ("validation", {"interview": {}, "complexity": {}}),
    }
    return {key: _ask(client, stage, ctx) for key, (stage, ctx) in asks.items()}


def digest(replies: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(replies, sort_keys=True).encode("utf-8")).hexdigest()


def record() -> dict[str, Any]:
    """The whole recording: whole texts, digests and the fixed replies."""
    full: dict[str, dict[str, str]] = {}
    digests: dict[str, str] = {}
    for name, interview, profile, whole in cases():
        replies = case_replies(interview, profile)
        if whole:
            full[name] = replies
        else:
            digests[name] = digest(replies)
    return {"full": full, "digests": digests, "fixed": fixed_replies()}


if __name__ == "__main__":
    json.dump(record(), sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")
