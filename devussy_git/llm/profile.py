"""Which model to ask, where, with which key: :class:`LLMProfile`.

A profile is built from :class:`~devussy_git.config.Settings` (plus a per-command
provider/model override) and decides every endpoint rule of DESIGN section 3 in
one place. It must never show the key: not in ``repr``, not in
:meth:`LLMProfile.describe`, not in an error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from devussy_git.config import PROVIDERS, Secret, Settings
from devussy_git.errors import InvalidInputError, LLMUnavailableError

__all__ = ["API_BASE_MAX_LEN", "KEY_ENV_VARS", "LLMProfile", "endpoint_host", "redact_url", "validate_api_base"]

#: Longest endpoint accepted as an override (the profile table's column size).
API_BASE_MAX_LEN = 500

_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")

#: The environment variable that holds each keyed provider's key.
KEY_ENV_VARS: dict[str, str] = {
    "openai": "LLM_API_KEY",
    "requesty": "LLM_REQUESTY_API_KEY",
    "zai": "LLM_ZAI_API_KEY",
}


@dataclass(frozen=True)
class LLMProfile:
    """A provider, a model and how to reach it."""

    #: "offline" | "openai" | "requesty" | "zai".
    provider: str
    #: The model name as the provider knows it (requesty: "openai/gpt-4o-mini").
    model: str
    #: Endpoint override; any OpenAI-compatible server. ``None``: provider default.
    api_base: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    #: Per-request timeout in seconds.
    timeout_s: float = 120.0
    #: Attempts in all (tenacity), for retryable failures only.
    max_retries: int = 3

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise InvalidInputError(_unknown_provider(self.provider))
        if not self.model.strip():
            raise InvalidInputError(f"The {self.provider} provider needs a model name.")
        if not self.timeout_s > 0:
            raise InvalidInputError(f"The LLM timeout must be positive, got {self.timeout_s}.")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        provider: str | None = None,
        model: str | None = None,
        api_base: str | None = None,
    ) -> LLMProfile:
        """The profile for ``settings``, optionally for another provider, model or endpoint.

        A ``provider`` override other than the configured one uses that
        provider's default model unless ``model`` is given. ``LLM_API_BASE``
        applies to every provider but offline; requesty defaults to its router.

        ``api_base`` (checked by :func:`validate_api_base`) points the profile
        at another OpenAI-compatible server, e.g. a guild's own. The
        configured key goes only to the configured endpoint: an override on
        another host gets no key, so whoever may set an endpoint can never
        collect the operator's key with it.
        """
        chosen = (provider or settings.llm_provider).strip().lower()
        if chosen not in PROVIDERS:
            raise InvalidInputError(_unknown_provider(chosen))
        override = validate_api_base(api_base) if api_base is not None else None
        if override is not None and chosen == "offline":
            raise InvalidInputError(
                "The offline provider runs inside the bot and takes no base URL; "
                "choose openai for an OpenAI-compatible server."
            )
        if model is not None and model.strip():
            chosen_model = model.strip()
        elif chosen == settings.llm_provider:
            chosen_model = settings.llm_model
        else:
            chosen_model = str(PROVIDERS[chosen]["model"])
        attempts = max(1, int(settings.llm_max_retries))
        if chosen == "offline":
            return cls(
                provider="offline",
                model=chosen_model,
                timeout_s=settings.llm_timeout_s,
                max_retries=attempts,
            )

        configured = settings.llm_api_base or PROVIDERS[chosen]["api_base"]
        if override is not None and not _same_origin(override, configured):
            return cls(
                provider=chosen,
                model=chosen_model,
                api_base=override,
                timeout_s=settings.llm_timeout_s,
                max_retries=attempts,
            )
        api_base = override or configured
        key = settings.key_for(chosen)
        if not key and _needs_key(chosen, settings.llm_api_base):
            raise LLMUnavailableError(
                f"No API key for the {chosen} provider: set {KEY_ENV_VARS[chosen]}"
                + (" (or LLM_API_KEY)" if chosen != "openai" else "")
                + " or choose another provider."
            )
        return cls(
            provider=chosen,
            model=chosen_model,
            api_base=api_base,
            api_key=key or None,
            timeout_s=settings.llm_timeout_s,
            max_retries=attempts,
        )

    def describe(self) -> str:
        """``"openai/gpt-4o-mini @ http://..."``: for logs and messages, never secret."""
        name = self.model if self.provider == "offline" else f"{self.provider}/{self.model}"
        return f"{name} @ {redact_url(self.api_base)}" if self.api_base else name


def _unknown_provider(provider: str) -> str:
    return f"Unknown LLM provider {provider!r}; choose one of {', '.join(sorted(PROVIDERS))}."


def _needs_key(provider: str, custom_base: str | None) -> bool:
    # A self-hosted OpenAI-compatible server (LLM_API_BASE) often takes no key;
    # the hosted providers always do.
    return not (provider == "openai" and custom_base)


def validate_api_base(url: str) -> str:
    """``url`` stripped, when it is a usable endpoint; else :class:`InvalidInputError`.

    An http(s) URL with a host and no credentials, query or fragment: those
    are where keys get pasted, and an endpoint is shown to every admin.
    """
    value = url.strip()
    if not value or len(value) > API_BASE_MAX_LEN:
        raise InvalidInputError(f"A base URL is 1 to {API_BASE_MAX_LEN} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise InvalidInputError("A base URL has no spaces or control characters.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (reading it refuses a malformed port)
    except ValueError as exc:
        # Not the parser's message: it quotes the URL, which may hold a pasted key.
        raise InvalidInputError("That base URL cannot be read; check its host and port.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            "A base URL starts with http:// or https:// and names a host, e.g. https://llm.example.com/v1."
        )
    if _HOST.fullmatch(parts.hostname) is None:
        raise InvalidInputError("A base URL's host is a name like llm.example.com or an IP address.")
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError(
            "A base URL must not contain a user or password; keys stay in the bot's environment, never in a setting."
        )
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise InvalidInputError(
            "A base URL must not have a query or fragment (?… or #…); "
            "keys stay in the bot's environment, never in a setting."
        )
    return value


def endpoint_host(url: str) -> str:
    """The host (and port) of an endpoint, for a reply: ``llm.example.com:8443``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port is None else f"{host}:{parts.port}"


def _same_origin(url: str, other: object) -> bool:
    if not isinstance(other, str) or not other:
        return False
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def redact_url(url: str) -> str:
    """``url`` without user info, query or fragment (they may carry tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
