"""The real LLM client: litellm's ``acompletion`` with tenacity retries.

This is the only module in devussy-git that imports litellm, and only on the
first call (it takes seconds and a lot of memory), after setting
``LITELLM_LOCAL_MODEL_COST_MAP`` so the import never reaches the internet.
Every call passes an explicit ``timeout``, ``api_key`` and ``num_retries=0``:
retrying is ours, for the failures :mod:`devussy_git.llm.retry` calls
transient. Provider errors leave this module as ``LLMUnavailableError`` naming
provider, model and cause; the key never appears in a message or a log line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)

from devussy_git.errors import LLMUnavailableError
from devussy_git.llm.profile import LLMProfile
from devussy_git.llm.retry import backoff_s, cause_of, connection_failure, is_retryable, status_of
from devussy_git.llm.types import LLMRequest, Reply

__all__ = ["LiteLLMClient", "aclose_litellm", "litellm_model_name", "load_litellm"]

logger = logging.getLogger("devussy_git.llm")

#: Stand-in key for a self-hosted server that takes none: the OpenAI SDK refuses
#: an empty key and would otherwise fall back to ``OPENAI_API_KEY`` from the
#: environment, sending a real key to whatever ``LLM_API_BASE`` names.
NO_KEY = "no-key"

#: Providers whose API is not sent ``response_format``. litellm's ``drop_params``
#: stopped dropping it for z.ai in 1.109, so whether it is sent is decided here,
#: not by the litellm version; the prompts ask for JSON either way.
NO_JSON_MODE_PROVIDERS: frozenset[str] = frozenset({"zai"})

_litellm: ModuleType | None = None
_litellm_lock = threading.Lock()


def load_litellm() -> ModuleType:
    """Import litellm once, offline-safe and quiet."""
    global _litellm
    if _litellm is None:
        with _litellm_lock:
            if _litellm is None:
                os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
                import litellm

                litellm.suppress_debug_info = True
                _litellm = litellm
    return _litellm


async def aclose_litellm(timeout_s: float = 5.0) -> None:
    """Let litellm finish its background work on the running event loop.

    litellm queues a logging task per call on a worker tied to the loop that
    made the call; when that loop ends first (``asyncio.run`` returning, each
    test) the tasks are carried to the next loop with a warning, or flushed at
    exit. Await this before a loop that made calls ends (CLI command, server
    shutdown, test teardown). Does nothing when litellm was never loaded.
    """
    if _litellm is None:
        return
    from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER

    try:
        await asyncio.wait_for(GLOBAL_LOGGING_WORKER.flush(), timeout=timeout_s)
    except TimeoutError:
        logger.warning("litellm's background logging did not finish within %.1fs", timeout_s)
    await GLOBAL_LOGGING_WORKER.stop()


@functools.cache
def _provider_errors() -> tuple[type[BaseException], ...]:
    """Every exception class litellm may raise from a call (its own and openai's)."""
    litellm = load_litellm()
    import openai

    found: list[type[BaseException]] = [openai.OpenAIError]
    for value in vars(litellm.exceptions).values():
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == "litellm.exceptions":
            found.append(value)
    return tuple(found)


def litellm_model_name(profile: LLMProfile) -> str:
    """The model string litellm routes by: ``zai/<model>`` or ``openai/<model>``."""
    if profile.provider == "zai":
        return f"zai/{profile.model}"
    # openai, requesty and any LLM_API_BASE server all speak the OpenAI protocol;
    # litellm strips this prefix, so the server receives the bare model name.
    return f"openai/{profile.model}"


class LiteLLMClient:
    """An :class:`~devussy_git.llm.types.LLMClient` for every non-offline provider."""

    def __init__(
        self,
        profile: LLMProfile,
        *,
        on_retry: Callable[[int, BaseException], None] | None = None,
        wait_initial_s: float = 1.0,
        wait_max_s: float = 30.0,
    ) -> None:
        if profile.provider == "offline":
            raise ValueError("LiteLLMClient needs a network provider; use OfflineClient")
        self.profile = profile
        self._on_retry = on_retry
        self._wait_initial_s = wait_initial_s
        self._wait_max_s = wait_max_s

    async def complete(self, request: LLMRequest) -> Reply:
        """Ask the provider, retrying transient failures; see the module docstring."""
        # The first import of litellm takes seconds: do it off the event loop so a
        # bot or server keeps answering meanwhile.
        litellm = _litellm if _litellm is not None else await asyncio.to_thread(load_litellm)
        errors = _provider_errors()
        kwargs = self._call_kwargs(request)
        attempts = max(1, self.profile.max_retries)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=self._wait,
            retry=retry_if_exception(self._should_retry),
            before_sleep=lambda state: self._before_sleep(state, request),
            reraise=True,
        )
        attempt = 0
        try:
            async for try_ in retrying:
                with try_:
                    attempt = try_.retry_state.attempt_number
                    response = await litellm.acompletion(**kwargs)
        except errors as exc:
            raise self._unavailable(exc, attempt, attempts) from exc
        return self._reply(response, request)

    # -- helpers -------------------------------------------------------------------

    def _call_kwargs(self, request: LLMRequest) -> dict[str, Any]:
        key = self.profile.api_key.get() if self.profile.api_key else NO_KEY
        kwargs: dict[str, Any] = {
            "model": litellm_model_name(self.profile),
            "messages": [dict(m) for m in request.messages],
            "timeout": self.profile.timeout_s,
            "num_retries": 0,
            "api_key": key,
            # Drop what a provider does not support instead of failing the request.
            "drop_params": True,
        }
        if self.profile.api_base:
            kwargs["api_base"] = self.profile.api_base
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.json_mode and self.profile.provider not in NO_JSON_MODE_PROVIDERS:
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        return backoff_s(
            state.attempt_number,
            initial_s=self._wait_initial_s,
            max_s=self._wait_max_s,
            retry_after_s=_retry_after_s(exc) if exc is not None else None,
        )

    def _before_sleep(self, state: RetryCallState, request: LLMRequest) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if exc is None:
            return
        sleep = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "LLM call to %s for stage %s failed with %s (attempt %d of %d); retrying in %.2fs",
            self.profile.describe(),
            request.stage,
            cause_of(exc),
            state.attempt_number,
            max(1, self.profile.max_retries),
            sleep,
        )
        if self._on_retry is not None:
            self._on_retry(state.attempt_number, exc)

    def _endpoint(self) -> str:
        return self.profile.api_base or f"the {self.profile.provider} API"

    def _should_retry(self, exc: BaseException) -> bool:
        """Transient failures are retried; a refused connection on this machine is not
        (nothing listens there, and waiting will not change that)."""
        if not is_retryable(exc):
            return False
        if connection_failure(exc) == "connection refused" and _is_local(self.profile.api_base):
            return False
        return True

    def _unavailable(self, exc: BaseException, attempt: int, attempts: int) -> LLMUnavailableError:
        retryable = self._should_retry(exc)
        failure = connection_failure(exc)
        if failure is not None:
            tried = f" (tried {attempt} times)" if attempt > 1 else ""
            message = f"Could not connect to {self._endpoint()}: {failure}{tried}."
            logger.error("LLM call to %s: could not connect: %s%s", self.profile.describe(), failure, tried)
            return LLMUnavailableError(message, detail=self._redact(str(exc))[:500])
        if retryable:
            tried = f"after {attempt} attempt{'s' if attempt != 1 else ''}"
        else:
            tried = "(not retried)"
        message = (
            f"The LLM provider {self.profile.provider} (model {self.profile.model}) failed {tried}: {cause_of(exc)}."
        )
        if status_of(exc) in (401, 403):
            message += " Check the API key for this provider."
        logger.error("LLM call to %s failed %s: %s", self.profile.describe(), tried, cause_of(exc))
        return LLMUnavailableError(message, detail=self._redact(str(exc))[:500])

    def _redact(self, text: str) -> str:
        if self.profile.api_key and self.profile.api_key.get():
            text = text.replace(self.profile.api_key.get(), "**********")
        return text

    def _reply(self, response: Any, request: LLMRequest) -> Reply:
        choices = getattr(response, "choices", None) or []
        choice = choices[0] if choices else None
        message = getattr(choice, "message", None) if choice is not None else None
        text = getattr(message, "content", None) if message is not None else None
        finish = getattr(choice, "finish_reason", None) if choice is not None else None
        usage = getattr(response, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        hidden = getattr(response, "_hidden_params", None) or {}
        cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
        return Reply(
            text=text if isinstance(text, str) else "",
            model=self._reported_model(getattr(response, "model", None)),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=float(cost) if isinstance(cost, int | float) else None,
            finish_reason=finish if isinstance(finish, str) and finish else None,
        )

    def _reported_model(self, reported: object) -> str:
        if not isinstance(reported, str) or not reported:
            return self.profile.model
        # litellm prefixes some providers' names ("zai/glm-4.6"); report the name
        # the provider knows, as configured.
        prefix = f"{self.profile.provider}/"
        if reported.startswith(prefix) and not self.profile.model.startswith(prefix):
            return reported[len(prefix) :]
        return reported


def _retry_after_s(exc: BaseException) -> float | None:
    """Seconds a ``Retry-After``/``retry-after-ms`` header of the failed response asks for."""
    # litellm keeps the provider's headers here; ``exc.response`` is often synthetic.
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) * scale)
        except ValueError:
            # An HTTP date: not worth parsing for a wait we cap at seconds anyway.
            continue
    return None


def _is_local(api_base: str | None) -> bool:
    """Whether ``api_base`` names this machine (loopback)."""
    if not api_base:
        return False
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(api_base).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
