"""Interviews held one message at a time in a thread (state in the database, so a
restart resumes them), and the project each thread is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devussy_git.app import App
from devussy_git.db import InterviewSession, ProjectRecord
from devussy_git.errors import ConflictError, InvalidInputError, InvalidProjectIdError
from devussy_git.plan import (
    Interview,
    Question,
    next_question,
    parse_answer,
    slugify,
    validate_answers,
)
from devussy_git.plan.interview import applicable_questions, question_by_id
from devussy_git.services.actors import Actor
from devussy_git.services.projects import create_repo
from devussy_git.store import validate_project_id

__all__ = [
    "CANCEL",
    "DISCORD_ID_MAX",
    "InterviewStep",
    "answer_interview",
    "cancel_interview_of_thread",
    "current_interview",
    "project_for_thread",
    "start_interview",
]

#: What the person being interviewed types to stop.
CANCEL = "cancel"


async def project_for_thread(app: App, channel_id: int | None, guild_id: int | None) -> str | None:
    """The project bound to a thread, when the thread belongs to this guild."""
    if channel_id is None:
        return None
    record = await app.db.projects.by_thread(channel_id)
    if record is None or record.guild_id != guild_id:
        return None
    return record.project_id


@dataclass(frozen=True)
class InterviewStep:
    """Where an interview stands after the last message."""

    #: ``asking`` (a question to ask), ``reask`` (the answer was refused),
    #: ``complete`` (repo created) or ``cancelled``.
    state: str
    session: InterviewSession
    question: Question | None = None
    #: 1-based number of the question and the count known so far.
    number: int = 0
    total: int = 0
    #: Why the last answer was refused (``reask``).
    problem: str | None = None
    #: The validated answers (``complete``).
    interview: Interview | None = None


def _step(session: InterviewSession, state: str, problem: str | None = None) -> InterviewStep:
    question = next_question(session.answers)
    asked = applicable_questions(session.answers)
    number = next((i for i, q in enumerate(asked, 1) if question and q.id == question.id), len(asked))
    return InterviewStep(state, session, question, number, len(asked), problem)


#: Longest project id the bot makes: ``devussy:answer:<id>:<question>.<n>`` fits in 100.
DISCORD_ID_MAX = 56


async def _reserve_id(app: App, name: str, guild_id: int | None) -> tuple[str, ProjectRecord | None]:
    """A free project id from ``name``; or this guild's unfinished reservation of it.

    Ids made here are at most :data:`DISCORD_ID_MAX` characters, so every button
    custom id built from them stays within Discord's 100. A name with no Latin
    letter or digit (日本語, Ελληνικά, emoji) gets the id ``project``, ``project-2``, …;
    the name itself is kept as the display name.
    """
    try:
        base = slugify(name)
    except InvalidProjectIdError:
        if not any(ch.isalnum() for ch in name):
            raise
        base = "project"
    base = base[:DISCORD_ID_MAX].rstrip("-")
    for n in range(1, 100):
        suffix = "" if n == 1 else f"-{n}"
        candidate = validate_project_id(base[: DISCORD_ID_MAX - len(suffix)].rstrip("-") + suffix)
        record = await app.db.projects.get(candidate)
        exists = app.store.exists(candidate)
        if record is None and not exists:
            return candidate, None
        if record is not None and record.guild_id == guild_id and not exists:
            session = await app.db.interviews.by_thread(record.thread_id) if record.thread_id else None
            if session is None or session.state != "open":
                return candidate, record
    raise ConflictError(f"Too many projects are called {name!r}; pick another name.")


async def start_interview(
    app: App,
    name: str,
    *,
    guild_id: int | None,
    thread_id: int,
    user_id: int,
    actor: Actor,
) -> InterviewStep:
    """Reserve a project id from ``name``, bind it to ``thread_id`` and ask the first question.

    The project is unique among every project (repos are global); a name
    another guild used gets a numbered id. The repo is created when the
    interview is complete.
    """
    if not name.strip():
        raise InvalidInputError("Give the project a name.")
    first = parse_answer(question_by_id("project_name"), name)
    project_id, reserved = await _reserve_id(app, first, guild_id)
    if reserved is None:
        await app.db.projects.add(
            ProjectRecord(project_id, first, guild_id, thread_id, actor.trailer, datetime.now(UTC), app.settings.node)
        )
    else:
        await app.db.projects.set_thread(project_id, thread_id)
    session = await app.db.interviews.open(guild_id, thread_id, user_id, project_id)
    session = await app.db.interviews.save_answers(session.session_id, {"project_name": first})
    return _step(session, "asking")


async def cancel_interview_of_thread(app: App, thread_id: int) -> bool:
    """End the open interview of a thread that is gone; ``True`` when there was one."""
    session = await app.db.interviews.by_thread(thread_id)
    if session is None or session.state != "open":
        return False
    await app.db.interviews.cancel(session.session_id)
    return True


async def current_interview(app: App, thread_id: int) -> InterviewStep | None:
    """The open interview of a thread and its pending question (after a restart too)."""
    session = await app.db.interviews.by_thread(thread_id)
    if session is None or session.state != "open":
        return None
    return _step(session, "asking")


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


async def _create_repo(app: App, session: InterviewSession, interview: Interview, actor: Actor) -> None:
    project_id = session.project_id
    if app.store.exists(project_id):
        return  # created before a crash, the session just was not closed yet

    # The repo appears with its first commit or not at all.
    await create_repo(app, project_id, interview, actor=actor)


async def answer_interview(
    app: App, thread_id: int, user_id: int, text: str, *, actor: Actor, question_id: str | None = None
) -> InterviewStep | None:
    """Feed one message (or button press) to the thread's interview.

    ``None`` when the thread has no open interview or ``user_id`` is not the
    person being interviewed (the message is not for the interview). With
    ``question_id`` (a button), an answer to an already answered question is
    refused. ``cancel`` ends the interview; the last answer creates the repo.
    """
    session = await app.db.interviews.by_thread(thread_id)
    if session is None or session.state != "open" or session.user_id != user_id:
        return None
    question = next_question(session.answers)
    if question_id is not None and (question is None or question.id != question_id):
        raise ConflictError("That question was already answered; answer the latest one.")
    if text.strip().casefold() == CANCEL:
        return InterviewStep("cancelled", await app.db.interviews.cancel(session.session_id))
    if question is not None:
        try:
            value = parse_answer(question, text)
        except InvalidInputError as exc:
            return _step(session, "reask", exc.user_message)
        answers = {**session.answers, question.id: _jsonable(value)}
        session = await app.db.interviews.save_answers(session.session_id, answers)
        if next_question(session.answers) is not None:
            return _step(session, "asking")
    interview = validate_answers({k: v for k, v in session.answers.items() if v is not None})
    await _create_repo(app, session, interview, actor)
    session = await app.db.interviews.complete(session.session_id)
    return InterviewStep("complete", session, interview=interview)
