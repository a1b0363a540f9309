"""Per-guild settings and who may change them; the guild's run limit.

Permission checks are pure functions of a :class:`Caller` and a
:class:`~devussy_git.db.GuildConfig`; the settings functions check them
first. Defaults come from ``app.settings``, never from the environment.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from devussy_git.app import App
from devussy_git.config import PROVIDERS
from devussy_git.db import GuildConfig
from devussy_git.errors import InvalidInputError, PermissionDeniedError, RunAlreadyActiveError
from devussy_git.services.actors import Actor
from devussy_git.services.endpoints import guild_api_base, guild_profile_name
from devussy_git.services.executors import RunStarted
from devussy_git.services.projects import get_project

__all__ = [
    "DEFAULT",
    "MAX_RUNS_LIMIT",
    "Caller",
    "EffectiveConfig",
    "check_admin",
    "check_operator",
    "check_run_allowed",
    "effective_config",
    "may_administer",
    "may_operate",
    "refuse_private_endpoint",
    "require_admin",
    "require_operator",
    "set_guild_max_runs",
    "set_guild_model",
    "set_guild_provider",
    "set_guild_role",
    "start_guild_run",
]

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


async def check_admin(app: App, guild_id: int, caller: Caller) -> None:
    """:func:`require_admin` against the guild's stored settings."""
    require_admin(caller, await app.db.guilds.get(guild_id))


async def check_operator(app: App, guild_id: int, caller: Caller) -> None:
    """:func:`require_operator` against the guild's stored settings."""
    require_operator(caller, await app.db.guilds.get(guild_id))


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
    api_base = await guild_api_base(app, guild_id, provider)
    overridden = frozenset(
        name for name in ("provider", "model", "max_runs", "role_id") if getattr(config, name) is not None
    ) | ({"api_base"} if api_base else set())
    return EffectiveConfig(guild_id, provider, model, config.max_runs, config.role_id, overridden, api_base)


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
    if wanted is not None:
        chosen = profile.api_base or wanted
        if not app.settings.allow_private_llm_hosts and not _same_origin(
            chosen, app.settings.llm_api_base or PROVIDERS[provider]["api_base"]
        ):
            # The operator's own configured endpoint is fine wherever it is.
            await asyncio.to_thread(refuse_private_endpoint, chosen)
    name = guild_profile_name(guild_id)
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
            guild_profile_name(guild_id), config.provider, config.model, api_base=config.api_base
        )
    return config


async def set_guild_max_runs(app: App, guild_id: int, max_runs: int | None, *, caller: Caller) -> EffectiveConfig:
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
    actor: Actor,
    caller: Caller,
    guild_id: int,
    resume: bool = False,
    restart: bool = False,
) -> RunStarted:
    """Start a run with the guild's provider/model, after the role and max-runs checks.

    The app's executor runs it (in this process, or on the runner); follow it with
    :func:`~devussy_git.services.executors.follow_run`. The check and the start hold
    a per-guild lock, so two requests at once cannot both take the last free slot in
    this process; the database checks the limit again as it inserts, which holds
    across processes.
    """
    executor = app.executor
    async with app.lock_for(f"guild:{guild_id}"):  # never a project id (no colon in those)
        config = await check_run_allowed(app, guild_id, caller)
        if config.api_base is not None and not executor.takes_api_base:
            # The runner's API takes a provider and model only: rather than send this
            # guild's plan to an endpoint it did not choose, refuse.
            raise InvalidInputError(
                "This bot runs plans on a separate runner, which cannot use this server's base URL. "
                "Ask an admin to run /devussy admin set-provider without base_url, or to run the bot "
                "in-process."
            )
        await get_project(app, project_id, guild_id=guild_id)
        started: RunStarted = await executor.start(
            app,
            project_id,
            actor=actor,
            provider=config.provider,
            model=config.model,
            resume=resume,
            restart=restart,
            guild_id=guild_id,
            guild_limit=config.max_runs,
        )
        return started
