"""LLMProfile.from_settings: the endpoint, model and key rules of DESIGN section 3."""

from __future__ import annotations

import pytest

from devussy_git.config import Secret, load_settings
from devussy_git.errors import InvalidInputError, LLMUnavailableError
from devussy_git.llm import LLMProfile
from devussy_git.llm.profile import redact_url


def settings(**env: str):
    return load_settings(env, dotenv_path=None)


def test_no_key_means_the_offline_profile() -> None:
    profile = LLMProfile.from_settings(settings())
    assert (profile.provider, profile.model, profile.api_base, profile.api_key) == (
        "offline",
        "offline",
        None,
        None,
    )
    assert profile.describe() == "offline"


def test_openai_uses_the_default_model_and_its_key() -> None:
    profile = LLMProfile.from_settings(settings(LLM_DEFAULT_PROVIDER="openai", LLM_API_KEY="sk-1"))
    assert profile.provider == "openai"
    assert profile.model == "gpt-4o-mini"
    assert profile.api_base is None
    assert profile.api_key == Secret("sk-1")
    assert profile.describe() == "openai/gpt-4o-mini"


def test_requesty_goes_to_its_router_with_its_own_key() -> None:
    profile = LLMProfile.from_settings(settings(LLM_REQUESTY_API_KEY="rq-key", LLM_API_KEY="other"))
    assert profile.provider == "requesty"
    assert profile.model == "openai/gpt-4o-mini"
    assert profile.api_base == "https://router.requesty.ai/v1"
    assert profile.api_key == Secret("rq-key")
    assert profile.describe() == "requesty/openai/gpt-4o-mini @ https://router.requesty.ai/v1"


def test_zai_uses_its_key_and_default_endpoint() -> None:
    profile = LLMProfile.from_settings(settings(LLM_ZAI_API_KEY="z-key"))
    assert (profile.provider, profile.model, profile.api_base) == ("zai", "glm-4.6", None)
    assert profile.api_key == Secret("z-key")


def test_api_base_points_any_provider_at_an_openai_compatible_server() -> None:
    base = "http://127.0.0.1:9/v1"
    s = settings(LLM_API_BASE=base, LLM_API_KEY="k", LLM_DEFAULT_MODEL="llama3")
    profile = LLMProfile.from_settings(s)
    assert (profile.provider, profile.model, profile.api_base) == ("openai", "llama3", base)
    assert LLMProfile.from_settings(s, provider="requesty").api_base == base
    assert LLMProfile.from_settings(s, provider="zai").api_base == base
    assert LLMProfile.from_settings(s, provider="offline").api_base is None


def test_a_self_hosted_server_needs_no_key() -> None:
    profile = LLMProfile.from_settings(settings(LLM_API_BASE="http://localhost:11434/v1"))
    assert profile.provider == "openai"
    assert profile.api_key is None


def test_provider_override_takes_that_providers_default_model_unless_model_given() -> None:
    s = settings(LLM_DEFAULT_PROVIDER="openai", LLM_DEFAULT_MODEL="gpt-4.1", LLM_API_KEY="k", LLM_ZAI_API_KEY="z")
    assert LLMProfile.from_settings(s).model == "gpt-4.1"
    assert LLMProfile.from_settings(s, provider="openai").model == "gpt-4.1"
    assert LLMProfile.from_settings(s, provider="zai").model == "glm-4.6"
    assert LLMProfile.from_settings(s, provider="ZAI", model="glm-4.5").model == "glm-4.5"
    assert LLMProfile.from_settings(s, model="gpt-5").model == "gpt-5"
    assert LLMProfile.from_settings(s, provider="offline").model == "offline"


def test_timeout_and_attempts_come_from_settings() -> None:
    s = settings(LLM_API_KEY="k", LLM_TIMEOUT_S="7.5", LLM_MAX_RETRIES="5")
    profile = LLMProfile.from_settings(s)
    assert (profile.timeout_s, profile.max_retries) == (7.5, 5)
    # Zero retries still means one attempt.
    assert LLMProfile.from_settings(s.with_(llm_max_retries=0)).max_retries == 1


def test_an_unknown_provider_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="anthropic"):
        LLMProfile.from_settings(settings(), provider="anthropic")


@pytest.mark.parametrize(
    ("provider", "env_var"),
    [("openai", "LLM_API_KEY"), ("requesty", "LLM_REQUESTY_API_KEY"), ("zai", "LLM_ZAI_API_KEY")],
)
def test_a_missing_key_names_the_variable_to_set(provider: str, env_var: str) -> None:
    with pytest.raises(LLMUnavailableError) as caught:
        LLMProfile.from_settings(settings(), provider=provider)
    assert env_var in caught.value.user_message
    assert provider in caught.value.user_message


def test_the_key_never_shows_in_repr_or_describe() -> None:
    profile = LLMProfile.from_settings(
        settings(LLM_API_KEY="sk-top-secret", LLM_API_BASE="https://user:pw@llm.example/v1?t=tok")
    )
    for text in (repr(profile), str(profile), profile.describe()):
        assert "sk-top-secret" not in text
    assert profile.describe() == "openai/gpt-4o-mini @ https://llm.example/v1"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("https://u:secret@host.example/v1?key=abc#frag", "https://host.example/v1"),
        ("http://[::1]:9000/v1", "http://[::1]:9000/v1"),
    ],
)
def test_redact_url_drops_credentials_and_query(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"provider": "anthropic", "model": "claude"}, "anthropic"),
        ({"provider": "openai", "model": "  "}, "model name"),
        ({"provider": "openai", "model": "m", "timeout_s": 0}, "timeout"),
    ],
)
def test_a_profile_built_by_hand_is_checked(kwargs: dict, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        LLMProfile(**kwargs)
