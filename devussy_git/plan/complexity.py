"""Devussy's static complexity rubric and the optional LLM refinement of it.

``score = (project type 1-5 + technical factor 1-5 + integrations 0-3) x team
multiplier``; the score picks the phase count (3 / 5 / 7 / 9-15) and the depth
(minimal / standard / detailed). Keywords are matched as whole words, so
"email" never counts as the ML keyword "ml" (or "ai").

Pure: no I/O and no LLM call; :func:`parse_complexity_refinement` only reads a
reply someone else obtained.

About 470 lines, most of them the rubric's tables; the static score and the model's
refinement of it stay together because the refinement is bounded by the same tables.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devussy_git.errors import InvalidInputError, InvalidLLMOutputError
from devussy_git.plan.interview import Interview
from devussy_git.plan.textutil import MAX_REPLY_CHARS, json_objects, strip_reasoning

if TYPE_CHECKING:
    from devussy_git.plan.refinement import Refinement

__all__ = [
    "DEPTHS",
    "ComplexityProfile",
    "depth_for_score",
    "estimate_phase_count",
    "match_keywords",
    "parse_complexity_refinement",
    "score_complexity",
]

DEPTHS: tuple[str, ...] = ("minimal", "standard", "detailed")
MIN_PHASES = 3
MAX_PHASES = 15
MAX_SCORE = 20.0
_MAX_RISKS = 12

_PROJECT_TYPE_BUCKET: Mapping[str, str] = {
    "CLI Tool": "cli_tool",
    "Library/Package": "library",
    "REST API": "api",
    "Data Pipeline": "api",
    "Desktop App": "api",
    "Other": "api",
    "Web Application": "web_app",
    "Mobile App": "web_app",
}
_PROJECT_TYPE_SCORE: Mapping[str, int] = {
    "cli_tool": 1,
    "library": 2,
    "api": 3,
    "web_app": 4,
    "saas": 5,
}
_SAAS_KEYWORDS = ("saas", "multi-tenant", "multitenant", "multi-tenancy")

#: Technical buckets, strongest first, with their score and whole-word keywords.
_TECHNICAL: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("multi_region", 5, ("multi-region", "global", "geo-distributed")),
    (
        "ml_ai",
        4,
        (
            "machine learning",
            "ml",
            "ai",
            "artificial intelligence",
            "deep learning",
            "llm",
            "neural network",
            "computer vision",
            "nlp",
        ),
    ),
    (
        "realtime",
        3,
        ("realtime", "real-time", "websocket", "websockets", "streaming"),
    ),
    ("auth_db", 2, ("auth", "authentication", "login", "jwt", "oauth", "sso", "sign-in")),
)
_AUTH_FRAMEWORKS = ("django", "rails", "laravel")
_TEAM_BUCKETS: tuple[tuple[int, str, float], ...] = (
    (1, "solo", 0.5),
    (3, "2_3", 1.0),
    (6, "4_6", 1.2),
)
_TEAM_LARGE = ("7_plus", 1.5)


@dataclass(frozen=True)
class ComplexityProfile:
    """The content of ``complexity_profile.json``."""

    score: float
    phase_count: int
    #: ``minimal`` | ``standard`` | ``detailed``.
    depth: str
    #: How the score was reached (buckets, partial scores, matched keywords).
    factors: Mapping[str, Any] = field(default_factory=dict)
    risks: tuple[str, ...] = ()
    rationale: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "phase_count": self.phase_count,
            "depth": self.depth,
            "factors": _jsonable(self.factors),
            "risks": list(self.risks),
            "rationale": self.rationale,
        }

    def to_json(self) -> str:
        """``complexity_profile.json`` text: sorted keys, indent 2, trailing newline."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComplexityProfile:
        """Rebuild a profile from :meth:`to_dict` output; bad data is refused."""
        if not isinstance(data, Mapping):
            raise InvalidInputError("A complexity profile must be a JSON object.")
        problems: list[str] = []
        score: Any = data.get("score")  # JSON: checked below
        numeric = isinstance(score, int | float) and not isinstance(score, bool)
        if not numeric or not math.isfinite(score):
            problems.append("score must be a number")
        phases: Any = data.get("phase_count")
        if isinstance(phases, bool) or not isinstance(phases, int):
            problems.append("phase_count must be an integer")
        elif not MIN_PHASES <= phases <= MAX_PHASES:
            problems.append(f"phase_count must be between {MIN_PHASES} and {MAX_PHASES}")
        depth = data.get("depth")
        if depth not in DEPTHS:
            problems.append(f"depth must be one of {', '.join(DEPTHS)}")
        factors = data.get("factors", {})
        if not isinstance(factors, Mapping):
            problems.append("factors must be an object")
        risks = data.get("risks", [])
        if not isinstance(risks, list) or not all(isinstance(r, str) for r in risks):
            problems.append("risks must be a list of strings")
        rationale = data.get("rationale", "")
        if not isinstance(rationale, str):
            problems.append("rationale must be a string")
        if problems:
            raise InvalidInputError("The complexity profile is invalid: " + "; ".join(problems), problems=problems)
        return cls(
            score=float(score),
            phase_count=int(phases),
            depth=str(depth),
            factors=dict(factors),
            risks=tuple(risks),
            rationale=rationale,
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def estimate_phase_count(score: float) -> int:
    """Devussy's bands: <=3 -> 3, <=7 -> 5, <=12 -> 7, then 9 + 1 per 2 points, max 15."""
    if score <= 3:
        return 3
    if score <= 7:
        return 5
    if score <= 12:
        return 7
    return int(min(9 + (score - 12) // 2, MAX_PHASES))


def depth_for_score(score: float) -> str:
    """<=3 minimal, <=7 standard, above detailed."""
    if score <= 3:
        return "minimal"
    if score <= 7:
        return "standard"
    return "detailed"


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    body = r"[\s\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", keyword))
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])", re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def match_keywords(text: str, keywords: tuple[str, ...]) -> list[str]:
    """The keywords that occur in ``text`` as whole words (case-insensitive)."""
    found = []
    for keyword in keywords:
        pattern = _PATTERNS.get(keyword)
        if pattern is None:
            pattern = _PATTERNS[keyword] = _keyword_pattern(keyword)
        if pattern.search(text):
            found.append(keyword)
    return found


def _team_bucket(size: int | None) -> tuple[str, float]:
    people = size or 1
    for limit, bucket, multiplier in _TEAM_BUCKETS:
        if people <= limit:
            return bucket, multiplier
    return _TEAM_LARGE


def _integration_bucket(count: int) -> tuple[str, int]:
    if count == 0:
        return "standalone", 0
    if count <= 2:
        return "1_2_services", 1
    if count <= 5:
        return "3_5_services", 2
    return "6_plus_services", 3


def _technical(interview: Interview) -> tuple[str, int, list[str]]:
    text = interview.requirements
    for bucket, score, keywords in _TECHNICAL:
        found = match_keywords(text, keywords)
        if found:
            return bucket, score, found
    if interview.authentication:
        return "auth_db", 2, ["authentication: yes"]
    if interview.database:
        return "auth_db", 2, [f"database: {interview.database}"]
    framework_hits = match_keywords(" ".join(interview.frameworks), _AUTH_FRAMEWORKS)
    if framework_hits:
        return "auth_db", 2, framework_hits
    return "simple_crud", 1, []


_TECHNICAL_RISKS: Mapping[str, str] = {
    "multi_region": "Multi-region operation: data consistency and latency across regions.",
    "ml_ai": "Model quality is uncertain: plan evaluation data and a fallback path.",
    "realtime": "Real-time features: connection handling and back-pressure under load.",
}


def _risks(interview: Interview, saas: bool, team_bucket: str) -> tuple[str, ...]:
    # Every technical area the requirements mention carries its risk, not only
    # the strongest one that set the score.
    risks = [
        _TECHNICAL_RISKS[bucket]
        for bucket, _, keywords in _TECHNICAL
        if bucket in _TECHNICAL_RISKS and match_keywords(interview.requirements, keywords)
    ]
    if saas:
        risks.append("Multi-tenancy: every query and cache entry must be scoped to a tenant.")
    if interview.authentication:
        risks.append("Authentication is security-sensitive: token handling, expiry and revocation.")
    if interview.database:
        risks.append(f"Schema changes on {interview.database} need migrations from day one.")
    for api in interview.external_apis:
        risks.append(f"{api} API may rate-limit, change or fail: isolate it behind an adapter.")
    if team_bucket == "solo":
        risks.append("Single developer: reviews and knowledge sharing need a deliberate plan.")
    elif team_bucket == "7_plus":
        risks.append("Large team: coordination and ownership of modules must be explicit.")
    if not interview.testing_requirements or interview.testing_requirements == "Minimal":
        risks.append("Little automated testing: regressions may go unnoticed.")
    return tuple(risks[:_MAX_RISKS])


def score_complexity(interview: Interview) -> ComplexityProfile:
    """Apply Devussy's static rubric to an interview (deterministic)."""
    saas_hits = match_keywords(interview.requirements, _SAAS_KEYWORDS)
    type_bucket = "saas" if saas_hits else _PROJECT_TYPE_BUCKET.get(interview.project_type, "api")
    type_score = _PROJECT_TYPE_SCORE[type_bucket]
    technical, technical_score, keywords = _technical(interview)
    api_count = len(interview.external_apis)
    integration, integration_score = _integration_bucket(api_count)
    team_bucket, multiplier = _team_bucket(interview.team_size)
    base = type_score + technical_score + integration_score
    score = round(base * multiplier, 2)
    phase_count = estimate_phase_count(score)
    depth = depth_for_score(score)
    factors = {
        "project_type": type_bucket,
        "project_type_score": type_score,
        "technical": technical,
        "technical_score": technical_score,
        "technical_keywords": keywords + saas_hits,
        "integrations": integration,
        "integration_score": integration_score,
        "api_count": api_count,
        "team_size": interview.team_size or 1,
        "team_bucket": team_bucket,
        "team_multiplier": multiplier,
    }
    rationale = (
        f"{interview.project_type} ({type_bucket}, {type_score}) + technical "
        f"{technical} ({technical_score}) + {api_count} external API"
        f"{'' if api_count == 1 else 's'} ({integration_score}) = {base}; "
        f"x {multiplier} for a team of {interview.team_size or 1} = {score:g}; "
        f"{phase_count} phases at {depth} depth."
    )
    return ComplexityProfile(
        score=score,
        phase_count=phase_count,
        depth=depth,
        factors=factors,
        risks=_risks(interview, bool(saas_hits), team_bucket),
        rationale=rationale,
    )


_EXPECTED = (
    'Reply with one JSON object, for example {"score": 6.0, "phase_count": 5, '
    '"depth": "standard", "risks": ["..."], "rationale": "..."}; phase_count is an '
    "integer from 3 to 15, depth is minimal, standard or detailed."
)


def _refusal(problem: str) -> InvalidLLMOutputError:
    return InvalidLLMOutputError(
        f"The complexity refinement could not be used: {problem}",
        model_message=f"Your reply could not be used: {problem}. {_EXPECTED}",
    )


def _validated(data: Mapping[str, Any]) -> Refinement:
    # Imported here: a step's ritual builds profiles but never reads a refinement reply,
    # and the command line would pay for pydantic on every step.
    from pydantic import ValidationError

    from devussy_git.plan.refinement import Refinement

    try:
        return Refinement.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else "reply"
            message = error["msg"].removeprefix("Value error, ")
            if (error["type"] in ("list_type", "string_type") and where == "risks") or (
                len(error["loc"]) > 1 and error["loc"][0] == "risks"
            ):
                message = "must be a list of strings"
            problems.append(f"{where} {message[0].lower()}{message[1:]}" if message else where)
        raise _refusal("; ".join(dict.fromkeys(problems))) from None


_KNOWN_KEYS = frozenset(
    {
        "score",
        "complexity_score",
        "phase_count",
        "estimated_phase_count",
        "depth",
        "depth_level",
        "risks",
        "hidden_risks",
    }
)


def _refinement_object(text: str) -> dict[str, Any] | None:
    """The outermost JSON object of the reply that holds refinement fields.

    A single wrapper (``{"complexity": {...}}``) is looked through. Without any
    object holding known fields, the first object (so the refusal can say what
    is missing), or ``None`` when there is no object at all.
    """
    first: dict[str, Any] | None = None
    for found in json_objects(text):
        first = found if first is None else first
        candidate = found
        if not _KNOWN_KEYS & candidate.keys() and len(candidate) == 1:
            inner = next(iter(candidate.values()))
            if isinstance(inner, dict):
                candidate = inner
        if _KNOWN_KEYS & candidate.keys():
            return candidate
    return first


def parse_complexity_refinement(text: str, base: ComplexityProfile) -> ComplexityProfile:
    """Apply an LLM's refinement reply to the static profile ``base``.

    The reply is a JSON object (bare, fenced, or inside prose) with any of
    ``score``, ``phase_count``, ``depth``, ``risks``, ``rationale`` (Devussy's
    names ``complexity_score``, ``estimated_phase_count``, ``depth_level`` and
    ``hidden_risks`` are accepted too), possibly inside one wrapper object,
    with numbers as strings (``"6"``) and depth in any case; JSON slips
    (trailing commas, ``//`` comments) are mended. Of several objects the
    outermost that holds these fields is used. Missing fields keep the base values;
    numbers are clamped to 0-20 and 3-15. Raises :class:`InvalidLLMOutputError`
    when there is no object or a field has the wrong type.
    """
    if len(text) > MAX_REPLY_CHARS:
        raise _refusal(f"the reply is {len(text):,} characters; the limit is {MAX_REPLY_CHARS:,}")
    data = _refinement_object(strip_reasoning(text))
    if data is None:
        raise _refusal("no JSON object was found in the reply")
    refinement = _validated(data)
    score, phases, depth = refinement.score, refinement.phase_count, refinement.depth
    risks_value = refinement.risks
    new_risks = [" ".join(r.split()) for r in risks_value or [] if r.strip()]
    rationale: Any = refinement.rationale if refinement.rationale is not None else base.rationale
    devussy_rationale = data.get("scoring_rationale")
    if "rationale" not in data and isinstance(devussy_rationale, Mapping):
        rationale = devussy_rationale.get("score_justification", base.rationale)
    if not isinstance(rationale, str):
        raise _refusal("rationale must be a string")
    if score is None and phases is None and depth is None and risks_value is None:
        raise _refusal("none of score, phase_count, depth or risks was given")

    final_score = base.score if score is None else round(min(max(score, 0.0), MAX_SCORE), 2)
    if phases is None:
        final_phases = base.phase_count if score is None else estimate_phase_count(final_score)
    else:
        final_phases = int(min(max(round(phases), MIN_PHASES), MAX_PHASES))
    if depth is None:
        depth = base.depth if score is None else depth_for_score(final_score)
    if (
        "rationale" not in data
        and "scoring_rationale" not in data
        and ((final_score, final_phases, depth) != (base.score, base.phase_count, base.depth))
    ):
        rationale = (
            f"{base.rationale} Refined: score {final_score:g}, {final_phases} phases at {depth} depth."
        ).strip()
    risks = list(base.risks)
    for risk in new_risks:
        if risk not in risks:
            risks.append(risk)
    return ComplexityProfile(
        score=final_score,
        phase_count=final_phases,
        depth=depth,
        factors=base.factors,
        risks=tuple(risks[:_MAX_RISKS]),
        rationale=" ".join(rationale.split()) or base.rationale,
    )
