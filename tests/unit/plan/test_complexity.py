"""Devussy's complexity rubric and the LLM refinement of it."""

from __future__ import annotations

import json

import pytest

from devussy_git.errors import InvalidInputError, InvalidLLMOutputError
from devussy_git.plan import (
    ComplexityProfile,
    parse_complexity_refinement,
    score_complexity,
    validate_answers,
)
from devussy_git.plan.complexity import depth_for_score, estimate_phase_count, match_keywords
from tests.unit.plan.helpers import llm_fixtures, load_interview, read_reply

BASE = {
    "project_name": "Rubric",
    "project_type": "CLI Tool",
    "primary_language": "Python",
    "requirements": "Rename files in bulk",
    "team_size": 2,
}


def profile(**answers: object) -> ComplexityProfile:
    return score_complexity(validate_answers({**BASE, **answers}))


@pytest.mark.parametrize(
    ("name", "score", "phases", "depth"),
    [
        ("csv-report-cli", 1.0, 3, "minimal"),
        ("shop-api", 6.0, 5, "standard"),
        ("newsletter-pipeline", 7.2, 7, "detailed"),
        ("tutor-saas", 18.0, 12, "detailed"),
    ],
)
def test_fixture_interviews_land_in_their_bands(name: str, score: float, phases: int, depth: str) -> None:
    result = score_complexity(load_interview(name))
    assert (result.score, result.phase_count, result.depth) == (score, phases, depth)


@pytest.mark.parametrize(
    ("score", "phases", "depth"),
    [
        (0.5, 3, "minimal"),
        (3.0, 3, "minimal"),
        (3.01, 5, "standard"),
        (7.0, 5, "standard"),
        (7.2, 7, "detailed"),
        (12.0, 7, "detailed"),
        (12.5, 9, "detailed"),
        (14.0, 10, "detailed"),
        (19.5, 12, "detailed"),
        (40.0, 15, "detailed"),
    ],
)
def test_phase_count_bands(score: float, phases: int, depth: str) -> None:
    assert estimate_phase_count(score) == phases
    assert depth_for_score(score) == depth


@pytest.mark.parametrize(
    ("requirements", "technical"),
    [
        ("Send a weekly email digest to subscribers", "simple_crud"),
        ("Detect spam in email with machine learning", "ml_ai"),
        ("An AI-powered summariser", "ml_ai"),
        ("Retain HTML emails for audit", "simple_crud"),
        ("Live dashboards over websockets", "realtime"),
        ("Real-time order tracking", "realtime"),
        ("Serve users globally from every continent; multi-region failover", "multi_region"),
        ("Login with OAuth", "auth_db"),
        ("Authorship statistics for books", "simple_crud"),
    ],
)
def test_keywords_count_only_as_whole_words(requirements: str, technical: str) -> None:
    assert profile(requirements=requirements).factors["technical"] == technical


def test_email_never_counts_as_ml() -> None:
    assert match_keywords("email e-mail mail html", ("ml", "ai")) == []
    assert match_keywords("ML pipeline; an AI helper", ("ml", "ai")) == ["ml", "ai"]


@pytest.mark.parametrize(
    ("apis", "score"),
    [([], 0), (["Stripe"], 1), (["A", "B"], 1), (["A", "B", "C"], 2), (list("ABCDE"), 2), (list("ABCDEF"), 3)],
)
def test_integrations_score_by_api_count(apis: list[str], score: int) -> None:
    assert profile(external_apis=apis).factors["integration_score"] == score


@pytest.mark.parametrize(
    ("team", "multiplier"),
    [(None, 0.5), ("solo", 0.5), (2, 1.0), ("2-3", 1.0), (4, 1.2), (6, 1.2), (7, 1.5), (30, 1.5)],
)
def test_team_multiplier(team: object, multiplier: float) -> None:
    result = profile(team_size=team)
    assert result.factors["team_multiplier"] == multiplier
    assert result.score == pytest.approx(2 * multiplier)


@pytest.mark.parametrize(
    ("project_type", "requirements", "type_score"),
    [
        ("CLI Tool", "Rename files", 1),
        ("Library/Package", "Parse dates", 2),
        ("REST API", "Serve orders", 3),
        ("Web Application", "Sell things", 4),
        ("Web Application", "A multi-tenant SaaS for schools", 5),
    ],
)
def test_project_type_scores(project_type: str, requirements: str, type_score: int) -> None:
    assert profile(project_type=project_type, requirements=requirements).factors["project_type_score"] == type_score


def test_profile_explains_itself_and_names_risks(shop_profile: ComplexityProfile) -> None:
    assert "REST API" in shop_profile.rationale
    assert "5 phases" in shop_profile.rationale
    assert any("Stripe" in risk for risk in shop_profile.risks)
    assert any("Authentication" in risk for risk in shop_profile.risks)


def test_profile_round_trips_through_json(shop_profile: ComplexityProfile) -> None:
    data = json.loads(shop_profile.to_json())
    assert ComplexityProfile.from_dict(data) == shop_profile
    assert shop_profile.to_json().endswith("}\n")


@pytest.mark.parametrize(
    "data",
    [
        {"score": "6", "phase_count": 5, "depth": "standard"},
        {"score": 6, "phase_count": 2, "depth": "standard"},
        {"score": 6, "phase_count": 5, "depth": "deep"},
        {"score": 6, "phase_count": 5, "depth": "standard", "risks": "many"},
        [],
    ],
)
def test_from_dict_refuses_bad_profiles(data: object) -> None:
    with pytest.raises(InvalidInputError):
        ComplexityProfile.from_dict(data)


@pytest.mark.parametrize("path", llm_fixtures("complexity", "ok"), ids=lambda p: p.name)
def test_refinement_replies_are_applied(path, shop_profile: ComplexityProfile, snapshot) -> None:
    refined = parse_complexity_refinement(read_reply(path), shop_profile)
    assert 0 <= refined.score <= 20
    assert 3 <= refined.phase_count <= 15
    assert set(shop_profile.risks) <= set(refined.risks)
    assert refined.factors == shop_profile.factors
    assert refined.to_dict() == snapshot


@pytest.mark.parametrize("path", llm_fixtures("complexity", "bad"), ids=lambda p: p.name)
def test_unusable_refinements_say_what_is_wrong(path, shop_profile: ComplexityProfile, snapshot) -> None:
    with pytest.raises(InvalidLLMOutputError) as caught:
        parse_complexity_refinement(read_reply(path), shop_profile)
    assert "phase_count" in caught.value.model_message
    assert caught.value.model_message == snapshot


def test_refinement_with_the_same_values_changes_nothing(shop_profile: ComplexityProfile) -> None:
    reply = json.dumps(
        {
            "score": shop_profile.score,
            "phase_count": shop_profile.phase_count,
            "depth": shop_profile.depth,
            "risks": list(shop_profile.risks),
        }
    )
    assert parse_complexity_refinement(reply, shop_profile) == shop_profile


def test_every_technical_area_mentioned_carries_its_risk() -> None:
    risks = " ".join(score_complexity(load_interview("tutor-saas")).risks)
    for part in ("Model quality", "Real-time features", "Multi-tenancy", "Large team"):
        assert part in risks
    assert "Model quality" not in " ".join(profile(requirements="Send email digests").risks)
