"""Which model to ask, where, with which key: :class:`LLMProfile`.

A profile is built from :class:`~devussy_git.config.Settings` (plus a per-command
provider/model override) and decides every endpoint rule of DESIGN section 3 in
one place. It must never show the key: not in ``repr``, not in
:meth:`LLMProfile.describe`, not in an error message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from devussy_git.config import PROVIDERS, Secret, Settings
from devussy_git.errors import InvalidInputError, LLMUnavailableError

__all__ = ["KEY_ENV_VARS", "LLMProfile", "redact_url"]

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
        cls, settings: Settings, *, provider: str | None = None, model: str | None = None
    ) -> LLMProfile:
        """The profile for ``settings``, optionally for another provider or model.

        A ``provider`` override other than the configured one uses that
        provider's default model unless ``model`` is given. ``LLM_API_BASE``
        applies to every provider but offline; requesty defaults to its router.
        """
        chosen = (provider or settings.llm_provider).strip().lower()
        if chosen not in PROVIDERS:
            raise InvalidInputError(_unknown_provider(chosen))
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

        api_base = settings.llm_api_base or PROVIDERS[chosen]["api_base"]
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


def redact_url(url: str) -> str:
    """``url`` without user info, query or fragment (they may carry tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
