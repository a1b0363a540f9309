"""Use cases a chat face needs beyond :mod:`devussy_git.services`: per-guild
settings and who may change them, run limits, and interviews held one message
at a time (state in the database, so a restart resumes them).

Like ``services.py`` these take an :class:`~devussy_git.app.App` and
primitives and return plain values. They never import discord, never send or
format anything, and never read the environment (defaults come from
``app.settings``). Permission checks are pure functions of a :class:`Caller`
and a :class:`~devussy_git.db.GuildConfig`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from devussy_git import services
from devussy_git.app import App
from devussy_git.config import PROVIDERS
from devussy_git.db import GuildConfig, InterviewSession, ProjectRecord, RunRecord
from devussy_git.errors import (
    ConflictError,
    InvalidInputError,
    InvalidProjectIdError,
    PermissionDeniedError,
    RunAlreadyActiveError,
)
from devussy_git.plan import (
    Interview,
    Question,
    next_question,
    parse_answer,
    slugify,
    validate_answers,
)
from devussy_git.plan.interview import applicable_questions, question_by_id
from devussy_git.store import validate_project_id

__all__ = [
    "CANCEL",
    "DEFAULT",
    "MAX_RUNS_LIMIT",
    "Caller",
    "EffectiveConfig",
    "InterviewStep",
    "RunSummary",
    "answer_interview",
    "check_run_allowed",
    "current_interview",
    "effective_config",
    "local_run_summary",
    "may_administer",
    "may_operate",
    "project_for_thread",
    "require_admin",
    "require_operator",
    "set_guild_max_runs",
    "set_guild_model",
    "set_guild_provider",
    "set_guild_role",
    "start_guild_run",
    "start_interview",
    "summarise_run",
]

#: What the person being interviewed types to stop.
CANCEL = "cancel"
#: Highest ``max-runs`` an admin may set (a typo guard, not a capacity promise).
MAX_RUNS_LIMIT = 100

# -- who may do what ---------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The person pressing or typing, as far as permissions go."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    #: Holds Manage Server in the guild.
    manage_guild: bool = False


def may_administer(caller: Caller, config: GuildConfig) -> bool:
    """Admin commands: Manage Server, or the guild's configured role."""
    return caller.manage_guild or (config.role_id is not None and config.role_id in caller.role_ids)


def may_operate(caller: Caller, config: GuildConfig) -> bool:
    """Run / handoff-next / revert / apply: everyone until a role is set, then that role."""
    return config.role_id is None or may_administer(caller, config)


def require_admin(caller: Caller, config: GuildConfig) -> None:
    if not may_administer(caller, config):
        role = f" or the <@&{config.role_id}> role" if config.role_id is not None else ""
        raise PermissionDeniedError(f"Only members with Manage Server{role} can change the bot's settings.")


def require_operator(caller: Caller, config: GuildConfig) -> None:
    if not may_operate(caller, config):
        raise PermissionDeniedError(
            f"Only members with the <@&{config.role_id}> role can run, step or revert plans here."
        )


# -- guild settings ----------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveConfig:
    """A guild's settings with the environment defaults filled in."""

    guild_id: int
    provider: str
    model: str
    #: ``None``: no limit.
    max_runs: int | None
    role_id: int | None
    #: Names of the fields the guild set itself (the rest are defaults).
    overridden: frozenset[str] = field(default_factory=frozenset)
    #: The guild's own OpenAI-compatible endpoint; ``None``: the provider's.
    #: Never carries a key (refused when set).
    api_base: str | None = None


async def effective_config(app: App, guild_id: int) -> EffectiveConfig:
    config = await app.db.guilds.get(guild_id)
    provider = config.provider or app.settings.llm_provider
    if config.model:
        model = config.model
    elif config.provider and config.provider != app.settings.llm_provider:
        model = str(PROVIDERS[config.provider]["model"])
    else:
        model = app.settings.llm_model
    api_base = await services.guild_api_base(app, guild_id, provider)
    overridden = frozenset(
        name for name in ("provider", "model", "max_runs", "role_id") if getattr(config, name) is not None
    ) | ({"api_base"} if api_base else set())
    return EffectiveConfig(
        guild_id, provider, model, config.max_runs, config.role_id, overridden, api_base
    )


#: What an admin types to go back to the provider's own endpoint or model.
DEFAULT = "default"


def _same_origin(url: str, other: str | None) -> bool:
    if not other:
        return False
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def refuse_private_endpoint(url: str) -> None:
    """Refuse an endpoint on this machine's or its network's addresses.

    A server admin must not be able to make the bot send requests into the
    operator's network (loopback, private, link-local such as cloud metadata).
    The operator can allow it with ``DEVUSSY_ALLOW_PRIVATE_LLM_HOSTS=1``.
    """
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError) as exc:
        raise InvalidInputError("The base URL's host cannot be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise InvalidInputError(
                "That base URL points at a private or local address, which servers may not use "
                "(the bot's operator can allow it with DEVUSSY_ALLOW_PRIVATE_LLM_HOSTS=1)."
            )


async def set_guild_provider(
    app: App, guild_id: int, provider: str, *, caller: Caller, base_url: str | None = None
) -> EffectiveConfig:
    """Choose the guild's LLM provider (its default model unless a model is set after).

    ``base_url`` points the guild at its own OpenAI-compatible server; without
    it (or with ``default``) the guild uses the provider's endpoint again. The
    endpoint is kept in the guild's LLM profile, never with a key.
    """
    require_admin(caller, await app.db.guilds.get(guild_id))
    provider = provider.strip().lower()
    if provider not in PROVIDERS:
        raise InvalidInputError(f"Unknown provider {provider!r}; choose one of {', '.join(sorted(PROVIDERS))}.")
    wanted = None if base_url is None or base_url.strip().lower() in ("", DEFAULT) else base_url
    # Refuses a bad endpoint, or a provider whose key is missing (naming the
    # variable), before anything is saved.
    profile = app.llm_client(provider, None, api_base=wanted).profile
    chosen = profile.api_base or wanted
    if wanted is not None and not app.settings.allow_private_llm_hosts and not _same_origin(
        chosen, app.settings.llm_api_base or PROVIDERS[provider]["api_base"]
    ):
        # The operator's own configured endpoint is fine wherever it is.
        await asyncio.to_thread(refuse_private_endpoint, chosen)
    name = services.guild_profile_name(guild_id)
    if wanted is not None:
        await app.db.profiles.upsert(name, provider, profile.model, api_base=profile.api_base)
    elif await app.db.profiles.get(name) is not None:
        await app.db.profiles.upsert(name, provider, profile.model, api_base=None)
    await app.db.guilds.set(guild_id, provider=provider, model=None)
    return await effective_config(app, guild_id)


_MODEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")


async def set_guild_model(app: App, guild_id: int, model: str | None, *, caller: Caller) -> EffectiveConfig:
    """Choose the model (``None`` or ``default`` goes back to the provider's default)."""
    require_admin(caller, await app.db.guilds.get(guild_id))
    value = None if model is None or model.strip().lower() in ("", "default") else model.strip()
    if value is not None and _MODEL_RE.fullmatch(value) is None:
        raise InvalidInputError("A model name is letters, digits and . _ : / @ + - (at most 200).")
    await app.db.guilds.set(guild_id, model=value)
    config = await effective_config(app, guild_id)
    if config.api_base is not None:
        # The profile row stays a true record of what the guild's steps use.
        await app.db.profiles.upsert(
            services.guild_profile_name(guild_id), config.provider, config.model, api_base=config.api_base
        )
    return config


async def set_guild_max_runs(
    app: App, guild_id: int, max_runs: int | None, *, caller: Caller
) -> EffectiveConfig:
    """Most runs queued or running at once in the guild (``None``/0: no limit)."""
    require_admin(caller, await app.db.guilds.get(guild_id))
    if max_runs is not None and not 0 <= max_runs <= MAX_RUNS_LIMIT:
        raise InvalidInputError(f"max-runs must be between 0 (no limit) and {MAX_RUNS_LIMIT}.")
    await app.db.guilds.set(guild_id, max_runs=max_runs or None)
    return await effective_config(app, guild_id)


async def set_guild_role(app: App, guild_id: int, role_id: int | None, *, caller: Caller) -> EffectiveConfig:
    """The role allowed to run, step, revert and administer (``None``: everyone runs).

    Discord's @everyone role has the guild's own id: choosing it means "everyone
    may run", never "everyone may administer", so it is stored as no role.
    """
    require_admin(caller, await app.db.guilds.get(guild_id))
    if role_id == guild_id:
        role_id = None
    await app.db.guilds.set(guild_id, role_id=role_id)
    return await effective_config(app, guild_id)


# -- runs ------------------------------------------------------------------------

_guild_locks: dict[tuple[int, int], asyncio.Lock] = {}


def _guild_lock(guild_id: int) -> asyncio.Lock:
    # Keyed by the running loop too: tests run many loops in one process.
    key = (id(asyncio.get_running_loop()), guild_id)
    return _guild_locks.setdefault(key, asyncio.Lock())


async def check_run_allowed(app: App, guild_id: int, caller: Caller) -> EffectiveConfig:
    """The role check and the guild's max-runs limit; the guild's settings when both pass."""
    config = await effective_config(app, guild_id)
    require_operator(caller, await app.db.guilds.get(guild_id))
    if config.max_runs is not None:
        active = await app.db.runs.active_count(guild_id)
        if active >= config.max_runs:
            raise RunAlreadyActiveError(
                f"This server already has {active} run{'s' if active != 1 else ''} going "
                f"(limit {config.max_runs}). Wait for one to finish, or ask an admin to "
                "raise it with /devussy admin set-max-runs."
            )
    return config


async def start_guild_run(
    app: App,
    project_id: str,
    *,
    actor: services.Actor,
    caller: Caller,
    guild_id: int,
    resume: bool = False,
    restart: bool = False,
) -> RunRecord:
    """Queue a run with the guild's provider/model, after the role and max-runs checks.

    The check and the queueing hold a per-guild lock, so two requests at once
    cannot both take the last free slot in this process; the database checks the
    limit again as it inserts, which holds across processes.
    """
    async with _guild_lock(guild_id):
        config = await check_run_allowed(app, guild_id, caller)
        return await services.start_run(
            app,
            project_id,
            actor=actor,
            provider=config.provider,
            model=config.model,
            resume=resume,
            guild_id=guild_id,
            guild_limit=config.max_runs,
            restart=restart,
        )


@dataclass(frozen=True)
class RunSummary:
    """What a finished run produced, for the summary message."""

    project_id: str
    run_id: str
    score: float | None
    depth: str | None
    phase_count: int
    phases: tuple[tuple[int, str], ...]
    risks: tuple[str, ...]
    devplan: str
    handoff: str


_PHASE_FILE = re.compile(r"phase(\d+)\.md")
_PHASE_TITLE = re.compile(r"^#\s+Phase\s+\d+\s*:\s*(.+?)\s*$", re.MULTILINE)


def summarise_run(project_id: str, run_id: str, files: Mapping[str, str]) -> RunSummary:
    """Build a :class:`RunSummary` from the plan files at the run's commit."""
    try:
        profile: dict[str, Any] = json.loads(files.get("complexity_profile.json", "{}"))
    except json.JSONDecodeError:
        profile = {}
    if not isinstance(profile, dict):
        profile = {}
    phases: list[tuple[int, str]] = []
    for path, text in files.items():
        match = _PHASE_FILE.fullmatch(path)
        if match:
            title = _PHASE_TITLE.search(text)
            phases.append((int(match.group(1)), title.group(1) if title else f"Phase {match.group(1)}"))
    phases.sort()
    score = profile.get("score")
    risks = profile.get("risks")
    return RunSummary(
        project_id=project_id,
        run_id=run_id,
        score=float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None,
        depth=profile.get("depth") if isinstance(profile.get("depth"), str) else None,
        phase_count=len(phases),
        phases=tuple(phases),
        risks=tuple(str(r) for r in risks) if isinstance(risks, list) else (),
        devplan=files.get("devplan.md", ""),
        handoff=files.get("handoff.md", ""),
    )


def _summary_paths(paths: list[str]) -> list[str]:
    wanted = {"complexity_profile.json", "devplan.md", "handoff.md"}
    return [p for p in paths if p in wanted or _PHASE_FILE.fullmatch(p)]


async def local_run_summary(app: App, project_id: str, run_id: str, rev: str) -> RunSummary:
    """:func:`summarise_run` of the files of this process's store at ``rev``."""
    repo = await asyncio.to_thread(app.store.open, project_id)

    def read() -> dict[str, str]:
        return repo.read_many(_summary_paths(repo.list_files(rev)), rev)

    return summarise_run(project_id, run_id, await asyncio.to_thread(read))


# -- threads and interviews --------------------------------------------------------


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
    actor: services.Actor,
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
            ProjectRecord(project_id, first, guild_id, thread_id, actor.trailer, datetime.now(UTC))
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


async def _create_repo(app: App, session: InterviewSession, interview: Interview, actor: services.Actor) -> None:
    project_id = session.project_id
    if app.store.exists(project_id):
        return  # created before a crash, the session just was not closed yet

    # The repo appears with its first commit or not at all.
    await services.create_repo(app, project_id, interview, actor=actor)


async def answer_interview(
    app: App, thread_id: int, user_id: int, text: str, *, actor: services.Actor, question_id: str | None = None
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
