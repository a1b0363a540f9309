"""Settings, read from the environment and an optional ``.env`` file.

Nothing here runs at import time: :func:`load_settings` is called by the
composition root (``app.py``) or a test, which may pass its own mapping.
Secrets are kept in :class:`Secret` so that ``repr``/logging never shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from devussy_git.errors import InvalidInputError

__all__ = ["EXECUTORS", "NODE_RE", "PROVIDERS", "Secret", "Settings", "check_node_name", "load_settings"]

#: How runs execute (``DEVUSSY_EXECUTOR``): in the process that starts them, or on queue workers.
EXECUTORS = ("local", "queue")

#: A node's name (``DEVUSSY_NODE``): it goes into queue names and the database.
NODE_RE = re.compile(r"[a-z0-9-]{1,63}")

#: Providers the LLM adapter knows, with their default model and endpoint.
PROVIDERS: dict[str, dict[str, str | None]] = {
    "offline": {"model": "offline", "api_base": None},
    "openai": {"model": "gpt-4o-mini", "api_base": None},
    "requesty": {"model": "openai/gpt-4o-mini", "api_base": "https://router.requesty.ai/v1"},
    "zai": {"model": "glm-4.6", "api_base": None},
}


class Secret:
    """A string that never shows itself in ``repr``/``str`` (logs, tracebacks)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    """Every knob of DESIGN section 3, typed."""

    repos_root: Path = Path("./repos")
    database_url: str = "sqlite+aiosqlite:///./devussy_bot.db"
    discord_token: Secret | None = None
    discord_dev_guild: int | None = None
    runner_url: str | None = None
    runner_token: Secret | None = None
    #: ``local`` (runs execute in the process that starts them) or ``queue`` (workers, PostgreSQL).
    executor: str = "local"
    #: The node this process runs on: it owns the projects it creates and takes its own queue.
    node: str = "local"
    #: The base URL other nodes reach this node's ``serve`` at (``None``: the URL it serves on).
    node_url: str | None = None
    #: A queue worker silent this long is stalled: its run goes to another worker.
    stalled_after_s: float = 60.0
    public_url: str = "http://127.0.0.1:8000"
    #: Whether DEVUSSY_PUBLIC_URL was set (else clone URLs follow the server actually running).
    public_url_configured: bool = False
    secret_key: Secret | None = None
    llm_provider: str = "offline"
    llm_model: str = "offline"
    llm_api_base: str | None = None
    llm_api_key: Secret | None = None
    llm_requesty_api_key: Secret | None = None
    llm_zai_api_key: Secret | None = None
    llm_timeout_s: float = 120.0
    llm_max_retries: int = 3
    max_concurrent_phases: int = 4
    committer_name: str = "Devussy Bot"
    committer_email: str = "bot@devussy.invalid"
    proposal_max_age_s: int = 7 * 24 * 3600
    #: A repository with this many loose objects is packed after a write (0: never).
    pack_loose_objects: int = 1000
    #: Finished run rows older than this are deleted by maintenance (run tags stay).
    run_retention_days: float = 90.0
    #: Open interview sessions idle longer than this are ended by maintenance.
    interview_ttl_days: float = 7.0
    #: How often the bot looks for projects changed elsewhere (CLI, HTTP) to update their HUD (0: never).
    hud_refresh_s: float = 60.0
    #: Bundles of deleted projects older than this are removed by maintenance.
    trash_days: float = 30.0
    #: How often ``serve`` and ``bot`` run maintenance (0: never).
    maintenance_interval_s: float = 3600.0
    #: Let server admins point their guild at loopback/private/link-local hosts.
    allow_private_llm_hosts: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests, per-command overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def key_for(self, provider: str) -> Secret | None:
        """The API key that goes with ``provider`` (never logged)."""
        if provider == "requesty":
            return self.llm_requesty_api_key or self.llm_api_key
        if provider == "zai":
            return self.llm_zai_api_key or self.llm_api_key
        if provider == "offline":
            return None
        return self.llm_api_key


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value: float = kind(raw)
    except ValueError:
        raise InvalidInputError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise InvalidInputError(f"{name} must not be negative, got {raw!r}")
    return value


def check_node_name(name: str, what: str = "DEVUSSY_NODE") -> str:
    """``name`` when it is a valid node name, else :class:`InvalidInputError` saying what is allowed."""
    if not NODE_RE.fullmatch(name):
        raise InvalidInputError(f"{what} must be 1 to 63 lowercase letters, digits or '-' (e.g. node-2), got {name!r}")
    return name


def load_settings(env: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env") -> Settings:
    """Build :class:`Settings` from ``env`` (default ``os.environ``) and ``.env``.

    Values in the real environment win over the ``.env`` file, as with
    python-dotenv's default. Pass ``dotenv_path=None`` to ignore ``.env``.
    """
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    merged.update(os.environ if env is None else env)

    api_key = _secret(merged, "LLM_API_KEY")
    requesty_key = _secret(merged, "LLM_REQUESTY_API_KEY")
    zai_key = _secret(merged, "LLM_ZAI_API_KEY")
    api_base = merged.get("LLM_API_BASE", "").strip() or None

    provider = merged.get("LLM_DEFAULT_PROVIDER", "").strip().lower()
    if not provider:
        if requesty_key:
            provider = "requesty"
        elif zai_key:
            provider = "zai"
        elif api_key or api_base:
            provider = "openai"
        else:
            provider = "offline"
    if provider not in PROVIDERS:
        raise InvalidInputError(f"LLM_DEFAULT_PROVIDER must be one of {', '.join(sorted(PROVIDERS))}, got {provider!r}")
    model = merged.get("LLM_DEFAULT_MODEL", "").strip() or str(PROVIDERS[provider]["model"])

    guild = merged.get("DEVUSSY_DEV_GUILD", "").strip()
    executor = merged.get("DEVUSSY_EXECUTOR", "").strip().lower() or "local"
    if executor not in EXECUTORS:
        raise InvalidInputError(f"DEVUSSY_EXECUTOR must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    node = check_node_name(merged.get("DEVUSSY_NODE", "").strip() or "local")
    node_url = merged.get("DEVUSSY_NODE_URL", "").strip().rstrip("/") or None
    if node_url is not None and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", node_url):
        raise InvalidInputError(
            f"DEVUSSY_NODE_URL must be the http(s) base URL other nodes reach this serve at "
            f"(e.g. http://node-2.internal:8000), got {node_url!r}"
        )
    return Settings(
        node=node,
        node_url=node_url,
        repos_root=Path(merged.get("DEVUSSY_REPOS_ROOT", "").strip() or "./repos"),
        database_url=merged.get("DATABASE_URL", "").strip() or "sqlite+aiosqlite:///./devussy_bot.db",
        discord_token=_secret(merged, "DISCORD_TOKEN"),
        discord_dev_guild=int(guild) if guild.isdigit() else None,
        runner_url=merged.get("DEVUSSY_RUNNER_URL", "").strip() or None,
        runner_token=_secret(merged, "DEVUSSY_RUNNER_TOKEN"),
        executor=executor,
        stalled_after_s=float(_number(merged, "DEVUSSY_STALLED_AFTER_S", 60.0, float)) or 60.0,
        public_url=(merged.get("DEVUSSY_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000").rstrip("/"),
        public_url_configured=bool(merged.get("DEVUSSY_PUBLIC_URL", "").strip()),
        secret_key=_secret(merged, "DEVUSSY_SECRET_KEY"),
        llm_provider=provider,
        llm_model=model,
        llm_api_base=api_base,
        llm_api_key=api_key,
        llm_requesty_api_key=requesty_key,
        llm_zai_api_key=zai_key,
        llm_timeout_s=float(_number(merged, "LLM_TIMEOUT_S", 120.0, float)),
        llm_max_retries=int(_number(merged, "LLM_MAX_RETRIES", 3, int)),
        max_concurrent_phases=int(_number(merged, "DEVUSSY_MAX_CONCURRENT_PHASES", 4, int)) or 1,
        committer_name=merged.get("DEVUSSY_COMMITTER_NAME", "").strip() or "Devussy Bot",
        committer_email=merged.get("DEVUSSY_COMMITTER_EMAIL", "").strip() or "bot@devussy.invalid",
        proposal_max_age_s=int(_number(merged, "DEVUSSY_PROPOSAL_MAX_AGE_S", 7 * 24 * 3600, int)),
        allow_private_llm_hosts=merged.get("DEVUSSY_ALLOW_PRIVATE_LLM_HOSTS", "").strip().lower()
        in ("1", "true", "yes"),
        pack_loose_objects=int(_number(merged, "DEVUSSY_PACK_LOOSE_OBJECTS", 1000, int)),
        run_retention_days=float(_number(merged, "DEVUSSY_RUN_RETENTION_DAYS", 90.0, float)),
        interview_ttl_days=float(_number(merged, "DEVUSSY_INTERVIEW_TTL_DAYS", 7.0, float)),
        hud_refresh_s=float(_number(merged, "DEVUSSY_HUD_REFRESH_S", 60.0, float)),
        trash_days=float(_number(merged, "DEVUSSY_TRASH_DAYS", 30.0, float)),
        maintenance_interval_s=float(_number(merged, "DEVUSSY_MAINTENANCE_INTERVAL_S", 3600.0, float)),
    )
