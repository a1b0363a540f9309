"""What the command line asks and reads on a terminal: the interview, confirmations, answers files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from devussy_git.errors import InvalidInputError
from devussy_git.faces.cli_parser import UsageError

__all__ = ["ask_interview", "confirm", "is_tty", "load_answers"]


def is_tty(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def load_answers(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not UTF-8 text.") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path} must hold one JSON object keyed by question id.")
    return data


def _reask_line(question: Any, exc: InvalidInputError) -> str:
    """What was wrong, without the choices again: they are on screen above the prompt."""
    problems = getattr(exc, "problems", None) or []
    if not question.choices or not problems:
        return exc.user_message
    problem = problems[0].partition(": ")[2] or exc.user_message
    own = " or type your own" if question.kind == "text" else ""
    skip = "" if question.required else ", or 'skip'"
    return f"{problem} Pick a number from the list above{own}{skip}."


def ask_interview() -> dict[str, Any]:
    """Ask the interview questions on the terminal (DESIGN section 5)."""
    from devussy_git.services import next_question, parse_answer

    answers: dict[str, Any] = {}
    asked: set[str] = set()
    while (question := next_question(answers)) is not None:
        if question.id in asked:
            break
        prompt = question.prompt + ("" if question.required else " (or 'skip')")
        if question.choices:
            prompt += "\n" + "\n".join(f"  {i}. {c}" for i, c in enumerate(question.choices, 1))
        # The question is shown once; a re-ask shows only what was wrong.
        print(prompt)
        while True:
            try:
                raw = input("> ")
            except EOFError:
                raise InvalidInputError("The interview was interrupted (end of input).") from None
            try:
                value = parse_answer(question, raw)
            except InvalidInputError as exc:
                print(_reask_line(question, exc), file=sys.stderr)
                continue
            break
        asked.add(question.id)
        answers[question.id] = value
    return {k: v for k, v in answers.items() if v is not None}


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(f"{question} — add --yes to confirm when not on a terminal.")
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False
