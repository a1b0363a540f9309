"""Devussy's interview questions and the order they are asked in.

The question ids are Devussy's (plus ``team_size``, which the complexity rubric
reads); some questions are asked only for some project types. Pure data and
lookups: no parsing of answers here (see ``interview.py``), no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "PROJECT_TYPES",
    "QUESTIONS",
    "QUESTION_KINDS",
    "Question",
    "applicable_questions",
    "next_question",
    "question_by_id",
]

#: The kinds of answer a question takes.
QUESTION_KINDS = frozenset({"text", "choice", "yesno", "list", "number"})


@dataclass(frozen=True)
class Question:
    """One interview question, keyed by Devussy's field id."""

    id: str
    prompt: str
    #: ``text`` | ``choice`` | ``yesno`` | ``list`` | ``number``.
    kind: str
    required: bool = False
    #: For ``choice``: the only accepted answers. For ``text``: suggestions a
    #: person may pick by number or spell in any case; other text is accepted.
    choices: tuple[str, ...] = ()
    #: Project types the question is asked for; ``()`` means every type.
    applies_to: tuple[str, ...] = ()
    #: Longest accepted raw answer, in characters.
    max_length: int = 200
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in QUESTION_KINDS:
            raise ValueError(f"unknown question kind {self.kind!r}")

    def applies(self, project_type: str | None) -> bool:
        """Whether this question is asked for a project of ``project_type``."""
        return not self.applies_to or project_type in self.applies_to


PROJECT_TYPES: tuple[str, ...] = (
    "Web Application",
    "REST API",
    "CLI Tool",
    "Data Pipeline",
    "Library/Package",
    "Mobile App",
    "Desktop App",
    "Other",
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "project_name",
        "What is your project name?",
        "text",
        required=True,
        max_length=100,
        help="A short name, e.g. 'Shop API'; the project id is derived from it.",
    ),
    Question(
        "project_type",
        "What type of project are you building?",
        "choice",
        required=True,
        choices=PROJECT_TYPES,
        help="This decides which follow-up questions are asked.",
    ),
    Question(
        "primary_language",
        "What is your primary programming language?",
        "text",
        required=True,
        choices=("Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C#", "Ruby", "PHP"),
        max_length=50,
        help="Pick a number or type any language.",
    ),
    Question(
        "additional_languages",
        "Any additional languages? (comma-separated)",
        "list",
        max_length=300,
        help="e.g. SQL, Bash",
    ),
    Question(
        "requirements",
        "Describe what you want to build: key features and goals.",
        "text",
        required=True,
        max_length=2000,
        help="Be specific, e.g. 'product catalog, cart, checkout with Stripe, order emails'.",
    ),
    Question(
        "frontend_framework",
        "Which frontend framework?",
        "text",
        choices=("React", "Vue", "Svelte", "Angular", "Next.js", "Vanilla JS", "None"),
        applies_to=("Web Application",),
        max_length=50,
    ),
    Question(
        "backend_framework",
        "Which backend framework?",
        "text",
        choices=(
            "FastAPI",
            "Django",
            "Flask",
            "Express.js",
            "NestJS",
            "Spring Boot",
            "Rails",
            "Laravel",
        ),
        applies_to=("Web Application", "REST API"),
        max_length=50,
    ),
    Question(
        "database",
        "Which database will you use?",
        "text",
        choices=("PostgreSQL", "MySQL", "MongoDB", "Redis", "SQLite", "None"),
        applies_to=("Web Application", "REST API", "Data Pipeline"),
        max_length=50,
    ),
    Question(
        "authentication",
        "Do you need user authentication? (yes/no)",
        "yesno",
    ),
    Question(
        "external_apis",
        "Any external APIs to integrate? (comma-separated)",
        "list",
        max_length=500,
        help="e.g. Stripe, SendGrid, Twilio, OpenAI",
    ),
    Question(
        "deployment_platform",
        "Where will you deploy?",
        "text",
        choices=(
            "AWS",
            "Google Cloud",
            "Azure",
            "Heroku",
            "Vercel",
            "Railway",
            "DigitalOcean",
            "Self-hosted",
            "Not sure yet",
        ),
        max_length=50,
    ),
    Question(
        "testing_requirements",
        "What level of testing do you need?",
        "choice",
        choices=(
            "Comprehensive (unit + integration + e2e)",
            "Standard (unit + integration)",
            "Basic (unit tests only)",
            "Minimal",
        ),
    ),
    Question(
        "ci_cd",
        "Do you want a CI/CD pipeline? (yes/no)",
        "yesno",
    ),
    Question(
        "documentation_level",
        "How much documentation do you need?",
        "choice",
        choices=("Minimal", "Standard", "Comprehensive"),
    ),
    Question(
        "team_size",
        "How many people will work on it?",
        "number",
        max_length=20,
        help="A number, a range like '2-3', or 'solo'.",
    ),
)

_BY_ID: Mapping[str, Question] = MappingProxyType({q.id: q for q in QUESTIONS})


def question_by_id(question_id: str) -> Question:
    """The question with this id; ``KeyError`` for an unknown id."""
    return _BY_ID[question_id]


def applicable_questions(answers: Mapping[str, Any]) -> list[Question]:
    """The questions asked given the answers so far, in interview order.

    Questions limited to some project types are left out until
    ``project_type`` is known, and when it is a type they do not apply to.
    """
    project_type = answers.get("project_type")
    return [q for q in QUESTIONS if q.applies(project_type if q.applies_to else None)]


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question to ask, or ``None`` when the interview is complete.

    A key present in ``answers`` (even with the value ``None``, a skip) counts
    as answered.
    """
    for question in applicable_questions(answers):
        if question.id not in answers:
            return question
    return None
