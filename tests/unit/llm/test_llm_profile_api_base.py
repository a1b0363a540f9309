"""An endpoint override (a guild's own server): what is accepted, and where the key goes."""

from __future__ import annotations

import pytest

from devussy_git.config import Secret, load_settings
from devussy_git.errors import InvalidInputError, LLMUnavailableError
from devussy_git.llm import LLMProfile
from devussy_git.llm.profile import API_BASE_MAX_LEN, endpoint_host, validate_api_base


def settings(**env: str):
    return load_settings(env, dotenv_path=None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("  https://llm.example.com/v1\n", "https://llm.example.com/v1"),
        ("https://LLM.Example.com", "https://LLM.Example.com"),
        ("http://[::1]:9000/v1", "http://[::1]:9000/v1"),
        ("http://vllm-box.internal:8000/openai/v1", "http://vllm-box.internal:8000/openai/v1"),
    ],
)
def test_an_http_endpoint_is_accepted_as_typed(url: str, expected: str) -> None:
    assert validate_api_base(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "1 to 500 characters"),
        ("https://h.example/" + "a" * API_BASE_MAX_LEN, "1 to 500 characters"),
        ("ftp://llm.example.com/v1", "http:// or https://"),
        ("llm.example.com/v1", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("https:///v1", "http:// or https://"),
        ("https://sk-live@llm.example.com/v1", "user or password"),
        ("https://user:sk-live@llm.example.com/v1", "user or password"),
        ("https://llm.example.com/v1?api_key=sk-live", "query or fragment"),
        ("https://llm.example.com/v1?region=eu", "query or fragment"),
        ("https://llm.example.com/v1#sk-live", "query or fragment"),
        ("https://llm.example.com/v1?", "query or fragment"),
        ("https://llm.example.com:99999/v1", "cannot be read"),
        ("https://llm.example.com:sk-live/v1", "cannot be read"),
        ("https://llm example.com/v1", "no spaces"),
        ("https://llm.example.com/\x00v1", "control characters"),
        ("https://llm`x`.example.com/v1", "host is a name"),
    ],
)
def test_an_unusable_or_key_carrying_endpoint_is_refused(url: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_api_base(url)
    assert problem in caught.value.user_message
    assert "sk-live" not in caught.value.user_message


def test_an_override_on_another_host_never_gets_the_configured_key() -> None:
    s = settings(LLM_DEFAULT_PROVIDER="openai", LLM_API_KEY="sk-operator", LLM_REQUESTY_API_KEY="rq-operator")
    for provider in ("openai", "requesty"):
        profile = LLMProfile.from_settings(s, provider=provider, api_base="http://10.0.0.7:8000/v1")
        assert profile.api_base == "http://10.0.0.7:8000/v1"
        assert profile.api_key is None
        assert "operator" not in repr(profile) + profile.describe()


def test_an_override_on_the_configured_host_keeps_its_key() -> None:
    s = settings(LLM_API_BASE="https://llm.corp.example/v1", LLM_API_KEY="sk-corp")
    profile = LLMProfile.from_settings(s, api_base="https://llm.corp.example/v2")
    assert (profile.api_base, profile.api_key) == ("https://llm.corp.example/v2", Secret("sk-corp"))
    rq = LLMProfile.from_settings(
        settings(LLM_REQUESTY_API_KEY="rq-key"), provider="requesty", api_base="https://router.requesty.ai/v1"
    )
    assert rq.api_key == Secret("rq-key")
    # Same host, other port or scheme: another origin, so no key.
    other = LLMProfile.from_settings(s, api_base="http://llm.corp.example/v1")
    assert other.api_key is None


def test_a_foreign_endpoint_needs_no_key_but_the_provider_default_still_does() -> None:
    s = settings()
    profile = LLMProfile.from_settings(s, provider="zai", model="glm-4.6", api_base="http://127.0.0.1:1/v1")
    assert (profile.provider, profile.model, profile.api_key) == ("zai", "glm-4.6", None)
    with pytest.raises(LLMUnavailableError, match="LLM_ZAI_API_KEY"):
        LLMProfile.from_settings(s, provider="zai")


def test_the_offline_provider_takes_no_endpoint() -> None:
    with pytest.raises(InvalidInputError, match="offline provider"):
        LLMProfile.from_settings(settings(), provider="offline", api_base="http://127.0.0.1:1/v1")
    with pytest.raises(InvalidInputError, match="http:// or https://"):
        LLMProfile.from_settings(settings(), provider="openai", api_base="localhost:8000")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://llm.example.com/v1", "llm.example.com"),
        ("http://127.0.0.1:8080/v1", "127.0.0.1:8080"),
        ("http://[::1]:9000/v1", "[::1]:9000"),
    ],
)
def test_endpoint_host_is_what_a_reply_shows(url: str, host: str) -> None:
    assert endpoint_host(url) == host
