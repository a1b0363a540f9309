"""Which provider failures are worth another attempt, keyed by litellm class name.

The tables name every exception class ``litellm.exceptions`` defines (a guard
test fails when litellm adds one we have not classified). A raised exception
is classified by walking its MRO and taking the first class name found, so
subclasses and the ``openai`` classes litellm derives from are covered too.
This module works on names only and must never import litellm.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = [
    "backoff_s",
    "NON_RETRYABLE_EXCEPTIONS",
    "RETRYABLE_EXCEPTIONS",
    "RETRYABLE_STATUS_CODES",
    "STATUS_DECIDED_EXCEPTIONS",
    "cause_of",
    "is_retryable",
    "status_of",
]

#: Transient: rate limits, timeouts, connection trouble, 5xx.
RETRYABLE_EXCEPTIONS: frozenset[str] = frozenset(
    {
        "RateLimitError",
        "Timeout",
        "APITimeoutError",
        "APIConnectionError",
        "InternalServerError",
        "ServiceUnavailableError",
        "BadGatewayError",
        "MidStreamFallbackError",
    }
)

#: Retrying cannot help: the request, key, model or account is wrong.
NON_RETRYABLE_EXCEPTIONS: frozenset[str] = frozenset(
    {
        "AuthenticationError",
        "BadRequestError",
        "InvalidRequestError",
        "NotFoundError",
        "PermissionDeniedError",
        "UnprocessableEntityError",
        "ContextWindowExceededError",
        "ContentPolicyViolationError",
        "RejectedRequestError",
        "PaymentRequiredError",
        "BudgetExceededError",
        "UnsupportedParamsError",
        "LiteLLMUnknownProvider",
        "ModelNotMappedError",
        "ImageFetchError",
        "VectorStoreSearchError",
        "JSONSchemaValidationError",
        "APIResponseValidationError",
        "GuardrailRaisedException",
        "BlockedPiiEntityError",
        "ModifyResponseException",
        "SensitiveDataRouteException",
    }
)

#: Generic classes: retried only when their HTTP status says the fault is transient.
STATUS_DECIDED_EXCEPTIONS: frozenset[str] = frozenset({"APIError", "OpenAIError", "MockException"})

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
    delay = initial_s * 2**exponent + rand() * initial_s
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return min(delay, max_s)
