"""Which litellm failures are retried: the table, and a guard against new classes."""

from __future__ import annotations

import inspect

import pytest

from devussy_git.llm.litellm_client import load_litellm
from devussy_git.llm.retry import (
    NON_RETRYABLE_EXCEPTIONS,
    RETRYABLE_EXCEPTIONS,
    STATUS_DECIDED_EXCEPTIONS,
    backoff_s,
    cause_of,
    is_retryable,
)


def litellm_exception_classes() -> dict[str, type[BaseException]]:
    exceptions = load_litellm().exceptions
    return {
        name: value
        for name, value in vars(exceptions).items()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == exceptions.__name__
    }


def unclassified() -> list[str]:
    known = RETRYABLE_EXCEPTIONS.keys() | NON_RETRYABLE_EXCEPTIONS.keys() | STATUS_DECIDED_EXCEPTIONS.keys()
    return sorted(set(litellm_exception_classes()) - known)


def test_every_litellm_exception_class_is_classified() -> None:
    missing = unclassified()
    assert not missing, f"classify these litellm exceptions in devussy_git/llm/retry.py: {missing}"


def test_the_guard_notices_a_class_litellm_adds(monkeypatch: pytest.MonkeyPatch) -> None:
    exceptions = load_litellm().exceptions
    added = type("QuotaWobbleError", (Exception,), {"__module__": exceptions.__name__})
    monkeypatch.setattr(exceptions, "QuotaWobbleError", added, raising=False)
    assert unclassified() == ["QuotaWobbleError"]


def test_no_class_is_in_two_tables() -> None:
    assert not RETRYABLE_EXCEPTIONS.keys() & NON_RETRYABLE_EXCEPTIONS.keys()
    assert not (RETRYABLE_EXCEPTIONS.keys() | NON_RETRYABLE_EXCEPTIONS.keys()) & STATUS_DECIDED_EXCEPTIONS.keys()


def test_every_class_says_why_it_is_where_it_is() -> None:
    tables = (RETRYABLE_EXCEPTIONS, NON_RETRYABLE_EXCEPTIONS, STATUS_DECIDED_EXCEPTIONS)
    assert all(reason.strip() for table in tables for reason in table.values())


def make(name: str, **attrs: object) -> BaseException:
    """An instance of the real litellm class ``name``, built without its constructor."""
    klass = litellm_exception_classes()[name]
    exc = klass.__new__(klass)
    for key, value in attrs.items():
        setattr(exc, key, value)
    return exc


@pytest.mark.parametrize(
    "name",
    [
        "RateLimitError",
        "Timeout",
        "APIConnectionError",
        "InternalServerError",
        "ServiceUnavailableError",
        "BadGatewayError",
        "MidStreamFallbackError",
        "CallerCredentialRateLimitError",
    ],
)
def test_transient_failures_are_retried(name: str) -> None:
    assert is_retryable(make(name))


@pytest.mark.parametrize(
    "name",
    [
        "AuthenticationError",
        "BadRequestError",
        "NotFoundError",
        "PermissionDeniedError",
        "ContextWindowExceededError",
        "ContentPolicyViolationError",
        "UnsupportedParamsError",
        "BudgetExceededError",
        "CallerCredentialAuthenticationError",
        "EndpointNotSupportedByModelError",
        "MalformedRequestFieldError",
        "UnsupportedEndpointError",
    ],
)
def test_request_and_auth_failures_are_not_retried(name: str) -> None:
    assert not is_retryable(make(name))


@pytest.mark.parametrize(
    ("status", "retried"),
    [(500, True), (503, True), (429, True), (408, True), (400, False), (401, False), (None, False)],
)
def test_a_generic_api_error_is_retried_by_its_status(status: int | None, retried: bool) -> None:
    assert is_retryable(make("APIError", status_code=status)) is retried


def test_subclasses_follow_their_nearest_classified_base() -> None:
    class ProxyHiccup(load_litellm().exceptions.ServiceUnavailableError):  # type: ignore[misc]
        pass

    class RefusedKey(load_litellm().exceptions.AuthenticationError):  # type: ignore[misc]
        pass

    assert is_retryable(ProxyHiccup.__new__(ProxyHiccup))
    assert not is_retryable(RefusedKey.__new__(RefusedKey))


def test_errors_that_are_not_the_providers_are_never_retried() -> None:
    assert not is_retryable(TypeError("a bug"))
    assert not is_retryable(KeyError("choices"))


def test_cause_names_class_and_status_only() -> None:
    exc = make("RateLimitError", status_code=429, message="key sk-abc rejected")
    assert cause_of(exc) == "RateLimitError (HTTP 429)"
    assert cause_of(TimeoutError()) == "TimeoutError"


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [(1, 0.0, 1.0), (2, 0.0, 2.0), (3, 0.5, 4.5), (4, 1.0, 9.0), (9, 0.0, 30.0)],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt: int, jitter: float, expected: float) -> None:
    assert backoff_s(attempt, initial_s=1.0, max_s=30.0, rand=lambda: jitter) == expected


def test_backoff_waits_at_least_what_retry_after_asks_within_the_cap() -> None:
    assert backoff_s(1, initial_s=0.01, max_s=30.0, retry_after_s=2.0, rand=lambda: 0.0) == 2.0
    assert backoff_s(1, initial_s=0.01, max_s=5.0, retry_after_s=600.0, rand=lambda: 0.0) == 5.0
    assert backoff_s(3, initial_s=1.0, max_s=30.0, retry_after_s=0.5, rand=lambda: 0.0) == 4.0
