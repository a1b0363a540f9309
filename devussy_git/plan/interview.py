"""The interview: Devussy's scripted questions and the rules for their answers.

This module turns what a person typed (one answer at a time on a terminal or in
Discord) or sent (an answers file, a ``POST /runs`` body) into a validated,
normalised :class:`Interview`, the content of ``interview.json``.

It is pure: it never prints, prompts, reads files or touches git. Faces ask
:func:`next_question`, show the :class:`Question`, pass the reply through
:func:`parse_answer` and re-ask with the error's ``user_message`` when it fails.

About 450 lines, one job: the answer rules (choices and their aliases, lists, numbers,
forbidden characters) and :class:`Interview`, the typed view of what they produce, change
together whenever a question does.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from devussy_git.errors import InvalidInputError, InvalidProjectIdError
from devussy_git.plan.questions import (
    PROJECT_TYPES,
    QUESTIONS,
    Question,
    applicable_questions,
    next_question,
    question_by_id,
)
from devussy_git.plan.textutil import loads_json

__all__ = [
    "PROJECT_TYPES",
    "QUESTIONS",
    "SKIP",
    "Interview",
    "Question",
    "applicable_questions",
    "next_question",
    "parse_answer",
    "question_by_id",
    "slugify",
    "validate_answers",
]

#: What a person types to skip an optional question.
SKIP = "skip"

_YES = frozenset({"y", "yes", "true", "1", "on"})
_NO = frozenset({"n", "no", "false", "0", "off"})
_SOLO = frozenset({"solo", "just me", "me", "alone", "one", "single"})
_MAX_LIST_ITEMS = 20
_MAX_LIST_ITEM_LENGTH = 100
_MAX_TEAM_SIZE = 1000
#: "3", "2-3", "2 to 4 people", "5 devs".
_TEAM_SIZE = re.compile(r"(\d{1,4})\s*(?:(?:-|–|to)\s*(\d{1,4}))?\s*(?:people|persons|devs?|developers)?")


def _reask(question: Question, problem: str) -> InvalidInputError:
    hint = ""
    if question.choices:
        listed = ", ".join(f"{i}. {c}" for i, c in enumerate(question.choices, 1))
        hint = f" Choose one of: {listed}."
        if question.kind == "text":
            hint = f" Pick a number ({listed}) or type your own."
    elif question.kind == "yesno":
        hint = " Answer yes or no."
    elif question.kind == "list":
        hint = " Separate items with commas."
    elif question.kind == "number":
        hint = " Give a number, a range like 2-3, or 'solo'."
    if not question.required:
        hint += f" Type '{SKIP}' to skip."
    return InvalidInputError(f"{problem}{hint}", problems=[f"{question.id}: {problem}"])


def _is_ascii_number(text: str) -> bool:
    # str.isdigit() accepts "²" and other digits int() refuses.
    return re.fullmatch(r"[0-9]{1,6}", text) is not None


#: Well-known short or common names of choices, by normalised spelling.
_ALIASES: dict[str, str] = {
    "postgres": "PostgreSQL",
    "pg": "PostgreSQL",
    "psql": "PostgreSQL",
    "mongo": "MongoDB",
    "k8s": "Kubernetes",
    "js": "JavaScript",
    "ts": "TypeScript",
    "py": "Python",
    "golang": "Go",
    "csharp": "C#",
    "dotnet": "C#",
    "reactjs": "React",
    "vuejs": "Vue",
    "nextjs": "Next.js",
    "api": "REST API",
    "webapp": "Web Application",
    "cli": "CLI Tool",
}


def _norm(text: str) -> str:
    """``text`` for matching: case, spaces and punctuation ignored (``C#`` keeps its ``#``)."""
    return re.sub(r"[^0-9a-z#+]", "", text.casefold())


def _choice_candidates(question: Question, text: str) -> list[str]:
    """The choices ``text`` may mean: one when it is clear, several when ambiguous."""
    if _is_ascii_number(text):
        index = int(text)
        return [question.choices[index - 1]] if 1 <= index <= len(question.choices) else []
    typed = _norm(text)
    if not typed:
        return []
    by_norm = {_norm(c): c for c in question.choices}
    if typed in by_norm:
        return [by_norm[typed]]
    # "Comprehensive" picks "Comprehensive (unit + integration + e2e)".
    heads = [c for c in question.choices if _norm(c.split(" (")[0]) == typed]
    if heads:
        return heads
    alias = _ALIASES.get(typed)
    if alias is not None and alias in question.choices:
        return [alias]
    if len(typed) >= 2:
        return [c for c in question.choices if _norm(c).startswith(typed)]
    return []


def _match_choice(question: Question, text: str) -> str | None:
    found = _choice_candidates(question, text)
    if len(found) > 1:
        raise _reask(question, f"'{text}' could be {' or '.join(found)}: which one did you mean?")
    return found[0] if found else None


def _parse_team_size(question: Question, text: str) -> int:
    folded = text.casefold()
    if folded in _SOLO:
        return 1
    match = _TEAM_SIZE.fullmatch(folded)
    if not match:
        raise _reask(question, f"'{text}' is not a team size.")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    if low < 1 or high < low or high > _MAX_TEAM_SIZE:
        raise _reask(question, f"'{text}' is not a team size between 1 and {_MAX_TEAM_SIZE}.")
    # Devussy's rubric reads the upper end of a range.
    return high


#: Control characters no answer may hold: C0 but tab and line feed (a CR only as
#: part of CRLF), DEL, C1 (a terminal reads U+009B as an escape too) and lone
#: surrogates. NUL cannot be written to a text file in git; ESC sequences would
#: reach plan files and every terminal that prints them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")


def _check_characters(question: Question, raw: str) -> None:
    found = _CONTROL.search(raw)
    if found is None:
        return
    code = ord(found.group()[0])
    name = "NUL" if code == 0 else "ESC" if code == 0x1B else "a control character"
    raise _reask(
        question,
        f"The answer holds {name} (U+{code:04X}) at character {found.start() + 1}; "
        "answers may hold text, tabs and line breaks only.",
    )


def _parse_list(question: Question, items: Sequence[str]) -> tuple[str, ...]:
    for item in items:
        _check_characters(question, item)
    cleaned = [item.strip() for item in items if item.strip()]
    if len(cleaned) > _MAX_LIST_ITEMS:
        raise _reask(question, f"At most {_MAX_LIST_ITEMS} items, got {len(cleaned)}.")
    for item in cleaned:
        if len(item) > _MAX_LIST_ITEM_LENGTH:
            raise _reask(question, f"Each item must be at most {_MAX_LIST_ITEM_LENGTH} characters.")
    # Keep the first spelling of each item; "none" alone means an empty list.
    seen: dict[str, str] = {}
    for item in cleaned:
        seen.setdefault(item.casefold(), item)
    values = tuple(seen.values())
    if len(values) == 1 and values[0].casefold() in {"none", "n/a", "no"}:
        return ()
    return values


def parse_answer(question: Question, raw: str) -> Any:
    """Validate and normalise one typed answer.

    Returns the normalised value (``str``, ``bool``, ``int`` or a tuple of
    ``str``), or ``None`` when an optional question is skipped (``skip`` or an
    empty reply). Raises :class:`InvalidInputError` whose ``user_message`` is a
    short re-ask that shows the accepted answers.
    """
    _check_characters(question, raw)
    text = " ".join(raw.split())
    if not text or text.casefold() == SKIP:
        if question.required:
            raise _reask(question, "This question needs an answer.")
        return None
    if len(text) > question.max_length:
        raise _reask(
            question,
            f"That answer is {len(text)} characters; the limit is {question.max_length}.",
        )
    if question.kind == "choice":
        choice = _match_choice(question, text)
        if choice is None:
            raise _reask(question, f"'{text}' is not one of the choices.")
        return choice
    if question.kind == "yesno":
        folded = text.casefold()
        if folded in _YES:
            return True
        if folded in _NO:
            return False
        raise _reask(question, f"'{text}' is not yes or no.")
    if question.kind == "list":
        return _parse_list(question, text.split(","))
    if question.kind == "number":
        return _parse_team_size(question, text)
    if question.choices:
        suggestion = _match_choice(question, text)
        if suggestion is not None:
            return suggestion
        if _is_ascii_number(text):
            raise _reask(question, f"There is no choice number {text}.")
        # A well-known name that is not among the choices is still stored in its usual
        # spelling ("k8s" → "Kubernetes" for the deployment platform).
        return _ALIASES.get(_norm(text), text)
    return text


def _from_json_value(question: Question, value: Any) -> Any:
    """Normalise one answers-file value (JSON types or text)."""
    if value is None:
        if question.required:
            raise _reask(question, "This question needs an answer.")
        return None
    if isinstance(value, bool):
        if question.kind == "yesno":
            return value
        raise _reask(question, "Expected text, not true/false.")
    if isinstance(value, int | float):
        if question.kind == "number" and float(value).is_integer():
            return _parse_team_size(question, str(int(value)))
        if question.kind in {"choice", "number"} or (question.kind == "text" and question.choices):
            return parse_answer(question, str(value))
        raise _reask(question, "Expected text, not a number.")
    if isinstance(value, list | tuple):
        if question.kind != "list":
            raise _reask(question, "Expected a single answer, not a list.")
        if not all(isinstance(item, str) for item in value):
            raise _reask(question, "Every item of the list must be text.")
        return _parse_list(question, value)
    if isinstance(value, str):
        return parse_answer(question, value)
    raise _reask(question, f"Unsupported value of type {type(value).__name__}.")


def validate_answers(data: Mapping[str, Any]) -> Interview:
    """Validate a whole answers mapping (answers file, HTTP body, interview.json).

    Every problem is collected and reported at once in
    :class:`InvalidInputError` ``problems``: unknown keys, missing required
    answers, bad values, and answers to questions that do not apply to the
    chosen project type.
    """
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            "The answers must be a JSON object keyed by question id.",
            problems=["answers: expected a JSON object"],
        )
    problems: list[str] = []
    answers: dict[str, Any] = {}
    ids = [q.id for q in QUESTIONS]
    known = [key for key in data if key in ids]
    for key in sorted(set(data) - set(known), key=str):
        problems.append(f"{key}: unknown question id (known ids: {', '.join(ids)})")
    for key in known:
        question = question_by_id(key)
        try:
            answers[key] = _from_json_value(question, data[key])
        except InvalidInputError as exc:
            # A file has no prompt to type 'skip' at: the hint is for the terminal.
            problems.append(f"{key}: {exc.user_message.removesuffix(f' Type {SKIP!r} to skip.')}")
    project_type = answers.get("project_type")
    for question in QUESTIONS:
        if question.required and question.id not in data:
            problems.append(f"{question.id}: missing; this answer is required")
        if (
            question.applies_to
            and project_type is not None
            and answers.get(question.id) is not None
            and not question.applies(project_type)
        ):
            problems.append(
                f"{question.id}: does not apply to a {project_type} project "
                f"(only to {', '.join(question.applies_to)}); remove it"
            )
    name = answers.get("project_name")
    if name is not None and not any(ch.isalnum() for ch in str(name)):
        # Any script counts (日本語, Ελληνικά): the project id is chosen separately.
        problems.append(f"project_name: '{name}' has no letters or digits to make a project id from.")
    if problems:
        count = len(problems)
        headline = f"The answers have {count} problem{'s' if count > 1 else ''}"
        raise InvalidInputError(f"{headline}: " + "; ".join(problems), problems=problems, headline=headline)
    ordered = {q.id: answers[q.id] for q in QUESTIONS if q.id in answers}
    return Interview(answers=MappingProxyType(ordered))


def slugify(name: str) -> str:
    """The project id for a project name: ``^[a-z0-9][a-z0-9-]{0,62}$``.

    Raises :class:`InvalidProjectIdError` when the name has no letter or digit.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:63].rstrip("-")
    if not slug:
        raise InvalidProjectIdError(f"'{name}' has no letters or digits to make a project id from.")
    return slug


@dataclass(frozen=True)
class Interview:
    """A complete, validated set of answers (``interview.json``).

    ``answers`` holds normalised values: ``str`` for text and choices, ``bool``
    for yes/no, ``int`` for ``team_size``, tuples of ``str`` for lists, and
    ``None`` for a skipped optional question. Build it with
    :func:`validate_answers` or :meth:`from_json`.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)

    def get(self, question_id: str) -> Any:
        """The normalised answer, or ``None`` when unanswered or skipped."""
        return self.answers.get(question_id)

    @property
    def project_name(self) -> str:
        return str(self.answers["project_name"])

    @property
    def project_id(self) -> str:
        return slugify(self.project_name)

    @property
    def project_type(self) -> str:
        return str(self.answers["project_type"])

    @property
    def primary_language(self) -> str:
        return str(self.answers["primary_language"])

    @property
    def additional_languages(self) -> tuple[str, ...]:
        return tuple(self.answers.get("additional_languages") or ())

    @property
    def requirements(self) -> str:
        return str(self.answers["requirements"])

    @property
    def frontend_framework(self) -> str | None:
        return _none_if_none(self.answers.get("frontend_framework"))

    @property
    def backend_framework(self) -> str | None:
        return _none_if_none(self.answers.get("backend_framework"))

    @property
    def database(self) -> str | None:
        return _none_if_none(self.answers.get("database"))

    @property
    def authentication(self) -> bool:
        return bool(self.answers.get("authentication"))

    @property
    def external_apis(self) -> tuple[str, ...]:
        return tuple(self.answers.get("external_apis") or ())

    @property
    def deployment_platform(self) -> str | None:
        value = _none_if_none(self.answers.get("deployment_platform"))
        return None if value == "Not sure yet" else value

    @property
    def testing_requirements(self) -> str | None:
        return self.answers.get("testing_requirements")

    @property
    def ci_cd(self) -> bool:
        return bool(self.answers.get("ci_cd"))

    @property
    def documentation_level(self) -> str | None:
        return self.answers.get("documentation_level")

    @property
    def team_size(self) -> int | None:
        return self.answers.get("team_size")

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frontend and backend frameworks that were named."""
        return tuple(f for f in (self.frontend_framework, self.backend_framework) if f)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready answers (lists as lists, skipped questions as ``null``)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in self.answers.items()}

    def to_json(self) -> str:
        """The ``interview.json`` text: sorted keys, indent 2, trailing newline."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Interview:
        """Validate ``data`` (same rules as an answers file)."""
        return validate_answers(data)

    @classmethod
    def from_json(cls, text: str) -> Interview:
        """Parse and validate ``interview.json`` text."""
        try:
            data = loads_json(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"The answers are not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                problems=[f"json: {exc.msg} at line {exc.lineno}, column {exc.colno}"],
            ) from exc
        return validate_answers(data)


def _none_if_none(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.casefold() in {"none", "n/a"}):
        return None
    return str(value)
