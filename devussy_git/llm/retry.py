"""Which provider failures are worth another attempt, keyed by litellm class name.

The tables name every exception class ``litellm.exceptions`` defines, each
with the reason for its place (a guard test fails when litellm adds one we
have not classified). A raised exception
is classified by walking its MRO and taking the first class name found, so
subclasses and the ``openai`` classes litellm derives from are covered too.
This module works on names only and must never import litellm.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from types import MappingProxyType

__all__ = [
    "NON_RETRYABLE_EXCEPTIONS",
    "RETRYABLE_EXCEPTIONS",
    "RETRYABLE_STATUS_CODES",
    "STATUS_DECIDED_EXCEPTIONS",
    "backoff_s",
    "cause_of",
    "is_retryable",
    "status_of",
]

#: Transient: another attempt after a wait may succeed. Class name -> why.
RETRYABLE_EXCEPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "RateLimitError": "HTTP 429: the provider asks us to slow down",
        "CallerCredentialRateLimitError": "HTTP 429 on the caller's own credential exchange",
        "Timeout": "the request took longer than LLM_TIMEOUT_S",
        "APITimeoutError": "the request took longer than LLM_TIMEOUT_S",
        "APIConnectionError": "the connection failed or dropped",
        "InternalServerError": "HTTP 500: the provider failed",
        "ServiceUnavailableError": "HTTP 503: the provider is overloaded or down",
        "BadGatewayError": "HTTP 502: a proxy in front of the model failed",
        "MidStreamFallbackError": "the stream broke off part way",
    }
)

#: Retrying cannot help: the request, key, model or account is wrong. Class name -> why.
NON_RETRYABLE_EXCEPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "AuthenticationError": "HTTP 401: the key is missing or wrong",
        "CallerCredentialAuthenticationError": "HTTP 401: the caller's own credential is wrong",
        "BadRequestError": "HTTP 400: the request itself is wrong",
        "InvalidRequestError": "HTTP 400: the request itself is wrong",
        "MalformedRequestFieldError": "HTTP 400: a field of the request is malformed",
        "EndpointNotSupportedByModelError": "the model does not serve chat completions",
        "UnsupportedEndpointError": "the provider does not serve this endpoint",
        "NotFoundError": "HTTP 404: no such model or endpoint",
        "PermissionDeniedError": "HTTP 403: the key may not use this model",
        "UnprocessableEntityError": "HTTP 422: the provider rejected the request body",
        "ContextWindowExceededError": "the prompt is longer than the model accepts",
        "ContentPolicyViolationError": "the provider's content policy refused the prompt",
        "RejectedRequestError": "the provider refused the prompt",
        "PaymentRequiredError": "HTTP 402: the account has no credit",
        "BudgetExceededError": "a spending limit was reached",
        "UnsupportedParamsError": "the provider does not take a parameter we sent",
        "LiteLLMUnknownProvider": "litellm does not know the provider (configuration)",
        "ModelNotMappedError": "litellm does not know the model (configuration)",
        "ImageFetchError": "an image in the prompt could not be fetched",
        "VectorStoreSearchError": "not used by devussy-git: a vector store failed",
        "JSONSchemaValidationError": "the reply does not match a JSON schema litellm enforced",
        "APIResponseValidationError": "the provider's response is malformed",
        "GuardrailRaisedException": "a litellm guardrail refused the call",
        "BlockedPiiEntityError": "a litellm guardrail refused personal data",
        "ModifyResponseException": "a litellm guardrail replaced the response",
        "SensitiveDataRouteException": "a litellm guardrail refused sensitive data",
    }
)

#: Generic classes: retried only when their HTTP status says the fault is transient.
STATUS_DECIDED_EXCEPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "APIError": "generic: the HTTP status decides",
        "OpenAIError": "generic: the HTTP status decides",
        "MockException": "litellm's test double: the HTTP status decides",
    }
)

#: Statuses worth another attempt when a generic error carries one.
RETRYABLE_STATUS_CODES: frozenset[int] = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an exception carries, if any."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def is_retryable(exc: BaseException) -> bool:
    """True for a failure another attempt may cure; unknown classes are not retried."""
    for klass in type(exc).__mro__:
        name = klass.__name__
        if name in RETRYABLE_EXCEPTIONS:
            return True
        if name in NON_RETRYABLE_EXCEPTIONS:
            return False
        if name in STATUS_DECIDED_EXCEPTIONS:
            status = status_of(exc)
            return status is not None and (status in RETRYABLE_STATUS_CODES or status >= 500)
    return False


def cause_of(exc: BaseException) -> str:
    """``"RateLimitError (HTTP 429)"``: the class and status, never the message text."""
    status = status_of(exc)
    name = type(exc).__name__
    return f"{name} (HTTP {status})" if status is not None else name


def backoff_s(
    attempt: int,
    *,
    initial_s: float,
    max_s: float,
    retry_after_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after failed ``attempt`` (1-based) before the next one.

    ``initial_s * 2**(attempt-1)`` plus up to ``initial_s`` of jitter (so callers
    hit by the same rate limit do not come back in lockstep), at least what a
    ``Retry-After`` asked for, never more than ``max_s``.
    """
    exponent = min(max(attempt, 1) - 1, 32)
    delay: float = initial_s * 2**exponent + rand() * initial_s
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return min(delay, max_s)


def connection_failure(exc: BaseException) -> str | None:
    """In words, why no connection could be made (refused, unknown host), or ``None``.

    Providers' client libraries wrap the socket error several times over (a
    "500" from litellm can be a refused connection); this walks the chain.
    """
    import socket

    seen: BaseException | None = exc
    for _ in range(12):
        if seen is None:
            return None
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "the host name could not be resolved"
        seen = seen.__cause__ or seen.__context__
    return None
