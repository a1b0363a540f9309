"""The interview: questions, typed answers, answers files, interview.json."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devussy_git.errors import InvalidInputError, InvalidProjectIdError
from devussy_git.plan import (
    QUESTIONS,
    SKIP,
    Interview,
    applicable_questions,
    next_question,
    parse_answer,
    question_by_id,
    slugify,
    validate_answers,
)
from tests.unit.plan.helpers import INTERVIEWS

MINIMAL = {
    "project_name": "Tiny Tool",
    "project_type": "CLI Tool",
    "primary_language": "Rust",
    "requirements": "Rename files in bulk",
}


def test_question_ids_are_devussys_plus_team_size() -> None:
    assert [q.id for q in QUESTIONS] == [
        "project_name",
        "project_type",
        "primary_language",
        "additional_languages",
        "requirements",
        "frontend_framework",
        "backend_framework",
        "database",
        "authentication",
        "external_apis",
        "deployment_platform",
        "testing_requirements",
        "ci_cd",
        "documentation_level",
        "team_size",
    ]
    assert [q.id for q in QUESTIONS if q.required] == [
        "project_name",
        "project_type",
        "primary_language",
        "requirements",
    ]


@pytest.mark.parametrize(
    ("project_type", "asked", "not_asked"),
    [
        ("Web Application", {"frontend_framework", "backend_framework", "database"}, set()),
        ("REST API", {"backend_framework", "database"}, {"frontend_framework"}),
        ("Data Pipeline", {"database"}, {"frontend_framework", "backend_framework"}),
        ("CLI Tool", set(), {"frontend_framework", "backend_framework", "database"}),
    ],
)
def test_dependent_questions_follow_the_project_type(project_type: str, asked: set[str], not_asked: set[str]) -> None:
    ids = {q.id for q in applicable_questions({"project_type": project_type})}
    assert asked <= ids
    assert not (not_asked & ids)


def test_next_question_walks_the_interview_and_ends_with_none() -> None:
    answers: dict[str, object] = {}
    asked = []
    replies = {
        "project_name": "Shop API",
        "project_type": "2",
        "primary_language": "python",
        "requirements": "Sell things",
        "backend_framework": "fastapi",
        "database": "skip",
        "authentication": "y",
    }
    while (question := next_question(answers)) is not None:
        asked.append(question.id)
        answers[question.id] = parse_answer(question, replies.get(question.id, SKIP))
    assert "frontend_framework" not in asked
    assert answers["project_type"] == "REST API"
    assert answers["primary_language"] == "Python"
    assert answers["backend_framework"] == "FastAPI"
    assert answers["database"] is None
    assert answers["authentication"] is True
    assert asked[-1] == "team_size"
    assert validate_answers(answers).project_name == "Shop API"


@pytest.mark.parametrize(
    ("question_id", "raw", "expected"),
    [
        ("project_type", "3", "CLI Tool"),
        ("project_type", "  rest   api ", "REST API"),
        ("project_type", "library/package", "Library/Package"),
        ("testing_requirements", "comprehensive", "Comprehensive (unit + integration + e2e)"),
        ("testing_requirements", "2", "Standard (unit + integration)"),
        ("primary_language", "Elixir", "Elixir"),
        ("primary_language", "1", "Python"),
        ("database", "postgresql", "PostgreSQL"),
        ("authentication", "YES", True),
        ("ci_cd", "no", False),
        ("external_apis", "Stripe, SendGrid,, stripe ", ("Stripe", "SendGrid")),
        ("external_apis", "none", ()),
        ("team_size", "3", 3),
        ("team_size", "2-3", 3),
        ("team_size", "2 to 4 people", 4),
        ("team_size", "Solo", 1),
        ("deployment_platform", SKIP, None),
        ("deployment_platform", "  ", None),
    ],
)
def test_parse_answer_normalises(question_id: str, raw: str, expected: object) -> None:
    assert parse_answer(question_by_id(question_id), raw) == expected


@pytest.mark.parametrize(
    ("question_id", "raw", "message_part"),
    [
        ("project_type", "9", "1. Web Application"),
        ("project_type", "spaceship", "not one of the choices"),
        ("project_name", SKIP, "needs an answer"),
        ("requirements", "", "needs an answer"),
        ("authentication", "maybe", "yes or no"),
        ("team_size", "a few", "not a team size"),
        ("team_size", "5-2", "between 1 and"),
        ("project_name", "x" * 101, "limit is 100"),
        ("external_apis", ",".join(f"api{n}" for n in range(21)), "At most 20 items"),
        ("primary_language", "12", "no choice number 12"),
    ],
)
def test_bad_answers_get_a_clear_reask(question_id: str, raw: str, message_part: str) -> None:
    question = question_by_id(question_id)
    with pytest.raises(InvalidInputError) as caught:
        parse_answer(question, raw)
    assert message_part in caught.value.user_message
    assert len(caught.value.user_message) < 400
    if not question.required:
        assert "'skip'" in caught.value.user_message


def test_reask_for_a_choice_lists_every_choice() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_answer(question_by_id("documentation_level"), "lots")
    assert "1. Minimal, 2. Standard, 3. Comprehensive" in caught.value.user_message


@given(st.text(max_size=300))
def test_any_typed_text_is_either_accepted_or_reasked(raw: str) -> None:
    for question in QUESTIONS:
        try:
            parse_answer(question, raw)
        except InvalidInputError as exc:
            assert exc.user_message


@pytest.mark.parametrize("path", INTERVIEWS, ids=lambda p: p.stem)
def test_fixture_interviews_are_valid_and_round_trip(path) -> None:
    interview = validate_answers(json.loads(path.read_text()))
    text = interview.to_json()
    assert text.endswith("}\n")
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert Interview.from_json(text) == interview
    assert Interview.from_json(text).to_json() == text


def test_answers_file_forms_are_normalised() -> None:
    interview = validate_answers(
        {
            **MINIMAL,
            "project_type": "web application",
            "frontend_framework": "2",
            "additional_languages": "SQL, Bash",
            "external_apis": ["Stripe", " Twilio "],
            "authentication": "yes",
            "ci_cd": False,
            "database": 1,
            "team_size": "2-3",
        }
    )
    assert interview.project_type == "Web Application"
    assert interview.frontend_framework == "Vue"
    assert interview.additional_languages == ("SQL", "Bash")
    assert interview.external_apis == ("Stripe", "Twilio")
    assert interview.authentication is True
    assert interview.ci_cd is False
    assert interview.database == "PostgreSQL"
    assert interview.team_size == 3
    assert interview.to_dict()["external_apis"] == ["Stripe", "Twilio"]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_answers(
            {
                "project_type": "CLI Tool",
                "primary_language": "Go",
                "requirements": "x" * 2001,
                "frontend_framework": "React",
                "authentication": "perhaps",
                "team_size": True,
                "colour": "blue",
            }
        )
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "colour",
        "requirements",
        "authentication",
        "team_size",
        "project_name",
        "frontend_framework",
    ]
    assert "unknown question id" in problems[0]
    assert "missing" in problems[4]
    assert "does not apply to a CLI Tool project" in problems[5]
    assert "6 problems" in caught.value.user_message


@pytest.mark.parametrize(
    ("data", "problem_part"),
    [
        ({**MINIMAL, "external_apis": ["Stripe", 3]}, "Every item of the list must be text"),
        ({**MINIMAL, "project_name": 42}, "Expected text, not a number"),
        ({**MINIMAL, "requirements": None}, "needs an answer"),
        ({**MINIMAL, "authentication": ["yes"]}, "not a list"),
        ({**MINIMAL, "team_size": 2.5}, "not a team size"),
        ({**MINIMAL, "team_size": {"n": 2}}, "Unsupported value"),
        ({**MINIMAL, "project_name": "!!!"}, "no letters or digits"),
    ],
)
def test_answers_file_value_errors(data: dict[str, object], problem_part: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_answers(data)
    assert any(problem_part in p for p in caught.value.problems), caught.value.problems


def test_skipped_optional_answers_are_kept_as_null() -> None:
    interview = validate_answers({**MINIMAL, "deployment_platform": "skip", "ci_cd": None})
    assert interview.to_dict()["deployment_platform"] is None
    assert interview.to_dict()["ci_cd"] is None
    assert interview.deployment_platform is None


@pytest.mark.parametrize("bad", ["[1, 2]", "{not json", "null", "[" * 50_000, '{"team_size": ' + "1" * 5_000 + "}"])
def test_from_json_refuses_non_objects(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        Interview.from_json(bad)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Shop API", "shop-api"),
        ("  Café  Déjà--vu! ", "cafe-deja-vu"),
        ("v2.0 rewrite", "v2-0-rewrite"),
        ("x" * 80, "x" * 63),
        ("a" * 62 + " b", "a" * 62),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_refuses_names_without_letters() -> None:
    with pytest.raises(InvalidProjectIdError):
        slugify("¿¡!?")


@given(st.text(max_size=120))
def test_slugify_always_gives_a_valid_project_id(name: str) -> None:
    try:
        slug = slugify(name)
    except InvalidProjectIdError:
        return
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from([q.id for q in QUESTIONS] + ["extra", ""]), _json_values, max_size=16))
def test_any_answers_file_is_accepted_or_refused_with_problems(data: dict[str, object]) -> None:
    try:
        interview = validate_answers(data)
    except InvalidInputError as exc:
        assert exc.problems and exc.user_message
    else:
        assert Interview.from_json(interview.to_json()) == interview


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Shop\x00API", "NUL (U+0000)"),
        ("\x1b[31mred", "ESC (U+001B)"),
        ("a\rb", "U+000D"),
        ("x\x7f", "U+007F"),
        ("csi\x9b2J", "U+009B"),
    ],
)
def test_typed_answers_with_control_characters_are_re_asked(raw: str, shown: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_answer(question_by_id("requirements"), raw)
    assert shown in caught.value.user_message


def test_tabs_and_line_breaks_are_fine_in_answers() -> None:
    assert parse_answer(question_by_id("requirements"), "Cart\tand\r\ncheckout\n") == "Cart and checkout"


@pytest.mark.parametrize(
    ("question_id", "typed", "stored"),
    [
        ("project_type", "rest", "REST API"),
        ("project_type", "Rest-API", "REST API"),
        ("project_type", "cli", "CLI Tool"),
        ("project_type", "web", "Web Application"),
        ("database", "postgres", "PostgreSQL"),
        ("database", "POSTGRESQL", "PostgreSQL"),
        ("database", "mongo", "MongoDB"),
        ("primary_language", "js", "JavaScript"),
        ("primary_language", "c#", "C#"),
        ("frontend_framework", "nextjs", "Next.js"),
        ("documentation_level", "comp", "Comprehensive"),
        ("primary_language", "Elixir", "Elixir"),  # a text answer of one's own stays as typed
        ("primary_language", "R", "R"),  # one letter is no prefix of anything
    ],
)
def test_choices_match_whatever_the_case_prefix_or_common_name(question_id: str, typed: str, stored: str) -> None:
    assert parse_answer(question_by_id(question_id), typed) == stored


@pytest.mark.parametrize(("question_id", "typed"), [("primary_language", "ja"), ("primary_language", "ru")])
def test_an_ambiguous_choice_is_asked_again_naming_the_candidates(question_id: str, typed: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_answer(question_by_id(question_id), typed)
    message = caught.value.user_message
    assert "which one did you mean?" in message and " or " in message


def test_an_answers_file_stores_the_canonical_spelling() -> None:
    interview = validate_answers({**MINIMAL, "project_type": "rest", "database": "postgres"})
    assert interview.answers["project_type"] == "REST API"
    assert interview.answers["database"] == "PostgreSQL"
