"""Settings come from the environment with the documented defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.config import Secret, load_settings
from devussy_git.errors import InvalidInputError


def test_defaults_without_any_key_use_the_offline_provider() -> None:
    s = load_settings({}, dotenv_path=None)
    assert s.llm_provider == "offline"
    assert s.llm_model == "offline"
    assert s.repos_root == Path("./repos")
    assert s.database_url == "sqlite+aiosqlite:///./devussy_bot.db"
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.llm_timeout_s == 120.0
    assert s.llm_max_retries == 3


def test_a_key_picks_its_provider_and_secrets_never_show() -> None:
    s = load_settings({"LLM_REQUESTY_API_KEY": "sk-very-secret"}, dotenv_path=None)
    assert s.llm_provider == "requesty"
    assert "sk-very-secret" not in repr(s)
    assert s.key_for("requesty") == Secret("sk-very-secret")


def test_env_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEVUSSY_REPOS_ROOT=/from/dotenv\nLLM_TIMEOUT_S=5\n")
    s = load_settings({"DEVUSSY_REPOS_ROOT": "/from/env"}, dotenv_path=env_file)
    assert s.repos_root == Path("/from/env")
    assert s.llm_timeout_s == 5.0


@pytest.mark.parametrize(
    ("name", "value"),
    [("LLM_TIMEOUT_S", "soon"), ("LLM_MAX_RETRIES", "-1"), ("LLM_DEFAULT_PROVIDER", "skynet")],
)
def test_bad_values_are_clear_errors(name: str, value: str) -> None:
    with pytest.raises(InvalidInputError, match=name):
        load_settings({name: value}, dotenv_path=None)


def test_the_node_defaults_to_local_and_takes_its_url() -> None:
    assert load_settings({}, dotenv_path=None).node == "local"
    s = load_settings({"DEVUSSY_NODE": "eu-2", "DEVUSSY_NODE_URL": "http://eu-2:8000/"}, dotenv_path=None)
    assert (s.node, s.node_url) == ("eu-2", "http://eu-2:8000")


@pytest.mark.parametrize("value", ["node-2:8000", "ftp://node-2", "http://", "http://a b"])
def test_a_node_url_must_be_an_http_base_url(value: str) -> None:
    with pytest.raises(InvalidInputError, match="DEVUSSY_NODE_URL must be the http"):
        load_settings({"DEVUSSY_NODE_URL": value}, dotenv_path=None)


@pytest.mark.parametrize("value", ["EU", "eu_2", "a" * 64, "eu 2", "node/1"])
def test_an_invalid_node_name_is_a_clear_error(value: str) -> None:
    with pytest.raises(InvalidInputError, match="DEVUSSY_NODE must be 1 to 63 lowercase letters, digits or '-'"):
        load_settings({"DEVUSSY_NODE": value}, dotenv_path=None)
